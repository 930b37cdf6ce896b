"""NowPayments (crypto), as its sandbox behaves: an invoice per subscription payment.

``/api/nowpayments/subscribe`` with a VIP level (``id``) answers an invoice: its numeric ``id`` and the
``url`` of its payment page, served here (``/sandbox/nowpayments/payment/?iid=<id>``). Paying there
(its button, or ``POST`` with ``action=pay``) finishes the invoice and does what NowPayments' IPN
callback makes the shop do: the plan's period starts and its tokens are booked, once. Paying it again
is a 409 and books nothing.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from server.apis.character.payments import billing, catalogue, common
from server.apis.character.payments.billing import random_id
from server.apis.character.payments.catalogue import VIP
from server.apis.character.users import me
from server.call import Call
from server.pages import PageRequest
from server.registry import Handlers
from server.storage import now_ms

handlers = Handlers()

PROVIDER = "nowpayments"
INVOICE_STATUS = {"created": "waiting", "completed": "finished", "cancelled": "expired"}


def invoice_url(base_url: str, invoice_id: str) -> str:
    return common.sandbox_url(base_url, f"/nowpayments/payment/?iid={invoice_id}")


@handlers("post_api_nowpayments_subscribe")
async def subscribe(call: Call) -> Any:
    user_id = me(call)["id"]
    plan = common.product(call, VIP, "id")
    invoice_id = random_id("123456789", 1) + random_id("0123456789", 9)
    await call.db.write(lambda db: billing.create_order(db, PROVIDER, invoice_id, user_id, plan, now_ms()))
    return {"id": invoice_id, "url": invoice_url(call.base_url, invoice_id)}


@handlers.page(common.SANDBOX + "/nowpayments")
async def payment_page(request: PageRequest) -> Response:
    invoice_id = request.value("iid")
    row = billing.order(request.api.db.conn, PROVIDER, invoice_id) if invoice_id else None
    if row is None or request.path.rstrip("/") != common.SANDBOX + "/nowpayments/payment":
        return common.not_there(request, "NowPayments sandbox", f"invoice {invoice_id!r}")
    plan = catalogue.find(row["product_kind"], row["product_id"])
    assert plan is not None
    status = 200
    if request.method == "POST":
        if (request.value("action") or "pay") != "pay":
            status = 400
        else:
            status = await common.pay_on_page(request, row, plan, f"np-{row['id']}")
        row = billing.order(request.api.db.conn, PROVIDER, invoice_id) or row
    shown = INVOICE_STATUS[row["status"]]
    lines = [f"Invoice {invoice_id}: {plan.name}, {plan.value} USD in crypto.", f"Payment status: {shown}."]
    if status == 409:
        lines.append("This invoice was paid before: nothing was charged again.")
    if status == 400:
        lines.append("Unknown action: pay.")
    return common.page(
        request,
        "NowPayments sandbox: invoice",
        lines,
        status=status,
        actions=(("pay", "Pay with crypto"),) if row["status"] == "created" else (),
        outcome={"id": invoice_id, "payment_status": shown},
    )
