"""``@task``: plain Python functions as Task state resources, and how Resources bind to them.

A task is bound to an ASL ``Resource`` string. A task bound to a Lambda function (its
function ARN, or just a function name) serves that function's ARN in any region, account or
qualifier, and the ``arn:aws:states:::lambda:invoke`` integration naming it in
``FunctionName``; so a definition exported from AWS runs unchanged. A Resource string never
imports anything: only functions handed to the engine can run.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final, TypeVar, overload

import anyio
import structlog

from .._definition.resources import LAMBDA_ARN, PARTIAL_LAMBDA
from ..errors import RegistrationError

F = TypeVar("F", bound=Callable[..., Any])

_ATTRIBUTE: Final = "__orchestra_task__"


@dataclass(frozen=True, slots=True)
class TaskSpec:
    """What ``@task`` attaches to a function."""

    fn: Callable[..., Any]
    resource: str | None
    name: str
    is_async: bool
    takes_context: bool

    @property
    def function_name(self) -> str | None:
        """The Lambda function name this task serves, if it serves one."""
        if self.resource is None:
            return self.name
        match = LAMBDA_ARN.fullmatch(self.resource)
        return match.group("name") if match else None


@overload
def task(resource: F, *, name: str | None = None) -> F: ...
@overload
def task(resource: str | None = None, *, name: str | None = None) -> Callable[[F], F]: ...


def task(resource: Any = None, *, name: str | None = None) -> Any:
    """Mark a sync or async function as a task; return it unchanged.

    The function is called as ``fn(payload)`` or, when it takes a second parameter,
    ``fn(payload, ctx)`` with a :class:`TaskContext`. Nothing is registered globally: pass
    the function to ``Engine(tasks=[...])`` to bind it.

    Args:
        resource: the ASL ``Resource`` it serves, e.g. a Lambda function ARN or
            ``"arn:aws:states:::dynamodb:putItem"``. Omitted: the task serves the Lambda
            function called ``name``.
        name: the task's name; for a Lambda function, the function name (default: the
            Python function's name).

    Raises:
        RegistrationError: the target is not a function, or takes the wrong parameters.

    Example:
        >>> @task("arn:aws:lambda:us-east-1:123456789012:function:charge")
        ... def charge(order):
        ...     return {"charged": order["total"]}
    """
    if callable(resource) and not isinstance(resource, str):
        return _mark(resource, None, name)

    def decorate(fn: F) -> F:
        return _mark(fn, resource, name)

    return decorate


def _mark(fn: F, resource: str | None, name: str | None) -> F:
    if not callable(fn):
        raise RegistrationError(f"@task needs a function, not {fn!r}")
    if resource is not None and (not isinstance(resource, str) or not resource):
        raise RegistrationError(f"@task resource must be a non-empty string, not {resource!r}")
    try:
        parameters = [
            p
            for p in inspect.signature(fn).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError) as exc:
        raise RegistrationError(f"@task cannot inspect {fn!r}: {exc}") from None
    if not 1 <= len(parameters) <= 2:
        raise RegistrationError(
            f"task {getattr(fn, '__qualname__', fn)!r} must take (payload) or (payload, ctx)"
        )
    spec = TaskSpec(
        fn=fn,
        resource=resource,
        name=name or str(getattr(fn, "__name__", "task")),
        is_async=inspect.iscoroutinefunction(fn),
        takes_context=len(parameters) == 2,
    )
    setattr(fn, _ATTRIBUTE, spec)
    return fn


def spec_of(fn: Callable[..., Any]) -> TaskSpec:
    """The TaskSpec of a ``@task`` function.

    Raises:
        RegistrationError: the function was not marked with ``@task``.
    """
    spec = getattr(fn, _ATTRIBUTE, None)
    if not isinstance(spec, TaskSpec):
        raise RegistrationError(f"{fn!r} is not marked with @task")
    return spec


class TaskContext:
    """What a running task can know and do.

    Attributes:
        execution_name: the execution's name.
        execution_arn: the execution's ARN.
        root_execution_name: the name of the root of this execution's family (its own name
            unless it was started by another execution).
        state_name: the Task state running this task.
        retry_count: 0 on the first attempt, then 1, 2, ...
        task_token: the callback token, for ``.waitForTaskToken`` resources.
    """

    __slots__ = (
        "_cancelled",
        "_heartbeat",
        "_log",
        "_sleep",
        "execution_arn",
        "execution_name",
        "retry_count",
        "root_execution_name",
        "state_name",
        "task_token",
    )

    def __init__(
        self,
        *,
        execution_name: str,
        execution_arn: str,
        root_execution_name: str,
        state_name: str,
        retry_count: int,
        task_token: str | None,
        heartbeat: Callable[[], None],
        sleep: Callable[[float], Awaitable[None]],
    ) -> None:
        self.execution_name = execution_name
        self.execution_arn = execution_arn
        self.root_execution_name = root_execution_name
        self.state_name = state_name
        self.retry_count = retry_count
        self.task_token = task_token
        self._heartbeat = heartbeat
        self._sleep = sleep
        self._cancelled = False
        self._log: Any = None

    @property
    def log(self) -> Any:
        """A structlog logger bound to the execution, root execution, state and attempt."""
        if self._log is None:
            self._log = structlog.get_logger("orchestra.task").bind(
                execution=self.execution_name,
                root_execution=self.root_execution_name,
                state=self.state_name,
                attempt=self.retry_count,
            )
        return self._log

    @property
    def cancelled(self) -> bool:
        """True once the engine has cancelled this task (sync tasks should then return)."""
        return self._cancelled

    async def heartbeat(self) -> None:
        """Tell the engine the task is alive: restarts the HeartbeatSeconds timer."""
        self._heartbeat()
        await anyio.lowlevel.checkpoint()

    async def sleep(self, seconds: float) -> None:
        """Sleep on the engine's clock (instant under a virtual clock in tests)."""
        await self._sleep(seconds)

    def __repr__(self) -> str:
        return (
            f"TaskContext(execution={self.execution_name!r}, state={self.state_name!r}, "
            f"retry_count={self.retry_count})"
        )


