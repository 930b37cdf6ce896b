"""`mdcontract serve` killed (SIGKILL, every process at once) in the middle of a write load, then started
again on the same data folder: every write it acknowledged is there, and nothing half-written shows.

The load: clients creating session-store users and chats, aichat sessions (login tokens), yike
conversations, messages and streamed replies, for a couple of seconds, then the kill. Each client keeps
what the server acknowledged (a success answer; for a stream, its end). After the restart each of those
is read back through the API, and the SQLite files are checked for what no API answer may show: a chat
without its session, a message without its conversation, a reply marked complete that is not the whole
reply, a broken index or foreign key.
"""

from __future__ import annotations

import http.client
import json
import random
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from processes import CLI, ROOT, Running

from server.apis.yike import DEFAULT_SCENE, answer_text

SPECS = [str(ROOT / "spec" / f"{api}.yaml") for api in ("aichat", "character", "session-store", "yike")]
# character's demo users (server/apis/character/accounts.py, wallet.py): alice 1000 tokens, bob 500.
CHARACTER = {1: "demo-character-alice", 2: "demo-character-bob"}
DEMO_TOKENS = 1500
LOAD_SECONDS = 2.5
KINDS = (
    "user",
    "chat",
    "chat",
    "login",
    "conversation",
    "message",
    "reply",
    "send",
    "send",
    "apple",
    "paypal",
)
CLIENTS = 8


@dataclass
class Acknowledged:
    """What the server said it did, as the clients saw it."""

    users: dict[str, str] = field(default_factory=dict)  # user_id -> user_name
    chats: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # (user, session) -> msgs in order
    tokens: list[str] = field(default_factory=list)  # aichat logins
    conversations: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # id -> (role, content)
    sends: dict[int, int] = field(default_factory=dict)  # sender -> tokens sent (acknowledged)
    attempted: dict[int, int] = field(default_factory=dict)  # sender -> tokens asked to send
    payments: dict[tuple[str, str], int] = field(default_factory=dict)  # (provider, id) -> paying user
    lock: threading.Lock = field(default_factory=threading.Lock)


class Client:
    def __init__(self, port: int) -> None:
        self.port = port

    def post(self, path: str, body: Any, token: str | None = None) -> tuple[int, Any]:
        status, data = self.raw("POST", path, json.dumps(body, ensure_ascii=False).encode(), token)
        return status, json.loads(data) if data else None

    def get(self, path: str, token: str | None = None) -> tuple[int, Any]:
        status, data = self.raw("GET", path, None, token)
        return status, json.loads(data) if data else None

    def raw(self, method: str, path: str, body: bytes | None, token: str | None) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"content-type": "application/json"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()  # a cut connection raises: not acknowledged
        finally:
            connection.close()


