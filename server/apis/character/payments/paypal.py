"""PayPal, as its sandbox behaves: orders for token packages, billing plans for subscriptions.

A token package:
1. ``/api/paypal/createOrder`` answers an order ``CREATED`` with its ``approve`` link: the sandbox's
   checkout page, served here (``/sandbox/paypal/checkoutnow?token=<order id>``);
2. the payer approves it there (the page's "Pay now" button, or ``POST`` to the link with
   ``action=approve``): ``APPROVED``;
3. ``/api/paypal/captureOrder`` captures it: ``COMPLETED``, the tokens are booked. Capturing an order
   the payer has not approved, or one captured before, is a 409 and books nothing (PayPal's
   ORDER_NOT_APPROVED and ORDER_ALREADY_CAPTURED).

A subscription (a VIP plan, or a token subscription): the PayPal JS SDK creates it from a plan id
(``paypal_sid``/``paypal_pid``) with the user id as ``custom_id``; here a ``POST`` of
``{"plan_id", "custom_id"}`` to ``/sandbox/paypal/v1/billing/subscriptions`` does that and answers it
``APPROVAL_PENDING`` with its approve link; once approved, ``/api/paypal/captureSubscription`` makes it
``ACTIVE`` and books its first payment, once.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

from server.apis.character.payments import billing, catalogue, common
from server.apis.character.payments.billing import iso, paypal_id, random_id
from server.apis.character.payments.catalogue import TOKENS, UPPER_DIGITS, VIP, derived_id
from server.apis.character.users import find, me, sqlite_int
from server.call import Call
from server.pages import PageRequest
from server.registry import Handlers
from server.storage import now_ms

handlers = Handlers()

PROVIDER = "paypal"
ORDER_STATUS = {"created": "CREATED", "approved": "APPROVED", "completed": "COMPLETED", "cancelled": "VOIDED"}
SUBSCRIPTION_STATUS = {
    "pending": "APPROVAL_PENDING",
    "approved": "APPROVED",
    "active": "ACTIVE",
    "cancelled": "CANCELLED",
    "replaced": "CANCELLED",
}
# The sandbox's personal test account pays for everyone, with an email and payer id per user.
SANDBOX_ADDRESS = {
    "address_line_1": "1 Main St",
    "admin_area_2": "San Jose",
    "admin_area_1": "CA",
    "postal_code": "95131",
    "country_code": "US",
}


def payer(user_id: int) -> dict[str, Any]:
    return {
        "name": {"given_name": "John", "surname": "Doe"},
        "email_address": f"sb-{derived_id(f'paypal-email:{user_id}', 'abcdefghijklmnopqrstuvwxyz0123456789', 13)}"
        "@personal.example.com",
        "payer_id": derived_id(f"paypal-payer:{user_id}", UPPER_DIGITS, 13),
        "address": {"country_code": "US"},
    }


def money(cents: int) -> dict[str, str]:
    return {"currency_code": "USD", "value": f"{cents // 100}.{cents % 100:02d}"}


def fee(cents: int) -> int:
    """PayPal's standard US rate: 3.49% plus 49 cents (the doc's 0.99 pays 0.52)."""
    return min(cents, round(cents * 0.0349 + 49))


def approve_url(base_url: str, token: str) -> str:
    return common.sandbox_url(base_url, f"/paypal/checkoutnow?token={token}")


# --- settings -------------------------------------------------------------------------------------


@handlers("get_api_paypal_clientId")
async def client_id(call: Call) -> Any:
    return {"paypalClientId": catalogue.PAYPAL_CLIENT_ID}


@handlers("post_api_paypal_token_get_profile")
async def token_profile(call: Call) -> Any:
    me(call)
    common.product(call, TOKENS, "package_id")
    return {"domain": common.sandbox_url(call.base_url, "")}


@handlers("post_api_paypal_subscribe_get_profile")
async def subscribe_profile(call: Call) -> Any:
    me(call)
    plan = common.product(call, VIP, "level")
    return {"domain": common.sandbox_url(call.base_url, ""), "paypal_sid": plan.paypal_plan}


# --- orders ---------------------------------------------------------------------------------------


@handlers("post_api_paypal_createOrder")
async def create_order(call: Call) -> Any:
    user_id = me(call)["id"]
    package = common.product(call, TOKENS, "package_id")
    order_id = paypal_id()
    await call.db.write(lambda db: billing.create_order(db, PROVIDER, order_id, user_id, package, now_ms()))
    return {
        "id": order_id,
        "status": "CREATED",
        "links": [
            {"href": approve_url(call.base_url, order_id), "rel": "approve", "method": "GET"},
            {"href": f"{call.base_url}/api/paypal/captureOrder", "rel": "capture", "method": "POST"},
        ],
    }


@handlers("post_api_paypal_captureOrder")
async def capture_order(call: Call) -> Any:
    user_id = me(call)["id"]
    order_id = str(call.require("order_id"))
    row = billing.order(call.db.conn, PROVIDER, order_id, user_id)
    if row is None:
        raise call.not_found("PayPal order", order_id)
    if row["status"] == "completed":
        raise common.conflict(
            call, f"ORDER_ALREADY_CAPTURED: order {order_id} was captured before; nothing was booked again"
        )
    if row["status"] == "created":
        raise common.conflict(
            call,
            f"ORDER_NOT_APPROVED: the payer has not approved order {order_id}; open its approve link first",
        )
    if row["status"] != "approved":
        raise common.conflict(
            call, f"order {order_id} is {ORDER_STATUS[row['status']]}: it cannot be captured"
        )
    package = catalogue.find(row["product_kind"], row["product_id"])
    assert package is not None
    capture_id = paypal_id()
    done = await common.write(
        call, lambda db: billing.complete_order(db, row, package, now_ms(), capture_id=capture_id)
    )
    return captured(call, done)


def captured(call: Call, row: dict[str, Any]) -> dict[str, Any]:
    """The order as PayPal's capture answers it."""
    who = payer(row["user_id"])
    page = approve_url(call.base_url, row["id"])
    charged = fee(row["cents"])
    return {
        "id": row["id"],
        "status": ORDER_STATUS[row["status"]],
        "payment_source": {
            "paypal": {
                "email_address": who["email_address"],
                "account_id": who["payer_id"],
                "account_status": "VERIFIED",
                "name": who["name"],
                "address": who["address"],
            }
        },
        "purchase_units": [
            {
                "reference_id": "default",
                "shipping": {"name": {"full_name": "John Doe"}, "address": SANDBOX_ADDRESS},
                "payments": {
                    "captures": [
                        {
                            "id": row["capture_id"],
                            "status": "COMPLETED",
                            "amount": money(row["cents"]),
                            "final_capture": True,
                            "seller_protection": {
                                "status": "ELIGIBLE",
                                "dispute_categories": ["ITEM_NOT_RECEIVED", "UNAUTHORIZED_TRANSACTION"],
                            },
                            "seller_receivable_breakdown": {
                                "gross_amount": money(row["cents"]),
                                "paypal_fee": money(charged),
                                "net_amount": money(row["cents"] - charged),
                            },
                            # The shop's own reference: which user bought which package.
                            "custom_id": f"{row['user_id']}:{row['product_kind']}:{row['product_id']}",
                            "links": [{"href": page, "rel": "up", "method": "GET"}],
                            "create_time": iso(row["updated_at"]),
                            "update_time": iso(row["updated_at"]),
                        }
                    ]
                },
            }
        ],
        "payer": who,
        "links": [{"href": page, "rel": "self", "method": "GET"}],
    }


