"""Tokens and earnings on the character API's reference server: every balance a user sees is the sum of
their ledger rows, what may happen once happens once, and nobody spends for someone else."""

from __future__ import annotations

from typing import Any

import pytest
from character_server import ALICE, BOB, Client, apple_receipt, paypal_order, paypal_subscription
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.apis.character import ledger


@pytest.fixture
def demo() -> Any:
    client = Client(demo=True)
    yield client
    client.close()


def balance(app: Client, token: str, user_id: int) -> dict[str, Any]:
    return app.ok("POST", "/user/getUserTokenBalance", token, user_id=user_id)


def assert_balances_are_their_ledger(app: Client, token: str, user_id: int) -> None:
    shown = balance(app, token, user_id)
    assert shown["token_balance"] == app.ledger_sum(user_id, "tokens")
    assert shown["recharge_token"] + shown["free_token"] == shown["token_balance"]
    assert shown["available_amount"] == app.ledger_sum(user_id, "earnings")
    info = app.ok("POST", "/user/getUserBaseInfo", token, user_id=user_id)
    assert (info["token_balance"], info["available_amount"]) == (
        shown["token_balance"],
        shown["available_amount"],
    )


def test_demo_balances_are_on_the_ledger(demo):
    assert balance(demo, ALICE, 1) == {
        "token_balance": 1000,
        "recharge_token": 0,
        "free_token": 1000,
        "available_amount": 554,
        "level": 0,
        "vip_expire_time": "",
    }
    assert balance(demo, BOB, 2)["token_balance"] == 500
    assert_balances_are_their_ledger(demo, ALICE, 1)


def test_the_daily_sign_in_pays_once_a_day(demo):
    assert demo.ok("POST", "/user/signIn", BOB, user_id=2) == {"status": 0}
    assert demo.ok("POST", "/user/signIn", BOB, user_id=2) == {"status": 1}
    assert balance(demo, BOB, 2)["token_balance"] == 700
    gifts = demo.ok("POST", "/user/listGift", BOB, user_id=2)
    assert [g["received"] for g in gifts] == [True, False, False]
    # Gift 1 is the same day's sign-in: not a second reward.
    assert demo.ok("POST", "/user/receiveGift", BOB, user_id=2, gift_id=1)["statue"] == 2
    assert_balances_are_their_ledger(demo, BOB, 2)


def test_a_gift_is_received_once_and_an_unknown_gift_says_so(demo):
    first = demo.ok("POST", "/user/receiveGift", BOB, user_id=2, gift_id=2)
    assert (first["statue"], first["token_balance"], first["free_token"]) == (0, 650, 650)
    again = demo.ok("POST", "/user/receiveGift", BOB, user_id=2, gift_id=2)
    assert (again["statue"], again["token_balance"]) == (2, 650)
    assert demo.ok("POST", "/user/receiveGift", BOB, user_id=2, gift_id=99)["statue"] == 1
    assert [g["received"] for g in demo.ok("POST", "/user/listGift", BOB, user_id=2)] == [False, True, False]
    assert_balances_are_their_ledger(demo, BOB, 2)


def test_gifts_speak_chinese_for_a_chinese_lang(demo):
    gifts = demo.ok("POST", "/user/listGift", BOB, user_id=2, lang="zh-TW")
    assert gifts[0]["title"] == "每日签到奖励"


