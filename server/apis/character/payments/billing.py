"""Orders and subscriptions of every provider, and what a payment does to a user's account.

One table of orders and one of subscriptions serve all providers; each row keeps the provider's own id
(PayPal ``5O190127TN364715T``, Stripe ``cs_test_...``, an App Store transaction id ...) and the price
and tokens it was bought at. Statuses are ours; each provider module shows them in its own words.

- an order: ``created`` -> ``approved`` (the payer approved it on the provider's page) -> ``completed``
  (captured, or paid on the page); ``created``/``approved`` -> ``cancelled``;
- a subscription: ``pending`` -> ``approved`` -> ``active`` -> ``cancelled`` (no renewal; the paid time
  is kept), or ``replaced`` when the user subscribes to another plan of the same kind.

:func:`pay` is the one place a payment changes an account, inside the write that completes the order:
its tokens are one ledger row with the payment's once-key (a second completion books nothing and
raises ledger.AlreadyBooked, so the write rolls back), and a subscription it pays for becomes active
with its period; the user's VIP level follows (:func:`sync_vip`). Nothing here renews by itself: a
subscription lasts the period its payment bought.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from server.apis.character import ledger
from server.apis.character.payments.catalogue import (
    DAY_MS,
    TOKEN_SUB,
    TOKENS,
    UPPER_DIGITS,
    VIP,
    Product,
)
from server.apis.character.users import ON_DELETE
from server.registry import Handlers

handlers = Handlers()


class Conflict(Exception):
    """A payment step the order's state does not allow (capturing twice, paying a cancelled order)."""


