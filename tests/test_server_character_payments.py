"""Payments on the character API's reference server: fake PayPal, Stripe, NowPayments, App Store and
Google Play behave like their sandboxes. An order is paid once whatever the client retries, what it
buys (tokens, a VIP level, a subscription) shows in the account, and nobody pays with, reads or
cancels what is someone else's."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from character_server import (
    ALICE,
    BOB,
    SPEC,
    Client,
    apple_receipt,
    google_receipt,
    paypal_order,
    paypal_subscription,
)

from mocks.testing import call
from server.api import ServeOptions
from server.apis.character.users import vip_now
from server.app import build_app
from server.seed import seed_demo

DAY_MS = 24 * 3600 * 1000


@pytest.fixture
def demo() -> Any:
    client = Client(demo=True)
    yield client
    client.close()


def tokens(app: Client, token: str, user_id: int) -> int:
    return app.ok("POST", "/user/getUserTokenBalance", token, user_id=user_id)["token_balance"]


def vip(app: Client, token: str, user_id: int) -> tuple[int, int, str]:
    """(level, is_subscribe, vip_expire_time) as the user's base info shows them."""
    info = app.ok("POST", "/user/getUserBaseInfo", token, user_id=user_id)
    balance = app.ok("POST", "/user/getUserTokenBalance", token, user_id=user_id)
    assert balance["level"] == info["level"]
    assert balance["vip_expire_time"] == (info["vip_expire_time"] or "")
    return info["level"], info["is_subscribe"], info["vip_expire_time"]


def days_from_now(stamp: str) -> float:
    """Days from now to a time the API shows (``2023-12-12 18:00:00``, UTC)."""
    then = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    return (then - datetime.now(UTC)).total_seconds() / 86400


def plan(app: Client, level: int) -> dict[str, Any]:
    return next(p for p in app.ok("GET", "/api/vipLevels") if p["level"] == level)


def assert_balance_is_its_ledger(app: Client, token: str, user_id: int) -> None:
    assert tokens(app, token, user_id) == app.ledger_sum(user_id)


# --- the catalogue --------------------------------------------------------------------------------


def test_price_lists_are_the_same_on_every_start_and_carry_provider_shaped_ids():
    first, second = Client(demo=True), Client(demo=True)
    try:
        for path in ("/api/tokenPackages", "/api/vipLevels", "/api/subTokens", "/api/paypal/clientId"):
            assert first.ok("GET", path, ALICE) == second.ok("GET", path, ALICE), path
    finally:
        second.close()
    packages = first.ok("GET", "/api/tokenPackages")
    assert [(p["package_id"], p["amount_usd"], p["token"]) for p in packages][:2] == [
        (1, 0.99, 1000),
        (2, 4.99, 7500),
    ]
    assert all(re.fullmatch(r"price_1[A-Za-z0-9]{23}", p["stripe_pid"]) for p in packages)
    levels = first.ok("GET", "/api/vipLevels")
    assert [p["level"] for p in levels] == [1, 2, 4, 5]
    assert all(re.fullmatch(r"P-[A-Z0-9]{24}", p["paypal_sid"]) for p in levels)
    assert first.ok("GET", "/api/payChannels") == ["paypal", "stripe", "nowpayments"]
    first.close()


