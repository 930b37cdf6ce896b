"""A user's tokens and earnings: balances, daily sign-in, gifts, sending tokens, transfers, withdrawals.

Every change is a row of the ledger (``ledger.book`` / ``ledger.move``), so every balance shown here
is a sum of rows; what may happen once (a day's sign-in, a gift) carries a once-key, so a double tap
never pays twice. The doc's four balance fields are views of the ledger:

- ``token_balance``: the sum of the ``tokens`` account;
- ``recharge_token`` / ``free_token``: that sum split by where tokens came from (bought, or
  transferred from earnings, is recharge; sign-ins, gifts and tokens sent by others are free),
  free tokens spent first;
- ``available_amount``: the sum of the ``earnings`` account, in cents (what a creator may withdraw,
  or transfer one way into tokens, 1 cent = 1 token).

A movement the balance cannot cover, or an amount that is not positive, is refused with HTTP 409
(code 5, ``msg`` says why) and books nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from server.apis.character import ledger
from server.apis.character.users import find, me, sqlite_int, stamp
from server.call import Call
from server.envelope import ApiError
from server.registry import Handlers
from server.storage import now_ms

handlers = Handlers()

# Ledger kinds whose tokens count as recharged (bought); payments book under these.
RECHARGE_KINDS = ("purchase", "payment", "subscription", "transfer")
# The creator's share of what a buyer paid for their character, after the channel's fee.
CREATOR_SHARE = 0.2
# What a user may do for free before tokens are spent (the content model takes them: take_free_time).
DEFAULT_FREE_TIMES = {"avatar": 3, "gif": 1, "audio": 3, "novel": 2, "group_chat": 2}
WITHDRAW_LIST_SIZE = 20


@dataclass(frozen=True)
class Gift:
    id: int
    reward: int
    titles: dict[str, str]
    contents: dict[str, str]
    buttons: dict[str, str]
    link: str = ""


# Gift 1 is the day's sign-in: receiving it and /user/signIn are one booking (one once-key per day).
GIFTS = (
    Gift(
        1,
        200,
        {"en": "Rewards for Daily Check-In", "zh": "每日签到奖励"},
        {"en": "Check in and get tokens every day!", "zh": "每天签到领取代币！"},
        {"en": "Get", "zh": "领取"},
    ),
    Gift(
        2,
        150,
        {"en": "Join Discord", "zh": "加入 Discord"},
        {
            "en": "Join our Discord, take part in our activities, and get more rewards.",
            "zh": "加入我们的 Discord，参与活动，获得更多奖励。",
        },
        {"en": "Join", "zh": "加入"},
        "https://discord.com/invite/Naa2qkyMkt",
    ),
    Gift(
        3,
        100,
        {"en": "Follow us on X", "zh": "在 X 上关注我们"},
        {
            "en": "Follow our X account for news of new characters.",
            "zh": "关注我们的 X 账号，获取新角色动态。",
        },
        {"en": "Follow", "zh": "关注"},
        "https://x.com/character",
    ),
)
SIGN_IN_GIFT = GIFTS[0]


@handlers.schema
def create_tables(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE IF NOT EXISTS withdrawals (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL,
            amount INTEGER NOT NULL,
            receive_account TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            done_at INTEGER
        )"""
    )
    db.execute("CREATE INDEX IF NOT EXISTS withdrawals_by_user ON withdrawals(user_id, id)")
    db.execute("CREATE INDEX IF NOT EXISTS withdrawals_done ON withdrawals(done_at)")
    db.execute(
        """CREATE TABLE IF NOT EXISTS profits (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL,
            character_id INTEGER NOT NULL DEFAULT 0,
            avatar TEXT NOT NULL DEFAULT '',
            platform TEXT NOT NULL,
            amount INTEGER NOT NULL,
            channel_fee INTEGER NOT NULL,
            profit INTEGER NOT NULL,
            is_refund INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL
        )"""
    )
    db.execute("CREATE INDEX IF NOT EXISTS profits_by_user ON profits(user_id, id)")
    db.execute(
        """CREATE TABLE IF NOT EXISTS free_uses (
            user_id INTEGER NOT NULL,
            kind TEXT NOT NULL,
            used INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (user_id, kind)
        )"""
    )