class TaskRegistry:
    """The tasks an engine was given, indexed for binding."""

    def __init__(self, tasks: Iterable[Callable[..., Any]]) -> None:
        self._by_resource: dict[str, TaskSpec] = {}
        self._by_function: dict[str, TaskSpec] = {}
        for fn in tasks:
            spec = spec_of(fn)
            if spec.resource is not None:
                self._add(self._by_resource, spec.resource, spec, "resource")
            function = spec.function_name
            if function is not None:
                self._add(self._by_function, function, spec, "Lambda function")

    @staticmethod
    def _add(index: dict[str, TaskSpec], key: str, spec: TaskSpec, what: str) -> None:
        existing = index.get(key)
        if existing is not None and existing.fn is not spec.fn:
            raise RegistrationError(
                f"two tasks serve the {what} {key!r}: {existing.name!r} and {spec.name!r}"
            )
        index[key] = spec

    def for_resource(self, resource: str) -> TaskSpec | None:
        """The task serving a Resource string (exact, or by Lambda function name)."""
        spec = self._by_resource.get(resource)
        if spec is not None:
            return spec
        match = LAMBDA_ARN.fullmatch(resource)
        if match is not None:
            return self._by_function.get(match.group("name"))
        return None

    def for_function(self, function_name: str) -> TaskSpec | None:
        """The task serving ``FunctionName`` (a name, a partial ARN or a full ARN)."""
        match = LAMBDA_ARN.fullmatch(function_name) or PARTIAL_LAMBDA.fullmatch(function_name)
        if match is None:
            return None
        spec = self._by_function.get(match.group("name"))
        if spec is None:
            spec = self._by_resource.get(function_name)
        return spec

    def __len__(self) -> int:
        return len(
            {id(spec.fn) for spec in (*self._by_resource.values(), *self._by_function.values())}
        )
