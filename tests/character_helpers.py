"""The character API on the reference server, in process, with the demo data and two users' tokens.

The accounts area owns users and their logins; these tests need only that users 1 (alice), 2 (bob)
and 3 (the demo studio) exist and hold tokens, so they make sure of that themselves and work with
or without the accounts area's seed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mocks.testing import call
from server.api import ServeOptions
from server.app import build_app
from server.seed import seed_demo

SPEC = Path(__file__).resolve().parent.parent / "spec" / "character.yaml"
USERS = {1: "alice", 2: "bob", 3: "Studio"}


class Client:
    """One user of the character API: POSTs JSON with the user's token (and `user_id`)."""

    def __init__(self, app: Any, token: str, user_id: int | None) -> None:
        self.app = app
        self.token = token
        self.user_id = user_id

    def post(self, path: str, **body: Any) -> Any:
        if self.user_id is not None:
            body.setdefault("user_id", self.user_id)
        return call(self.app, "POST", path, headers={"Authorization": f"Bearer {self.token}"}, json_body=body)

    def get(self, path: str) -> Any:
        return call(self.app, "GET", path, headers={"Authorization": f"Bearer {self.token}"})

    def ok(self, path: str, **body: Any) -> Any:
        """The `result` of a call that must succeed."""
        answer = self.post(path, **body)
        assert answer.status == 200, f"{path}: {answer.status} {answer.text}"
        assert answer.json()["code"] == 0, answer.text
        return answer.json()["result"]

    def lines(self, path: str, **body: Any) -> list[dict[str, Any]]:
        """The `result` of each NDJSON line of a stream that must succeed."""
        answer = self.post(path, **body)
        assert answer.status == 200, f"{path}: {answer.status} {answer.text}"
        assert answer.headers["content-type"].startswith("application/x-ndjson")
        return [json.loads(line)["result"] for line in answer.body.decode().splitlines() if line.strip()]


def make_app(data_dir: Path | None = None, **options: Any) -> Any:
    pace = {"ttft_ms": 0, "tokens_per_s": 0, **options}  # streams unpaced unless a test paces them
    settings = ServeOptions(data_dir=data_dir, validate_responses=True, **pace)
    app = build_app(SPEC, settings)
    api = app.server.root.api
    seed_demo(api, lambda line: None)

    def users(db: Any) -> None:
        db.execute(
            "CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, name TEXT, email TEXT UNIQUE, avatar TEXT)"
        )
        for user_id, name in USERS.items():
            if not db.execute("SELECT 1 FROM users WHERE id = ?", [user_id]).fetchone():
                db.execute(
                    "INSERT INTO users (id, name, email) VALUES (?, ?, ?)",
                    [user_id, name, f"{name.lower()}@example.com"],
                )
            api.tokens.issue(db, user_id, token=f"demo-character-{name.lower()}")
        api.tokens.issue(db, 501, kind="guest", token="test-guest-501")

    api.db.write_now(users)
    return app


def client(app: Any, name: str) -> Client:
    user_id = {v: k for k, v in USERS.items()}[name]
    return Client(app, f"demo-character-{name.lower()}", user_id)


def guest(app: Any) -> Client:
    return Client(app, "test-guest-501", None)


async def post_streaming(app: Any, path: str, token: str, body: dict[str, Any], send: Any) -> None:
    """POST JSON to the in-process ASGI app as a client that reads the answer as it comes: ``send``
    gets each ASGI message; the client stays connected until the app is done."""
    import asyncio

    requested = False
    never = asyncio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": json.dumps(body).encode(), "more_body": False}
        await never.wait()
        return {"type": "http.disconnect"}

    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "scheme": "http",
        "headers": [
            (b"authorization", f"Bearer {token}".encode()),
            (b"content-type", b"application/json"),
        ],
    }
    await app(scope, receive, send)


def leave_mid_stream(app: Any, path: str, token: str, body: dict[str, Any], after: int = 3) -> list[bytes]:
    """POST a streaming request and go away after ``after`` chunks, as a closed browser tab does: the
    next send fails as a reset connection would. The chunks the client got."""
    import asyncio

    sent: list[bytes] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body" and message.get("body"):
            if len(sent) == after:
                raise OSError("connection reset by peer")
            sent.append(message["body"])

    asyncio.run(post_streaming(app, path, token, body, send))
    return sent
