"""Payments of the character API: fake providers that behave like their sandboxes, on the token ledger.

- :mod:`.catalogue`: what is sold (token packages, VIP plans, token subscriptions) and each provider's ids;
- :mod:`.billing`: orders and subscriptions of all providers, and what a payment does to an account
  (tokens on the ledger, once; the VIP level and subscription state);
- :mod:`.paypal`, :mod:`.stripe`, :mod:`.nowpayments`: the web channels, each with the pages its
  sandbox shows a payer (under ``/sandbox/``, served beside the API's operations);
- :mod:`.stores`: App Store and Google Play purchases, verified against deterministic test receipts;
- :mod:`.web`: price lists, the web front's payment settings, and the sandbox's home page.
"""

from server.apis.character.payments import billing, nowpayments, paypal, stores, stripe, web
from server.registry import Handlers

AREAS = (billing, paypal, stripe, nowpayments, stores, web)

handlers = Handlers()
for _area in AREAS:
    handlers.include(_area.handlers)

__all__ = ["AREAS", "handlers"]
