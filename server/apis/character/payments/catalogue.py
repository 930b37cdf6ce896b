"""What the platform sells: token packages, VIP plans and token subscriptions, with each provider's id.

The catalogue is fixed and the same on every start (no `--seed` needed): prices, token amounts and the
provider ids a client passes back (PayPal plan ids ``P-...``, Stripe price ids ``price_...``, App Store
and Google Play product ids) are derived from the product, never random, so a frontend or a test can
rely on them across restarts. An order keeps what it was bought at (amount, tokens), so a catalogue
change never alters a payment made before it.

VIP plans are the doc's levels: 1 month pro, 2 month pro+, 4 year pro, 5 year pro+. A user's VIP
``level`` (0/1/2, as the doc's author info writes it) is the plan's tier: 1 pro, 2 pro+.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

DAY_MS = 24 * 3600 * 1000
UPPER_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

TOKENS, VIP, TOKEN_SUB = "tokens", "vip", "token_sub"
SUBSCRIPTIONS = (VIP, TOKEN_SUB)
TIER_NAMES = {1: "Pro", 2: "Pro+"}


def derived_id(seed: str, alphabet: str, length: int) -> str:
    """``length`` characters of ``alphabet``, the same for the same seed on every server."""
    digest = int.from_bytes(hashlib.sha256(seed.encode()).digest() * 2, "big")
    chars = []
    for _ in range(length):
        digest, index = divmod(digest, len(alphabet))
        chars.append(alphabet[index])
    return "".join(chars)


@dataclass(frozen=True)
class Product:
    kind: str  # TOKENS, VIP or TOKEN_SUB
    id: int  # package_id, or the VIP plan's level
    cents: int  # price in US cents
    tokens: int  # tokens credited by each payment
    tier: int = 0  # VIP plans: the level a user has while subscribed (1 pro, 2 pro+)
    days: int = 0  # subscriptions: how long one payment lasts
    store_id: str = ""  # App Store and Google Play product id (one id in both stores)

    @property
    def usd(self) -> float:
        return self.cents / 100

    @property
    def value(self) -> str:
        """The amount as PayPal writes it: ``"4.99"``."""
        return f"{self.cents // 100}.{self.cents % 100:02d}"

    @property
    def name(self) -> str:
        if self.kind == TOKENS:
            return f"{self.tokens:,} tokens"
        if self.kind == VIP:
            return f"{TIER_NAMES[self.tier]}, {'yearly' if self.days > 31 else 'monthly'}"
        return f"{self.tokens:,} tokens every month"

    @property
    def yearly(self) -> bool:
        return self.days > 31

    @property
    def paypal_plan(self) -> str:
        """A PayPal billing plan id (``P-`` and 24 characters), for the subscriptions."""
        return "P-" + derived_id(f"paypal-plan:{self.kind}:{self.id}", UPPER_DIGITS, 24)

    @property
    def stripe_price(self) -> str:
        return "price_1" + derived_id(f"stripe-price:{self.kind}:{self.id}", ALNUM, 23)


TOKEN_PACKAGES = (
    Product(TOKENS, 1, 99, 1000, store_id="com.character.tokens.1000"),
    Product(TOKENS, 2, 499, 7500, store_id="com.character.tokens.7500"),
    Product(TOKENS, 3, 999, 16000, store_id="com.character.tokens.16000"),
    Product(TOKENS, 4, 1999, 35000, store_id="com.character.tokens.35000"),
)
# Every payment of a plan also credits its tokens (a year plan's twelve months at once).
VIP_PLANS = (
    Product(VIP, 1, 999, 3000, tier=1, days=30, store_id="com.character.vip.pro.monthly"),
    Product(VIP, 2, 1999, 8000, tier=2, days=30, store_id="com.character.vip.proplus.monthly"),
    Product(VIP, 4, 9999, 36000, tier=1, days=365, store_id="com.character.vip.pro.yearly"),
    Product(VIP, 5, 19999, 96000, tier=2, days=365, store_id="com.character.vip.proplus.yearly"),
)
TOKEN_SUBSCRIPTIONS = (
    Product(TOKEN_SUB, 2, 499, 4000, days=30),
    Product(TOKEN_SUB, 3, 999, 9000, days=30),
)
ALL = TOKEN_PACKAGES + VIP_PLANS + TOKEN_SUBSCRIPTIONS

# The web channels, and the one the web front uses now (/api/currentPayment): PayPal sells all three
# kinds (orders, VIP plans and token subscriptions as billing plans).
PAY_CHANNELS = ("paypal", "stripe", "nowpayments")
CURRENT_CHANNEL = "paypal"
PAYPAL_CLIENT_ID = "A" + derived_id("paypal-client-id", ALNUM + "_-", 79)


def find(kind: str, product_id: object) -> Product | None:
    return next((p for p in ALL if p.kind == kind and p.id == product_id), None)


def by_store_id(store_id: str) -> Product | None:
    """The product an App Store or Google Play purchase is of."""
    return next((p for p in ALL if p.store_id and p.store_id == store_id), None)


def by_paypal_plan(plan_id: str) -> Product | None:
    return next((p for p in ALL if p.kind in SUBSCRIPTIONS and p.paypal_plan == plan_id), None)
