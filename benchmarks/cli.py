"""`mdcontract bench <name>`: run one of the benchmarks in benchmarks/."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = {
    "import": ("benchmarks.import_speed", "importing the character doc vs markdown-it parsing it"),
    "mock": ("benchmarks.mock_vs_prism", "the mock vs Prism: requests/s and p99 (needs npm ci)"),
    "serve": (
        "benchmarks.serve_vs_connexion",
        "the reference server vs stock Connexion: reads, startup, streams",
    ),
    "load": (
        "benchmarks.load",
        "200 clients mixing reads, writes and streams for 60 s: serve, then mock",
    ),
}


def main(argv: list[str]) -> int:
    rest = argv[1:]
    if not rest or rest[0] not in BENCHMARKS:
        print("usage: mdcontract bench {" + ",".join(BENCHMARKS) + "} [options]", file=sys.stderr)
        for name, (_, text) in BENCHMARKS.items():
            print(f"  {name:<7} {text}", file=sys.stderr)
        return 2
    module = importlib.import_module(BENCHMARKS[rest[0]][0])
    return int(module.main(rest[1:]) or 0)
