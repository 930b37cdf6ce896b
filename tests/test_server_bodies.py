"""Request bodies on the reference server: limits enforced while the body arrives, uploads judged by their
declared type and their first bytes, and file names that never reach the file system.

On the small notes spec (tests/fixtures/server/notes.yaml), with an upload rule registered the way an API's
handlers register theirs: `handlers.upload(operation_id, field, types=..., max_bytes=...)`.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest

from mocks.testing import call
from server.api import ServeOptions
from server.app import build_app
from server.call import Call
from server.registry import Handlers

FIXTURE = Path(__file__).parent / "fixtures" / "server" / "notes.yaml"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
HTML = b"<!doctype html><script>alert(1)</script>" + b" " * 40
IMAGE_LIMIT = 4096

handlers = Handlers()
handlers.upload("post_upload", "file", types=("image/",), max_bytes=IMAGE_LIMIT)
seen: list[str] = []  # the operations whose handler ran


@handlers("post_login")
async def login_handler(call: Call) -> Any:
    def write(db: Any) -> str:
        db.execute("CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, name TEXT UNIQUE)")
        db.execute("INSERT OR IGNORE INTO users (name) VALUES (?)", [call.body["name"]])
        user_id = db.execute("SELECT id FROM users WHERE name = ?", [call.body["name"]]).fetchone()[0]
        return call.api.tokens.issue(db, user_id)[0]

    return call.ok({"user_id": 1}, headers={"session-token": await call.db.write(write)})


@handlers("post_notes")
async def create_note(call: Call) -> Any:
    seen.append("post_notes")
    return {"id": 1, "text": call.body["text"]}


@handlers("post_upload")
async def upload(call: Call) -> Any:
    seen.append("post_upload")
    part = call.files["file"]
    return {"url": call.file_url(call.api.files.put(part.data, part.content_type))}


def serve(data_dir: Path | None = None, **options: Any) -> Any:
    settings = ServeOptions(data_dir=data_dir, validate_responses=True, **options)
    return build_app([FIXTURE], settings, handlers={"notes": handlers})


@pytest.fixture(autouse=True)
def _forget() -> None:
    seen.clear()


def token_of(app: Any) -> str:
    return call(app, "POST", "/notes/login", json_body={"name": "alice"}).headers["session-token"]


def multipart(
    data: bytes, *, filename: str = "photo.png", content_type: str = "image/png"
) -> tuple[str, bytes]:
    boundary = "b0undary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return f"multipart/form-data; boundary={boundary}", body


class Sender:
    """A client sending a body in chunks; counts what the server asked for."""

    def __init__(self, body: bytes, chunk: int = 1024) -> None:
        self.chunks = [body[i : i + chunk] for i in range(0, len(body), chunk)] or [b""]
        self.read = 0

    async def receive(self) -> dict[str, Any]:
        if self.read >= len(self.chunks):
            await asyncio.sleep(3600)
        self.read += 1
        more = self.read < len(self.chunks)
        return {"type": "http.request", "body": self.chunks[self.read - 1], "more_body": more}


def send_in_chunks(app: Any, path: str, headers: dict[str, str], sender: Sender) -> tuple[int, bytes]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }
    status = 0
    body = b""

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, body
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            body += message.get("body", b"")

    asyncio.run(app(scope, sender.receive, send))
    return status, body


# --- size ---------------------------------------------------------------------------------------


def test_a_body_whose_length_says_it_is_too_large_is_refused_before_a_byte_is_read():
    app = serve()
    sender = Sender(b'{"text": "' + b"x" * 5000 + b'"}')
    headers = {
        "authorization": f"Bearer {token_of(app)}",
        "content-type": "application/json",
        "content-length": str(50 * 1024 * 1024),
    }
    status, body = send_in_chunks(app, "/notes/notes", headers, sender)
    assert status == 413, body
    assert b"larger than" in body
    assert sender.read == 0
    assert seen == []


def test_a_body_without_a_length_stops_being_read_at_the_limit():
    app = serve(max_body_bytes=10_000)
    sender = Sender(b'{"text": "' + b"x" * 200_000 + b'"}', chunk=1000)
    headers = {"authorization": f"Bearer {token_of(app)}", "content-type": "application/json"}
    status, _ = send_in_chunks(app, "/notes/notes", headers, sender)
    assert status == 413
    assert sender.read <= 11  # 10,000 bytes and the chunk that passed them, of 201
    assert seen == []


def test_json_bodies_have_a_smaller_limit_than_uploads():
    app = serve()  # 1 MB for JSON, 10 MB for multipart
    token = token_of(app)
    big = {"text": "x" * (2 * 1024 * 1024)}
    answer = call(app, "POST", "/notes/notes", headers={"authorization": f"Bearer {token}"}, json_body=big)
    assert answer.status == 413
    assert answer.json()["code"] == 5  # in the API's own envelope


def test_a_file_larger_than_its_rule_is_413_while_it_arrives():
    app = serve()
    content_type, body = multipart(PNG + b"\x00" * 100_000)
    sender = Sender(body, chunk=1024)
    headers = {"authorization": f"Bearer {token_of(app)}", "content-type": content_type}
    status, answer = send_in_chunks(app, "/notes/upload", headers, sender)
    assert status == 413, answer
    assert b"file is larger than 4096 bytes" in answer
    assert sender.read <= 6  # 4 KB of the file and its headers, of about 100 chunks
    assert seen == []


# --- type ---------------------------------------------------------------------------------------


def test_an_image_is_taken_and_stored_under_its_digest(tmp_path):
    app = serve(tmp_path)
    content_type, body = multipart(PNG, filename="../../../../etc/passwd", content_type="image/png")
    headers = {"authorization": f"Bearer {token_of(app)}", "content-type": content_type}
    answer = call(app, "POST", "/notes/upload", headers=headers, body=body)
    assert answer.status == 200, answer.text
    assert answer.json()["result"]["url"].endswith(".png")
    assert [p.name for p in (tmp_path / "notes" / "files").iterdir()] == [f"{_digest(PNG)}.png"]


@pytest.mark.parametrize(
    ("data", "declared", "why"),
    [
        (HTML, "image/png", "an HTML page named and declared as a PNG: its bytes say otherwise"),
        (HTML, "application/octet-stream", "a generic type: the bytes decide, and they are no image"),
        (PNG, "text/html", "a PNG declared as HTML: the client says it is not an image"),
        (b"GIF8", "image/gif", "a file shorter than any image header"),
    ],
)
def test_a_file_that_is_not_what_the_operation_takes_is_415(data, declared, why):
    app = serve()
    content_type, body = multipart(data, content_type=declared)
    headers = {"authorization": f"Bearer {token_of(app)}", "content-type": content_type}
    answer = call(app, "POST", "/notes/upload", headers=headers, body=body)
    assert answer.status == 415, why
    assert answer.json()["code"] == 5
    assert seen == [], why


def test_a_mislabeled_file_is_refused_from_its_first_bytes_without_reading_the_rest():
    app = serve()
    content_type, body = multipart(HTML + b" " * 8 * 1024 * 1024, content_type="image/png")
    sender = Sender(body, chunk=64 * 1024)
    headers = {"authorization": f"Bearer {token_of(app)}", "content-type": content_type}
    status, answer = send_in_chunks(app, "/notes/upload", headers, sender)
    assert status == 415, answer
    assert sender.read == 1  # of 129


def test_a_declared_type_the_operation_does_not_take_is_refused_before_the_file_is_read():
    app = serve()
    content_type, body = multipart(PNG * 100, content_type="application/x-msdownload")
    sender = Sender(body, chunk=150)
    headers = {"authorization": f"Bearer {token_of(app)}", "content-type": content_type}
    status, _ = send_in_chunks(app, "/notes/upload", headers, sender)
    assert status == 415
    assert sender.read == 1  # the part's headers fit in the first chunk


def test_broken_multipart_bodies_are_400():
    app = serve()
    token = token_of(app)
    auth = {"authorization": f"Bearer {token}"}
    no_boundary = call(
        app, "POST", "/notes/upload", headers={**auth, "content-type": "multipart/form-data"}, body=b"x"
    )
    assert no_boundary.status == 400
    headers = {**auth, "content-type": "multipart/form-data; boundary=zz"}
    garbage = call(app, "POST", "/notes/upload", headers=headers, body=b"--zz\r\nno headers end")
    assert garbage.status == 400
    nameless = b'--zz\r\nContent-Disposition: form-data; filename="a.png"\r\n\r\n' + PNG + b"\r\n--zz--\r\n"
    assert call(app, "POST", "/notes/upload", headers=headers, body=nameless).status == 400


# --- names ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "filename",
    [
        "../../../../../tmp/mdcontract-escape.png",
        "/etc/cron.d/mdcontract.png",
        "..\\..\\windows\\win.ini",
        "photo.png\x00.sh",
        "%2e%2e%2f%2e%2e%2fescape.png",
        "con.png",
        "a" * 1000 + ".png",  # longer than any file name may be
    ],
)
def test_the_name_a_client_gives_a_file_never_reaches_the_file_system(tmp_path, filename):
    data_dir = tmp_path / "data"
    app = serve(data_dir)
    content_type, body = multipart(PNG, filename=filename)
    headers = {"authorization": f"Bearer {token_of(app)}", "content-type": content_type}
    answer = call(app, "POST", "/notes/upload", headers=headers, body=body)
    assert answer.status == 200, answer.text
    app.server.close()
    created = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    stored = [name for name in created if name.startswith("data/notes/files/")]
    assert len(stored) == 1 and Path(stored[0]).stem == _digest(PNG), created
    assert all(name.startswith("data/") for name in created), created
    assert not Path("/tmp/mdcontract-escape.png").exists()
    assert not any("escape" in name or "passwd" in name for name in os.listdir(tmp_path))


def _digest(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def test_a_multipart_body_where_the_operation_takes_json_has_the_json_limit():
    app = serve()
    content_type, body = multipart(PNG + b"\x00" * (2 * 1024 * 1024))
    headers = {"authorization": f"Bearer {token_of(app)}", "content-type": content_type}
    assert call(app, "POST", "/notes/notes", headers=headers, body=body).status == 413
    small_type, small = multipart(PNG)
    answer = call(app, "POST", "/notes/notes", headers={**headers, "content-type": small_type}, body=small)
    assert answer.status == 400 and "Content-Type" in answer.json()["msg"]