def _writer(port: int, number: int, stop: threading.Event, seen: Acknowledged, errors: list[str]) -> None:
    client = Client(port)
    rng = random.Random(number)
    conversation: str | None = None
    step = 0
    while not stop.is_set():
        step += 1
        try:
            kind = rng.choice(KINDS)
            if kind == "user":
                user_id, name = f"u{number}-{step}", f"name {number}-{step}"
                status, body = client.post(
                    "/session-store/add_user", {"request_id": "r", "user_id": user_id, "user_name": name}
                )
                if status == 200 and body["ok"] == 0:
                    with seen.lock:
                        seen.users[user_id] = name
            elif kind == "chat":
                key = (f"chatter{number}", f"s{step % 3}")
                msg = f"message {number}-{step}"
                body_in = {
                    "request_id": "r",
                    "user_id": key[0],
                    "session_id": key[1],
                    "role": "user",
                    "msg": msg,
                }
                status, body = client.post("/session-store/add_chat", body_in)
                if status == 200 and body["ok"] == 0:
                    with seen.lock:
                        seen.chats.setdefault(key, []).append(msg)
            elif kind == "login":
                status, body = client.post(
                    "/aichat/login", {"email": "alice@example.com", "password": "alice-password"}
                )
                if status == 200 and body["code"] == 200:
                    with seen.lock:
                        seen.tokens.append(body["data"]["token"])
            elif kind == "send":
                # Tokens between alice and bob, one at a time, both ways: a move is two ledger rows that
                # must commit together.
                sender = 1 + step % 2
                with seen.lock:
                    seen.attempted[sender] = seen.attempted.get(sender, 0) + 1
                body_in = {"user_id": sender, "to_user_id": 3 - sender, "amount": 1}
                status, body = client.post("/character/user/sendToken", body_in, CHARACTER[sender])
                if status == 200 and body["code"] == 0:
                    with seen.lock:
                        seen.sends[sender] = seen.sends.get(sender, 0) + 1
            elif kind == "apple":
                # A store purchase, sent twice (an app retrying): booked once.
                buyer = 1 + step % 2
                receipt = {"receipt-data": f"test-apple-receipt:com.character.tokens.1000:{number}x{step}"}
                for _ in range(2):
                    body_in = {"user_id": buyer, "receipt": receipt}
                    status, body = client.post("/character/api/apple/purchase", body_in, CHARACTER[buyer])
                    if status == 200 and body["result"]["status"] == 0:
                        with seen.lock:
                            seen.payments[("apple", f"{number}x{step}")] = buyer
            elif kind == "paypal":
                # A web order: created, approved on the sandbox's page, captured (then captured again: 409).
                buyer = 1 + step % 2
                status, body = client.post(
                    "/character/api/paypal/createOrder", {"user_id": buyer, "package_id": 1}, CHARACTER[buyer]
                )
                if status == 200:
                    order = body["result"]["id"]
                    client.raw("POST", f"/character/sandbox/paypal/checkoutnow?token={order}", b"{}", None)
                    for _ in range(2):
                        status, body = client.post(
                            "/character/api/paypal/captureOrder",
                            {"user_id": buyer, "order_id": order},
                            CHARACTER[buyer],
                        )
                        if status == 200 and body["code"] == 0:
                            with seen.lock:
                                seen.payments[("paypal", order)] = buyer
            elif kind == "conversation" or conversation is None:
                status, body = client.post(
                    "/yike/api/chat/conversations",
                    {"title": f"c{number}-{step}", "prompt_id": "0"},
                    "demo-yike-alice",
                )
                if status in (200, 201):
                    conversation = body["id"]
                    with seen.lock:
                        seen.conversations[conversation] = []
            elif kind == "message":
                text = f"question {number}-{step}?"
                path = f"/yike/api/chat/conversations/{conversation}/messages"
                status, body = client.post(path, {"content": text}, "demo-yike-alice")
                if status in (200, 201):
                    with seen.lock:
                        seen.conversations[conversation].append(("user", text))
            else:
                path = f"/yike/chat/conversations/{conversation}/completions"
                status, data = client.raw("POST", path, b"{}", "demo-yike-alice")
                if status == 200:  # the whole stream arrived: the reply is stored
                    with seen.lock:
                        said = seen.conversations[conversation]
                        if said and said[-1][0] == "assistant":
                            said.pop()  # asked again: one reply is kept per message (the same one)
                        said.append(("assistant", data.decode()))
            if status >= 500:
                errors.append(f"{kind}: {status}")
        except (OSError, http.client.HTTPException, ValueError):
            if stop.is_set():
                return
            time.sleep(0.01)  # killed: nothing is acknowledged any more


