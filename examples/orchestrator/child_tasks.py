"""The Python tasks behind the child workflows; their logs carry the parent's run."""

from __future__ import annotations

from typing import Any

from orchestra import TaskContext, task


@task(name="render-thumbnails")
async def render_thumbnails(request: dict[str, Any], ctx: TaskContext) -> dict[str, Any]:
    """Render each size (one virtual second each)."""
    stem = request["image"].rsplit(".", 1)[0]
    thumbnails = []
    for size in request["sizes"]:
        await ctx.sleep(1)
        thumbnails.append(f"{stem}-{size}.jpg")
    # ctx.log is bound to the root execution: the orchestrator that started this child.
    ctx.log.info("thumbnails rendered", count=len(thumbnails))
    return {"thumbnails": thumbnails}


@task(name="send-newsletter")
async def send_newsletter(request: dict[str, Any], ctx: TaskContext) -> dict[str, Any]:
    """Send the newsletter on the target's channel."""
    ctx.log.info("newsletter sent", channel=request["channel"])
    return {"sent": True, "channel": request["channel"], "image": request["image"]}


TASKS = [render_thumbnails, send_newsletter]
