"""Notifications: calling the engine's subscribers as executions close.

A subscriber's error, even SystemExit, is logged and never reaches the engine.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Collection
from typing import TYPE_CHECKING, Any, Final

from .._states.guards import passes_through, traceback_text
from .._store.records import ExecutionStatus
from ..errors import InvalidArgument
from .logs import log

if TYPE_CHECKING:
    from anyio.abc import TaskGroup

Subscriber = Callable[[Any], Any]
_CLOSED_STATUSES: Final = frozenset(s.value for s in ExecutionStatus) - {"RUNNING"}


class _Subscription:
    __slots__ = ("callback", "is_async", "statuses")

    def __init__(self, callback: Subscriber, statuses: frozenset[str] | None) -> None:
        self.callback = callback
        self.statuses = statuses
        self.is_async = inspect.iscoroutinefunction(callback) or inspect.iscoroutinefunction(
            getattr(callback, "__call__", None)  # noqa: B004 - an object with an async __call__
        )


class Subscriptions:
    """An engine's subscribers."""

    __slots__ = ("_subscriptions",)

    def __init__(self) -> None:
        self._subscriptions: list[_Subscription] = []

    def subscribe(
        self, callback: Subscriber, statuses: Collection[str] | None
    ) -> Callable[[], None]:
        """Call ``callback(execution)`` when an execution closes; return the unsubscriber.

        Raises:
            ValueError: a status is not one an execution closes with.
        """
        wanted: frozenset[str] | None = None
        if statuses is not None:
            wanted = frozenset([statuses] if isinstance(statuses, str) else map(str, statuses))
            unknown = wanted - _CLOSED_STATUSES
            if unknown:
                raise InvalidArgument(
                    f"unknown execution statuses {sorted(unknown)}: "
                    f"use {', '.join(sorted(_CLOSED_STATUSES))}"
                )
        subscription = _Subscription(callback, wanted)
        self._subscriptions.append(subscription)

        def unsubscribe() -> None:
            try:
                self._subscriptions.remove(subscription)
            except ValueError:
                pass

        return unsubscribe

    def notify(self, execution: Any, group: TaskGroup) -> None:
        """Tell the subscribers that ``execution`` closed; a subscriber's error is logged."""
        status = execution.status.value
        for subscription in tuple(self._subscriptions):
            if subscription.statuses is not None and status not in subscription.statuses:
                continue
            if subscription.is_async:
                try:
                    group.start_soon(_notify_async, subscription.callback, execution)
                except RuntimeError:
                    # The engine is closing: its task group takes no new tasks.
                    log.warning(
                        "an execution subscriber was not called: the engine is closing",
                        execution=execution.name,
                        status=status,
                    )
                continue
            try:
                subscription.callback(execution)
            except BaseException as exc:  # noqa: BLE001 - re-raised there when it must be
                _subscriber_failed(exc, execution)


async def _notify_async(callback: Callable[[Any], Awaitable[Any]], execution: Any) -> None:
    try:
        await callback(execution)
    except BaseException as exc:  # noqa: BLE001 - re-raised there when it must be
        _subscriber_failed(exc, execution)


def _subscriber_failed(exc: BaseException, execution: Any) -> None:
    """Log a subscriber's error (even SystemExit): it must not break the engine.

    Raises:
        BaseException: ``exc`` itself, when it is a cancellation or Ctrl-C.
    """
    if passes_through(exc):
        raise exc
    log.error(
        "an execution subscriber failed",
        execution=execution.name,
        status=execution.status.value,
        exception=traceback_text(exc),
    )