def test_the_web_fronts_settings_name_the_plans_the_lists_show(demo):
    levels = {p["level"]: p for p in demo.ok("GET", "/api/vipLevels")}
    paypal = demo.ok("POST", "/api/paypal/subscribe/get_profile", ALICE, user_id=1, level=2)
    assert paypal["paypal_sid"] == levels[2]["paypal_sid"]
    stripe = demo.ok("POST", "/api/stripe/subscribe/get_profile", ALICE, user_id=1, level=4)
    assert stripe["stripe_sid"] == levels[4]["stripe_sid"]
    current = demo.ok("GET", "/api/currentPayment", ALICE)
    profile = demo.ok("POST", "/api/pay/subscribe/get_profile", ALICE, user_id=1, level=1)
    assert (profile["platform"], profile["sub_id"]) == (current, levels[1]["paypal_sid"])
    token_sub = demo.ok("POST", "/api/pay/token_sub/get_profile", ALICE, user_id=1, package_id=2)
    assert token_sub["sub_id"] == demo.ok("GET", "/api/subTokens", ALICE)[0]["paypal_pid"]
    # The domain and the middle page are this server's sandbox, which answers.
    assert demo.fetch(demo.ok("GET", "/api/mid_page", ALICE)).status == 200
    assert demo.fetch(profile["domain"]).status == 200


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/paypal/createOrder", {"package_id": 99}),
        ("/api/stripe/createOrder", {"package_id": 0}),
        ("/api/stripe/subscribe", {"level": 3}),
        ("/api/nowpayments/subscribe", {"id": 7}),
        ("/api/paypal/token/get_profile", {"package_id": 99}),
        ("/api/pay/token_sub/get_profile", {"package_id": 1}),
    ],
)
def test_a_product_the_catalogue_does_not_sell_is_not_found(demo, path, body):
    answer = demo.post(path, ALICE, user_id=1, **body)
    assert (answer.status, answer.json()["code"]) == (404, 6), answer.text


# --- PayPal orders --------------------------------------------------------------------------------


def test_a_paypal_order_is_approved_by_the_payer_then_captured_once(demo):
    order = demo.ok("POST", "/api/paypal/createOrder", ALICE, user_id=1, package_id=2)
    assert re.fullmatch(r"[A-Z0-9]{17}", order["id"]) and order["status"] == "CREATED"
    approve = next(link["href"] for link in order["links"] if link["rel"] == "approve")
    assert approve.endswith(f"/sandbox/paypal/checkoutnow?token={order['id']}")
    page = demo.fetch(approve)
    assert page.status == 200 and "USD 4.99" in page.text and "Pay now" in page.text

    early = demo.post("/api/paypal/captureOrder", ALICE, user_id=1, order_id=order["id"])
    assert (early.status, early.json()["code"]) == (409, 5) and "ORDER_NOT_APPROVED" in early.json()["msg"]
    assert tokens(demo, ALICE, 1) == 1000

    assert demo.press(approve, "approve").json() == {
        "id": order["id"],
        "status": "APPROVED",
        "orderID": order["id"],
    }
    done = demo.ok("POST", "/api/paypal/captureOrder", ALICE, user_id=1, order_id=order["id"])
    capture = done["purchase_units"][0]["payments"]["captures"][0]
    assert (done["id"], done["status"], capture["status"]) == (order["id"], "COMPLETED", "COMPLETED")
    assert capture["amount"] == {"currency_code": "USD", "value": "4.99"}
    breakdown = capture["seller_receivable_breakdown"]
    assert float(breakdown["paypal_fee"]["value"]) + float(breakdown["net_amount"]["value"]) == pytest.approx(
        4.99
    )
    assert tokens(demo, ALICE, 1) == 8500

    again = demo.post("/api/paypal/captureOrder", ALICE, user_id=1, order_id=order["id"])
    assert (again.status, again.json()["code"]) == (409, 5) and "ORDER_ALREADY_CAPTURED" in again.json()[
        "msg"
    ]
    assert tokens(demo, ALICE, 1) == 8500
    assert demo.press(approve, "approve").status == 409  # a captured order is not approved again
    assert "COMPLETED" in demo.fetch(approve).text
    balance = demo.ok("POST", "/user/getUserTokenBalance", ALICE, user_id=1)
    assert (balance["recharge_token"], balance["free_token"]) == (7500, 1000)
    assert_balance_is_its_ledger(demo, ALICE, 1)


