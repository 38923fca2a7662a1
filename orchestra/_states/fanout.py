"""Running many sub-programs at once (Parallel branches, Map iterations) with fail-fast.

A fixed pool of workers pulls job indices from one shared iterator, so a Map over 100,000
items holds at most ``limit`` coroutines, never one per item. The first failure that is not
tolerated cancels every running job at once; queued jobs never start. Failures are values
here (``StateFailed`` caught in the worker), so no ExceptionGroup can reach the caller.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Final

import anyio
import anyio.lowlevel

from .guards import StateFailed, TimeSlice
from .run import Clock

# An unbounded Map still runs through a worker pool: AWS's largest concurrency (a distributed
# Map's 10,000) bounds the number of coroutines alive at once.
MAX_WORKERS: Final = 10_000

Job = Callable[[int], Awaitable[Any]]
Tolerance = Callable[[int], bool]


async def fan_out(
    count: int,
    job: Job,
    *,
    clock: Clock,
    limit: int | None = None,
    tolerate: Tolerance | None = None,
    on_tolerated: Callable[[int, StateFailed], Any] | None = None,
) -> list[Any]:
    """Run ``job(0) ... job(count - 1)`` concurrently; return their results in index order.

    Args:
        count: how many jobs.
        job: runs one job; raises ``StateFailed`` when it fails.
        clock: the engine's clock (workers count as busy while they run).
        limit: the most jobs running at once (None or 0: up to ``MAX_WORKERS``).
        tolerate: given the number of failures so far, whether they are still tolerated.
        on_tolerated: the result recorded for a tolerated failure.

    Raises:
        StateFailed: the first failure that was not tolerated.
    """
    results: list[Any] = [None] * count
    if count == 0:
        return results
    workers = min(count, limit or MAX_WORKERS, MAX_WORKERS)
    indices = iter(range(count))
    # The first failure that ends the fan-out: a StateFailed, or an error the engine did not
    # foresee, re-raised as it is (never wrapped in an ExceptionGroup).
    failure: Exception | None = None
    failures = 0

    async def worker(busy: Any, scope: anyio.CancelScope) -> None:
        nonlocal failure, failures
        # A job of instant states never suspends: a worker yields now and then by itself.
        slice_ = TimeSlice()
        try:
            for index in indices:
                if slice_.due():
                    await anyio.lowlevel.checkpoint()
                try:
                    results[index] = await job(index)
                except StateFailed as failed:
                    failures += 1
                    if tolerate is not None and tolerate(failures):
                        results[index] = on_tolerated(index, failed) if on_tolerated else None
                        continue
                    if failure is None:
                        failure = failed
                    scope.cancel()
                    return
                except Exception as exc:  # noqa: BLE001 - re-raised below, outside the group
                    if failure is None:
                        failure = exc
                    scope.cancel()
                    return
        finally:
            busy.__exit__(None, None, None)

    with clock.idle():
        async with anyio.create_task_group() as group:
            for _ in range(workers):
                # Taken before the worker starts, so a virtual clock cannot jump in between.
                busy = clock.busy()
                busy.__enter__()
                group.start_soon(worker, busy, group.cancel_scope)
    if failure is not None:
        raise failure
    return results