# --- subscriptions --------------------------------------------------------------------------------


@handlers("post_api_paypal_captureSubscription")
async def capture_subscription(call: Call) -> Any:
    user_id = me(call)["id"]
    subscription_id = str(call.require("subscription_id"))
    row = billing.subscription(call.db.conn, PROVIDER, subscription_id, user_id)
    if row is None:
        raise call.not_found("PayPal subscription", subscription_id)
    if row["status"] == "pending":
        raise common.conflict(
            call,
            f"SUBSCRIPTION_NOT_APPROVED: the payer has not approved subscription {subscription_id};"
            " open its approve link first",
        )
    if row["status"] != "approved":
        raise common.conflict(
            call,
            f"subscription {subscription_id} is {SUBSCRIPTION_STATUS[row['status']]}: its first payment was"
            " captured before; nothing was booked again",
        )
    plan = catalogue.find(row["product_kind"], row["product_id"])
    assert plan is not None

    def capture(db: Any) -> dict[str, Any]:
        now = now_ms()
        current = billing.subscription(db, PROVIDER, subscription_id)
        if current is None or current["status"] != "approved":
            raise billing.Conflict(
                f"subscription {subscription_id} was captured before; nothing was booked again"
            )
        billing.pay(
            db,
            provider=PROVIDER,
            payment_id=f"{subscription_id}:1",
            user_id=user_id,
            product=plan,
            price=(row["cents"], row["tokens"]),
            subscription_id=subscription_id,
            now=now,
        )
        done = billing.subscription(db, PROVIDER, subscription_id)
        assert done is not None
        return done

    return subscribed(call, await common.write(call, capture))


