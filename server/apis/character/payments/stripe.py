"""Stripe, as its test mode behaves: Checkout Sessions.

``/api/stripe/createOrder`` (a token package) and ``/api/stripe/subscribe`` (a VIP plan) answer the
``gateway_url`` of a Checkout Session ``cs_test_...``: Stripe's hosted page, served here
(``/sandbox/stripe/c/pay/<session id>``). Paying there (its "Pay" button, or ``POST`` with
``action=pay``) completes the session and does what Stripe's ``checkout.session.completed`` webhook
makes the shop do: the tokens are booked, a subscription ``sub_...`` starts. A session is paid once;
paying it again is a 409 and books nothing; ``action=cancel`` expires an unpaid one.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from server.apis.character.payments import billing, catalogue, common
from server.apis.character.payments.billing import random_id
from server.apis.character.payments.catalogue import ALNUM, TOKENS, VIP, Product
from server.apis.character.users import me
from server.call import Call
from server.pages import PageRequest
from server.registry import Handlers
from server.storage import now_ms

handlers = Handlers()

PROVIDER = "stripe"
SESSION_STATUS = {"created": "open", "completed": "complete", "cancelled": "expired"}


@handlers("post_api_stripe_token_get_profile")
async def token_profile(call: Call) -> Any:
    me(call)
    package = common.product(call, TOKENS, "package_id")
    return {"domain": common.sandbox_url(call.base_url, ""), "stripe_pid": package.stripe_price}


@handlers("post_api_stripe_subscribe_get_profile")
async def subscribe_profile(call: Call) -> Any:
    me(call)
    plan = common.product(call, VIP, "level")
    return {"domain": common.sandbox_url(call.base_url, ""), "stripe_sid": plan.stripe_price}


async def _session(call: Call, product: Product) -> dict[str, str]:
    user_id = me(call)["id"]
    session_id = "cs_test_a1" + random_id(ALNUM, 46)
    await call.db.write(lambda db: billing.create_order(db, PROVIDER, session_id, user_id, product, now_ms()))
    return {"gateway_url": common.sandbox_url(call.base_url, f"/stripe/c/pay/{session_id}")}


@handlers("post_api_stripe_createOrder")
async def create_order(call: Call) -> Any:
    return await _session(call, common.product(call, TOKENS, "package_id"))


@handlers("post_api_stripe_subscribe")
async def subscribe(call: Call) -> Any:
    return await _session(call, common.product(call, VIP, "level"))


# --- the hosted checkout page ----------------------------------------------------------------------


@handlers.page(common.SANDBOX + "/stripe")
async def checkout(request: PageRequest) -> Response:
    prefix = common.SANDBOX + "/stripe/c/pay/"
    session_id = request.path[len(prefix) :] if request.path.startswith(prefix) else ""
    row = billing.order(request.api.db.conn, PROVIDER, session_id) if session_id else None
    if row is None:
        return common.not_there(request, "Stripe test mode", f"checkout session {session_id!r}")
    product = catalogue.find(row["product_kind"], row["product_id"])
    assert product is not None
    status = 200
    if request.method == "POST":
        action = request.value("action") or "pay"
        if action == "pay":
            status = await _pay(request, row, product)
        elif action == "cancel":
            status = await _expire(request, row)
        else:
            status = 400
        row = billing.order(request.api.db.conn, PROVIDER, session_id) or row
    shown = SESSION_STATUS[row["status"]]
    lines = [
        f"Checkout session {session_id}: {product.name}, USD {product.value}"
        + (" each period." if product.kind == VIP else "."),
        f"Status: {shown}.",
    ]
    if status == 409:
        lines.append("This session was paid or expired before: nothing was charged again.")
    if status == 400:
        lines.append("Unknown action: pay or cancel.")
    outcome = {"id": session_id, "status": shown}
    if row["subscription_id"]:
        outcome["subscription"] = row["subscription_id"]
    return common.page(
        request,
        "Stripe test mode: checkout",
        lines,
        status=status,
        actions=(("pay", "Pay"), ("cancel", "Back to the shop")) if row["status"] == "created" else (),
        outcome=outcome,
    )


async def _pay(request: PageRequest, row: dict[str, Any], product: Product) -> int:
    subscription_id = "sub_" + random_id(ALNUM, 24) if product.kind != TOKENS else None
    return await common.pay_on_page(request, row, product, subscription_id)


async def _expire(request: PageRequest, row: dict[str, Any]) -> int:
    def expire(db: Any) -> bool:
        current = billing.order(db, PROVIDER, row["id"])
        if current is None or current["status"] != "created":
            return False
        billing.set_order(db, current, now_ms(), status="cancelled")
        return True

    return 200 if await request.api.db.write(expire) else 409
