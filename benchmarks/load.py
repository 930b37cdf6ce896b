"""`mdcontract bench load`: many clients mixing reads, writes and streams against one server, for a minute.

    mdcontract bench load                                  # serve, then mock: 200 clients, 60 s each
    mdcontract bench load --target serve --workers 2 --duration 30
    mdcontract bench load --clients 50 --duration 10 --json load.json

What it reports, per target:

- **req/s** of every answer (a stream counts once, when it ends), **p50, p99** of the answers that are
  not streams (a stream's figures are its own, below);
- **errors**: 5xx answers, answers saying the database was locked or busy, connections that failed;
- **stream pacing**: the time to the first chunk against the server's configured time to first token, and
  the longest gap between two chunks of a stream against the configured gap (1 / tokens per second);
- **event loop**: how late the server's event loop ran, measured inside the server (``mocks.loopwatch``:
  a timer every 20 ms, its lateness is exactly how long something held the loop), longest and p99 over the
  run, and the wake-ups later than 100 ms; also the part of that lateness the loop spent running (CPU
  time of its thread), which waiting for a CPU on a busy machine does not inflate. The server writes these figures when it stops
  (``MDCONTRACT_LOOP_STATS``); a client-side probe could not tell a stall from a queue.

The clients are coroutines of one aiohttp session in this process; with one worker the server runs alone on
CPU 0 and the clients on CPU 1 (`taskset`), so that they do not take each other's time; with several
workers nothing is pinned (two cores: server workers and clients share them, and the report says so). The
server's CPU use is reported too: below ~90 % the clients, not the server, set the pace.

The mix (weights, default 60 reads : 30 writes : 10 streams), with each client on data of its own:

- reads: session-store's session, yike's conversations and messages, aichat's chat list, character's user
  and chat history;
- writes: session-store chats, yike messages, character chat sessions;
- streams: yike's text completion and character's NDJSON genChat, at the server's default pace.

Against the mock the same requests are sent (the mock answers its documented samples, streams paced by
`--chunk-delay-ms` at the same gap); it keeps nothing, so the writes are as cheap as the reads.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.mock_vs_prism import LOAD_CPU, SERVER_CPU, cpu_seconds, free_port

ROOT = Path(__file__).resolve().parent.parent
SPECS = ("aichat", "character", "session-store", "yike")
DEFAULT_TTFT_MS = 350.0
DEFAULT_TOKENS_PER_S = 30.0
STALL_MS = 100.0


# --- what the clients do --------------------------------------------------------------------------


@dataclass
class Action:
    kind: str  # read, write, stream
    name: str
    method: str
    path: str
    body: Any = None
    token: str | None = None


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)  # seconds, of the answers that are not streams
    by_action: dict[str, list[float]] = field(default_factory=dict)  # name -> latencies
    by_kind: dict[str, int] = field(default_factory=dict)
    statuses: dict[int, int] = field(default_factory=dict)
    server_errors: int = 0
    locked: int = 0
    failed: int = 0
    first_problem: str = ""
    first_chunks: list[float] = field(default_factory=list)
    longest_gaps: list[float] = field(default_factory=list)
    streams: int = 0
    seconds: float = 0.0  # how long the load ran
    client_loop: dict[str, Any] = field(default_factory=dict)  # the clients' own event loop (LoopWatch)

    def problem(self, text: str) -> None:
        self.first_problem = self.first_problem or text[:300]


class Client:
    """One simulated user: its own session-store session, yike conversation and character chat."""

    def __init__(
        self, number: int, base: str, session: Any, character: bool, rng: random.Random, mock: bool
    ) -> None:
        self.mock = mock  # the mock takes its own token, not the server's demo tokens
        self.number = number
        self.base = base
        self.http = session
        self.character = character
        self.rng = rng
        self.conversation = ""
        self.chat_session: Any = None

    async def prepare(self) -> None:
        yike = "Bearer demo-yike-alice" if self.number % 2 == 0 else "Bearer demo-yike-bob"
        if self.mock:
            yike = "Bearer mock-token"
        self.yike = yike
        async with self.http.post(
            f"{self.base}/yike/api/chat/conversations",
            headers={"authorization": yike},
            json={"title": "load"},
        ) as answer:
            self.conversation = str(((await answer.json(content_type=None)) or {}).get("id", "1"))
        async with self.http.post(
            f"{self.base}/yike/api/chat/conversations/{self.conversation}/messages",
            headers={"authorization": yike},
            json={"content": f"讲一个故事 {self.number}"},
        ) as answer:
            await answer.read()
        if self.character:
            # A character account of its own (a device login): one user's history does not grow with
            # what 200 others do.
            self.character_token, self.character_user = "mock-token", 1
            if not self.mock:
                async with self.http.post(
                    f"{self.base}/character/user/randomLogin",
                    json={
                        "uniq_token": f"load-device-{self.number}",
                        "system": "android",
                        "from_app": "bench",
                    },
                ) as answer:
                    body = await answer.json(content_type=None)
                    if answer.status != 200:
                        raise SystemExit(f"character's randomLogin answered {answer.status}: {body}")
                    self.character_token = answer.headers["session-token"]
                    self.character_user = body["result"]["user_id"]
            async with self.http.post(
                f"{self.base}/character/character/createChat",
                headers={"authorization": f"Bearer {self.character_token}"},
                json={"user_id": self.character_user, "character_id": 1},
            ) as answer:
                result = (await answer.json(content_type=None)).get("result") or {}
                self.chat_session = result.get("session_id", 1)

    def token(self, demo: str) -> str:
        return "mock-token" if self.mock else demo

    def actions(self) -> dict[str, list[Action]]:
        n = self.number
        aichat = self.token("demo-aichat-alice")
        character = getattr(self, "character_token", "")
        store = {"request_id": f"load-{n}", "user_id": f"load-{n}", "session_id": f"s{n}"}
        yike = self.yike.removeprefix("Bearer ")
        conversation = self.conversation
        reads = [
            Action(
                "read",
                "session-store query_session_names",
                "POST",
                "/session-store/query_session_names",
                store,
            ),
            Action("read", "yike conversations", "GET", "/yike/api/conversations?page=1", token=yike),
            Action(
                "read",
                "yike messages",
                "GET",
                f"/yike/api/chat/conversations/{conversation}/messages",
                token=yike,
            ),
            Action(
                "read",
                "aichat chatList",
                "POST",
                "/aichat/chatList",
                {"page": 0, "pageSize": 10},
                aichat,
            ),
        ]
        writes = [
            Action(
                "write",
                "session-store add_chat",
                "POST",
                "/session-store/add_chat",
                {**store, "role": "user", "msg": f"load message from {n}"},
            ),
            Action(
                "write",
                "yike message",
                "POST",
                f"/yike/api/chat/conversations/{conversation}/messages",
                {"content": f"再讲一个 {n}"},
                yike,
            ),
        ]
        streams = [
            Action(
                "stream",
                "yike completion",
                "POST",
                f"/yike/chat/conversations/{conversation}/completions",
                None,
                yike,
            )
        ]
        if self.character:
            me = {"user_id": self.character_user}
            reads += [
                Action(
                    "read",
                    "character user",
                    "POST",
                    "/character/user/getUserBaseInfo",
                    me,
                    character,
                ),
                Action(
                    "read",
                    "character history",
                    "POST",
                    "/character/character/getChatHistory",
                    {**me, "character_id": 1},
                    character,
                ),
            ]
            writes.append(
                Action(
                    "write",
                    "character createChat",
                    "POST",
                    "/character/character/createChat",
                    {**me, "character_id": 1},
                    character,
                )
            )
            streams.append(
                Action(
                    "stream",
                    "character genChat",
                    "POST",
                    "/character/character/genChat",
                    {**me, "session_id": self.chat_session, "content": f"hello from {n}"},
                    character,
                )
            )
        return {"read": reads, "write": writes, "stream": streams}


async def _act(http: Any, base: str, action: Action, tally: Tally) -> None:
    import aiohttp

    headers = {"authorization": f"Bearer {action.token}"} if action.token else {}
    started = time.perf_counter()
    try:
        async with http.request(
            action.method, base + action.path, headers=headers, json=action.body
        ) as answer:
            if action.kind != "stream" or answer.status != 200:
                body = await answer.read()
                if action.kind != "stream":
                    tally.latencies.append(time.perf_counter() - started)
            else:
                body = b""
                last = None
                gaps = [0.0]
                async for chunk in answer.content.iter_any():
                    now = time.perf_counter()
                    if last is None:
                        tally.first_chunks.append(now - started)
                    else:
                        gaps.append(now - last)
                    last = now
                    body = chunk
                tally.longest_gaps.append(max(gaps))
                tally.streams += 1
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        tally.failed += 1
        tally.problem(f"{action.name}: {type(exc).__name__}: {exc}")
        return
    tally.statuses[answer.status] = tally.statuses.get(answer.status, 0) + 1
    tally.by_action.setdefault(f"{action.name} {answer.status}", []).append(time.perf_counter() - started)
    tally.by_kind[action.kind] = tally.by_kind.get(action.kind, 0) + 1
    if answer.status >= 500:
        tally.server_errors += 1
        tally.problem(f"{action.name}: {answer.status} {body[:200]!r}")
    lowered = body.lower()
    if b"locked" in lowered or b"database is busy" in lowered:
        tally.locked += 1
        tally.problem(f"{action.name}: {body[:200]!r}")


async def drive(
    base: str, clients: int, seconds: float, mix: dict[str, int], character: bool, seed: int, mock: bool
) -> Tally:
    import aiohttp

    from mocks.loopwatch import LoopWatch

    tally = Tally()
    # The clients' own loop, watched like the server's: a gap the clients measure includes their own
    # lateness, and with 200 of them on one core it is not nothing.
    watch = LoopWatch()
    watch.start()
    connector = aiohttp.TCPConnector(limit=clients, force_close=False)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        users = [Client(n, base, http, character, random.Random(seed + n), mock) for n in range(clients)]
        for start in range(0, clients, 20):  # not all at once: preparing is not what is measured
            await asyncio.gather(*(user.prepare() for user in users[start : start + 20]))
        deadline = time.perf_counter() + seconds
        kinds = list(mix)
        weights = [mix[k] for k in kinds]

        async def run(user: Client) -> None:
            actions = user.actions()
            while time.perf_counter() < deadline:
                kind = user.rng.choices(kinds, weights)[0]
                await _act(http, base, user.rng.choice(actions[kind]), tally)

        started = time.perf_counter()
        await asyncio.gather(*(run(user) for user in users))
        tally.seconds = time.perf_counter() - started
    await watch.stop()
    tally.client_loop = watch.figures()
    return tally


# --- the servers ------------------------------------------------------------------------------------


@contextlib.contextmanager
def running(
    command: list[str], port: int, pinned: bool, env: dict[str, str]
) -> Iterator[subprocess.Popen[bytes]]:
    prefix = ["taskset", "-c", SERVER_CPU] if pinned and shutil.which("taskset") else []
    process = subprocess.Popen(
        [*prefix, *command],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, **env},
    )
    try:
        deadline = time.monotonic() + 120
        import urllib.request

        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/yike/openapi.yaml", timeout=2).read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    error = process.stderr.read().decode(errors="replace") if process.stderr else ""
                    raise SystemExit(f"{command[3]} did not start: {error[-2000:]}") from None
                time.sleep(0.2)
        yield process
    finally:
        process.terminate()  # SIGTERM: the lifespan ends and the loop figures are written
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _run(work: Any) -> Tally:
    """The clients' loop: uvloop when installed, as the server's (aiohttp is faster on it)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(work)
    return uvloop.run(work)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
    return found