# --- for every area that books ----------------------------------------------------------------


def is_recharge(kind: str) -> bool:
    return kind.startswith(RECHARGE_KINDS)


def balances(db: Any, user_id: int) -> dict[str, int]:
    """The doc's balance fields, from the user's ledger rows (module docstring)."""
    free_in = recharge_in = spent = 0
    for kind, credit, debit in db.execute(
        "SELECT kind, COALESCE(SUM(CASE WHEN delta > 0 THEN delta END), 0),"
        " COALESCE(SUM(CASE WHEN delta < 0 THEN -delta END), 0)"
        " FROM ledger WHERE user_id = ? AND account = 'tokens' GROUP BY kind",
        [int(user_id)],
    ):
        spent += debit
        if is_recharge(kind):
            recharge_in += credit
        else:
            free_in += credit
    total = free_in + recharge_in - spent
    free = max(free_in - spent, 0)
    return {
        "token_balance": total,
        "recharge_token": total - free,
        "free_token": free,
        "available_amount": ledger.balance(db, user_id, "earnings"),
    }


def record_profit(
    db: sqlite_utils.Database,
    creator_id: int,
    *,
    platform: str,
    amount: int,
    channel_fee: int,
    character_id: int = 0,
    avatar: str = "",
    once: str | None = None,
    now: int | None = None,
) -> int:
    """A sale that earns a creator their share (cents, inside the payment's write): a profit row and
    the earnings it books, together. ``once`` (the payment's key) makes a second capture earn nothing:
    ledger.AlreadyBooked is raised and the write rolls back. Returns the profit row's id."""
    profit = round((amount - channel_fee) * CREATOR_SHARE)
    profit_id = int(
        db.execute(
            "INSERT INTO profits (user_id, character_id, avatar, platform, amount, channel_fee, profit, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [creator_id, character_id, avatar, platform, amount, channel_fee, profit, now or now_ms()],
        ).lastrowid
    )
    if profit > 0:
        ledger.book(db, creator_id, profit, account="earnings", kind="profit", ref=profit_id, once=once)
    return profit_id


def free_times(db: Any, user_id: int) -> dict[str, int]:
    used = dict(db.execute("SELECT kind, used FROM free_uses WHERE user_id = ?", [int(user_id)]).fetchall())
    return {kind: max(total - used.get(kind, 0), 0) for kind, total in DEFAULT_FREE_TIMES.items()}


def take_free_time(db: sqlite_utils.Database, user_id: int, kind: str) -> bool:
    """Use one of the user's free `kind` (avatar, gif, audio, novel, group_chat) inside a write;
    False when none is left (then the caller charges tokens instead)."""
    if free_times(db, user_id).get(kind, 0) <= 0:
        return False
    db.execute(
        "INSERT INTO free_uses (user_id, kind, used) VALUES (?, ?, 1)"
        " ON CONFLICT(user_id, kind) DO UPDATE SET used = used + 1",
        [int(user_id), kind],
    )
    return True


def today() -> str:
    return datetime.fromtimestamp(now_ms() / 1000, UTC).strftime("%Y-%m-%d")


def sign_in_key(user_id: int) -> str:
    return f"signin:{user_id}:{today()}"


def gift_key(user_id: int, gift: Gift) -> str:
    return sign_in_key(user_id) if gift is SIGN_IN_GIFT else f"gift:{user_id}:{gift.id}"


def refused(call: Call, message: str) -> ApiError:
    """A movement the balance cannot cover (or a non-positive amount): 409, nothing booked."""
    return call.fail(message, status=409)


def _amount(call: Call) -> int:
    amount = call.require("amount")
    if amount <= 0:
        raise refused(call, f"amount must be a positive number of tokens, not {amount}")
    if sqlite_int(amount) is None:
        raise refused(call, f"not enough: no balance holds {amount}")
    return int(amount)


