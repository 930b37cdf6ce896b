"""The reference server against stock Connexion, measured in one run (`mdcontract bench serve`).

    python -m benchmarks.serve_vs_connexion                 # all three parts, ~2 minutes
    python -m benchmarks.serve_vs_connexion --parts read,startup --rounds 5

- **read**: requests/s and p99 of session-store's `POST /query_user_info` (a real SQLite read of the
  demo user in ours; the documented example from stock Connexion's MockResolver), each server alone
  on CPU 0, the load generator on CPU 1, alternating rounds, medians.
- **startup**: from spawning the process to the first 200 of an operation, serving all four specs;
  ours with its spec cache warm (as at every start after the first) and cold (`MDCONTRACT_CACHE=off`).
- **streams**: time to the first NDJSON chunk of 200 concurrent generated streams (character's genChat,
  each in a chat session of its own), with the server's default pacing; the excess over
  the configured time to first token, and the longest pause between two chunks of a stream, show
  whether the event loop ever stalls.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.mock_vs_prism import (
    SERVER_CPU,
    SETTLE_SECONDS,
    WARMUP_SECONDS,
    Result,
    Scenario,
    _report_load,
    cpu_seconds,
    fetch,
    free_port,
    load,
    server,
)

ROOT = Path(__file__).resolve().parent.parent
SPECS = ("aichat", "character", "session-store", "yike")
READ = Scenario(
    "read",
    "POST",
    "/query_user_info",
    {"content-type": "application/json"},
    b'{"request_id": "bench", "user_id": "demo"}',
)


def ours(specs: list[Path], port: int, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "generators.cli",
        "serve",
        *map(str, specs),
        "--port",
        str(port),
        "--quiet",
        *extra,
    ]


def stock(specs: list[Path], port: int) -> list[str]:
    return [sys.executable, "-m", "benchmarks.stock_connexion", *map(str, specs), "--port", str(port)]


# --- read ---------------------------------------------------------------------------------------


def read_part(args: argparse.Namespace) -> dict[str, Any]:
    spec = ROOT / "spec" / "session-store.yaml"
    ports = {"ours": free_port(), "connexion": free_port()}
    commands = {
        "ours": ours([spec], ports["ours"], "--memory", "--seed", "demo"),
        "connexion": stock([spec], ports["connexion"]),
    }
    results: dict[str, list[Result]] = {"ours": [], "connexion": []}
    with (
        server(commands["ours"], ports["ours"], "mdcontract serve") as our_pid,
        server(commands["connexion"], ports["connexion"], "stock Connexion") as stock_pid,
    ):
        pids = {"ours": our_pid, "connexion": stock_pid}
        time.sleep(SETTLE_SECONDS)
        for name, port in ports.items():
            status, body = fetch(port, READ)
            print(f"  {name}: {READ.method} {READ.path} -> {status} {body[:120].decode(errors='replace')}")
            if status != 200:
                raise SystemExit(f"{name} does not answer the read with 200")
        for round_index in range(args.rounds):
            order = ["ours", "connexion"] if round_index % 2 == 0 else ["connexion", "ours"]
            for name in order:
                load(ports[name], READ, WARMUP_SECONDS, args.connections)
                before = cpu_seconds(pids[name])
                result = load(ports[name], READ, args.duration, args.connections)
                result = dataclasses.replace(result, server_cpu_seconds=cpu_seconds(pids[name]) - before)
                results[name].append(result)
                print(
                    f"  round {round_index + 1} {name:<9} {result.requests_per_second:>8.0f} req/s  "
                    f"p99 {result.p99_ms:>6.1f} ms  {result.requests_per_cpu_second:>8.0f} req/CPU-s  "
                    f"errors {result.errors}"
                )

    def median(name: str, field: str) -> float:
        return statistics.median(getattr(r, field) for r in results[name])

    row = {
        "ours_rps": median("ours", "requests_per_second"),
        "connexion_rps": median("connexion", "requests_per_second"),
        "ours_p99_ms": median("ours", "p99_ms"),
        "connexion_p99_ms": median("connexion", "p99_ms"),
        "ours_rps_per_cpu": median("ours", "requests_per_cpu_second"),
        "connexion_rps_per_cpu": median("connexion", "requests_per_cpu_second"),
        "errors": {name: sum(r.errors for r in runs) for name, runs in results.items()},
    }
    row["ratio"] = row["ours_rps"] / row["connexion_rps"]
    row["cpu_ratio"] = row["ours_rps_per_cpu"] / row["connexion_rps_per_cpu"]
    return row


# --- startup --------------------------------------------------------------------------------------


def startup_seconds(
    command: list[str], port: int, probe: Scenario, env: dict[str, str] | None = None
) -> float:
    """Seconds from spawning ``command`` to the first 200 answer to ``probe``."""
    started = time.perf_counter()
    process = subprocess.Popen(
        ["taskset", "-c", SERVER_CPU, *command],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )
    try:
        deadline = started + 60
        while time.perf_counter() < deadline:
            try:
                if fetch(port, probe)[0] == 200:
                    return time.perf_counter() - started
            except OSError:
                pass
            if process.poll() is not None:
                raise SystemExit(f"{command[2:4]} exited while starting")
            time.sleep(0.005)
        raise SystemExit("no 200 within 60 s")
    finally:
        process.terminate()
        process.wait(timeout=10)


def startup_part(args: argparse.Namespace) -> dict[str, Any]:
    specs = [ROOT / "spec" / f"{name}.yaml" for name in SPECS]
    probe = dataclasses.replace(READ, path="/session-store/query_user_info")
    runs: dict[str, list[float]] = {"ours": [], "ours_cold": [], "connexion": []}
    cold = {"MDCONTRACT_CACHE": "off"}
    # One start first: it writes the spec cache every later start reads.
    port = free_port()
    startup_seconds(ours(specs, port, "--memory", "--seed", "demo"), port, probe)
    for _ in range(args.rounds):
        for name in ("ours", "ours_cold", "connexion"):
            port = free_port()
            if name == "connexion":
                command = stock(specs, port)
            else:
                command = ours(specs, port, "--memory", "--seed", "demo")
            seconds = startup_seconds(command, port, probe, cold if name == "ours_cold" else None)
            runs[name].append(seconds)
            print(f"  {name:<10} {seconds:.2f} s")
    return {name: statistics.median(values) for name, values in runs.items()}


# --- streams --------------------------------------------------------------------------------------


@dataclasses.dataclass
class StreamRun:
    first_chunk: list[float]
    longest_gap: list[float]
    chunks: int
    failed: int
    first_failure: str = ""


async def _streams(port: int, count: int) -> StreamRun:
    import aiohttp

    base = f"http://127.0.0.1:{port}"
    run = StreamRun([], [], 0, 0)
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=count), timeout=aiohttp.ClientTimeout(total=120)
    ) as session:
        requests = await _stream_requests(session, base, count)

        async def one(method: str, url: str, headers: dict[str, str], body: Any) -> None:
            started = time.perf_counter()
            last = None
            gaps = [0.0]
            try:
                async with session.request(method, url, headers=headers, json=body) as response:
                    if response.status != 200:
                        run.failed += 1
                        run.first_failure = run.first_failure or f"{response.status} {await response.text()}"
                        return
                    async for _chunk in response.content.iter_any():
                        now = time.perf_counter()
                        if last is None:
                            run.first_chunk.append(now - started)
                        else:
                            gaps.append(now - last)
                        last = now
                        run.chunks += 1
            except (TimeoutError, aiohttp.ClientError) as exc:
                run.failed += 1
                run.first_failure = run.first_failure or repr(exc)
                return
            run.longest_gap.append(max(gaps))

        await asyncio.gather(*(one(*request) for request in requests))
    return run


async def _stream_requests(session: Any, base: str, count: int) -> list[tuple[str, str, dict[str, str], Any]]:
    """``count`` NDJSON streams (character's genChat), each in a chat session of its own made here
    through the API, so that no two streams write to one session."""
    token = {"authorization": "Bearer demo-character-alice"}
    made = []
    for index in range(count):
        body = {"user_id": 1, "character_id": 1 + index % 6}
        async with session.post(f"{base}/character/character/createChat", headers=token, json=body) as r:
            chat = (await r.json())["result"]["session_id"]
        message = {"user_id": 1, "session_id": chat, "content": f"Tell me a story about the harbor, {index}"}
        made.append(("POST", f"{base}/character/character/genChat", token, message))
    return made


def streams_part(args: argparse.Namespace) -> dict[str, Any]:
    specs = [ROOT / "spec" / f"{name}.yaml" for name in SPECS]
    port = free_port()
    ttft_ms = 350.0
    command = ours(
        specs, port, "--memory", "--seed", "demo", "--ttft-ms", str(ttft_ms), "--tokens-per-s", "30"
    )
    with server(command, port, "mdcontract serve"):
        time.sleep(SETTLE_SECONDS)
        run = asyncio.run(_streams(port, args.streams))
    first = sorted(run.first_chunk)
    if not first:
        raise SystemExit(f"no stream answered ({run.failed} failed; first: {run.first_failure[:300]})")
    return {
        "streams": args.streams,
        "failed": run.failed,
        "first_failure": run.first_failure,
        "ttft_configured_ms": ttft_ms,
        "ttft_median_ms": statistics.median(first) * 1000,
        "ttft_p99_ms": first[min(len(first) - 1, int(len(first) * 0.99))] * 1000,
        "longest_gap_ms": max(run.longest_gap) * 1000 if run.longest_gap else None,
        "chunks": run.chunks,
    }


# --- the run --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--parts", default="read,startup,streams", help="comma-separated: read, startup, streams"
    )
    parser.add_argument("--duration", type=int, default=5, help="seconds per read run (default 5)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--streams", type=int, default=200, help="concurrent streams (default 200)")
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    args = parser.parse_args(argv)
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    _report_load("before")
    report: dict[str, Any] = {}
    if "read" in parts:
        print("\nread: session-store POST /query_user_info")
        report["read"] = read = read_part(args)
        print(
            f"  => ours {read['ours_rps']:,.0f} req/s (p99 {read['ours_p99_ms']:.1f} ms), stock Connexion "
            f"{read['connexion_rps']:,.0f} req/s (p99 {read['connexion_p99_ms']:.1f} ms): {read['ratio']:.1f}x, "
            f"{read['cpu_ratio']:.1f}x per CPU-second"
        )
    if "startup" in parts:
        print("\nstartup: all four specs, spawn to the first 200")
        report["startup"] = start = startup_part(args)
        print(
            f"  => ours {start['ours']:.2f} s (cold cache {start['ours_cold']:.2f} s), "
            f"stock Connexion {start['connexion']:.2f} s"
        )
    if "streams" in parts:
        print(f"\nstreams: {args.streams} concurrent generated streams")
        report["streams"] = streams = streams_part(args)
        print(
            f"  => first chunk median {streams['ttft_median_ms']:.0f} ms, p99 {streams['ttft_p99_ms']:.0f} ms "
            f"(configured {streams['ttft_configured_ms']:.0f} ms); longest pause inside a stream "
            f"{streams['longest_gap_ms']:.0f} ms; failed {streams['failed']}"
        )
    _report_load("after")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