def test_tokens_sent_move_from_one_balance_to_the_other(demo):
    sent = demo.ok("POST", "/user/sendToken", ALICE, user_id=1, to_user_id=2, amount=300)
    assert (sent["status"], sent["user_id"], sent["token_balance"]) == (0, 1, 700)
    assert balance(demo, BOB, 2)["token_balance"] == 800
    assert_balances_are_their_ledger(demo, ALICE, 1)
    assert_balances_are_their_ledger(demo, BOB, 2)


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        ({"to_user_id": 2, "amount": 5000}, 409, "not enough"),
        ({"to_user_id": 2, "amount": 0}, 409, "positive"),
        ({"to_user_id": 2, "amount": 10**30}, 409, "not enough"),
        ({"to_user_id": 1, "amount": 10}, 409, "oneself"),
        ({}, 409, "name the recipient"),
        ({"to_user_id": 999, "amount": 10}, 404, "user 999"),
    ],
)
def test_a_send_that_cannot_happen_books_nothing(demo, body, status, fragment):
    answer = demo.post("/user/sendToken", ALICE, user_id=1, **body)
    assert answer.status == status, answer.text
    assert fragment in answer.json()["msg"]
    assert demo.ledger_sum(1) == 1000 and demo.ledger_sum(2) == 500


def test_nobody_spends_for_someone_else(demo):
    for path, body in (
        ("/user/sendToken", {"to_user_id": 2, "amount": 10}),
        ("/user/transfer", {"amount": 10}),
        ("/user/withdraw", {"amount": 10, "receive_account": "bob@paypal"}),
    ):
        answer = demo.post(path, BOB, user_id=1, **body)
        assert (answer.status, answer.json()["code"]) == (401, 4), path
    assert demo.ledger_sum(1) == 1000 and demo.ledger_sum(1, "earnings") == 554


def test_earnings_transfer_one_way_into_recharged_tokens(demo):
    moved = demo.ok("POST", "/user/transfer", ALICE, user_id=1, amount=54)
    assert moved == {
        "user_id": 1,
        "token_balance": 1054,
        "recharge_token": 54,
        "free_token": 1000,
        "available_amount": 500,
    }
    too_much = demo.post("/user/transfer", ALICE, user_id=1, amount=501)
    assert (too_much.status, too_much.json()["code"]) == (409, 5)
    assert_balances_are_their_ledger(demo, ALICE, 1)


def test_free_tokens_are_spent_before_recharged_ones(demo):
    demo.ok("POST", "/user/transfer", ALICE, user_id=1, amount=100)
    demo.ok("POST", "/user/sendToken", ALICE, user_id=1, to_user_id=2, amount=1050)
    shown = balance(demo, ALICE, 1)
    assert (shown["token_balance"], shown["free_token"], shown["recharge_token"]) == (50, 0, 50)


def test_a_withdrawal_pays_out_earnings_and_shows_masked_in_everyones_list(demo):
    assert demo.ok(
        "POST", "/user/withdraw", ALICE, user_id=1, amount=500, receive_account="alice@paypal"
    ) == {"status": 0}
    assert balance(demo, ALICE, 1)["available_amount"] == 54
    info = demo.ok("POST", "/user/getUserBaseInfo", ALICE, user_id=1)
    assert (info["withdraw_amount"], info["pending_withdraw_amount"]) == (500, 0)
    listed = demo.ok("GET", "/user/withdraw/list", BOB)
    assert [(w["username"], w["amount"]) for w in listed] == [("al***", 500)]
    refused = demo.post("/user/withdraw", ALICE, user_id=1, amount=55, receive_account="alice@paypal")
    assert (refused.status, refused.json()["code"]) == (409, 5)
    assert_balances_are_their_ledger(demo, ALICE, 1)


def test_profits_are_listed_for_their_creator_only(demo):
    profits = demo.ok("GET", "/user/profit/list?user_id=1", ALICE)
    assert [(p["platform"], p["amout"], p["channel_fee"], p["profit"]) for p in profits] == [
        ("stripe", 19.9, 1.2, 3.74),
        ("paypal", 9.9, 0.9, 1.8),
    ]
    assert demo.ok("GET", "/user/profit/list?user_id=2", BOB) == []
    assert demo.ok("POST", "/user/getUserBaseInfo", ALICE, user_id=1)["total_profit"] == 554