async def _book(call: Call, work: Any) -> Any:
    try:
        return await call.db.write(work)
    except ledger.InsufficientBalance as exc:
        raise refused(call, f"not enough: {exc}") from None


# --- operations -----------------------------------------------------------------------------


@handlers("post_user_getUserTokenBalance")
async def token_balance(call: Call) -> Any:
    user = me(call)
    return {
        **balances(call.db.conn, user["id"]),
        "level": user["level"],
        "vip_expire_time": stamp(user["vip_expire_at"]),
    }


@handlers("post_user_signIn")
async def sign_in(call: Call) -> Any:
    """Once a day (UTC): status 0 and the day's reward, or status 1 when already signed in today."""
    user_id = me(call)["id"]
    try:
        await call.db.write(
            lambda db: ledger.book(
                db, user_id, SIGN_IN_GIFT.reward, kind="sign_in", ref=today(), once=sign_in_key(user_id)
            )
        )
    except ledger.AlreadyBooked:
        return {"status": 1}
    return {"status": 0}


@handlers("post_user_sendToken")
async def send_token(call: Call) -> Any:
    user_id = me(call)["id"]
    to_user_id = call.get("to_user_id")
    if to_user_id is None or call.get("amount") is None:
        raise refused(call, "nothing to send: name the recipient (to_user_id) and the amount of tokens")
    recipient = find(call.db.conn, to_user_id)
    if recipient is None or recipient["type"] == "guest":
        raise call.not_found("user", to_user_id)
    if recipient["id"] == user_id:
        raise refused(call, "tokens cannot be sent to oneself")
    amount = _amount(call)

    def send(db: sqlite_utils.Database) -> None:
        ledger.move(db, amount, source=(user_id, "tokens"), target=(recipient["id"], "tokens"), kind="send")

    await _book(call, send)
    return {"status": 0, "user_id": user_id, **balances(call.db.conn, user_id)}


@handlers("post_user_getFreeTimes")
async def get_free_times(call: Call) -> Any:
    user_id = me(call)["id"]
    left = free_times(call.db.conn, user_id)
    return {
        "user_id": user_id,
        "freeAvatarTimes": left["avatar"],
        "freeGifTimes": left["gif"],
        "freeAudioTimes": left["audio"],
        "freeNovelTimes": left["novel"],
        "freeGroupChatTimes": left["group_chat"],
    }


def _lang(call: Call) -> str:
    return "zh" if str(call.get("lang") or "").lower().startswith("zh") else "en"


@handlers("post_user_listGift")
async def list_gifts(call: Call) -> Any:
    user_id = me(call)["id"]
    lang = _lang(call)
    received = {
        row["once_key"]
        for row in call.db.query(
            "SELECT once_key FROM ledger WHERE once_key IN ({})".format(",".join("?" * len(GIFTS))),
            [gift_key(user_id, gift) for gift in GIFTS],
        )
    }
    return [
        {
            "id": gift.id,
            "title": gift.titles[lang],
            "content": gift.contents[lang],
            "reward": gift.reward,
            "button": gift.buttons[lang],
            "link": gift.link,
            "received": gift_key(user_id, gift) in received,
        }
        for gift in GIFTS
    ]


@handlers("post_user_receiveGift")
async def receive_gift(call: Call) -> Any:
    """The doc's statuses: 0 received, 1 no such gift, 2 received before (today, for the sign-in)."""
    user_id = me(call)["id"]
    gift = next((g for g in GIFTS if g.id == call.require("gift_id")), None)
    status = 1
    if gift is not None:
        kind = "sign_in" if gift is SIGN_IN_GIFT else "gift"
        try:
            await call.db.write(
                lambda db: ledger.book(
                    db, user_id, gift.reward, kind=kind, ref=gift.id, once=gift_key(user_id, gift)
                )
            )
            status = 0
        except ledger.AlreadyBooked:
            status = 2
    return {"statue": status, "user_id": user_id, **balances(call.db.conn, user_id)}