def create_tables(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE IF NOT EXISTS pay_orders (
            provider TEXT NOT NULL,
            id TEXT NOT NULL,
            user_id INTEGER NOT NULL,
            product_kind TEXT NOT NULL,
            product_id INTEGER NOT NULL,
            cents INTEGER NOT NULL,
            tokens INTEGER NOT NULL,
            status TEXT NOT NULL,
            capture_id TEXT,
            subscription_id TEXT,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            PRIMARY KEY (provider, id)
        )"""
    )
    db.execute("CREATE INDEX IF NOT EXISTS pay_orders_by_user ON pay_orders(user_id)")
    db.execute(
        """CREATE TABLE IF NOT EXISTS pay_subscriptions (
            provider TEXT NOT NULL,
            id TEXT NOT NULL,
            user_id INTEGER NOT NULL,
            product_kind TEXT NOT NULL,
            product_id INTEGER NOT NULL,
            cents INTEGER NOT NULL,
            tokens INTEGER NOT NULL,
            tier INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL,
            started_at INTEGER,
            period_end INTEGER,
            payments INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            PRIMARY KEY (provider, id)
        )"""
    )
    db.execute(
        "CREATE INDEX IF NOT EXISTS pay_subscriptions_by_user ON pay_subscriptions(user_id, product_kind)"
    )
    # What clients report and nothing acts on (PayPal's onCancel/onError, AppsFlyer events): kept for
    # whoever debugs a payment.
    db.execute(
        """CREATE TABLE IF NOT EXISTS pay_events (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL,
            kind TEXT NOT NULL,
            detail TEXT NOT NULL,
            created_at INTEGER NOT NULL
        )"""
    )


handlers.schema(create_tables)


def _forget(db: sqlite_utils.Database, user_id: int) -> None:
    # A deleted user's subscriptions end (nothing would renew them); orders stay, as the books do.
    db.execute(
        "UPDATE pay_subscriptions SET status = 'cancelled' WHERE user_id = ? AND status IN ('pending', 'approved', 'active')",
        [user_id],
    )


ON_DELETE.append(_forget)


# --- ids and times ------------------------------------------------------------------------------


def random_id(alphabet: str, length: int) -> str:
    """An id nobody can guess: the id in an approve link is all a payer's browser needs to approve."""
    return "".join(secrets.choice(alphabet) for _ in range(length))


def paypal_id() -> str:
    """PayPal's 17 characters (orders and captures): ``5O190127TN364715T``."""
    return random_id(UPPER_DIGITS, 17)


def iso(ms: int | None) -> str:
    """A time as the providers write them: ``2023-07-04T10:34:09Z``."""
    return datetime.fromtimestamp((ms or 0) / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- orders -----------------------------------------------------------------------------------


def _get(db: Any, table: str, provider: str, row_id: Any, user_id: int | None) -> dict[str, Any] | None:
    """A row of ``table`` (pay_orders or pay_subscriptions); with ``user_id``, only that user's."""
    sql = f"SELECT * FROM {table} WHERE provider = ? AND id = ?"
    params: list[Any] = [provider, str(row_id)]
    if user_id is not None:
        sql += " AND user_id = ?"
        params.append(user_id)
    return _row(db, sql, params)


def _set(
    db: sqlite_utils.Database, table: str, row: dict[str, Any], now: int, /, **values: Any
) -> dict[str, Any]:
    """``values`` (and ``updated_at``) written to ``row`` of ``table``; the row as it is now."""
    values["updated_at"] = now
    columns = ", ".join(f"{name} = ?" for name in values)
    db.execute(
        f"UPDATE {table} SET {columns} WHERE provider = ? AND id = ?",
        [*values.values(), row["provider"], row["id"]],
    )
    return {**row, **values}


def create_order(
    db: sqlite_utils.Database, provider: str, order_id: str, user_id: int, product: Product, now: int
) -> dict[str, Any]:
    """A new order, ``created``; answers its row as ``order`` reads it."""
    db.execute(
        "INSERT INTO pay_orders (provider, id, user_id, product_kind, product_id, cents, tokens, status,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'created', ?, ?)",
        [provider, order_id, user_id, product.kind, product.id, product.cents, product.tokens, now, now],
    )
    return {
        "provider": provider,
        "id": order_id,
        "user_id": user_id,
        "product_kind": product.kind,
        "product_id": product.id,
        "cents": product.cents,
        "tokens": product.tokens,
        "status": "created",
        "capture_id": None,
        "subscription_id": None,
        "created_at": now,
        "updated_at": now,
    }


def order(db: Any, provider: str, order_id: Any, user_id: int | None = None) -> dict[str, Any] | None:
    """An order of ``provider``; with ``user_id``, only that user's (someone else's is not there)."""
    return _get(db, "pay_orders", provider, order_id, user_id)


def set_order(db: sqlite_utils.Database, row: dict[str, Any], now: int, **values: Any) -> dict[str, Any]:
    return _set(db, "pay_orders", row, now, **values)


def complete_order(
    db: sqlite_utils.Database,
    row: dict[str, Any],
    product: Product,
    now: int,
    *,
    needs: tuple[str, ...] = ("approved",),
    subscription_id: str | None = None,
    **values: Any,
) -> dict[str, Any]:
    """Complete an order (inside the write that pays it) and credit what it bought. An order not in
    one of the ``needs`` states raises Conflict; completed before, it raises Conflict too."""
    current = order(db, row["provider"], row["id"]) or row  # the state inside this transaction
    if current["status"] == "completed":
        raise Conflict(f"{row['provider']} order {row['id']} was paid before; nothing was booked again")
    if current["status"] not in needs:
        raise Conflict(f"{row['provider']} order {row['id']} is {current['status']}, it cannot be paid")
    done = set_order(db, current, now, status="completed", subscription_id=subscription_id, **values)
    pay(
        db,
        provider=row["provider"],
        payment_id=row["id"],
        user_id=row["user_id"],
        product=product,
        price=(row["cents"], row["tokens"]),  # what it was bought at, whatever the catalogue says now
        subscription_id=subscription_id,
        now=now,
    )
    return done


# --- payments -----------------------------------------------------------------------------------


def pay(
    db: sqlite_utils.Database,
    *,
    provider: str,
    payment_id: str,
    user_id: int,
    product: Product,
    now: int,
    price: tuple[int, int] | None = None,
    subscription_id: str | None = None,
) -> None:
    """What one payment does to an account, once: its tokens on the ledger (raises ledger.AlreadyBooked
    when this payment was booked before) and, for a subscription, its period."""
    cents, tokens = price or (product.cents, product.tokens)
    if tokens:
        ledger.book(
            db,
            user_id,
            tokens,
            kind="payment" if product.kind == TOKENS else "subscription",
            ref=f"{provider}:{payment_id}",
            once=f"payment:{provider}:{payment_id}",
        )
    if product.kind in (VIP, TOKEN_SUB):
        activate(
            db, provider, subscription_id or payment_id, user_id, product, now, cents=cents, tokens=tokens
        )


def subscription(
    db: Any, provider: str, subscription_id: Any, user_id: int | None = None
) -> dict[str, Any] | None:
    return _get(db, "pay_subscriptions", provider, subscription_id, user_id)


def create_subscription(
    db: sqlite_utils.Database,
    provider: str,
    subscription_id: str,
    user_id: int,
    product: Product,
    now: int,
    *,
    status: str = "pending",
    price: tuple[int, int] | None = None,
) -> None:
    """A subscription; by default one waiting for the payer's approval (PayPal's APPROVAL_PENDING)."""
    cents, tokens = price or (product.cents, product.tokens)
    values = [
        provider,
        subscription_id,
        user_id,
        product.kind,
        product.id,
        cents,
        tokens,
        product.tier,
        status,
    ]
    db.execute(
        "INSERT INTO pay_subscriptions (provider, id, user_id, product_kind, product_id, cents, tokens, tier,"
        " status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [*values, now, now],
    )


def set_subscription(
    db: sqlite_utils.Database, row: dict[str, Any], now: int, **values: Any
) -> dict[str, Any]:
    return _set(db, "pay_subscriptions", row, now, **values)


def live(db: Any, user_id: int, kind: str, now: int) -> dict[str, Any] | None:
    """The user's subscription of ``kind`` whose paid time has not run out (at most one: a new one
    replaces it), cancelled or not."""
    return _row(
        db,
        "SELECT * FROM pay_subscriptions WHERE user_id = ? AND product_kind = ? AND status IN ('active', 'cancelled')"
        " AND period_end > ? ORDER BY period_end DESC LIMIT 1",
        [user_id, kind, now],
    )


def activate(
    db: sqlite_utils.Database,
    provider: str,
    subscription_id: str,
    user_id: int,
    product: Product,
    now: int,
    *,
    cents: int,
    tokens: int,
) -> None:
    """A paid subscription: active for its period. It replaces the user's live subscription of the same
    kind (one VIP plan, one token plan at a time; an upgrade takes effect at once, without proration),
    and paid time of the same VIP tier is not lost: the new period starts where that one ends."""
    start = now
    current = live(db, user_id, product.kind, now)
    if current is not None and (current["provider"], current["id"]) != (provider, subscription_id):
        if product.kind == VIP and current["tier"] == product.tier:
            start = max(now, current["period_end"])
        set_subscription(db, current, now, status="replaced", period_end=now)
    elif current is not None:
        start = max(now, current["period_end"])  # the same subscription paid again: a renewal
    row = subscription(db, provider, subscription_id)
    if row is None:  # paid at once (Stripe, the app stores)
        create_subscription(
            db, provider, subscription_id, user_id, product, now, status="active", price=(cents, tokens)
        )
        row = subscription(db, provider, subscription_id)
    assert row is not None
    set_subscription(
        db,
        row,
        now,
        status="active",
        started_at=row["started_at"] or now,
        period_end=start + product.days * DAY_MS,
        payments=row["payments"] + 1,
    )
    sync_vip(db, user_id, now)


def cancel(db: sqlite_utils.Database, row: dict[str, Any], now: int) -> None:
    """No renewal from now on; the paid period is kept (the VIP level lasts until it ends)."""
    set_subscription(db, row, now, status="cancelled")
    sync_vip(db, row["user_id"], now)


def cancel_live(db: sqlite_utils.Database, user_id: int, kind: str, now: int) -> bool:
    """Cancel the user's live subscription of ``kind`` if it renews (is active); False when none does."""
    current = live(db, user_id, kind, now)
    if current is None or current["status"] != "active":
        return False
    cancel(db, current, now)
    return True


def sync_vip(db: sqlite_utils.Database, user_id: int, now: int) -> None:
    """The users row's VIP fields, from the user's live VIP subscription (users.vip_now lets them run out)."""
    current = live(db, user_id, VIP, now)
    if current is None:
        db.execute(
            "UPDATE users SET level = 0, is_subscribe = 0, vip_expire_at = CASE WHEN vip_expire_at > ?"
            " THEN ? ELSE vip_expire_at END WHERE id = ?",
            [now, now, user_id],
        )
        return
    db.execute(
        "UPDATE users SET level = ?, vip_expire_at = ?, is_subscribe = ? WHERE id = ?",
        [current["tier"], current["period_end"], 1 if current["status"] == "active" else 0, user_id],
    )


def note(db: sqlite_utils.Database, user_id: int, kind: str, detail: str, now: int) -> None:
    db.execute(
        "INSERT INTO pay_events (user_id, kind, detail, created_at) VALUES (?, ?, ?, ?)",
        [user_id, kind, detail, now],
    )


def _row(db: Any, sql: str, params: list[Any]) -> dict[str, Any] | None:
    # Every connection reads sqlite3.Row (server.storage.Database).
    row = db.execute(sql, params).fetchone()
    return dict(row) if row is not None else None
