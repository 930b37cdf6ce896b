"""What the payment handlers and the providers' sandbox pages share: finding a product a request names,
writing a payment (its conflicts answered 409), and the pages a payer sees."""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from typing import Any, TypeVar

import sqlite_utils
from starlette.responses import HTMLResponse, JSONResponse, Response

from server.apis.character import ledger
from server.apis.character.payments import billing, catalogue
from server.apis.character.payments.billing import Conflict
from server.apis.character.payments.catalogue import Product
from server.apis.character.users import sqlite_int
from server.call import Call
from server.pages import PageRequest
from server.storage import now_ms

T = TypeVar("T")

SANDBOX = "/sandbox"  # the fake providers' pages, under the API's prefix: /character/sandbox/...
NAMES = {"package_id": "token package", "level": "VIP level", "id": "VIP level"}


def product(call: Call, kind: str, field: str) -> Product:
    """The product the request names in ``field``; one the catalogue does not sell is not found."""
    value = call.require(field)
    found = catalogue.find(kind, sqlite_int(value))
    if found is None:
        what = "token subscription package" if kind == catalogue.TOKEN_SUB else NAMES.get(field, field)
        raise call.not_found(what, value)
    return found


def conflict(call: Call, message: str) -> Exception:
    """A payment step the state does not allow (a second capture): 409, code 5, nothing booked."""
    return call.fail(message, status=409)


async def write(call: Call, work: Callable[[sqlite_utils.Database], T]) -> T:
    """``call.db.write`` for a payment: a Conflict, or a payment booked before, is a 409 and the write
    rolls back (nothing of it is kept)."""
    try:
        return await call.db.write(work)
    except Conflict as exc:
        raise conflict(call, str(exc)) from None
    except ledger.AlreadyBooked as exc:
        raise conflict(
            call, f"this payment was booked before ({exc.entry['ref']}); nothing was booked again"
        ) from None


async def pay_on_page(
    request: PageRequest, row: dict[str, Any], product: Product, subscription_id: str | None
) -> int:
    """A provider's page paying a ``created`` order: 200, or 409 when it was paid or closed before
    (the write rolls back, nothing is booked)."""
    try:
        await request.api.db.write(
            lambda db: billing.complete_order(
                db, row, product, now_ms(), needs=("created",), subscription_id=subscription_id
            )
        )
    except (Conflict, ledger.AlreadyBooked):
        return 409
    return 200


def sandbox_url(base_url: str, path: str) -> str:
    return f"{base_url}{SANDBOX}{path}"


# --- pages --------------------------------------------------------------------------------------


def page(
    request: PageRequest,
    title: str,
    lines: list[str],
    *,
    status: int = 200,
    actions: tuple[tuple[str, str], ...] = (),
    outcome: dict[str, Any] | None = None,
) -> Response:
    """A provider's page: HTML for a browser, the ``outcome`` as JSON for a script (``Accept:
    application/json`` or a JSON body). After an action the page tells the window that opened it
    (``postMessage``), as the providers' popups tell the shop's page."""
    if request.wants_json:
        return JSONResponse(outcome or {"message": " ".join(lines)}, status)
    items = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    buttons = "".join(
        f'<button name="action" value="{html.escape(value)}">{html.escape(label)}</button> '
        for value, label in actions
    )
    form = f'<form method="post">{buttons}</form>' if buttons else ""
    script = ""
    if outcome is not None and request.method == "POST":
        message = json.dumps(outcome).replace("</", "<\\/")
        script = f"<script>if (window.opener) window.opener.postMessage({message}, '*');</script>"
    body = (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title>"
        "<style>body{font:16px system-ui,sans-serif;max-width:36em;margin:3em auto;padding:0 1em}"
        "button{font-size:1em;padding:.5em 1.2em;margin-right:.5em}.note{color:#666;font-size:.9em}</style>"
        f"</head><body><h1>{html.escape(title)}</h1>{items}{form}"
        "<p class='note'>A fake provider of the mdcontract reference server: no money moves.</p>"
        f"{script}</body></html>"
    )
    return HTMLResponse(body, status)


def not_there(request: PageRequest, provider: str, what: str) -> Response:
    return page(
        request,
        f"{provider}: not found",
        [f"There is no {what} here."],
        status=404,
        outcome={"name": "RESOURCE_NOT_FOUND", "message": f"no {what}"},
    )
