"""Hostile input against `mdcontract serve` and `mdcontract mock` running as processes, over real sockets:
they stay up, their memory stays bounded, and the server writes nothing outside its data folder.

Each burst mixes what only a real socket shows (bodies of 40 MB, with and without a Content-Length, that
must be refused before they are read; CR/LF and NUL inside header values) with hostile values in the
fields of real writes (SQL, path traversal, control characters) and uploads named to escape the folder.
The figures are generous bounds, not measurements: `mdcontract bench load` measures.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from processes import CLI, ROOT, Running

SPECS = [str(p) for p in sorted((ROOT / "spec").glob("*.yaml"))]
BIG = 40 * 1024 * 1024
ESCAPE = "/tmp/mdcontract-hostile-escape"
TRAVERSAL = ["../../../../../../..", ESCAPE, "..\\..\\..\\escape", "%2e%2e%2f%2e%2e%2fescape", "x\x00.png"]
HOSTILE = [
    "' OR '1'='1' --",
    "'; DROP TABLE users; --",
    *(f"{t}/owned.png" for t in TRAVERSAL),
    "\x00\x1b[2J\u202e",
    "{{7*7}}%s%n",
]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
# A burst's growth after the first (which fills caches: compiled validators, SQLite pages) must stay
# under this; a leak of the 40 MB bodies would pass it at once.
GROWTH_MB = 48


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("hostile")


def _environment(workspace: Path) -> dict[str, str]:
    (workspace / "tmp").mkdir(exist_ok=True)
    # The spec cache and any temporary file go where the test can see them.
    return {"MDCONTRACT_CACHE": str(workspace / "cache"), "TMPDIR": str(workspace / "tmp")}


@pytest.fixture(scope="module")
def server(workspace) -> Any:
    cwd = workspace / "server"
    cwd.mkdir()
    command = [*CLI, "serve", *SPECS, "--data", str(cwd / "data"), "--seed", "demo", "--ttft-ms", "0"]
    running = Running(command, cwd=cwd, env=_environment(workspace), log=workspace / "server.log")
    running.wait_ready()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def mock(workspace) -> Any:
    cwd = workspace / "mock"
    cwd.mkdir()
    running = Running(
        [*CLI, "mock", *SPECS], cwd=cwd, env=_environment(workspace), log=workspace / "mock.log"
    )
    running.wait_ready()
    yield running
    running.stop()


# --- requests over a socket --------------------------------------------------------------------------


def _raw(port: int, head: bytes, body_chunks: Any = ()) -> bytes:
    """Send a request as bytes (what http.client refuses to send), then read the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head)
        try:
            for chunk in body_chunks:
                sock.sendall(chunk)
        except OSError:
            pass  # the server answered and closed before the body was all sent: what 413 should do
        answer = b""
        while True:
            try:
                data = sock.recv(65536)
            except OSError:
                break
            if not data:
                break
            answer += data
            if b"\r\n\r\n" in answer and _complete(answer):
                break
        return answer


def _complete(answer: bytes) -> bool:
    head, _, body = answer.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":")[1])
    return False


def _status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0