def _cpu(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError):
            total += cpu_seconds(pid)
    return total


def measure(target: str, args: argparse.Namespace) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="bench-load-"))
    stats = folder / "loop"
    stats.mkdir()
    port = free_port()
    specs = [str(ROOT / "spec" / f"{name}.yaml") for name in SPECS]
    gap_ms = 1000 / args.tokens_per_s if args.tokens_per_s else 0.0
    workers = ["--workers", str(args.workers)] if args.workers > 1 else []
    if target == "serve":
        command = [sys.executable, "-m", "generators.cli", "serve", *specs, "--data", str(folder / "data")]
        command += [
            "--seed",
            "demo",
            "--ttft-ms",
            str(args.ttft_ms),
            "--tokens-per-s",
            str(args.tokens_per_s),
        ]
    else:
        command = [sys.executable, "-m", "generators.cli", "mock", *specs, "--chunk-delay-ms", str(gap_ms)]
    command += ["--port", str(port), "--quiet", *workers]
    pinned = args.workers == 1
    from server.registry import handlers_for

    character = {"post_character_createChat", "post_character_genChat"} <= set(
        handlers_for("character").operations
    )
    print(
        f"\n{target}: {args.clients} clients, {args.duration} s, {args.workers} worker(s)"
        + (", pinned" if pinned else "")
    )
    try:
        with running(command, port, pinned, {"MDCONTRACT_LOOP_STATS": str(stats)}) as process:
            time.sleep(2)
            pids = [process.pid, *_children(process.pid)]
            if pinned:
                with contextlib.suppress(OSError):
                    os.sched_setaffinity(0, {int(LOAD_CPU)})
            before = _cpu(pids)
            tally = _run(
                drive(
                    f"http://127.0.0.1:{port}",
                    args.clients,
                    args.duration,
                    args.mix,
                    character,
                    args.seed,
                    target == "mock",
                )
            )
            used = _cpu(pids) - before
        loops = [json.loads(p.read_text()) for p in sorted(stats.glob("loop-*.json"))]
    finally:
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
        shutil.rmtree(folder, ignore_errors=True)
    seconds = tally.seconds
    answered = sum(tally.statuses.values())
    latencies = sorted(tally.latencies)

    def pct(values: list[float], share: float) -> float:
        return values[min(len(values) - 1, int(share * len(values)))] * 1000 if values else 0.0

    first = sorted(tally.first_chunks)
    gaps = sorted(tally.longest_gaps)
    expected_first = args.ttft_ms if target == "serve" else 0.0
    return {
        "target": target,
        "workers": args.workers,
        "clients": args.clients,
        "seconds": round(seconds, 1),
        "requests": answered,
        "requests_per_second": round(answered / seconds, 1),
        "by_kind": tally.by_kind,
        "p50_ms": round(pct(latencies, 0.50), 1),
        "p99_ms": round(pct(latencies, 0.99), 1),
        "statuses": {str(k): v for k, v in sorted(tally.statuses.items())},
        "server_errors": tally.server_errors,
        "database_locked": tally.locked,
        "connection_failures": tally.failed,
        "first_problem": tally.first_problem,
        "streams": tally.streams,
        "expected_first_chunk_ms": expected_first,
        "first_chunk_p50_ms": round(pct(first, 0.50), 1),
        "first_chunk_p99_ms": round(pct(first, 0.99), 1),
        "expected_gap_ms": round(gap_ms, 1),
        "longest_gap_p50_ms": round(pct(gaps, 0.50), 1),
        "longest_gap_p99_ms": round(pct(gaps, 0.99), 1),
        "longest_gap_max_ms": round(gaps[-1] * 1000, 1) if gaps else 0.0,
        "loop_longest_ms": max((loop["longest_ms"] for loop in loops), default=None),
        "loop_p99_ms": max((loop["p99_ms"] for loop in loops), default=None),
        "loop_stalls_over_100ms": sum(loop["stalls_over_warn"] for loop in loops) if loops else None,
        "loop_longest_cpu_ms": max((loop["longest_cpu_ms"] for loop in loops), default=None),
        "client_loop_longest_ms": tally.client_loop.get("longest_ms"),
        "client_loop_p99_ms": tally.client_loop.get("p99_ms"),
        "loop_p99_cpu_ms": max((loop["p99_cpu_ms"] for loop in loops), default=None),
        "server_cpu_percent": round(100 * used / seconds / max(1, args.workers if not pinned else 1), 0),
        # What other work on a shared machine barely moves: answers per second of the server's own CPU.
        "requests_per_cpu_second": round(answered / used, 1) if used else None,
        "actions": {
            name: {
                "count": len(values),
                "p50_ms": round(pct(sorted(values), 0.5), 1),
                "p99_ms": round(pct(sorted(values), 0.99), 1),
            }
            for name, values in sorted(tally.by_action.items())
        },
    }