def subscribed(call: Call, row: dict[str, Any]) -> dict[str, Any]:
    """The subscription as PayPal shows it."""
    plan = catalogue.find(row["product_kind"], row["product_id"])
    assert plan is not None
    who = payer(row["user_id"])
    paid = row["payments"]
    return {
        "status": SUBSCRIPTION_STATUS[row["status"]],
        "status_update_time": iso(row["updated_at"]),
        "id": row["id"],
        "plan_id": plan.paypal_plan,
        "start_time": iso(row["started_at"] or row["created_at"]),
        "quantity": "1",
        "shipping_amount": money(0),
        "subscriber": {
            "email_address": who["email_address"],
            "payer_id": who["payer_id"],
            "name": who["name"],
            "shipping_address": {"address": SANDBOX_ADDRESS},
        },
        "billing_info": {
            "outstanding_balance": money(0),
            "cycle_executions": [
                {
                    "tenure_type": "REGULAR",
                    "sequence": 1,
                    "cycles_completed": paid,
                    "cycles_remaining": 0,
                    "current_pricing_scheme_version": 1,
                    "total_cycles": 0,
                }
            ],
            "last_payment": {"amount": money(row["cents"]), "time": iso(row["updated_at"])},
            "next_billing_time": iso(row["period_end"]),
            "failed_payments_count": 0,
        },
        "create_time": iso(row["created_at"]),
        "update_time": iso(row["updated_at"]),
        "custom_id": str(row["user_id"]),
        "plan_overridden": False,
        "links": [
            {"href": f"{call.base_url}/api/cancelSubscription", "rel": "cancel", "method": "POST"},
            {"href": approve_url(call.base_url, row["id"]), "rel": "self", "method": "GET"},
        ],
    }


@handlers("post_api_cancelSubscription")
async def cancel_subscription(call: Call) -> Any:
    """The caller's VIP subscription, whichever channel sold it: status 0 cancelled, 1 none to cancel."""
    user_id = me(call)["id"]

    def cancel(db: Any) -> int:
        return 0 if billing.cancel_live(db, user_id, VIP, now_ms()) else 1

    return {"status": await call.db.write(cancel)}


# --- what the JS SDK reports ----------------------------------------------------------------------


async def _report(call: Call, kind: str, detail: str) -> Any:
    """Public (a browser redirect carries no session): kept with the user it names, acting on nothing,
    since anyone may send it."""
    user_id = sqlite_int(call.require("user_id"))
    if user_id is None or find(call.db.conn, user_id) is None:
        raise call.not_found("user", call.require("user_id"))
    await call.db.write(lambda db: billing.note(db, user_id, kind, detail, now_ms()))
    return {"status": 0}


@handlers("post_api_paypal_onCancel")
async def on_cancel(call: Call) -> Any:
    return await _report(call, "paypal:cancel", "the payer cancelled the PayPal checkout")


@handlers("post_api_paypal_onError")
async def on_error(call: Call) -> Any:
    return await _report(call, "paypal:error", str(call.require("error")))


# --- the sandbox ----------------------------------------------------------------------------------


@handlers.page(common.SANDBOX + "/paypal")
async def sandbox(request: PageRequest) -> Response:
    rest = request.path[len(common.SANDBOX + "/paypal") :]
    if rest == "/checkoutnow":
        return await checkout(request)
    if rest == "/v1/billing/subscriptions" and request.method == "POST":
        return await create_subscription(request)
    return common.not_there(request, "PayPal sandbox", f"page {rest or '/'}")


async def checkout(request: PageRequest) -> Response:
    """The payer's page for an order or a subscription: shows it, approves it, or cancels it."""
    token = request.value("token")
    db = request.api.db
    row = billing.order(db.conn, PROVIDER, token)
    if row is not None:
        return await _order_page(request, row)
    row = billing.subscription(db.conn, PROVIDER, token)
    if row is not None:
        return await _subscription_page(request, row)
    return common.not_there(request, "PayPal sandbox", f"order or subscription {token!r}")