def test_an_order_the_payer_cancelled_is_never_captured(demo):
    order_id = paypal_order(demo, BOB, 2, approve=False)
    link = f"/sandbox/paypal/checkoutnow?token={order_id}"
    assert demo.press(link, "cancel").json()["status"] == "VOIDED"
    answer = demo.post("/api/paypal/captureOrder", BOB, user_id=2, order_id=order_id)
    assert answer.status == 409 and "VOIDED" in answer.json()["msg"]
    assert demo.press(link, "approve").status == 409
    assert tokens(demo, BOB, 2) == 500


def test_nobody_captures_or_reads_someone_elses_order(demo):
    order_id = paypal_order(demo, ALICE, 1, package_id=1)
    theirs = demo.post("/api/paypal/captureOrder", BOB, user_id=2, order_id=order_id)
    assert (theirs.status, theirs.json()["code"]) == (404, 6)
    # Naming the owner does not help: the user of a request is its token's.
    as_alice = demo.post("/api/paypal/captureOrder", BOB, user_id=1, order_id=order_id)
    assert (as_alice.status, as_alice.json()["code"]) == (401, 4)
    assert tokens(demo, BOB, 2) == 500 and tokens(demo, ALICE, 1) == 1000
    # The owner still captures it.
    demo.ok("POST", "/api/paypal/captureOrder", ALICE, user_id=1, order_id=order_id)
    assert tokens(demo, ALICE, 1) == 2000
    unknown = demo.post("/api/paypal/captureOrder", ALICE, user_id=1, order_id="5O190127TN364715T")
    assert unknown.status == 404


def test_an_order_survives_a_restart(tmp_path):
    first = Client(tmp_path, demo=True)
    order_id = paypal_order(first, ALICE, 1)
    first.close()
    second = Client(tmp_path)
    try:
        second.ok("POST", "/api/paypal/captureOrder", ALICE, user_id=1, order_id=order_id)
        assert tokens(second, ALICE, 1) == 2000
        assert second.post("/api/paypal/captureOrder", ALICE, user_id=1, order_id=order_id).status == 409
    finally:
        second.close()


# --- PayPal subscriptions ------------------------------------------------------------------------


def test_a_paypal_subscription_starts_once_and_cancelling_ends_its_renewal(demo):
    pro = plan(demo, 1)
    subscription = paypal_subscription(demo, 2, pro["paypal_sid"], approve=False)
    assert (
        re.fullmatch(r"I-[A-Z0-9]{12}", subscription["id"]) and subscription["status"] == "APPROVAL_PENDING"
    )
    early = demo.post("/api/paypal/captureSubscription", BOB, user_id=2, subscription_id=subscription["id"])
    assert early.status == 409 and "NOT_APPROVED" in early.json()["msg"]
    approve = next(link["href"] for link in subscription["links"] if link["rel"] == "approve")
    assert demo.press(approve, "approve").json()["status"] == "APPROVED"

    active = demo.ok(
        "POST", "/api/paypal/captureSubscription", BOB, user_id=2, subscription_id=subscription["id"]
    )
    assert (active["status"], active["plan_id"], active["custom_id"]) == ("ACTIVE", pro["paypal_sid"], "2")
    assert active["billing_info"]["last_payment"]["amount"]["value"] == "9.99"
    level, subscribed, expires = vip(demo, BOB, 2)
    assert (level, subscribed) == (1, 1) and 29 < days_from_now(expires) <= 30
    assert tokens(demo, BOB, 2) == 3500  # the plan's 3000 tokens, once
    assert demo.ok("POST", "/user/getUserBaseInfo", BOB, user_id=2)["total_subscribe_amount"] == 3000

    again = demo.post("/api/paypal/captureSubscription", BOB, user_id=2, subscription_id=subscription["id"])
    assert (again.status, again.json()["code"]) == (409, 5)
    assert tokens(demo, BOB, 2) == 3500

    assert demo.ok("POST", "/api/cancelSubscription", BOB, user_id=2) == {"status": 0}
    # No renewal any more; the month paid for is kept.
    assert vip(demo, BOB, 2) == (1, 0, expires)
    assert demo.ok("POST", "/api/cancelSubscription", BOB, user_id=2) == {"status": 1}
    assert "CANCELLED" in demo.fetch(approve).text
    assert tokens(demo, BOB, 2) == 3500
    assert_balance_is_its_ledger(demo, BOB, 2)


