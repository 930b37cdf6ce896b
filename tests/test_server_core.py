"""The reference server's machinery, on a small spec (tests/fixtures/server/notes.yaml) with handlers
written here: what every API served by `mdcontract serve` gets, whatever its handlers do."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mocks.testing import call
from server.api import ServeOptions
from server.app import build_app
from server.auth import DAY_MS
from server.call import Call, Reply
from server.registry import Handlers

FIXTURE = Path(__file__).parent / "fixtures" / "server" / "notes.yaml"
ROOT = Path(__file__).resolve().parent.parent

handlers = Handlers(guest_operations={"get_guest_hello"})


@handlers.schema
def tables(db: Any) -> None:
    db.execute("CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, name TEXT UNIQUE)")
    db.execute(
        "CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, user_id INTEGER, text TEXT,"
        " complete INTEGER DEFAULT 1)"
    )


@handlers("post_login")
async def login_handler(call: Call) -> Reply:
    name = call.body["name"]

    def write(db: Any) -> tuple[int, str]:
        db.execute("INSERT OR IGNORE INTO users (name) VALUES (?)", [name])
        user_id = db.execute("SELECT id FROM users WHERE name = ?", [name]).fetchone()[0]
        kind = "guest" if call.body.get("guest") else "user"
        token, _ = call.api.tokens.issue(db, user_id, kind=kind)
        return user_id, token

    user_id, token = await call.db.write(write)
    return call.ok({"user_id": user_id}, headers={"session-token": token})


@handlers("get_notes")
async def list_notes(call: Call) -> Any:
    return call.db.query("SELECT id, text FROM notes WHERE user_id = ? ORDER BY id", [call.user_id])


@handlers("post_notes")
async def create_note(call: Call) -> Any:
    text = call.body["text"]
    if text == "crash":
        raise RuntimeError("a bug in a handler")
    if text == "off-contract":
        return {"id": "not a number"}

    def write(db: Any) -> int:
        return db.execute("INSERT INTO notes (user_id, text) VALUES (?, ?)", [call.user_id, text]).lastrowid

    note_id = await call.db.write(write)
    return {"id": note_id, "text": text}


def _own_note(call: Call) -> dict[str, Any]:
    note = call.db.one(
        "SELECT id, text FROM notes WHERE id = ? AND user_id = ?", [call.params["id"], call.user_id]
    )
    if note is None:
        raise call.not_found("note", call.params["id"])
    return note


@handlers("get_notes_id")
async def get_note(call: Call) -> Any:
    return _own_note(call)


@handlers("post_notes_id_continue")
async def continue_note(call: Call) -> Reply:
    note = _own_note(call)

    async def items() -> Any:
        text = note["text"]
        done = False
        try:
            for word in (" once", " upon", " a", " time"):
                await asyncio.sleep(0.02 if call.headers.get("x-slow") else 0)
                text += word
                yield call.wrap({"content": text, "done": False})
            done = True
            yield call.wrap({"content": text, "done": True})
        finally:
            complete = 1 if done else 0
            call.db.write_now(
                lambda db: db.execute(
                    "UPDATE notes SET text = ?, complete = ? WHERE id = ?", [text, complete, note["id"]]
                )
            )

    return call.stream(items())


@handlers("get_events")
async def events(call: Call) -> Reply:
    async def items() -> Any:
        for n in range(3):
            yield {"n": n}

    return call.stream(items())


@handlers("post_upload")
async def upload(call: Call) -> Any:
    uploaded = call.files["file"]
    name = call.api.files.put(uploaded.data, uploaded.content_type)
    return {"url": call.file_url(name)}


@handlers("get_guest_hello")
async def hello(call: Call) -> Any:
    return None


def serve(data_dir: Path | None = None, **options: Any) -> Any:
    settings = ServeOptions(data_dir=data_dir, validate_responses=True, ttft_ms=0, tokens_per_s=0, **options)
    return build_app([FIXTURE], settings, handlers={"notes": handlers})


@pytest.fixture
def app() -> Any:
    return serve()


def login(app: Any, name: str = "alice", **extra: Any) -> str:
    response = call(app, "POST", "/notes/login", json_body={"name": name, **extra})
    assert response.status == 200, response.text
    return response.headers["session-token"]


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


# --- state --------------------------------------------------------------------------------------


def test_what_one_call_creates_the_next_one_sees(app):
    token = login(app)
    created = call(app, "POST", "/notes/notes", headers=bearer(token), json_body={"text": "buy milk"})
    assert created.status == 200
    assert created.json() == {"code": 0, "msg": "success", "result": {"id": 1, "text": "buy milk"}}
    listed = call(app, "GET", "/notes/notes", headers=bearer(token))
    assert listed.json()["result"] == [{"id": 1, "text": "buy milk"}]
    assert call(app, "GET", "/notes/notes/1", headers=bearer(token)).json()["result"]["text"] == "buy milk"


def test_another_users_data_is_not_found_for_them(app):
    alice, bob = login(app, "alice"), login(app, "bob")
    call(app, "POST", "/notes/notes", headers=bearer(alice), json_body={"text": "secret"})
    answer = call(app, "GET", "/notes/notes/1", headers=bearer(bob))
    assert answer.status == 404
    assert answer.json()["code"] == 6
    assert call(app, "GET", "/notes/notes", headers=bearer(bob)).json()["result"] == []


def test_everything_is_kept_across_a_restart_on_the_same_data_folder(tmp_path):
    first = serve(tmp_path)
    token = login(first)
    call(first, "POST", "/notes/notes", headers=bearer(token), json_body={"text": "kept"})
    first.server.close()
    second = serve(tmp_path)
    # The token and the note both survived.
    assert call(second, "GET", "/notes/notes", headers=bearer(token)).json()["result"] == [
        {"id": 1, "text": "kept"}
    ]
    assert (tmp_path / "notes.sqlite").is_file()


def test_memory_mode_writes_nothing_to_disk(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = serve()
    call(app, "POST", "/notes/notes", headers=bearer(login(app)), json_body={"text": "x"})
    assert list(tmp_path.iterdir()) == []


# --- tokens -------------------------------------------------------------------------------------


def test_missing_invalid_expired_and_revoked_tokens_get_the_documented_session_codes(app):
    missing = call(app, "GET", "/notes/notes")
    assert (missing.status, missing.json()["code"]) == (401, 2)
    invalid = call(app, "GET", "/notes/notes", headers=bearer("made-up"))
    assert (invalid.status, invalid.json()["code"]) == (401, 4)
    api = app.server.apis["notes"].api
    expired, _ = api.db.write_now(lambda db: api.tokens.issue(db, 1, ttl_ms=-DAY_MS))
    answer = call(app, "GET", "/notes/notes", headers=bearer(expired))
    assert (answer.status, answer.json()["code"]) == (401, 3)
    token = login(app)
    api.db.write_now(lambda db: api.tokens.revoke(db, token))
    assert call(app, "GET", "/notes/notes", headers=bearer(token)).json()["code"] == 4


def test_a_user_id_that_is_not_the_tokens_user_is_refused_and_nothing_is_written(app):
    token = login(app, "alice")  # user 1
    login(app, "bob")  # user 2
    answer = call(app, "POST", "/notes/notes", headers=bearer(token), json_body={"user_id": 2, "text": "x"})
    assert answer.status == 401
    assert answer.json()["code"] == 4
    assert "user_id 2" in answer.json()["msg"]
    assert call(app, "GET", "/notes/notes", headers=bearer(token)).json()["result"] == []
    # Naming oneself is fine.
    ok = call(app, "POST", "/notes/notes", headers=bearer(token), json_body={"user_id": 1, "text": "x"})
    assert ok.status == 200


def test_a_guest_token_reaches_the_guest_operations_only(app):
    guest = login(app, "visitor", guest=True)
    assert call(app, "GET", "/notes/guest/hello", headers=bearer(guest)).status == 200
    refused = call(app, "GET", "/notes/notes", headers=bearer(guest))
    assert (refused.status, refused.json()["code"]) == (401, 4)
    assert "guest" in refused.json()["msg"]


def test_tokens_are_stored_as_digests_only(tmp_path):
    app = serve(tmp_path)
    token = login(app)
    app.server.close()
    assert token.encode() not in (tmp_path / "notes.sqlite").read_bytes()


# --- bad input: the API's envelope, a 4xx, never a 500 -------------------------------------------


@pytest.mark.parametrize(
    ("headers", "body", "fragment"),
    [
        ({"content-type": "application/json"}, b'{"text": ', "not valid JSON"),
        ({"content-type": "application/json"}, b'{"text": "\xff\xfe"}', "not UTF-8"),
        ({"content-type": "text/plain"}, b"text=hi", "Content-Type"),
        ({"content-type": "application/json"}, b'{"text": 5}', "text"),
        ({"content-type": "application/json"}, b"{}", "text"),
        ({"content-type": "application/json"}, b"[" * 100000 + b"]" * 100000, "nested too deeply"),
    ],
)
def test_bad_bodies_are_a_400_in_the_envelope(app, headers, body, fragment):
    answer = call(app, "POST", "/notes/notes", headers={**headers, **bearer(login(app))}, body=body)
    assert answer.status == 400, answer.text
    assert answer.json()["code"] == 5
    assert fragment in answer.json()["msg"]


def test_a_wrongly_typed_parameter_is_named(app):
    answer = call(app, "GET", "/notes/notes?page=x", headers=bearer(login(app)))
    assert answer.status == 400
    assert "page" in answer.json()["msg"]


def test_an_oversized_body_is_413_before_it_is_all_read():
    app = serve(max_upload_bytes=1000)
    token = login(app)
    answer = call(app, "POST", "/notes/notes", headers=bearer(token), json_body={"text": "x" * 2000})
    assert answer.status == 413
    assert answer.json()["code"] == 5


def test_an_unknown_method_is_405_with_allow(app):
    answer = call(app, "DELETE", "/notes/notes")
    assert answer.status == 405
    assert set(answer.headers["allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    assert answer.json()["code"] == 5


def test_an_unknown_path_is_404_in_the_envelope(app):
    answer = call(app, "GET", "/notes/nowhere")
    assert answer.status == 404
    assert "/notes/openapi.yaml" in answer.json()["msg"]


def test_an_operation_without_a_handler_is_501_in_the_envelope(app):
    answer = call(app, "GET", "/notes/todo")
    assert answer.status == 501
    assert answer.json()["code"] == 1  # the Error response's "internal server error" code
    assert "get_todo" in answer.json()["msg"]


def test_a_crashing_handler_is_a_500_in_the_envelope_and_is_logged(app, caplog):
    with caplog.at_level(logging.ERROR, logger="mdcontract.server"):
        answer = call(app, "POST", "/notes/notes", headers=bearer(login(app)), json_body={"text": "crash"})
    assert answer.status == 500
    assert answer.json() == {"code": 1, "msg": "internal server error"}
    assert "a bug in a handler" in caplog.text


def test_response_validation_catches_an_answer_outside_the_contract(app):
    answer = call(app, "POST", "/notes/notes", headers=bearer(login(app)), json_body={"text": "off-contract"})
    assert answer.status == 500
    assert "outside the contract" in answer.json()["msg"]


# --- streams --------------------------------------------------------------------------------------


def test_an_ndjson_stream_arrives_line_by_line_and_is_validated_per_line(app):
    token = login(app)
    call(app, "POST", "/notes/notes", headers=bearer(token), json_body={"text": "Story:"})
    answer = call(app, "POST", "/notes/notes/1/continue", headers=bearer(token))
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/x-ndjson"
    lines = [json.loads(chunk) for chunk in answer.chunks]
    assert len(lines) == 5  # one body message per line, not one buffered body
    assert [line["result"]["done"] for line in lines] == [False] * 4 + [True]
    contents = [line["result"]["content"] for line in lines]
    assert contents[-1] == "Story: once upon a time"
    assert all(b.startswith(a) for a, b in itertools.pairwise(contents))


def test_sse_items_are_framed_as_events(app):
    answer = call(app, "GET", "/notes/events", headers=bearer(login(app)))
    assert answer.headers["content-type"].startswith("text/event-stream")
    assert answer.chunks == [b'data: {"n":0}\n\n', b'data: {"n":1}\n\n', b'data: {"n":2}\n\n']


def test_a_client_that_leaves_mid_stream_keeps_what_was_generated_marked_incomplete(app, caplog):
    token = login(app)
    call(app, "POST", "/notes/notes", headers=bearer(token), json_body={"text": "Story:"})
    received: list[bytes] = []

    async def run() -> None:
        requested = False

        async def receive() -> dict[str, Any]:
            nonlocal requested
            if not requested:
                requested = True
                return {"type": "http.request", "body": b"", "more_body": False}
            while len(received) < 2:
                await asyncio.sleep(0.005)
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.body" and message.get("body"):
                received.append(message["body"])

        scope = {
            "type": "http",
            "method": "POST",
            "path": "/notes/notes/1/continue",
            "raw_path": b"/notes/notes/1/continue",
            "query_string": b"",
            "root_path": "",
            "scheme": "http",
            "headers": [(b"authorization", f"Bearer {token}".encode()), (b"x-slow", b"1")],
        }
        await app(scope, receive, send)

    with caplog.at_level(logging.WARNING):
        asyncio.run(run())
    assert 2 <= len(received) < 5
    api = app.server.apis["notes"].api
    note = api.db.one("SELECT text, complete FROM notes WHERE id = 1")
    assert note["complete"] == 0
    assert note["text"].startswith("Story: once")
    assert not note["text"].endswith("time")
    assert "Traceback" not in caplog.text and not [r for r in caplog.records if r.levelno >= logging.ERROR]


# --- files, CORS, pages ---------------------------------------------------------------------------


def test_an_upload_is_stored_under_a_name_of_the_servers_choosing_and_served(tmp_path):
    app = serve(tmp_path)
    token = login(app)
    boundary = "xyz"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="../../evil.png"\r\n'
            f"Content-Type: image/png\r\n\r\n"
        ).encode()
        + b"\x89PNG-bytes"
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {**bearer(token), "content-type": f"multipart/form-data; boundary={boundary}", "host": "h:1"}
    answer = call(app, "POST", "/notes/upload", headers=headers, body=body)
    assert answer.status == 200, answer.text
    url = answer.json()["result"]["url"]
    assert url.startswith("http://h:1/notes/files/") and url.endswith(".png") and "evil" not in url
    stored = list((tmp_path / "notes" / "files").iterdir())
    assert [p.read_bytes() for p in stored] == [b"\x89PNG-bytes"]
    assert not (tmp_path / "evil.png").exists() and not (tmp_path.parent / "evil.png").exists()
    served = call(app, "GET", url.removeprefix("http://h:1"))
    assert served.body == b"\x89PNG-bytes"
    assert served.headers["content-type"] == "image/png"


def test_cors_preflight_and_exposed_headers(app):
    preflight = call(
        app,
        "OPTIONS",
        "/notes/notes",
        headers={
            "origin": "http://localhost:5173",
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization,content-type",
        },
    )
    assert preflight.status == 200
    assert "POST" in preflight.headers["access-control-allow-methods"]
    answer = call(app, "POST", "/notes/login", headers={"origin": "http://x"}, json_body={"name": "a"})
    assert answer.headers["access-control-allow-origin"] == "*"
    assert "session-token" in answer.headers["access-control-expose-headers"]


def test_the_index_links_each_apis_swagger_ui_and_spec(app):
    index = call(app, "GET", "/")
    assert index.status == 200
    assert 'href="/notes/ui/"' in index.text and 'href="/notes/openapi.yaml"' in index.text
    assert "8/9" in index.text  # implemented operations
    assert call(app, "GET", "/notes/openapi.yaml").body == FIXTURE.read_bytes()
    ui = call(app, "GET", "/notes/ui/")
    assert ui.status == 200 and "swagger" in ui.text.lower()


def test_one_spec_is_served_at_the_root_with_its_docs_where_the_readme_says():
    app = build_app(FIXTURE, ServeOptions(ttft_ms=0, tokens_per_s=0), handlers={"notes": handlers})
    assert call(app, "POST", "/login", json_body={"name": "a"}).status == 200
    assert call(app, "GET", "/openapi.yaml").status == 200
    docs = call(app, "GET", "/docs")
    assert docs.status == 200 and docs.headers["content-type"].startswith("text/html")
    assert call(app, "GET", "/notes/docs").headers["location"] == "/docs"


def test_each_api_serves_its_html_reference(app):
    docs = call(app, "GET", "/notes/docs")
    assert docs.status == 200 and "<html" in docs.text.lower()


# --- the command line ---------------------------------------------------------------------------


def test_serve_check_lists_what_has_no_handler(tmp_path):
    spec = tmp_path / "notes.yaml"
    spec.write_bytes(FIXTURE.read_bytes())
    result = subprocess.run(
        [sys.executable, "-m", "generators.cli", "serve", "--check", str(spec)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "notes: 0/9 implemented"  # no server/apis/notes module: nothing is implemented
    assert "  notes: GET /todo (get_todo)" in lines


def test_serve_check_passes_for_an_api_with_every_handler():
    result = subprocess.run(
        [sys.executable, "-m", "generators.cli", "serve", "--check", "spec/session-store.yaml"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "session-store: 7/7 implemented"


def test_serve_check_implements_every_operation_of_the_four_apis():
    result = subprocess.run(
        [sys.executable, "-m", "generators.cli", "serve", "--check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # 285 documented operations plus the aichat login its overlay adds (issue: codes 610/620)
    assert result.stdout.splitlines() == [
        "aichat: 2/2 implemented",
        "character: 269/269 implemented",
        "session-store: 7/7 implemented",
        "yike: 8/8 implemented",
        "all: 286/286 implemented",
    ]
