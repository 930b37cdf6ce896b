"""`mdcontract serve` and `mdcontract mock` as real processes, for the tests that need a real socket, a
real crash or a real memory figure (tests/test_hostile_processes.py, tests/test_crash.py)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "generators.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Running:
    """A server process in a process group of its own (so that a crash can take all its workers)."""

    def __init__(
        self, command: list[str], *, cwd: Path, env: dict[str, str] | None = None, log: Path
    ) -> None:
        self.port = free_port()
        self.command = [*command, "--port", str(self.port), "--quiet"]
        self.log = log
        self.base = f"http://127.0.0.1:{self.port}"
        with log.open("ab") as handle:
            self.process = subprocess.Popen(
                self.command,
                cwd=cwd,
                env={**os.environ, **(env or {})},
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, path: str = "/", timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.base + path, timeout=2).read()
                return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"{self.command} exited:\n{self.output()}") from None
                time.sleep(0.2)
        self.kill()
        raise RuntimeError(f"{self.command} did not answer within {timeout} s:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-5000:]

    def alive(self) -> bool:
        return self.process.poll() is None

    def pids(self) -> list[int]:
        """The server's processes: the one started and, with --workers, its workers."""
        found = [self.process.pid]
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                fields = stat.rsplit(")", 1)[1].split()
                if int(fields[2]) == self.process.pid:  # [2]: the parent's pid
                    found.append(int(entry.name))
        return found

    def rss_mb(self, pid: int | None = None) -> float:
        """Resident memory of the process (the main one by default), from /proc."""
        for line in Path(f"/proc/{pid or self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    def crash(self) -> None:
        """SIGKILL to every process of the server at once: no shutdown code runs anywhere."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        # Workers left behind (none should be) are ended with their group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