def report(row: dict[str, Any]) -> None:
    print(
        f"  {row['requests_per_second']:,.0f} req/s ({row['requests']:,} answers: {row['by_kind']}), "
        f"p50 {row['p50_ms']} ms, p99 {row['p99_ms']} ms (not streams); server CPU {row['server_cpu_percent']:.0f} %, "
        f"{row['requests_per_cpu_second']} answers per CPU-second"
    )
    print(f"  statuses: {row['statuses']}")
    print(
        f"  errors: {row['server_errors']} 5xx, {row['database_locked']} 'database locked/busy', "
        f"{row['connection_failures']} failed connections"
        + (f"; first: {row['first_problem']}" if row["first_problem"] else "")
    )
    print(
        f"  streams: {row['streams']}; first chunk p50 {row['first_chunk_p50_ms']} / p99 {row['first_chunk_p99_ms']} ms "
        f"(configured {row['expected_first_chunk_ms']:.0f}); longest gap p50 {row['longest_gap_p50_ms']} / "
        f"p99 {row['longest_gap_p99_ms']} / max {row['longest_gap_max_ms']} ms (configured {row['expected_gap_ms']})"
    )
    for name, figures in row["actions"].items():
        print(
            f"    {name:<40} {figures['count']:>7,}  p50 {figures['p50_ms']:>7} ms  p99 {figures['p99_ms']:>7} ms (whole answer)"
        )
    print(
        f"  event loop: longest {row['loop_longest_ms']} ms late, p99 {row['loop_p99_ms']} ms, "
        f"{row['loop_stalls_over_100ms']} stalls over {STALL_MS:.0f} ms; of it running (not waiting for a CPU): "
        f"longest {row['loop_longest_cpu_ms']} ms, p99 {row['loop_p99_cpu_ms']} ms"
    )
    print(
        f"  the clients' own loop (part of every gap they measure): longest {row['client_loop_longest_ms']} ms "
        f"late, p99 {row['client_loop_p99_ms']} ms"
    )


