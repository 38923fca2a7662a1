"""Public exceptions and the ASL error names that orchestra emits.

Inside the engine a failure is a value (an error name and a cause), not an exception flying between
states; Retry and Catch match on its ``error`` string. Exceptions are raised only at the
edges: when a definition is compiled, when a task registers, when a caller asks for a failed
execution's result, and by task code (:class:`TaskFailed`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


class OrchestraError(Exception):
    """Base class of every exception orchestra raises."""


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem found in a definition.

    Attributes:
        code: a stable identifier of the kind of problem, e.g. ``"SCHEMA_VALIDATION_FAILED"``.
        pointer: a JSON pointer to the offending field, e.g. ``"/States/Charge/Retry/0"``.
        message: what is wrong, naming the state and the field.
    """

    code: str
    pointer: str
    message: str

    def __str__(self) -> str:
        return f"{self.pointer or '/'}: {self.message}"


class DefinitionError(OrchestraError):
    """A state machine definition is invalid.

    Attributes:
        diagnostics: every problem found, not only the first.
    """

    def __init__(self, diagnostics: tuple[Diagnostic, ...] | list[Diagnostic]) -> None:
        self.diagnostics = tuple(diagnostics)
        count = len(self.diagnostics)
        lines = "\n".join(f"  {d}" for d in self.diagnostics)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"Invalid state machine definition ({count} {noun}):\n{lines}")

    @property
    def message(self) -> str:
        """The problems in AWS's ``InvalidDefinition`` message form.

        A diagnostic without a location (an empty pointer) reads ``at null``, as AWS writes it.
        """
        parts = [f"{d.code}: {d.message} at {d.pointer or 'null'}" for d in self.diagnostics]
        return "Invalid State Machine Definition: '" + ", ".join(parts) + "'"


class RegistrationError(OrchestraError):
    """A task or state machine cannot be registered (bad ``@task``, duplicate resource, ...)."""


class EngineError(OrchestraError):
    """The engine refused a request: engine closed, unknown execution or token, bad name, ..."""


class ExecutionAlreadyExists(EngineError):
    """An execution with this name already exists and cannot be reused."""


class ExecutionLimitExceeded(EngineError):
    """The engine already runs as many executions as it may (``max_open_executions``)."""


class InvalidExecutionInput(EngineError):
    """An execution's input is not JSON data the engine can hold."""


class InvalidArgument(EngineError, ValueError):
    """An argument of an engine call breaks AWS's constraints (a length, a type, a range).

    Its message is AWS's ``ValidationException`` wording where AWS has one.
    """


class ExecutionDoesNotExist(EngineError):
    """No execution with this ARN or name is known to the engine."""


class InvalidName(EngineError):
    """An execution or state machine name breaks AWS's naming rules."""


class StateMachineDoesNotExist(EngineError):
    """No state machine with this name or ARN is registered with the engine."""


class StateMachineTypeNotSupported(EngineError):
    """The request needs the other type of state machine (StartSyncExecution: EXPRESS)."""


class InvalidToken(EngineError):
    """A task token is malformed: it is not a token the engine could have issued."""


class TaskDoesNotExist(EngineError):
    """No task was ever given this (well-formed) token."""


class TaskTimedOut(EngineError):
    """The task behind this token is closed: completed, timed out, failed or stopped."""


class InvalidOutput(EngineError):
    """A callback's output is not a JSON value."""


class ExecutionError(OrchestraError):
    """Raised by ``Execution.result()`` when the execution did not succeed.

    Attributes:
        status: the execution's final status (``FAILED``, ``TIMED_OUT`` or ``ABORTED``).
        error: the ASL error name, or ``None``.
        cause: the cause text, or ``None``.
    """

    def __init__(self, status: str, error: str | None, cause: str | None) -> None:
        self.status = status
        self.error = error
        self.cause = cause
        super().__init__(f"execution {status}: {error}: {cause}")


class TaskFailed(Exception):
    """Raised by task code to fail its state with an ASL error name and a cause.

    Args:
        error: the error name that Retry and Catch match, e.g. ``"PaymentDeclined"``.
        cause: a human-readable cause.
    """

    def __init__(self, error: str, cause: str | None = None) -> None:
        self.error = error
        self.cause = cause
        super().__init__(error if cause is None else f"{error}: {cause}")


# The error names of the States.* namespace, spelled as AWS spells them.
ALL: Final = "States.ALL"
HEARTBEAT_TIMEOUT: Final = "States.HeartbeatTimeout"
TIMEOUT: Final = "States.Timeout"
TASK_FAILED: Final = "States.TaskFailed"
PERMISSIONS: Final = "States.Permissions"
RESULT_PATH_MATCH_FAILURE: Final = "States.ResultPathMatchFailure"
PARAMETER_PATH_FAILURE: Final = "States.ParameterPathFailure"
BRANCH_FAILED: Final = "States.BranchFailed"
NO_CHOICE_MATCHED: Final = "States.NoChoiceMatched"
INTRINSIC_FAILURE: Final = "States.IntrinsicFailure"
EXCEED_TOLERATED_FAILURE_THRESHOLD: Final = "States.ExceedToleratedFailureThreshold"
ITEM_READER_FAILED: Final = "States.ItemReaderFailed"
RESULT_WRITER_FAILED: Final = "States.ResultWriterFailed"
RUNTIME: Final = "States.Runtime"
DATA_LIMIT_EXCEEDED: Final = "States.DataLimitExceeded"
QUERY_EVALUATION_ERROR: Final = "States.QueryEvaluationError"