def test_nobody_captures_or_cancels_someone_elses_subscription(demo):
    subscription = paypal_subscription(demo, 1, plan(demo, 2)["paypal_sid"])
    stolen = demo.post("/api/paypal/captureSubscription", BOB, user_id=2, subscription_id=subscription["id"])
    assert (stolen.status, stolen.json()["code"]) == (404, 6)
    assert vip(demo, BOB, 2)[0] == 0
    demo.ok("POST", "/api/paypal/captureSubscription", ALICE, user_id=1, subscription_id=subscription["id"])
    # Bob's cancel cancels Bob's subscriptions: he has none; Alice's renews still.
    assert demo.ok("POST", "/api/cancelSubscription", BOB, user_id=2) == {"status": 1}
    assert demo.post("/api/subscribe/cancel", BOB, user_id=2, type="vip").status == 404
    assert vip(demo, ALICE, 1)[:2] == (2, 1)


def test_the_sandbox_refuses_a_plan_it_does_not_have_and_a_subscriber_who_does_not_exist(demo):
    unknown_plan = demo.send(
        "/sandbox/paypal/v1/billing/subscriptions", {"plan_id": "P-NOPE", "custom_id": "1"}
    )
    assert (unknown_plan.status, unknown_plan.json()["name"]) == (404, "RESOURCE_NOT_FOUND")
    nobody = demo.send(
        "/sandbox/paypal/v1/billing/subscriptions",
        {"plan_id": plan(demo, 1)["paypal_sid"], "custom_id": "999"},
    )
    assert nobody.status == 422


def test_a_token_subscription_credits_its_tokens_and_is_cancelled_by_type(demo):
    monthly = demo.ok("GET", "/api/subTokens", BOB)[0]
    subscription = paypal_subscription(demo, 2, monthly["paypal_pid"])
    demo.ok("POST", "/api/paypal/captureSubscription", BOB, user_id=2, subscription_id=subscription["id"])
    assert tokens(demo, BOB, 2) == 500 + monthly["token"]
    assert vip(demo, BOB, 2)[0] == 0  # tokens, not a VIP level
    assert demo.post("/api/subscribe/cancel", BOB, user_id=2, type="vip").status == 404
    page = demo.ok("POST", "/api/subscribe/cancel", BOB, user_id=2, type="token")
    assert page == demo.ok("GET", "/api/mid_page", BOB)
    assert demo.post("/api/subscribe/cancel", BOB, user_id=2, type="token").status == 404
    assert demo.post("/api/subscribe/cancel", BOB, user_id=2, type="gold").status == 404


def test_a_new_plan_replaces_the_current_one(demo):
    for level in (1, 2):
        subscription = paypal_subscription(demo, 1, plan(demo, level)["paypal_sid"])
        demo.ok(
            "POST", "/api/paypal/captureSubscription", ALICE, user_id=1, subscription_id=subscription["id"]
        )
    assert vip(demo, ALICE, 1)[:2] == (2, 1)
    status = demo.ok("POST", "/api/subscriptionStatus", ALICE, user_id=1, pay_channel="paypal")
    assert status["2"] == {"canSubscribe": 0, "action": 0, "note": "subscribed"}
    assert (status["1"]["canSubscribe"], status["1"]["action"]) == (1, 2)  # a downgrade
    # One subscription renews: cancelling it leaves nothing else renewing.
    assert demo.ok("POST", "/api/cancelSubscription", ALICE, user_id=1) == {"status": 0}
    assert demo.ok("POST", "/api/cancelSubscription", ALICE, user_id=1) == {"status": 1}


