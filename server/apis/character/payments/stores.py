"""App Store and Google Play purchases, verified against deterministic test receipts.

A real server sends an app's receipt to Apple (or its purchase token to Google) to learn what was
bought; this one reads it from the receipt itself, in a form a test or a developer writes by hand:

- Apple (``receipt``): ``{"receipt-data": "test-apple-receipt:<product_id>:<transaction_id>"}``
- Google (``receipt``, or ``token`` for the deprecated operations):
  ``{"purchaseToken": "test-google-purchase:<product_id>:<order_id>"}``

``product_id`` is a product of the catalogue (``apple_pid`` of /api/tokenPackages, ``apple_sid`` of
/api/vipLevels; Google Play uses the same ids). A transaction is booked once, for the first user who
sends it: sending it again (a restore, a retry) books nothing. The answer's ``status``: 0 booked now,
1 booked before, 2 the receipt does not verify (not a test receipt, a product not sold, or, for the
deprecated operations, not the product of their ``package_id``/``level``).
"""

from __future__ import annotations

import re
from typing import Any

from server.apis.character import ledger
from server.apis.character.payments import billing, catalogue, common
from server.apis.character.payments.catalogue import TOKENS, VIP, Product
from server.apis.character.users import me
from server.call import Call
from server.registry import Handlers
from server.storage import now_ms

handlers = Handlers()

BOOKED, BOOKED_BEFORE, NOT_VERIFIED = 0, 1, 2
# A transaction id as the stores write them (digits for Apple, GPA.1234-5678-9012-34567 for Google),
# or any test id of letters, digits, dots and dashes.
_TRANSACTION = re.compile(r"[A-Za-z0-9._-]{1,64}")
STORES = {
    "apple": ("receipt-data", "test-apple-receipt"),
    "google": ("purchaseToken", "test-google-purchase"),
}


def verify(store: str, receipt: Any) -> tuple[Product, str] | None:
    """(product, transaction id) of a test receipt of ``store``, or None when it does not verify."""
    field, scheme = STORES[store]
    data = receipt.get(field) if isinstance(receipt, dict) else None
    if not isinstance(data, str):
        return None
    parts = data.split(":")
    if len(parts) != 3 or parts[0] != scheme or not _TRANSACTION.fullmatch(parts[2]):
        return None
    product = catalogue.by_store_id(parts[1])
    return (product, parts[2]) if product is not None else None


async def redeem(call: Call, store: str, receipt: Any, expected: Product | None = None) -> dict[str, int]:
    user_id = me(call)["id"]
    verified = verify(store, receipt)
    if verified is None or (expected is not None and verified[0] != expected):
        return {"status": NOT_VERIFIED}
    product, transaction = verified

    def book(db: Any) -> int:
        if billing.order(db, store, transaction) is not None:
            return BOOKED_BEFORE
        now = now_ms()
        row = billing.create_order(db, store, transaction, user_id, product, now)
        billing.complete_order(db, row, product, now, needs=("created",), subscription_id=transaction)
        return BOOKED

    try:
        return {"status": await call.db.write(book)}
    except (billing.Conflict, ledger.AlreadyBooked):
        return {"status": BOOKED_BEFORE}


# --- Apple ----------------------------------------------------------------------------------------


@handlers("post_api_apple_purchase")
async def apple_purchase(call: Call) -> Any:
    return await redeem(call, "apple", call.require("receipt"))


@handlers("post_api_apple_order")
async def apple_order(call: Call) -> Any:
    return await redeem(call, "apple", call.require("receipt"), common.product(call, TOKENS, "package_id"))


@handlers("post_api_apple_subscribe")
async def apple_subscribe(call: Call) -> Any:
    return await redeem(call, "apple", call.require("receipt"), common.product(call, VIP, "level"))


@handlers("post_api_apple_getRreceipts")
async def apple_receipts(call: Call) -> Any:
    """The receipt's transactions as Apple's verifyReceipt lists them (``in_app``); none when it does not
    verify. Dates are those of the booking when the transaction was booked."""
    me(call)
    verified = verify("apple", call.require("receipt"))
    if verified is None:
        return {"receipts": []}
    product, transaction = verified
    row = billing.order(call.db.conn, "apple", transaction)
    bought = row["created_at"] if row is not None else now_ms()
    entry: dict[str, Any] = {
        "quantity": "1",
        "product_id": product.store_id,
        "transaction_id": transaction,
        "original_transaction_id": transaction,
        "purchase_date_ms": str(bought),
        "is_trial_period": "false",
    }
    if product.kind == VIP:
        entry["expires_date_ms"] = str(bought + product.days * catalogue.DAY_MS)
    return {"receipts": [entry]}


# --- Google ---------------------------------------------------------------------------------------


@handlers("post_api_google_purchase")
async def google_purchase(call: Call) -> Any:
    return await redeem(call, "google", call.require("receipt"))


@handlers("post_api_google_order")
async def google_order(call: Call) -> Any:
    return await redeem(call, "google", call.require("token"), common.product(call, TOKENS, "package_id"))


@handlers("post_api_google_subscribe")
async def google_subscribe(call: Call) -> Any:
    return await redeem(call, "google", call.require("token"), common.product(call, VIP, "level"))


@handlers("post_api_subscriptionStatus")
async def subscription_status(call: Call) -> Any:
    """For each VIP tier (1 pro, 2 pro+), whether the app may sell it through ``pay_channel`` and how:
    ``action`` 0 a new subscription, 1 an upgrade, 2 a downgrade of the current one. The tier the user
    has is not sold again while it renews; a subscription that renews through another channel is
    cancelled there first (``note`` says where)."""
    user_id = me(call)["id"]
    channel = str(call.require("pay_channel"))
    current = billing.live(call.db.conn, user_id, VIP, now_ms())
    answer = {}
    for tier in (1, 2):
        can, action, note = 1, 0, ""
        if current is not None:
            action = 0 if tier == current["tier"] else (1 if tier > current["tier"] else 2)
            renewing = current["status"] == "active"
            if renewing and current["provider"] != channel:
                can, note = 0, f"subscribed through {current['provider']}: cancel it there first"
            elif renewing and tier == current["tier"]:
                can, note = 0, "subscribed"
        answer[str(tier)] = {"canSubscribe": can, "action": action, "note": note}
    return answer