@handlers("post_user_transfer")
async def transfer(call: Call) -> Any:
    """Earnings into tokens (one way: tokens never become earnings), 1 cent = 1 token."""
    user_id = me(call)["id"]
    amount = _amount(call)
    await _book(
        call,
        lambda db: ledger.move(
            db, amount, source=(user_id, "earnings"), target=(user_id, "tokens"), kind="transfer"
        ),
    )
    return {"user_id": user_id, **balances(call.db.conn, user_id)}


@handlers("post_user_withdraw")
async def withdraw(call: Call) -> Any:
    """Earnings paid out to `receive_account`; the reference server's payout completes at once."""
    user_id = me(call)["id"]
    amount = _amount(call)
    account = str(call.require("receive_account"))

    def pay_out(db: sqlite_utils.Database) -> None:
        now = now_ms()
        withdrawal = db.execute(
            "INSERT INTO withdrawals (user_id, amount, receive_account, created_at, done_at) VALUES (?, ?, ?, ?, ?)",
            [user_id, amount, account, now, now],
        ).lastrowid
        ledger.book(db, user_id, -amount, account="earnings", kind="withdraw", ref=withdrawal)

    await _book(call, pay_out)
    return {"status": 0}


def masked(name: str) -> str:
    """``Al***``: who withdrew, without telling everyone exactly who."""
    return (name[:2] or "*") + "***"


@handlers("get_user_withdraw_list")
async def withdraw_list(call: Call) -> Any:
    """Everyone's latest completed withdrawals (the doc: "all users'"), names masked."""
    rows = call.db.query(
        "SELECT users.name, withdrawals.amount, withdrawals.done_at FROM withdrawals"
        " JOIN users ON users.id = withdrawals.user_id"
        " WHERE withdrawals.done_at IS NOT NULL ORDER BY withdrawals.done_at DESC, withdrawals.id DESC LIMIT ?",
        [WITHDRAW_LIST_SIZE],
    )
    return [
        {"username": masked(r["name"]), "amount": r["amount"], "done_timestamp": stamp(r["done_at"])}
        for r in rows
    ]


@handlers("get_user_profit_list")
async def profit_list(call: Call) -> Any:
    user_id = me(call)["id"]
    rows = call.db.query("SELECT * FROM profits WHERE user_id = ? ORDER BY id DESC", [user_id])
    return [
        {
            "time": stamp(r["created_at"]),
            "is_refund": r["is_refund"],
            "platform": r["platform"],
            "amout": r["amount"] / 100,
            "channel_fee": r["channel_fee"] / 100,
            "profit": r["profit"] / 100,
            "character_id": r["character_id"],
            "avatar": r["avatar"],
        }
        for r in rows
    ]


# --- demo -----------------------------------------------------------------------------------


@handlers.seeder
def demo(seed: Any) -> None:
    """Starting balances: alice 1000 tokens and two sales of hers (5.54 of earnings), bob 500 tokens."""
    day = 24 * 3600 * 1000

    def write(db: sqlite_utils.Database) -> None:
        if db.execute("SELECT 1 FROM ledger WHERE once_key = 'demo:tokens:1'").fetchone():
            return
        ledger.book(db, 1, 1000, kind="gift", ref="demo", once="demo:tokens:1")
        ledger.book(db, 2, 500, kind="gift", ref="demo", once="demo:tokens:2")
        sales = (("paypal", 990, 90, 3 * day), ("stripe", 1990, 120, 2 * day))
        for number, (platform, amount, fee, ago) in enumerate(sales, start=1):
            record_profit(
                db,
                1,
                platform=platform,
                amount=amount,
                channel_fee=fee,
                once=f"demo:sale:{number}",
                now=seed.epoch_ms - ago,
            )

    seed.db.write_now(write)
    seed.say("character: alice has 1000 tokens and 5.54 of earnings (available_amount 554), bob 500 tokens")
