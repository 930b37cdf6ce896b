"""Our mock against Prism on the same spec and the same requests.

    .venv/bin/python benchmarks/mock_vs_prism.py                     # every spec/*.yaml, ~4 minutes
    .venv/bin/python benchmarks/mock_vs_prism.py --spec spec/yike.yaml --duration 5 --rounds 3

Each server runs pinned to CPU 0 (`taskset -c 0`), the load generator to CPU 1: wrk when it is on
PATH, else autocannon from node_modules. Both servers validate requests (Prism does by default,
ours always). Runs alternate between the servers so that drift of the machine (thermal, other
load) hits both alike; the report gives the median of the rounds, and also the ratio of requests
per CPU-second of each server (read from /proc), which other work on a shared machine barely
moves. Only 127.0.0.1 is used.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import yaml

ROOT = Path(__file__).resolve().parent.parent
PRISM = ROOT / "node_modules" / ".bin" / "prism"
AUTOCANNON = ROOT / "node_modules" / ".bin" / "autocannon"
SERVER_CPU, LOAD_CPU = "0", "1"
SETTLE_SECONDS, WARMUP_SECONDS = 3, 1


@dataclass(frozen=True)
class Scenario:
    name: str
    method: str
    path: str  # with the query string
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Result:
    requests_per_second: float
    p99_ms: float
    errors: int
    requests: int
    server_cpu_seconds: float = 0.0

    @property
    def requests_per_cpu_second(self) -> float:
        """Requests per second of the server's own CPU time: what the server costs, whatever
        else the machine is doing (wall-clock req/s drop when other work shares the CPU)."""
        return self.requests / self.server_cpu_seconds if self.server_cpu_seconds else 0.0


# --- the requests: picked from the spec's own examples -------------------------------------------


def deref(doc: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = doc
        for token in node["$ref"].removeprefix("#/").split("/"):
            target = target[token]
        node = target
    return node


def first_example(doc: dict[str, Any], media: dict[str, Any]) -> Any:
    if "example" in media:
        return media["example"]
    for example in (media.get("examples") or {}).values():
        return deref(doc, example).get("value")
    return None


def answers_json(doc: dict[str, Any], operation: dict[str, Any]) -> bool:
    codes = sorted(c for c in map(str, operation.get("responses", {})) if c.startswith("2"))
    if not codes:
        return False
    content = deref(doc, operation["responses"][codes[0]]).get("content") or {}
    media = content.get("application/json")
    return list(content) == ["application/json"] and first_example(doc, media) is not None


def scenario_for(doc: dict[str, Any], name: str, path: str, method: str) -> Scenario | None:
    item = doc["paths"][path]
    operation = item[method]
    query, headers = [], {}
    for param in (deref(doc, p) for p in [*item.get("parameters", []), *operation.get("parameters", [])]):
        if "example" not in param:
            if param.get("required"):
                return None  # no documented value to send
            continue
        if param["in"] == "path":
            path = path.replace("{" + param["name"] + "}", str(param["example"]))
        elif param["in"] == "query":
            query.append(
                (
                    param["name"],
                    str(param["example"]).lower()
                    if isinstance(param["example"], bool)
                    else str(param["example"]),
                )
            )
    if operation.get("security", doc.get("security")):
        headers["authorization"] = "Bearer mock-token"  # accepted by the mock (and by Prism, as any)
    body = b""
    request_body = deref(doc, operation.get("requestBody"))
    if request_body:
        media = request_body.get("content", {}).get("application/json")
        value = first_example(doc, media) if media else None
        if value is None:
            return None
        body = json.dumps(value).encode()
        headers["content-type"] = "application/json"
    url = path + (f"?{urlencode(query)}" if query else "")
    return Scenario(name, method.upper(), url, headers, body)


def pick_scenarios(spec: Path) -> list[Scenario]:
    """A GET validated through its query string and a POST validated through its JSON body."""
    doc = yaml.safe_load(spec.read_text(encoding="utf-8"))
    found: dict[str, Scenario] = {}
    for path, item in doc["paths"].items():
        for method in ("get", "post"):
            operation = item.get(method)
            if not isinstance(operation, dict) or "{" in path or not answers_json(doc, operation):
                continue
            has_query = any(deref(doc, p).get("in") == "query" for p in operation.get("parameters", []))
            name = (
                "GET + query"
                if method == "get" and has_query
                else "POST + JSON body"
                if method == "post"
                else None
            )
            if (
                name
                and name not in found
                and operation.get("requestBody" if method == "post" else "parameters")
            ):
                scenario = scenario_for(doc, name, path, method)
                if scenario is not None:
                    found[name] = scenario
    return list(found.values())


# --- servers --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def server(command: list[str], port: int, name: str) -> Iterator[int]:
    process = subprocess.Popen(
        ["taskset", "-c", SERVER_CPU, *command], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 60  # Prism takes a while on a large spec
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                error = process.stderr.read().decode(errors="replace") if process.stderr else ""
                raise SystemExit(f"{name} did not start: {error[-2000:]}")
            time.sleep(0.1)
        yield process.pid  # taskset execs the server: same pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()


def fetch(port: int, scenario: Scenario) -> tuple[int, bytes]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{scenario.path}",
        data=scenario.body or None,
        headers=scenario.headers,
        method=scenario.method,
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


# --- load -----------------------------------------------------------------------------------------


def load(port: int, scenario: Scenario, duration: int, connections: int) -> Result:
    url = f"http://127.0.0.1:{port}{scenario.path}"
    if shutil.which("wrk"):
        return _wrk(url, scenario, duration, connections)
    return _autocannon(url, scenario, duration, connections)


def _autocannon(url: str, scenario: Scenario, duration: int, connections: int) -> Result:
    command = [
        "taskset",
        "-c",
        LOAD_CPU,
        str(AUTOCANNON),
        "-j",
        "-n",
        "-c",
        str(connections),
        "-d",
        str(duration),
    ]
    command += ["-m", scenario.method]
    for key, value in scenario.headers.items():
        command += ["-H", f"{key}={value}"]
    if scenario.body:
        command += ["-b", scenario.body.decode()]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    report = json.loads(output)
    errors = int(report["errors"]) + int(report["timeouts"]) + int(report["non2xx"])
    return Result(
        float(report["requests"]["average"]),
        float(report["latency"]["p99"]),
        errors,
        int(report["requests"]["total"]),
    )


_WRK_SCRIPT = """
wrk.method = os.getenv("BENCH_METHOD")
wrk.body = os.getenv("BENCH_BODY") ~= "" and os.getenv("BENCH_BODY") or nil
done = function(summary, latency, requests)
  io.write(string.format("RESULT %f %f %d %d\\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(99) / 1000, summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout, summary.requests))
end
"""


def _wrk(url: str, scenario: Scenario, duration: int, connections: int) -> Result:
    script = ROOT / "benchmarks" / ".wrk-bench.lua"
    script.write_text(_WRK_SCRIPT, encoding="utf-8")
    command = [
        "taskset",
        "-c",
        LOAD_CPU,
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{duration}s",
        "-s",
        str(script),
    ]
    for key, value in scenario.headers.items():
        command += ["-H", f"{key}: {value}"]
    env = {**os.environ, "BENCH_METHOD": scenario.method, "BENCH_BODY": scenario.body.decode()}
    try:
        output = subprocess.run([*command, url], capture_output=True, text=True, check=True, env=env).stdout
    finally:
        script.unlink(missing_ok=True)
    found = re.search(r"RESULT ([\d.]+) ([\d.]+) (\d+) (\d+)", output)
    if not found:
        raise SystemExit(f"wrk printed no result:\n{output}")
    return Result(float(found[1]), float(found[2]), int(found[3]), int(found[4]))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- the comparison -------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--spec", type=Path, action="append", help="spec to serve (repeatable; default spec/*.yaml)"
    )
    parser.add_argument("--duration", type=int, default=5, help="seconds per run (default 5)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating runs per server (default 3)")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    args = parser.parse_args(argv)
    if not 1 <= args.duration <= 60 or not 1 <= args.rounds <= 10:
        parser.error("--duration 1..60 and --rounds 1..10 keep a run bounded")
    if os.cpu_count() is None or os.cpu_count() < 2:
        print("warning: fewer than 2 CPUs, server and load generator share one", file=sys.stderr)
    specs = args.spec or sorted((ROOT / "spec").glob("*.yaml"))
    tool = "wrk" if shutil.which("wrk") else "autocannon"
    print(
        f"load: {tool} on CPU {LOAD_CPU}, servers on CPU {SERVER_CPU}; {args.connections} connections, "
        f"{args.rounds} alternating rounds x {args.duration}s per server and scenario"
    )
    _report_load("before")
    rows = []
    for spec in specs:
        rows += compare(spec, args)
    _report_load("after")
    print("\n| spec | request | mock req/s | Prism req/s | ratio | mock p99 | Prism p99 | ratio per CPU-s |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['spec']} | `{row['request']}` | {row['mock_rps']:,.0f} | {row['prism_rps']:,.0f} "
            f"| {row['ratio']:.1f}x | {row['mock_p99_ms']:.0f} ms | {row['prism_p99_ms']:.0f} ms "
            f"| {row['cpu_ratio']:.1f}x |"
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    return 0


def compare(original: Path, args: argparse.Namespace) -> list[dict[str, Any]]:
    # Both servers read one snapshot: `mdcontract import` may rewrite spec/ during a long run.
    folder = Path(tempfile.mkdtemp(prefix="mock-vs-prism-"))
    spec = folder / original.name
    shutil.copyfile(original, spec)
    try:
        return _compare(spec, args)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _compare(spec: Path, args: argparse.Namespace) -> list[dict[str, Any]]:
    scenarios = pick_scenarios(spec)
    if not scenarios:
        print(f"\n{spec.name}: no operation with documented requests and JSON examples to drive; skipped")
        return []
    mock_port, prism_port = free_port(), free_port()
    mock = [sys.executable, "-m", "mocks.cli", str(spec), "--port", str(mock_port), "--quiet"]
    prism = [str(PRISM), "mock", "-h", "127.0.0.1", "-p", str(prism_port), "-v", "error", str(spec)]
    rows = []
    with server(mock, mock_port, "the mock") as mock_pid, server(prism, prism_port, "Prism") as prism_pid:
        ports = {"mock": mock_port, "prism": prism_port}
        pids = {"mock": mock_pid, "prism": prism_pid}
        time.sleep(SETTLE_SECONDS)  # both share CPU 0: let the one that just started finish its start-up
        for scenario in scenarios:
            answers = {name: fetch(port, scenario) for name, port in ports.items()}
            same = answers["mock"][0] == answers["prism"][0] and _json(answers["mock"][1]) == _json(
                answers["prism"][1]
            )
            print(
                f"\n{spec.name} {scenario.name}: {scenario.method} {scenario.path}  "
                f"(status mock {answers['mock'][0]}, Prism {answers['prism'][0]}; same body: {same})"
            )
            results: dict[str, list[Result]] = {"mock": [], "prism": []}
            for round_index in range(args.rounds):
                order = ["mock", "prism"] if round_index % 2 == 0 else ["prism", "mock"]
                for name in order:
                    load(ports[name], scenario, WARMUP_SECONDS, args.connections)  # JIT, caches, pools
                    before = cpu_seconds(pids[name])
                    result = load(ports[name], scenario, args.duration, args.connections)
                    result = dataclasses.replace(result, server_cpu_seconds=cpu_seconds(pids[name]) - before)
                    results[name].append(result)
                    print(
                        f"  round {round_index + 1} {name:<5} {result.requests_per_second:>9.0f} req/s  "
                        f"p99 {result.p99_ms:>6.1f} ms  {result.requests_per_cpu_second:>9.0f} req/CPU-s  "
                        f"errors {result.errors}"
                    )
            rows.append({"spec": spec.name, **_summary(scenario, results, same)})
    return rows


def _report_load(when: str) -> None:
    # Pinning keeps the two sides apart, not other work off the CPUs: say how busy the machine was.
    one, five, _ = os.getloadavg()
    note = "  (busy: numbers are noisy, run again on a quiet machine)" if one > 0.5 else ""
    print(f"load average {when}: {one:.2f} (1 min), {five:.2f} (5 min){note}")


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return body


def _cpu_ratio(results: dict[str, list[Result]]) -> float:
    mock = statistics.median(r.requests_per_cpu_second for r in results["mock"])
    prism = statistics.median(r.requests_per_cpu_second for r in results["prism"])
    return mock / prism if prism else float("inf")


def _summary(scenario: Scenario, results: dict[str, list[Result]], same: bool) -> dict[str, Any]:
    mock_rps = statistics.median(r.requests_per_second for r in results["mock"])
    prism_rps = statistics.median(r.requests_per_second for r in results["prism"])
    return {
        "scenario": scenario.name,
        "request": f"{scenario.method} {scenario.path}",
        "same_answer": same,
        "mock_rps": mock_rps,
        "prism_rps": prism_rps,
        "ratio": mock_rps / prism_rps if prism_rps else float("inf"),
        "mock_p99_ms": statistics.median(r.p99_ms for r in results["mock"]),
        "prism_p99_ms": statistics.median(r.p99_ms for r in results["prism"]),
        "cpu_ratio": _cpu_ratio(results),
        "errors": {name: sum(r.errors for r in runs) for name, runs in results.items()},
    }


if __name__ == "__main__":
    sys.exit(main())