def _load_then_crash(server: Running) -> tuple[Acknowledged, list[str]]:
    seen, errors, stop = Acknowledged(), [], threading.Event()
    threads = [
        threading.Thread(target=_writer, args=(server.port, n, stop, seen, errors)) for n in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    time.sleep(LOAD_SECONDS)
    server.crash()  # the writers are still writing
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    return seen, errors


def _serve(data: Path, log: Path, workers: int) -> Running:
    command = [
        *CLI,
        "serve",
        *SPECS,
        "--data",
        str(data),
        "--seed",
        "demo",
        "--ttft-ms",
        "0",
        "--tokens-per-s",
        "400",
    ]
    if workers > 1:
        command += ["--workers", str(workers)]
    running = Running(command, cwd=data.parent, log=log)
    running.wait_ready("/yike/openapi.yaml")
    return running


@pytest.mark.parametrize("workers", [1, 2])
def test_a_crash_loses_no_acknowledged_write_and_shows_nothing_half_written(tmp_path, workers):
    data = tmp_path / "data"
    first = _serve(data, tmp_path / "first.log", workers)
    seen, errors = _load_then_crash(first)
    assert not errors, errors
    written = (
        len(seen.users) + sum(map(len, seen.chats.values())) + len(seen.tokens) + len(seen.conversations)
    )
    assert written > 50, f"the load wrote too little to tell anything ({written} writes)"

    second = _serve(data, tmp_path / "second.log", workers)  # --seed demo again: it changes nothing
    try:
        client = Client(second.port)
        for user_id, name in seen.users.items():
            status, body = client.post(
                "/session-store/query_user_info", {"request_id": "r", "user_id": user_id}
            )
            assert (status, body.get("user_name")) == (200, name), f"user {user_id} lost: {status} {body}"
        for (user_id, session), msgs in seen.chats.items():
            status, body = client.post(
                "/session-store/query_session_info",
                {"request_id": "r", "user_id": user_id, "session_id": session},
            )
            assert status == 200, body
            kept = [chat["msg"] for chat in body["chats"]]
            assert kept[: len(msgs)] == msgs, f"{user_id}/{session}: acknowledged {msgs}, kept {kept}"
        for token in seen.tokens:
            status, body = client.post("/aichat/chatList", {"page": 0, "pageSize": 1}, token)
            assert status == 200, f"an acknowledged login token stopped working: {body}"
        for conversation, said in seen.conversations.items():
            kept = _messages(client, conversation)
            assert kept[: len(said)] == said, f"conversation {conversation}: acknowledged {said}, kept {kept}"
        shown = {}
        for user, token in CHARACTER.items():
            status, body = client.post("/character/user/getUserTokenBalance", {"user_id": user}, token)
            assert status == 200, body
            shown[user] = body["result"]["token_balance"]
        bought = _tokens_bought(data)
        assert sum(shown.values()) == DEMO_TOKENS + bought, (
            f"tokens were made or lost: {shown}, {bought} bought"
        )
    finally:
        second.stop()
    _nothing_half_written(data)
    _ledger_whole(data, seen, shown)
    _payments_whole(data, seen)
    assert seen.payments, "the load paid for nothing"
    assert "Traceback" not in second.output(), second.output()


def _messages(client: Client, conversation: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    page = 1
    while True:
        status, body = client.get(
            f"/yike/api/chat/conversations/{conversation}/messages?page={page}", "demo-yike-alice"
        )
        assert status == 200, f"conversation {conversation}: {status} {body}"
        found += [(m["role"], m["content"]) for m in body["data"]]
        if not body["next_page_url"]:
            return found
        page += 1


def _nothing_half_written(data: Path) -> None:
    for name in ("aichat", "session-store", "yike"):
        with sqlite3.connect(data / f"{name}.sqlite") as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok", name
            assert db.execute("PRAGMA foreign_key_check").fetchall() == [], name
    with sqlite3.connect(data / "session-store.sqlite") as db:
        orphans = db.execute(
            "SELECT c.user_id, c.session_id FROM chats c LEFT JOIN sessions s"
            " ON s.user_id = c.user_id AND s.session_id = c.session_id WHERE s.session_id IS NULL"
        ).fetchall()
        assert orphans == [], f"chats without their session: {orphans[:5]}"
    with sqlite3.connect(data / "yike.sqlite") as db:
        db.row_factory = sqlite3.Row
        orphans = db.execute(
            "SELECT m.id FROM messages m LEFT JOIN conversations c ON c.id = m.conversation_id WHERE c.id IS NULL"
        ).fetchall()
        assert orphans == [], "messages without their conversation"
        # A reply marked complete is the whole reply to the message it answers; one the client left is
        # a beginning of it.
        # (Each client speaks in conversations of its own, one request at a time: what a reply answered
        # is every message before it. The load's conversations are all in the default scene.)
        replies = db.execute(
            "SELECT m.* FROM messages m JOIN conversations c ON c.id = m.conversation_id"
            " WHERE m.role = 'assistant' AND c.prompt_id = 0 AND c.title LIKE 'c%-%'"
        ).fetchall()
        for reply in replies:
            said = [
                dict(row)
                for row in db.execute(
                    "SELECT id, role, content FROM messages WHERE conversation_id = ? AND id < ? ORDER BY id",
                    [reply["conversation_id"], reply["id"]],
                )
            ]
            _, whole = answer_text(reply["conversation_id"], DEFAULT_SCENE, said)
            if reply["complete"]:
                assert reply["content"] == whole, f"reply {reply['id']} is marked complete but is not whole"
            else:
                assert whole.startswith(reply["content"]), (
                    f"reply {reply['id']} is not a beginning of the reply"
                )


def _ledger_whole(data: Path, seen: Acknowledged, shown: dict[int, int]) -> None:
    """Every acknowledged send is booked, none half (a debit without its credit), and the balances the API
    shows are the sums of the ledger."""
    with sqlite3.connect(data / "character.sqlite") as db:
        for user, balance in shown.items():
            booked = db.execute(
                "SELECT COALESCE(SUM(delta), 0) FROM ledger WHERE user_id = ? AND account = 'tokens'", [user]
            ).fetchone()[0]
            assert balance == booked, f"user {user}: shown {balance}, ledger {booked}"
        debits = dict(
            db.execute(
                "SELECT user_id, -SUM(delta) FROM ledger WHERE kind = 'send' AND delta < 0 GROUP BY user_id"
            )
        )
        credits = (
            db.execute("SELECT SUM(delta) FROM ledger WHERE kind = 'send' AND delta > 0").fetchone()[0] or 0
        )
    assert sum(debits.values()) == credits, f"half a send: {sum(debits.values())} debited, {credits} credited"
    for sender, sent in seen.sends.items():
        # At least what was acknowledged; at most what was asked (a request cut by the kill may have
        # committed without its answer reaching the client).
        assert sent <= debits.get(sender, 0) <= seen.attempted[sender], (sender, sent, debits, seen.attempted)


def _tokens_bought(data: Path) -> int:
    with sqlite3.connect(data / "character.sqlite") as db:
        return db.execute(
            "SELECT COALESCE(SUM(tokens), 0) FROM pay_orders WHERE status = 'completed' AND user_id IN (1, 2)"
        ).fetchone()[0]


def _payments_whole(data: Path, seen: Acknowledged) -> None:
    """Every payment acknowledged is an order completed and booked once; every completed order is booked
    and every booked payment an order completed (never one without the other)."""
    with sqlite3.connect(data / "character.sqlite") as db:
        completed = {
            (provider, order): user
            for provider, order, user in db.execute(
                "SELECT provider, id, user_id FROM pay_orders WHERE status = 'completed'"
            )
        }
        booked: dict[str, int] = {}
        for (once,) in db.execute("SELECT once_key FROM ledger WHERE kind = 'payment'"):
            booked[once] = booked.get(once, 0) + 1
    for (provider, order), buyer in seen.payments.items():
        assert completed.get((provider, order)) == buyer, (
            f"{provider} order {order} acknowledged, not completed"
        )
    assert booked == {f"payment:{p}:{o}": 1 for p, o in completed}, "payments and completed orders differ"