def _mix(text: str) -> dict[str, int]:
    mix = {"read": 0, "write": 0, "stream": 0}
    for part in text.split(","):
        name, _, weight = part.partition("=")
        name = name.strip().rstrip("s")
        if name not in mix or not weight.strip().isdigit():
            raise argparse.ArgumentTypeError(f"expected e.g. reads=60,writes=30,streams=10, not {text!r}")
        mix[name] = int(weight)
    if not any(mix.values()):
        raise argparse.ArgumentTypeError("the mix needs a weight above 0")
    return {k: v for k, v in mix.items() if v}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="mdcontract bench load",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--target", choices=("serve", "mock", "both"), default="both")
    parser.add_argument("--clients", type=int, default=200, help="concurrent clients (default 200)")
    parser.add_argument("--duration", type=float, default=60, help="seconds of load per target (default 60)")
    parser.add_argument("--workers", type=int, default=1, help="server processes (default 1)")
    parser.add_argument("--mix", type=_mix, default=_mix("reads=60,writes=30,streams=10"))
    parser.add_argument(
        "--ttft-ms", type=float, default=DEFAULT_TTFT_MS, help="the server's time to first token"
    )
    parser.add_argument("--tokens-per-s", type=float, default=DEFAULT_TOKENS_PER_S, help="the stream pace")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= 2000 or not 1 <= args.duration <= 600 or not 1 <= args.workers <= 16:
        parser.error("--clients 1..2000, --duration 1..600 and --workers 1..16 keep a run bounded")
    one, five, _ = os.getloadavg()
    print(f"load average before: {one:.2f} (1 min), {five:.2f} (5 min); {os.cpu_count()} CPUs")
    rows = [
        measure(target, args) for target in (("serve", "mock") if args.target == "both" else (args.target,))
    ]
    for row in rows:
        print(
            f"\n{row['target']} ({row['workers']} worker(s), {row['clients']} clients, {row['seconds']} s):"
        )
        report(row)
    one, five, _ = os.getloadavg()
    print(f"\nload average after: {one:.2f} (1 min), {five:.2f} (5 min)")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    bad = [r for r in rows if r["server_errors"] or r["database_locked"]]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
