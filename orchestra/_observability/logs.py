"""Log context and the engine's own log lines.

The context (execution, root execution, trace, state, attempt) is bound once per execution
and around task calls, where user code runs, so every line logged there carries it.
"""

from __future__ import annotations

from contextvars import ContextVar, copy_context
from typing import TYPE_CHECKING, Any

import structlog

from .._states.guards import StateFailed, traceback_text

if TYPE_CHECKING:
    from .._states.run import Run, StateInfo

log = structlog.get_logger("orchestra")


def _structlog_vars(*keys: str) -> tuple[ContextVar[Any], ...]:
    """structlog's own context variables behind ``keys``.

    Setting them directly is what ``bind_contextvars`` does, at a quarter of its cost on the
    path every task call takes; they are found through a throwaway context, so the module
    relies only on structlog's documented ``structlog_`` prefix.
    """
    probe = copy_context()
    probe.run(structlog.contextvars.bind_contextvars, **dict.fromkeys(keys))
    by_name = {var.name: var for var in probe}
    return tuple(by_name[f"structlog_{key}"] for key in keys)


EXECUTION_VAR, ROOT_VAR, TRACE_VAR, SPAN_VAR, STATE_VAR, ATTEMPT_VAR = _structlog_vars(
    "execution", "root_execution", "trace_id", "span_id", "state", "attempt"
)


def run_fields(run: Run) -> dict[str, str]:
    """The fields that name a run in a log line: the execution and its root."""
    return {"execution": run.execution_name, "root_execution": run.root_execution_name}


class StateLog:
    """The interpreter's observer: logs the states that fail (see ``_states.ports.Observer``)."""

    __slots__ = ()

    def state_failed(self, run: Run, state: StateInfo, failure: StateFailed) -> None:
        """Log a state that failed and that nothing caught."""
        log.warning(
            "state failed",
            **run_fields(run),
            state=state.name,
            state_type=state.type,
            error=failure.error,
            cause=failure.cause,
        )

    def internal_error(self, run: Run, state_name: str, exc: Exception) -> None:
        """Log an error a state did not foresee, with its traceback."""
        log.error(
            "internal error while running a state",
            state=state_name,
            execution=run.execution_name,
            exception=traceback_text(exc),
        )


def internal_error(execution_name: str, exc: Exception) -> None:
    """Log an error the engine did not foresee while running an execution, with its traceback."""
    log.error(
        "internal error while running an execution",
        execution=execution_name,
        exception=traceback_text(exc),
    )
