"""`--workers N`: several processes answering on one port, for the mock and the reference server."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from processes import CLI, ROOT, Running

SESSION_STORE = str(ROOT / "spec" / "session-store.yaml")


def _workers_of(running: Running) -> list[int]:
    return [pid for pid in running.pids() if "spawn_main" in Path(f"/proc/{pid}/cmdline").read_text()]


def _post(port: int, path: str, body: dict[str, str]) -> tuple[int, dict[str, object]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", path, body=json.dumps(body), headers={"content-type": "application/json"})
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_memory_with_several_workers_is_refused_and_says_why():
    done = subprocess.run(
        [*CLI, "serve", SESSION_STORE, "--memory", "--workers", "2"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "--memory keeps the data inside each process" in done.stderr
    assert "use --data FOLDER with --workers" in done.stderr


def test_server_workers_share_one_database_and_no_write_fails_under_contention(tmp_path):
    server = Running(
        [*CLI, "serve", SESSION_STORE, "--data", str(tmp_path / "data"), "--workers", "2"],
        cwd=tmp_path,
        log=tmp_path / "serve.log",
    )
    try:
        server.wait_ready("/openapi.yaml")
        assert len(_workers_of(server)) == 2

        # 400 chats into one session from 16 clients at once: every connection lands on either worker,
        # and each insert is a transaction both processes contend for.
        def write(n: int) -> int:
            body = {"request_id": "r", "user_id": "u", "session_id": "s", "role": "user", "msg": f"m{n}"}
            return _post(server.port, "/add_chat", body)[0]

        with ThreadPoolExecutor(16) as pool:
            statuses = list(pool.map(write, range(400)))
        assert statuses == [200] * 400  # never 503 "the database is busy"
        status, body = _post(
            server.port, "/query_session_info", {"request_id": "r", "user_id": "u", "session_id": "s"}
        )
        assert status == 200
        assert sorted(chat["msg"] for chat in body["chats"]) == sorted(f"m{n}" for n in range(400))
        assert "locked" not in server.output() and "busy" not in server.output()
    finally:
        server.stop()


def test_mock_workers_answer_and_end_with_their_supervisor(tmp_path):
    mock = Running([*CLI, "mock", SESSION_STORE, "--workers", "2"], cwd=tmp_path, log=tmp_path / "mock.log")
    try:
        mock.wait_ready()
        workers = _workers_of(mock)
        assert len(workers) == 2
        body = {"request_id": "r", "user_id": "1"}
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda _: _post(mock.port, "/query_user_info", body)[0], range(100)))
        assert statuses == [200] * 100
        # The supervisor killed outright (no chance to stop its workers): they end too, and free the port.
        os.kill(mock.process.pid, signal.SIGKILL)
        deadline = time.monotonic() + 20
        while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(Path(f"/proc/{pid}").exists() for pid in workers), "workers outlived their supervisor"
    finally:
        mock.kill()
