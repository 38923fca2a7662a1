"""Python tasks standing in for the Lambda functions the recorded cases called."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from orchestra import TaskContext, TaskFailed, task


def make_task(arn: str, behaviour: dict[str, Any]) -> Callable[..., Any]:
    """A ``@task`` serving ``arn`` that behaves as the recorded function did."""
    kind = behaviour["kind"]

    async def run(payload: Any, ctx: TaskContext) -> Any:
        if kind == "echo":
            return payload
        if kind == "return":
            return behaviour["value"]
        if kind == "return_json_text":
            return json.loads(behaviour["text"])
        if kind == "raise":
            raise TaskFailed(behaviour["error"], behaviour["cause"])
        if kind == "sleep_then_echo":
            await ctx.sleep(behaviour["seconds"])
            return payload
        if kind == "return_raw_bytes":
            return "a" * behaviour["size_bytes"]
        if kind == "python_format":
            return f"input-event-{payload}"
        raise AssertionError(f"unknown task behaviour {kind!r}")

    run.__name__ = behaviour.get("function_name") or "fn"
    return task(arn)(run)