def _json(port: int, method: str, path: str, body: Any, headers: dict[str, str] | None = None) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        connection.request(
            method, path, body=data, headers={"content-type": "application/json", **(headers or {})}
        )
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def _upload(port: int, path: str, field: str, filename: str, data: bytes, token: str) -> int:
    boundary = "hostileboundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="user_id"\r\n\r\n1\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
            f"Content-Type: image/png\r\n\r\n"
        ).encode("utf-8", "surrogateescape")
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {
        "content-type": f"multipart/form-data; boundary={boundary}",
        "authorization": f"Bearer {token}",
    }
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def _burst(port: int, who: str) -> list[str]:
    """One round of hostile requests, 16 at a time; what went wrong (a 5xx, a wrong refusal)."""
    token = "mock-token" if who == "mock" else "demo-yike-alice"
    jobs: list[tuple[str, Any, Any]] = []  # (what, function, what the status must satisfy)

    def big_declared() -> int:
        head = (
            f"POST /session-store/add_user HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {BIG}\r\nConnection: close\r\n\r\n"
        ).encode()
        return _status(_raw(port, head, (b"x" * 65536 for _ in range(BIG // 65536))))

    def big_chunked() -> int:
        head = (
            b"POST /session-store/add_user HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        )
        chunk = b"10000\r\n" + b"x" * 65536 + b"\r\n"
        return _status(_raw(port, head, (chunk for _ in range(BIG // 65536))))

    def header_injection(value: bytes) -> Any:
        def send() -> int:
            head = (
                b"GET /yike/api/prompts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                + token.encode()
                + b"\r\nOrigin: "
                + value
                + b"\r\nConnection: close\r\n\r\n"
            )
            answer = _raw(port, head)
            assert b"injected" not in answer.split(b"\r\n\r\n")[0].lower(), answer[:400]
            return _status(answer)

        return send

    jobs += [("40 MB with its length", big_declared, {413})] * 4
    jobs += [("40 MB chunked", big_chunked, {413})] * 3
    # CR LF ends a header line: what follows is one more request header, never a response header.
    jobs.append(("header CR LF", header_injection(b"http://a\r\nX-Injected: 1"), {200}))
    # A lone CR or LF, a NUL, a folded line inside a value: the HTTP parser refuses the request.
    for value in (
        b"http://a\rX-Injected: 1",
        b"http://a\nX-Injected: 1",
        b"a\x00b",
        b"http://a\r\n X-Injected: 1",
    ):
        jobs.append((f"header {value!r}", header_injection(value), {400}))
    deep = b'{"user_id": ' + b"[" * 500_000 + b"]" * 500_000 + b"}"
    jobs += [("deep nesting", lambda: _json(port, "POST", "/session-store/add_user", deep), {400, 413})] * 5
    not_utf8 = b'{"user_id": "\xff\xfe", "session_id": "s", "role": "user", "msg": "\xc3\x28"}'
    jobs += [("not UTF-8", lambda: _json(port, "POST", "/session-store/add_chat", not_utf8), {400})] * 5
    for n, text in enumerate(HOSTILE):
        user = {"request_id": text, "user_id": f"{text}-{n}", "user_name": text, "phone": text, "email": text}
        chat = {"request_id": text, "user_id": f"{text}-{n}", "session_id": text, "role": "user", "msg": text}
        jobs.append(
            (f"add_user {text!r}", lambda b=user: _json(port, "POST", "/session-store/add_user", b), {200})
        )
        jobs.append(
            (f"add_chat {text!r}", lambda b=chat: _json(port, "POST", "/session-store/add_chat", b), {200})
        )
        auth = {"authorization": f"Bearer {token}"}
        conversation = {"title": text, "prompt_id": "0"}
        jobs.append(
            (
                f"yike conversation {text!r}",
                lambda b=conversation, h=auth: _json(port, "POST", "/yike/api/chat/conversations", b, h),
                {200, 201},
            )
        )
        login = {"email": text, "password": text}
        jobs.append(
            (
                f"aichat login {text!r}",
                lambda b=login: _json(port, "POST", "/aichat/login", b),
                {200, 401, 404},
            )
        )
    # Uploads named to escape the folder, mislabeled, oversized: character's image upload takes images
    # up to 5 MB (`handlers.upload` in server/apis/character/platform.py).
    uploader = "mock-token" if who == "mock" else "demo-character-alice"
    upload = "/character/user/uploadImage"
    for name in TRAVERSAL:
        jobs.append(
            (
                f"upload {name!r}",
                lambda n=name: _upload(port, upload, "img", f"{n}/x.png", PNG, uploader),
                {200},
            )
        )
    html = b"<!doctype html><script>document.cookie</script>" + b" " * 64
    jobs.append(
        ("upload HTML as a PNG", lambda: _upload(port, upload, "img", "x.png", html, uploader), {415})
    )
    huge = PNG + b"\x00" * (6 * 1024 * 1024)
    jobs.append(("upload 6 MB image", lambda: _upload(port, upload, "img", "x.png", huge, uploader), {413}))
    with ThreadPoolExecutor(16) as pool:
        futures = [(what, pool.submit(function), allowed) for what, function, allowed in jobs]
        problems = []
        for what, future, allowed in futures:
            try:
                status = future.result()
            except Exception as exc:
                problems.append(f"{what}: {type(exc).__name__}: {exc}")
                continue
            if status not in allowed and not (who == "mock" and 200 <= status < 500):
                problems.append(f"{what}: {status}, expected {sorted(allowed)}")
    return problems


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("who", ["server", "mock"])
def test_a_hostile_burst_leaves_the_process_up_with_bounded_memory(request, workspace, who):
    running = request.getfixturevalue(who)
    first = _burst(running.port, who)  # also fills what is filled once: caches, compiled checks
    assert not first, "\n".join(first)
    settled = running.rss_mb()
    for _ in range(3):
        problems = _burst(running.port, who)
        assert not problems, "\n".join(problems)
        assert running.alive(), running.output()
    grown = running.rss_mb() - settled
    assert grown < GROWTH_MB, (
        f"{who}: resident memory grew {grown:.0f} MB over 3 bursts (from {settled:.0f} MB)"
    )
    assert settled < 1024, f"{who}: {settled:.0f} MB resident after one burst"
    # Still answering like before.
    assert (
        _json(running.port, "POST", "/session-store/query_user_info", {"request_id": "r", "user_id": "demo"})
        == 200
    )


def test_the_server_writes_nothing_outside_its_data_folder(server, workspace):
    before = _files(workspace)
    _burst(server.port, "server")
    after = _files(workspace)
    written = sorted(
        name
        for name in after - before
        if not name.startswith(("server/data/", "cache/")) and not name.endswith(".log")
    )
    assert written == [], written
    assert not list((workspace / "tmp").iterdir()), "temporary files were left behind"
    assert not Path(ESCAPE).exists() and not Path(ESCAPE + "/owned.png").exists()
    assert not any("owned" in name for name in os.listdir("/tmp"))