def test_paid_time_of_the_same_tier_is_never_lost(demo):
    pro_monthly, pro_yearly = plan(demo, 1)["apple_sid"], plan(demo, 4)["apple_sid"]
    assert demo.ok(
        "POST", "/api/apple/purchase", ALICE, user_id=1, receipt=apple_receipt(pro_monthly, "1")
    ) == {"status": 0}
    assert 29 < days_from_now(vip(demo, ALICE, 1)[2]) <= 30
    # Another pro plan (a renewal, or the yearly one) starts where the paid month ends.
    demo.ok("POST", "/api/apple/purchase", ALICE, user_id=1, receipt=apple_receipt(pro_yearly, "2"))
    assert 394 < days_from_now(vip(demo, ALICE, 1)[2]) <= 395
    # An upgrade to pro+ starts now: the plans differ, the month is not carried over.
    demo.ok(
        "POST",
        "/api/apple/purchase",
        ALICE,
        user_id=1,
        receipt=apple_receipt(plan(demo, 2)["apple_sid"], "3"),
    )
    level, _, expires = vip(demo, ALICE, 1)
    assert level == 2 and 29 < days_from_now(expires) <= 30
    assert tokens(demo, ALICE, 1) == 1000 + 3000 + 36000 + 8000


def test_a_vip_level_lasts_as_long_as_its_paid_time():
    user = {"level": 2, "is_subscribe": 1, "vip_expire_at": 10 * DAY_MS}
    assert vip_now(user, now=9 * DAY_MS)["level"] == 2
    ended = vip_now(user, now=10 * DAY_MS)
    assert (ended["level"], ended["is_subscribe"], ended["vip_expire_at"]) == (0, 0, 10 * DAY_MS)


# --- Stripe and NowPayments ---------------------------------------------------------------------


def test_a_stripe_checkout_is_paid_once_on_its_page(demo):
    gateway = demo.ok("POST", "/api/stripe/createOrder", BOB, user_id=2, package_id=1)["gateway_url"]
    assert re.search(r"/sandbox/stripe/c/pay/cs_test_a1[A-Za-z0-9]{46}$", gateway)
    assert "USD 0.99" in demo.fetch(gateway).text
    paid = demo.press(gateway, "pay")
    assert (paid.status, paid.json()["status"]) == (200, "complete")
    assert tokens(demo, BOB, 2) == 1500
    again = demo.press(gateway, "pay")
    assert (again.status, again.json()["status"]) == (409, "complete")
    assert tokens(demo, BOB, 2) == 1500
    assert_balance_is_its_ledger(demo, BOB, 2)


def test_an_expired_stripe_checkout_cannot_be_paid(demo):
    gateway = demo.ok("POST", "/api/stripe/createOrder", BOB, user_id=2, package_id=1)["gateway_url"]
    assert demo.press(gateway, "cancel").json()["status"] == "expired"
    assert demo.press(gateway, "pay").status == 409
    assert tokens(demo, BOB, 2) == 500


def test_a_stripe_subscription_sets_the_vip_level(demo):
    gateway = demo.ok("POST", "/api/stripe/subscribe", ALICE, user_id=1, level=2)["gateway_url"]
    paid = demo.press(gateway, "pay").json()
    assert re.fullmatch(r"sub_[A-Za-z0-9]{24}", paid["subscription"])
    assert vip(demo, ALICE, 1)[:2] == (2, 1)
    assert tokens(demo, ALICE, 1) == 1000 + 8000
    # Subscribed through Stripe: the app stores may not sell a plan until it is cancelled there.
    status = demo.ok("POST", "/api/subscriptionStatus", ALICE, user_id=1, pay_channel="apple")
    assert status["1"]["canSubscribe"] == status["2"]["canSubscribe"] == 0
    assert "stripe" in status["1"]["note"]


