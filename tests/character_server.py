"""The character API on the reference server, in-process, for the tests of its areas: a client that
speaks its envelope, signs users up through the outbox like a person would, and reads the ledger."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from mocks.testing import MockResponse, call
from server.api import ServeOptions
from server.apis.character import outbox
from server.app import build_app
from server.seed import seed_demo

SPEC = Path(__file__).resolve().parent.parent / "spec" / "character.yaml"
ALICE, BOB = "demo-character-alice", "demo-character-bob"


class Client:
    def __init__(self, data_dir: Path | None = None, *, demo: bool = False) -> None:
        options = ServeOptions(data_dir=data_dir, validate_responses=True, ttft_ms=0, tokens_per_s=0)
        self.app = build_app(SPEC, options)
        self.api = self.app.server.root.api
        if demo:
            seed_demo(self.api, lambda line: None)

    def close(self) -> None:
        self.app.server.close()

    # --- requests -------------------------------------------------------------------------------

    def post(self, path: str, token: str | None = None, **body: Any) -> MockResponse:
        return call(self.app, "POST", path, headers=_bearer(token), json_body=body)

    def post_body(self, path: str, token: str | None, body: dict[str, Any]) -> MockResponse:
        """`post` for a body whose fields cannot be keywords (a field called `token`)."""
        return call(self.app, "POST", path, headers=_bearer(token), json_body=body)

    def get(self, path: str, token: str | None = None) -> MockResponse:
        return call(self.app, "GET", path, headers=_bearer(token))

    def upload(
        self, path: str, token: str, field: str, data: bytes, content_type: str, **fields: Any
    ) -> MockResponse:
        boundary = "mdcontract-test-boundary"
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            for name, value in fields.items()
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="upload"\r\n'
            f"Content-Type: {content_type}\r\n\r\n".encode()
            + data
            + b"\r\n"
        )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        headers = {**_bearer(token), "content-type": f"multipart/form-data; boundary={boundary}"}
        return call(self.app, "POST", path, headers=headers, body=body)

    def ok(self, method: str, path: str, token: str | None = None, **body: Any) -> Any:
        """The `result` of a request that must succeed."""
        answer = self.post(path, token, **body) if method == "POST" else self.get(path, token)
        assert answer.status == 200, f"{method} {path}: {answer.status} {answer.text}"
        assert answer.json()["code"] == 0, answer.text
        return answer.json().get("result")

    def fetch(self, url: str) -> MockResponse:
        """A URL the server handed out (http://localhost/files/...), fetched from it."""
        return call(self.app, "GET", _local(url))

    def press(self, url: str, action: str | None = None) -> MockResponse:
        """A button of a page the server handed out (a fake provider's checkout page), as a browser
        submits its form; the answer as JSON, as a script asks for it."""
        headers = {"content-type": "application/x-www-form-urlencoded", "accept": "application/json"}
        body = urlencode({"action": action}).encode() if action else b""
        return call(self.app, "POST", _local(url), headers=headers, body=body)

    def send(self, url: str, body: Any) -> MockResponse:
        """JSON posted to a URL of the server's fake providers (PayPal's REST API of the sandbox)."""
        return call(self.app, "POST", _local(url), json_body=body)

    # --- people ---------------------------------------------------------------------------------

    def code_for(self, email: str) -> str:
        """The code of the latest email sent to `email`, read from the outbox as a person reads mail."""
        sent = outbox.messages(self.api, email)
        assert sent, f"no email to {email} in the outbox"
        return re.search(r"\b(\d{6})\b", sent[-1]["body"]).group(1)

    def register(self, email: str, password: str = "correct horse") -> tuple[str, int]:
        """A new user by email and code; (token, user_id)."""
        self.ok("POST", "/user/sendEmailCode", email=email)
        answer = self.post(
            "/user/registByEmail",
            email=email,
            email_valid_code=self.code_for(email),
            password=password,
            invitation_code="",
        )
        assert answer.status == 200, answer.text
        return answer.headers["session-token"], answer.json()["result"]["user_id"]

    def ledger_sum(self, user_id: int, account: str = "tokens") -> int:
        return self.api.db.value(
            "SELECT COALESCE(SUM(delta), 0) FROM ledger WHERE user_id = ? AND account = ?", [user_id, account]
        )


def _local(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def _bearer(token: str | None) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"} if token else {}


# --- paying, as a client and its payer do --------------------------------------------------------


def paypal_order(app: Client, token: str, user_id: int, package_id: int = 1, *, approve: bool = True) -> str:
    """A PayPal order of a token package, approved by the payer on its approve link; its id."""
    order = app.ok("POST", "/api/paypal/createOrder", token, user_id=user_id, package_id=package_id)
    if approve:
        link = next(link["href"] for link in order["links"] if link["rel"] == "approve")
        assert app.press(link, "approve").status == 200
    return order["id"]


def paypal_subscription(app: Client, user_id: int, plan_id: str, *, approve: bool = True) -> dict[str, Any]:
    """A PayPal subscription to a billing plan, as the JS SDK creates it (``custom_id``: the user), approved."""
    created = app.send(
        "/sandbox/paypal/v1/billing/subscriptions", {"plan_id": plan_id, "custom_id": str(user_id)}
    )
    assert created.status == 201, created.text
    subscription = created.json()
    if approve:
        link = next(link["href"] for link in subscription["links"] if link["rel"] == "approve")
        assert app.press(link, "approve").status == 200
    return subscription


def apple_receipt(product_id: str, transaction_id: str) -> dict[str, str]:
    return {"receipt-data": f"test-apple-receipt:{product_id}:{transaction_id}"}


def google_receipt(product_id: str, order_id: str) -> dict[str, str]:
    return {"purchaseToken": f"test-google-purchase:{product_id}:{order_id}"}
