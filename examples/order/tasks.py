"""The Python tasks behind the order workflow's Resource strings."""

from __future__ import annotations

from typing import Any

from orchestra import TaskContext, TaskFailed, task

PRICES = {"book": 12.5, "lamp": 40.0, "desk": 180.0}


@task(name="validate-order")
def validate_order(order: dict[str, Any]) -> dict[str, Any]:
    """Check the items and compute the total (a sync task: it runs in a worker thread)."""
    unknown = [item for item in order["items"] if item not in PRICES]
    if unknown:
        raise TaskFailed("Order.Invalid", f"unknown items: {', '.join(unknown)}")
    return {"total": sum(PRICES[item] for item in order["items"])}


@task(name="reserve-stock")
async def reserve_stock(request: dict[str, Any], ctx: TaskContext) -> dict[str, Any]:
    """Reserve the items; the warehouse is busy on the first attempt, so Retry kicks in."""
    if request["attempt"] == 0:
        raise TaskFailed("Warehouse.Busy", "the warehouse is busy, try again")
    ctx.log.info("stock reserved", order=request["orderId"])
    return {"reservationId": f"R-{request['orderId']}", "items": len(request["items"])}


@task(name="charge-card")
async def charge_card(charge: dict[str, Any]) -> dict[str, Any]:
    """Charge the card; amounts over 1,000 are declined (and caught by the workflow)."""
    if charge["amount"] > 1000:
        raise TaskFailed("Payment.Declined", f"card declined for {charge['amount']:.2f}")
    return {"paymentId": f"P-{charge['orderId']}", "charged": charge["amount"]}


@task(name="pack-item")
async def pack_item(request: dict[str, Any], ctx: TaskContext) -> dict[str, Any]:
    """Pack one item (the Map runs two of these at a time)."""
    await ctx.sleep(0.5)  # packing takes a while; on the engine's clock
    return {"parcel": f"{request['position'] + 1}:{request['item']}"}


@task(name="send-email")
async def send_email(request: dict[str, Any]) -> dict[str, Any]:
    """Tell the customer the order is paid."""
    return {"sent": True, "orderId": request["orderId"]}


@task(name="award-points")
def award_points(request: dict[str, Any]) -> dict[str, Any]:
    """Award loyalty points, one per whole currency unit."""
    return {"points": int(request["amount"])}


TASKS = [validate_order, pack_item, reserve_stock, charge_card, send_email, award_points]