def test_a_nowpayments_invoice_starts_a_yearly_plan_once(demo):
    assert demo.ok("GET", "/api/mid_page/v2", BOB)["has_year_sub"] is False
    invoice = demo.ok("POST", "/api/nowpayments/subscribe", BOB, user_id=2, id=4)
    assert re.fullmatch(r"[1-9][0-9]{9}", invoice["id"]) and invoice["url"].endswith(f"?iid={invoice['id']}")
    assert demo.press(invoice["url"], "pay").json() == {"id": invoice["id"], "payment_status": "finished"}
    assert demo.press(invoice["url"], "pay").status == 409
    assert vip(demo, BOB, 2)[:2] == (1, 1)
    assert tokens(demo, BOB, 2) == 500 + 36000
    assert demo.ok("GET", "/api/mid_page/v2", BOB)["has_year_sub"] is True


def test_sandbox_pages_that_name_nothing_are_not_found(demo):
    for path in (
        "/sandbox/paypal/checkoutnow?token=NOPE",
        "/sandbox/stripe/c/pay/cs_test_nope",
        "/sandbox/nowpayments/payment/?iid=1",
        "/sandbox/elsewhere",
    ):
        assert demo.fetch(path).status == 404, path
    gateway = demo.ok("POST", "/api/stripe/createOrder", BOB, user_id=2, package_id=1)["gateway_url"]
    assert demo.press(gateway, "refund").status == 400
    assert demo.fetch("/sandbox/").status == 200


# --- App Store and Google Play ------------------------------------------------------------------


def test_an_app_store_receipt_is_booked_once_for_the_first_user_who_sends_it(demo):
    package = demo.ok("GET", "/api/tokenPackages")[0]
    receipt = apple_receipt(package["apple_pid"], "2000000123456789")
    assert demo.ok("POST", "/api/apple/purchase", ALICE, user_id=1, receipt=receipt) == {"status": 0}
    assert tokens(demo, ALICE, 1) == 2000
    assert demo.ok("POST", "/api/apple/purchase", ALICE, user_id=1, receipt=receipt) == {"status": 1}
    assert demo.ok("POST", "/api/apple/purchase", BOB, user_id=2, receipt=receipt) == {"status": 1}
    assert (tokens(demo, ALICE, 1), tokens(demo, BOB, 2)) == (2000, 500)
    listed = demo.ok("POST", "/api/apple/getRreceipts", ALICE, receipt=receipt)["receipts"]
    assert [(r["product_id"], r["transaction_id"]) for r in listed] == [
        (package["apple_pid"], "2000000123456789")
    ]
    assert_balance_is_its_ledger(demo, ALICE, 1)


@pytest.mark.parametrize(
    "receipt",
    [
        {},
        {"receipt-data": "MIIT2gYJKoZIhvcNAQcCoIITyzCCE8cCAQEx"},
        {"receipt-data": "test-apple-receipt:com.example.unknown:1"},
        {"receipt-data": "test-apple-receipt:com.character.tokens.1000:"},
        {"purchaseToken": "test-google-purchase:com.character.tokens.1000:1"},
    ],
)
def test_a_receipt_that_does_not_verify_books_nothing(demo, receipt):
    assert demo.ok("POST", "/api/apple/purchase", ALICE, user_id=1, receipt=receipt) == {"status": 2}
    assert demo.ok("POST", "/api/apple/getRreceipts", ALICE, receipt=receipt) == {"receipts": []}
    assert tokens(demo, ALICE, 1) == 1000


def google(app: Client, operation: str, **body: Any) -> Any:
    """Bob's call of a deprecated Google Play operation (its purchase comes in a field called `token`)."""
    return app.post_body(f"/api/google/{operation}", BOB, {"user_id": 2, **body})


