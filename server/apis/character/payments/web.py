"""The web front's payment settings and price lists ("pay related interface", and the lists the PayPal
and Stripe chapters share), and the sandbox's home: the middle pay page.

The doc marks several answers "密文返回，解密后返回样式" (sent encrypted; the sample is the decrypted
form): the reference server answers them in the clear, as the samples show them.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

from server.apis.character.payments import billing, catalogue, common
from server.apis.character.payments.catalogue import TOKEN_SUB, TOKENS, VIP
from server.apis.character.users import me
from server.call import Call
from server.pages import PageRequest
from server.registry import Handlers
from server.storage import now_ms

handlers = Handlers()


# --- price lists ----------------------------------------------------------------------------------


@handlers("get_api_tokenPackages")
async def token_packages(call: Call) -> Any:
    return [
        {
            "package_id": p.id,
            "amount_usd": p.usd,
            "token": p.tokens,
            "stripe_pid": p.stripe_price,
            "apple_pid": p.store_id,
        }
        for p in catalogue.TOKEN_PACKAGES
    ]


@handlers("get_api_vipLevels")
async def vip_levels(call: Call) -> Any:
    return [
        {
            "level": p.id,
            "amount_usd": p.usd,
            "paypal_sid": p.paypal_plan,
            "stripe_sid": p.stripe_price,
            "apple_sid": p.store_id,
        }
        for p in catalogue.VIP_PLANS
    ]


@handlers("get_api_subTokens")
async def token_subscriptions(call: Call) -> Any:
    return [
        {
            "package_id": p.id,
            "amount_usd": p.usd,
            "token": p.tokens,
            "paypal_pid": p.paypal_plan,
            "stripe_pid": p.stripe_price,
        }
        for p in catalogue.TOKEN_SUBSCRIPTIONS
    ]


@handlers("get_api_payChannels")
async def pay_channels(call: Call) -> Any:
    return list(catalogue.PAY_CHANNELS)


@handlers("get_api_currentPayment")
async def current_payment(call: Call) -> Any:
    return catalogue.CURRENT_CHANNEL


# --- the web front's settings ---------------------------------------------------------------------


def _home(call: Call) -> str:
    return common.sandbox_url(call.base_url, "/")


@handlers("get_api_mid_page")
async def middle_page(call: Call) -> Any:
    me(call)
    return _home(call)


@handlers("get_api_mid_page_v2")
async def middle_page_v2(call: Call) -> Any:
    """``has_year_sub``: whether the user's VIP subscription is a yearly one (the page then offers no
    year plan)."""
    user_id = me(call)["id"]
    current = billing.live(call.db.conn, user_id, VIP, now_ms())
    plan = catalogue.find(VIP, current["product_id"]) if current is not None else None
    return {"url": _home(call), "has_year_sub": bool(plan and plan.yearly)}


@handlers("post_api_pay_token_get_profile")
async def token_profile(call: Call) -> Any:
    me(call)
    package = common.product(call, TOKENS, "package_id")
    return {
        "domain": common.sandbox_url(call.base_url, ""),
        "platform": catalogue.CURRENT_CHANNEL,
        "product_id": str(package.id),
    }


@handlers("post_api_pay_subscribe_get_profile")
async def subscribe_profile(call: Call) -> Any:
    me(call)
    plan = common.product(call, VIP, "level")
    return {
        "domain": common.sandbox_url(call.base_url, ""),
        "sub_id": plan.paypal_plan,
        "platform": catalogue.CURRENT_CHANNEL,
    }


@handlers("post_api_pay_token_sub_get_profile")
async def token_sub_profile(call: Call) -> Any:
    me(call)
    plan = common.product(call, TOKEN_SUB, "package_id")
    return {
        "domain": common.sandbox_url(call.base_url, ""),
        "sub_id": plan.paypal_plan,
        "platform": catalogue.CURRENT_CHANNEL,
    }


@handlers("post_api_subscribe_cancel")
async def cancel(call: Call) -> Any:
    """``type`` token or vip: that subscription of the caller's is cancelled (no renewal; the paid
    period is kept). The answer is the middle pay page, where the user may subscribe again; with no
    such subscription renewing, or another type, the not-found answer."""
    user_id = me(call)["id"]
    kind = {"token": TOKEN_SUB, "vip": VIP}.get(str(call.require("type")))
    if kind is None:
        raise call.not_found("subscription type (token or vip)", call.require("type"))

    def write(db: Any) -> bool:
        return billing.cancel_live(db, user_id, kind, now_ms())

    if not await call.db.write(write):
        raise call.not_found(f"{call.require('type')} subscription of user", user_id)
    return _home(call)


@handlers("post_api_appsflyer_send")
async def appsflyer(call: Call) -> Any:
    """An AppsFlyer event forwarded by the app: kept with the user (no AppsFlyer here to forward to)."""
    user_id = me(call)["id"]
    detail = json.dumps({"app_id": call.require("app_id"), "data": call.require("data")}, ensure_ascii=False)
    await call.db.write(lambda db: billing.note(db, user_id, "appsflyer", detail, now_ms()))
    return {"status": 0}


# --- the middle pay page --------------------------------------------------------------------------


@handlers.page(common.SANDBOX)
async def home(request: PageRequest) -> Response:
    """What the fake providers sell, and how to pay without a browser."""
    if request.path.rstrip("/") != common.SANDBOX:
        return common.not_there(request, "Sandbox", f"page {request.path}")
    lines = [f"Token package {p.id}: {p.name} for USD {p.value}." for p in catalogue.TOKEN_PACKAGES]
    lines += [f"VIP level {p.id}: {p.name}, USD {p.value}." for p in catalogue.VIP_PLANS]
    lines += [f"Token subscription {p.id}: {p.name}, USD {p.value}." for p in catalogue.TOKEN_SUBSCRIPTIONS]
    lines += [
        "Orders are paid on their approve link (PayPal), gateway_url (Stripe) or url (NowPayments): "
        "open it and press the button, or POST to it with action=approve (PayPal) or action=pay.",
        "App Store receipt: {'receipt-data': 'test-apple-receipt:<product_id>:<transaction_id>'}; "
        "Google Play: {'purchaseToken': 'test-google-purchase:<product_id>:<order_id>'}.",
    ]
    outcome = {
        "token_packages": [p.id for p in catalogue.TOKEN_PACKAGES],
        "vip_levels": [p.id for p in catalogue.VIP_PLANS],
        "token_subscriptions": [p.id for p in catalogue.TOKEN_SUBSCRIPTIONS],
    }
    return common.page(request, "Sandbox payments", lines, outcome=outcome)