def test_free_times_start_at_the_defaults(demo):
    assert demo.ok("POST", "/user/getFreeTimes", BOB, user_id=2) == {
        "user_id": 2,
        "freeAvatarTimes": 3,
        "freeGifTimes": 1,
        "freeAudioTimes": 3,
        "freeNovelTimes": 2,
        "freeGroupChatTimes": 2,
    }


def test_a_purchase_on_the_ledger_shows_as_recharge_and_total_amount(demo):
    demo.api.db.write_now(lambda db: ledger.book(db, 2, 1200, kind="purchase", ref="order-1", once="order-1"))
    shown = balance(demo, BOB, 2)
    assert (shown["recharge_token"], shown["free_token"]) == (1200, 500)
    assert demo.ok("POST", "/user/getUserBaseInfo", BOB, user_id=2)["total_amount"] == 1200
    assert demo.ok("POST", "/user/grade/level", BOB, user_id=2, system="ios") == {"_level": 3}
    assert demo.ok("POST", "/user/grade/level", ALICE, user_id=1, system="ios") == {"_level": 1}


# --- the ledger invariant, over random sequences --------------------------------------------
#
# Random sequences of what moves tokens, through HTTP as a client (and a payer on the providers' pages)
# does it: sends, transfers, withdrawals, gifts, sign-ins, and payments: PayPal orders created,
# approved (or not) and captured (by their owner or by the other user, once or again), Stripe
# checkouts paid (once or again), App Store receipts sent (fresh or seen before, by either user),
# PayPal subscriptions captured, subscriptions cancelled. After every step each balance is the sum of
# its ledger rows, and a payment step moved the balance by exactly what it bought, or by nothing.

USERS = ((ALICE, 1), (BOB, 2))
PACKAGES = {1: 1000, 2: 7500, 3: 16000, 4: 35000}
VIP_TOKENS = {1: 3000, 2: 8000}
steps = st.one_of(
    st.tuples(st.just("send"), st.sampled_from(USERS), st.integers(-5, 1500)),
    st.tuples(st.just("transfer"), st.sampled_from(USERS), st.integers(-5, 700)),
    st.tuples(st.just("withdraw"), st.sampled_from(USERS), st.integers(-5, 700)),
    st.tuples(st.just("gift"), st.sampled_from(USERS), st.integers(0, 4)),
    st.tuples(st.just("sign_in"), st.sampled_from(USERS), st.just(0)),
    # PayPal: a new order of package n (approved when n is even: n // 2 is the package).
    st.tuples(st.just("order"), st.sampled_from(USERS), st.integers(2, 9)),
    # A capture of the n-th latest order (anyone's): a first capture, a double, or a stranger's; and a
    # capture of the n-th latest order captured before: a double capture.
    st.tuples(st.just("capture"), st.sampled_from(USERS), st.integers(0, 2)),
    st.tuples(st.just("capture_again"), st.sampled_from(USERS), st.integers(0, 2)),
    st.tuples(st.just("stripe"), st.sampled_from(USERS), st.integers(1, 4)),
    st.tuples(st.just("stripe_again"), st.sampled_from(USERS), st.integers(0, 20)),
    # An App Store receipt of package 1 with transaction id n: a few ids, so some come back.
    st.tuples(st.just("apple"), st.sampled_from(USERS), st.integers(0, 4)),
    st.tuples(st.just("subscribe"), st.sampled_from(USERS), st.integers(1, 2)),
    st.tuples(st.just("cancel"), st.sampled_from(USERS), st.just(0)),
)