def test_the_deprecated_store_operations_check_the_product_they_name(demo):
    seven_thousand = apple_receipt("com.character.tokens.7500", "1")
    assert demo.ok("POST", "/api/apple/order", BOB, user_id=2, package_id=1, receipt=seven_thousand) == {
        "status": 2
    }
    assert demo.ok("POST", "/api/apple/order", BOB, user_id=2, package_id=2, receipt=seven_thousand) == {
        "status": 0
    }
    pro = google_receipt(plan(demo, 1)["apple_sid"], "GPA.3398-2312-6781-12345")
    assert google(demo, "subscribe", level=2, token=pro).json()["result"] == {"status": 2}
    assert google(demo, "subscribe", level=1, token=pro).json()["result"] == {"status": 0}
    assert tokens(demo, BOB, 2) == 500 + 7500 + 3000
    assert vip(demo, BOB, 2)[:2] == (1, 1)
    missing = google(demo, "order", package_id=42, token=pro)
    assert missing.status == 404


def test_google_play_purchases_and_what_the_app_may_sell_next(demo):
    fresh = demo.ok("POST", "/api/subscriptionStatus", BOB, user_id=2, pay_channel="google")
    assert fresh == {str(t): {"canSubscribe": 1, "action": 0, "note": ""} for t in (1, 2)}
    receipt = google_receipt(plan(demo, 1)["apple_sid"], "GPA.1111-2222-3333-44444")
    assert demo.ok("POST", "/api/google/purchase", BOB, user_id=2, receipt=receipt) == {"status": 0}
    status = demo.ok("POST", "/api/subscriptionStatus", BOB, user_id=2, pay_channel="google")
    assert status["1"] == {"canSubscribe": 0, "action": 0, "note": "subscribed"}
    assert (status["2"]["canSubscribe"], status["2"]["action"]) == (1, 1)  # an upgrade
    tokens_receipt = google_receipt("com.character.tokens.16000", "GPA.1111-2222-3333-55555")
    assert google(demo, "order", package_id=3, token=tokens_receipt).json()["result"] == {"status": 0}
    assert tokens(demo, BOB, 2) == 500 + 3000 + 16000


# --- what clients report ------------------------------------------------------------------------


def test_paypal_reports_come_without_a_session_and_name_a_user_who_exists(demo):
    assert demo.ok("POST", "/api/paypal/onCancel", user_id=1) == {"status": 0}
    assert demo.ok("POST", "/api/paypal/onError", user_id=2, error="INSTRUMENT_DECLINED") == {"status": 0}
    assert demo.post("/api/paypal/onCancel", user_id=999).status == 404
    assert demo.ok(
        "POST", "/api/appsflyer/send", BOB, user_id=2, app_id="id123", data={"af_revenue": 0.99}
    ) == {"status": 0}
    refused = demo.post("/api/appsflyer/send", BOB, user_id=1, app_id="id123", data={})
    assert (refused.status, refused.json()["code"]) == (401, 4)


def test_approve_links_lead_to_the_api_they_came_from_when_apis_share_a_port():
    app = build_app([SPEC], ServeOptions(validate_responses=True, ttft_ms=0, tokens_per_s=0))
    seed_demo(app.server.apis["character"].api, lambda line: None)
    try:
        bearer = {"authorization": f"Bearer {ALICE}"}
        order = call(
            app,
            "POST",
            "/character/api/paypal/createOrder",
            headers=bearer,
            json_body={"user_id": 1, "package_id": 1},
        ).json()["result"]
        approve = order["links"][0]["href"]
        assert approve.startswith("http://localhost/character/sandbox/paypal/checkoutnow?token=")
        path = approve.removeprefix("http://localhost")
        assert call(app, "GET", path).status == 200
        head = call(app, "HEAD", path)
        assert (head.status, head.body) == (200, b"")
        assert call(app, "DELETE", path).headers["allow"] == "GET, HEAD, POST"
        assert call(app, "GET", "/sandbox/paypal/checkoutnow").status == 404  # no API at the root
    finally:
        app.server.close()