async def _order_page(request: PageRequest, row: dict[str, Any]) -> Response:
    plan = catalogue.find(row["product_kind"], row["product_id"])
    assert plan is not None
    status = 200
    if request.method == "POST":
        action = request.value("action") or "approve"
        moves = {"approve": ("created", "approved"), "cancel": ("created", "cancelled")}
        if action not in moves:
            return _unknown_action(request, action)
        before, after = moves[action]

        def move(db: Any) -> dict[str, Any] | None:
            current = billing.order(db, PROVIDER, row["id"])
            assert current is not None
            if current["status"] == before:
                return billing.set_order(db, current, now_ms(), status=after)
            return None

        moved = await request.api.db.write(move)
        if moved is not None:
            row = moved
        elif row["status"] != after:  # approving twice is no error; approving a captured order is
            status = 409
        row = billing.order(request.api.db.conn, PROVIDER, row["id"]) or row
    shown = ORDER_STATUS[row["status"]]
    return common.page(
        request,
        "PayPal sandbox: checkout",
        [
            f"Order {row['id']}: {plan.name}, USD {money(row['cents'])['value']}.",
            f"Paying as {payer(row['user_id'])['email_address']}.",
            f"Status: {shown}." + (" The shop captures it now." if shown == "APPROVED" else ""),
        ],
        status=status,
        actions=(("approve", "Pay now"), ("cancel", "Cancel and return"))
        if row["status"] == "created"
        else (),
        outcome={"id": row["id"], "status": shown, "orderID": row["id"]},
    )


async def _subscription_page(request: PageRequest, row: dict[str, Any]) -> Response:
    plan = catalogue.find(row["product_kind"], row["product_id"])
    assert plan is not None
    status = 200
    if request.method == "POST":
        action = request.value("action") or "approve"
        moves = {"approve": ("pending", "approved"), "cancel": ("pending", "cancelled")}
        if action not in moves:
            return _unknown_action(request, action)
        before, after = moves[action]

        def move(db: Any) -> bool:
            current = billing.subscription(db, PROVIDER, row["id"])
            assert current is not None
            if current["status"] != before:
                return False
            billing.set_subscription(db, current, now_ms(), status=after)
            return True

        if not await request.api.db.write(move):
            current = billing.subscription(request.api.db.conn, PROVIDER, row["id"]) or row
            status = 200 if current["status"] == after else 409
        row = billing.subscription(request.api.db.conn, PROVIDER, row["id"]) or row
    shown = SUBSCRIPTION_STATUS[row["status"]]
    return common.page(
        request,
        "PayPal sandbox: subscribe",
        [
            f"Subscription {row['id']}: {plan.name}, USD {money(row['cents'])['value']} each period.",
            f"Paying as {payer(row['user_id'])['email_address']}.",
            f"Status: {shown}." + (" The shop captures it now." if shown == "APPROVED" else ""),
        ],
        status=status,
        actions=(("approve", "Agree and subscribe"), ("cancel", "Cancel and return"))
        if row["status"] == "pending"
        else (),
        outcome={"id": row["id"], "status": shown, "subscriptionID": row["id"]},
    )


def _unknown_action(request: PageRequest, action: str) -> Response:
    return common.page(
        request,
        "PayPal sandbox",
        [f"Unknown action {action!r}: approve or cancel."],
        status=400,
        outcome={"name": "INVALID_REQUEST", "message": f"unknown action {action!r}: approve or cancel"},
    )


async def create_subscription(request: PageRequest) -> Response:
    """PayPal's ``POST /v1/billing/subscriptions``, as the JS SDK's createSubscription calls it."""
    plan = catalogue.by_paypal_plan(request.value("plan_id"))
    if plan is None:
        return _paypal_error(404, "RESOURCE_NOT_FOUND", f"no billing plan {request.value('plan_id')!r}")
    user_id = sqlite_int(request.value("custom_id"))
    if user_id is None or find(request.api.db.conn, user_id) is None:
        return _paypal_error(
            422, "UNPROCESSABLE_ENTITY", "custom_id must be the id of the user who subscribes"
        )
    subscription_id = "I-" + random_id(UPPER_DIGITS, 12)
    now = now_ms()
    await request.api.db.write(
        lambda db: billing.create_subscription(db, PROVIDER, subscription_id, user_id, plan, now)
    )
    return JSONResponse(
        {
            "id": subscription_id,
            "status": "APPROVAL_PENDING",
            "plan_id": plan.paypal_plan,
            "custom_id": str(user_id),
            "create_time": iso(now),
            "links": [
                {"href": approve_url(request.base_url, subscription_id), "rel": "approve", "method": "GET"},
                {
                    "href": f"{request.base_url}/api/paypal/captureSubscription",
                    "rel": "capture",
                    "method": "POST",
                },
            ],
        },
        201,
    )


def _paypal_error(status: int, name: str, message: str) -> Response:
    return JSONResponse({"name": name, "message": message, "details": []}, status)