def _pay(demo: Client, action: str, token: str, user_id: int, number: int, made: dict[str, list[Any]]) -> int:
    """One payment step; the tokens it must have credited to `user_id` (0 when it books nothing)."""
    if action == "order":
        order_id = paypal_order(demo, token, user_id, number // 2, approve=number % 2 == 0)
        made["orders"].append((order_id, number // 2, number % 2 == 0, user_id))
        return 0
    if action == "capture":
        if not made["orders"]:
            return 0
        order_id, package, approved, owner = made["orders"][-1 - number % len(made["orders"])]
        answer = demo.post("/api/paypal/captureOrder", token, user_id=user_id, order_id=order_id)
        if owner != user_id:
            assert answer.status == 404, answer.text  # someone else's order is not there for this user
            return 0
        if approved and (order_id, owner) not in made["captured"]:
            assert answer.status == 200, answer.text
            made["captured"].append((order_id, owner))
            return PACKAGES[package]
        assert answer.status == 409, answer.text  # not approved, or captured before
        return 0
    if action == "capture_again":
        if made["captured"]:
            order_id, owner = made["captured"][-1 - number % len(made["captured"])]
            answer = demo.post("/api/paypal/captureOrder", token, user_id=user_id, order_id=order_id)
            assert answer.status == (409 if owner == user_id else 404), answer.text
        return 0
    if action == "stripe":
        gateway = demo.ok("POST", "/api/stripe/createOrder", token, user_id=user_id, package_id=number)[
            "gateway_url"
        ]
        assert demo.press(gateway, "pay").status == 200
        made["sessions"].append((gateway, user_id))
        return PACKAGES[number]
    if action == "stripe_again":
        if made["sessions"]:
            gateway, _ = made["sessions"][number % len(made["sessions"])]
            assert demo.press(gateway, "pay").status == 409
        return 0
    if action == "apple":
        receipt = apple_receipt("com.character.tokens.1000", f"property-{number}")
        status = demo.ok("POST", "/api/apple/purchase", token, user_id=user_id, receipt=receipt)["status"]
        assert status in (0, 1)
        return PACKAGES[1] if status == 0 else 0
    if action == "subscribe":
        plan = next(p for p in demo.ok("GET", "/api/vipLevels") if p["level"] == number)
        subscription = paypal_subscription(demo, user_id, plan["paypal_sid"])
        body = {"user_id": user_id, "subscription_id": subscription["id"]}
        demo.ok("POST", "/api/paypal/captureSubscription", token, **body)
        again = demo.post("/api/paypal/captureSubscription", token, **body)
        assert again.status == 409
        return VIP_TOKENS[number]
    assert action == "cancel"
    assert demo.ok("POST", "/api/cancelSubscription", token, user_id=user_id)["status"] in (0, 1)
    return 0


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=st.lists(steps, max_size=15))
def test_every_balance_is_the_sum_of_its_ledger_whatever_happens(demo, sequence):
    made: dict[str, list[Any]] = {"orders": [], "captured": [], "sessions": []}
    for action, (token, user_id), number in sequence:
        other = 3 - user_id
        before = {each_id: demo.ledger_sum(each_id) for _, each_id in USERS}
        if action == "send":
            answer = demo.post("/user/sendToken", token, user_id=user_id, to_user_id=other, amount=number)
        elif action == "transfer":
            answer = demo.post("/user/transfer", token, user_id=user_id, amount=number)
        elif action == "withdraw":
            answer = demo.post(
                "/user/withdraw", token, user_id=user_id, amount=number, receive_account="acct"
            )
        elif action == "gift":
            answer = demo.post("/user/receiveGift", token, user_id=user_id, gift_id=number)
        elif action == "sign_in":
            answer = demo.post("/user/signIn", token, user_id=user_id)
        else:
            credited = _pay(demo, action, token, user_id, number, made)
            after = {
                each_id: balance(demo, each_token, each_id)["token_balance"] for each_token, each_id in USERS
            }
            assert after == {user_id: before[user_id] + credited, other: before[other]}, (action, number)
            answer = None
        assert answer is None or answer.status in (200, 409), answer.text
        for each_token, each_id in USERS:
            shown = balance(demo, each_token, each_id)
            assert shown["token_balance"] == demo.ledger_sum(each_id) >= 0
            assert shown["available_amount"] == demo.ledger_sum(each_id, "earnings") >= 0
            assert shown["free_token"] >= 0 and shown["recharge_token"] >= 0
