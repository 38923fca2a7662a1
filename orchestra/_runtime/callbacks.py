"""Tasks that hand work over, then wait for it: callbacks and submissions.

Each attempt of a callback Task state (``.waitForTaskToken``) gets a fresh token before its
Parameters are evaluated, so they can pass it on as ``$$.Task.Token``. The engine's
``send_task_*`` methods complete it from anywhere in the process (another task, another
execution, a web handler), even before the bound task has returned. Once completed, or once
its state has moved on, a token is closed and completing it again raises ``TaskTimedOut``, as
on AWS.

A task the engine serves itself may instead return a :class:`Submission`: the work was
submitted (a ``.sync`` child execution was started) and the state waits for its result.
Both record AWS's TaskSubmitted event between TaskStarted and the outcome.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import anyio

from .._query import jsondata
from .._states.run import Failure
from .._store.task_events import TaskSubmitted
from ..errors import InvalidArgument, InvalidOutput, InvalidToken, TaskDoesNotExist, TaskTimedOut
from .tasks import TaskSpec

if TYPE_CHECKING:
    from .._definition.resources import Target
    from .._states.run import Run

# 48 random bytes make 64 URL-safe characters: nobody can guess a token that is waiting.
_TOKEN_BYTES: Final = 48
_TOKEN: Final = re.compile(r"[A-Za-z0-9_-]{64}")


@dataclass(frozen=True, slots=True)
class Submission:
    """What an engine-served task returns once it has handed work over.

    Attributes:
        details: the TaskSubmitted event's ``resourceType`` and ``resource``.
        output: what the hand-over answered (the TaskSubmitted event's output).
        wait: waits for the work; returns the state's result, or a failure.
    """

    details: dict[str, Any]
    output: Any
    wait: Callable[[], Awaitable[tuple[Any, Failure | None]]]


def record_submitted(run: Run, details: dict[str, Any], output: Any) -> None:
    """Record that the work was handed over (AWS's TaskSubmitted event)."""
    shown = _plain(output, run.settings.payload_limit)
    run.history.add(
        TaskSubmitted(run.clock.now(), details["resourceType"], details["resource"], shown)
    )


class Callback:
    """One attempt of a callback Task state: its token, and what completed it."""

    __slots__ = (
        "_beat",
        "_details",
        "_done",
        "_registry",
        "_run",
        "execution_arn",
        "failure",
        "output",
        "size",
        "token",
    )

    def __init__(
        self, registry: CallbackRegistry, token: str, run: Run, details: dict[str, Any]
    ) -> None:
        self._registry = registry
        self._run = run
        self._details = details
        self._done = anyio.Event()
        self._beat: Callable[[], None] | None = None
        self.token = token
        self.execution_arn = run.execution_arn
        self.output: Any = None
        self.failure: Failure | None = None
        self.size: jsondata.Size | None = None

    def attach_heartbeat(self, beat: Callable[[], None]) -> None:
        """Make ``send_task_heartbeat`` restart this attempt's HeartbeatSeconds timer."""
        self._beat = beat

    def submitted(self, result: Any) -> None:
        """Record that the token was handed over (AWS's TaskSubmitted event)."""
        record_submitted(self._run, self._details, result)

    async def wait(self) -> tuple[Any, Failure | None]:
        """Wait until the token is completed; return the output or the failure.

        The wait is on something other than time, so a virtual clock may move meanwhile:
        TimeoutSeconds and HeartbeatSeconds still fire.
        """
        if not self._done.is_set():
            with self._run.clock.idle():
                await self._done.wait()
        return self.output, self.failure

    def close(self) -> None:
        """The attempt is over: later completions of its token raise ``TaskTimedOut``."""
        self._registry.close(self)

    def _complete(
        self, output: Any, failure: Failure | None, size: jsondata.Size | None = None
    ) -> None:
        self.output = output
        self.failure = failure
        self.size = size
        self._registry.close(self)
        self._done.set()

    def _heartbeat(self) -> None:
        if self._beat is not None:
            self._beat()


class CallbackRegistry:
    """An engine's task tokens: open ones, and closed ones remembered for their error."""

    __slots__ = ("_by_execution", "_closed", "_open")

    # Closed tokens are remembered so that completing one again says TaskTimedOut, as on
    # AWS; only the newest are, so that a service running for months keeps flat memory.
    # An older one is answered with TaskDoesNotExist.
    REMEMBERED: Final = 10_000

    def __init__(self) -> None:
        self._open: dict[str, Callback] = {}
        self._closed: dict[str, None] = {}
        self._by_execution: dict[str, set[str]] = {}

    def issue(self, run: Run, target: Target) -> Callback:
        """A new open token for one attempt of a callback Task state."""
        token = secrets.token_urlsafe(_TOKEN_BYTES)
        details = {"resourceType": target.resource_type, "resource": target.resource_name}
        callback = Callback(self, token, run, details)
        self._open[token] = callback
        self._by_execution.setdefault(run.execution_arn, set()).add(token)
        return callback

    def succeed(self, token: object, output: Any, limit: int) -> None:
        """Complete a token with an output of at most ``limit`` bytes.

        Raises:
            InvalidToken, TaskDoesNotExist, TaskTimedOut: see :meth:`find`.
            InvalidOutput: the output is not JSON data.
            InvalidArgument: the output is larger than ``limit``.
        """
        callback = self.find(token)
        try:
            # A copy: the caller may go on changing its object after handing it over.
            copied, size = jsondata.load(output)
        except jsondata.JsonDataError as exc:
            raise InvalidOutput(f"Invalid Output: the output is not JSON: {exc.reason}") from None
        if size.bytes > limit:
            raise InvalidArgument(
                "1 validation error detected: Value at 'output' failed to satisfy constraint: "
                f"Member must have length less than or equal to {limit}"
            )
        callback._complete(copied, None, size)

    def fail(self, token: object, error: str | None, cause: str | None) -> None:
        """Complete a token with a failure.

        Raises:
            InvalidToken, TaskDoesNotExist, TaskTimedOut: see :meth:`find`.
        """
        self.find(token)._complete(None, (error, cause))

    def heartbeat(self, token: object) -> None:
        """Restart the HeartbeatSeconds timer of a token's state.

        Raises:
            InvalidToken, TaskDoesNotExist, TaskTimedOut: see :meth:`find`.
        """
        self.find(token)._heartbeat()

    def find(self, token: object) -> Callback:
        """The open callback of a token.

        Raises:
            InvalidToken: the token is malformed.
            TaskDoesNotExist: the engine never issued this token.
            TaskTimedOut: the token is closed.
        """
        if not isinstance(token, str) or _TOKEN.fullmatch(token) is None:
            raise InvalidToken("Invalid Token: the task token is malformed")
        callback = self._open.get(token)
        if callback is not None:
            return callback
        if token in self._closed:
            raise TaskTimedOut("Task Timed Out: 'Provided task does not exist anymore'")
        raise TaskDoesNotExist("Task Does Not Exist: no task was given this token")

    def close(self, callback: Callback) -> None:
        """Close a callback's token (nothing happens if it is closed already)."""
        self.close_token(callback.token)

    def close_token(self, token: str) -> None:
        """Close a token (nothing happens if it is closed already)."""
        callback = self._open.pop(token, None)
        if callback is None:
            return
        self._forget(token)
        tokens = self._by_execution.get(callback.execution_arn)
        if tokens is not None:
            tokens.discard(token)
            if not tokens:
                del self._by_execution[callback.execution_arn]

    def _forget(self, token: str) -> None:
        closed = self._closed
        closed[token] = None
        if len(closed) > self.REMEMBERED:
            del closed[next(iter(closed))]

    def close_execution(self, execution_arn: str) -> None:
        """Close the tokens an execution still holds as it ends.

        An attempt closes its own token; this catches a token whose state failed between
        issuing it and calling the task (a Parameters error, say).
        """
        for token in self._by_execution.pop(execution_arn, ()):
            if self._open.pop(token, None) is not None:
                self._forget(token)


async def _hand_over_nothing(payload: Any) -> None:
    """Stands in for an unbound callback resource: the token is completed from elsewhere."""


_NO_TASK: Final = TaskSpec(
    fn=_hand_over_nothing,
    resource=None,
    name="waitForTaskToken",
    is_async=True,
    takes_context=False,
)


def unbound_callback(target: Target) -> TaskSpec | None:
    """What serves a callback resource no task is bound to: nothing, then the wait.

    Lambda is the exception: invoking a function that does not exist fails as on AWS.
    """
    if target.wait_for_token and target.kind == "service":
        return _NO_TASK
    return None


def _plain(value: Any, limit: int) -> Any:
    """``value`` as JSON data for the history, or None if it is not JSON or is too large."""
    try:
        copied, size = jsondata.load(value)
    except jsondata.JsonDataError:
        return None
    return copied if size.bytes <= limit else None
