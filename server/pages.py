"""Pages served beside an API's operations, for what is no operation of its spec.

A fake payment provider needs them: an order's approve link must lead somewhere a payer (a person in
a browser, or a script with curl) can approve it, as PayPal's or Stripe's sandbox checkout does. An
API registers them with ``@handlers.page(prefix)``; they get a :class:`PageRequest` and answer with a
Starlette response. They run outside the Connexion stack (no spec validation, no bearer token: the
provider's page is reached by a browser redirect, the unguessable id in the link is the permission).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from starlette.responses import JSONResponse, Response

from server.bodies import read_body
from server.envelope import ApiError

if TYPE_CHECKING:
    from server.api import ServedAPI
    from server.registry import Page

# A checkout page takes a button's few fields, never an upload.
MAX_PAGE_BODY = 64 * 1024
PAGE_METHODS = ("GET", "HEAD", "POST")


@dataclass
class PageRequest:
    api: ServedAPI
    method: str
    path: str  # below the API's mount: /sandbox/paypal/checkoutnow
    base_url: str  # scheme://host and the API's mount, as the client reached it
    query: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] = field(default_factory=dict)  # a urlencoded body's fields
    json: Any = None  # a JSON body
    headers: dict[str, str] = field(default_factory=dict)

    def value(self, name: str) -> str:
        """A field of the form or JSON body, else of the query string ('' when absent)."""
        if isinstance(self.json, dict) and name in self.json:
            return str(self.json[name])
        return self.form.get(name) or self.query.get(name, "")

    @property
    def wants_json(self) -> bool:
        return "application/json" in self.headers.get("accept", "") or self.json is not None


async def serve_page(
    api: ServedAPI, page: Page, scope: dict[str, Any], receive: Any, send: Any, path: str
) -> None:
    method = scope["method"]
    if method not in PAGE_METHODS:
        response: Response = JSONResponse(
            {"message": f"{method} is not allowed here"}, 405, headers={"allow": ", ".join(PAGE_METHODS)}
        )
        return await response(scope, receive, send)
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    try:
        body = await read_body(receive, MAX_PAGE_BODY)
    except ApiError:  # the only one read_body raises: the body passed the limit
        return await JSONResponse({"message": "the body is too large for a page"}, 413)(scope, receive, send)
    request = PageRequest(
        api=api,
        method="GET" if method == "HEAD" else method,
        path=path,
        base_url=f"{scope.get('scheme', 'http')}://{headers.get('host', 'localhost')}{scope.get('root_path', '')}",
        query=dict(parse_qsl(scope.get("query_string", b"").decode("utf-8", "replace"))),
        headers=headers,
    )
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    text = body.decode("utf-8", "replace")
    if content_type == "application/json" and text.strip():
        try:
            request.json = json.loads(text)
        except (ValueError, RecursionError):  # nested past Python's recursion limit: not a page's JSON
            return await JSONResponse({"message": "the body is not JSON"}, 400)(scope, receive, send)
    elif text:
        request.form = dict(parse_qsl(text))
    response = await page(request)
    if method == "HEAD":
        response.body = b""
    await response(scope, receive, send)
