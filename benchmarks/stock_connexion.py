"""Stock Connexion serving our specs, the peer of `mdcontract bench serve`.

Connexion as its documentation sets it up, nothing tuned: ``AsyncApp``, ``add_api`` per spec (each under
``/<stem>`` when several are given, at the root for one), ``MockResolver(mock_all=True)`` answering
the documented examples, the default validators and middleware stack. Served by uvicorn with the same
loop, HTTP parser and quiet logging as ours, so the comparison is about the application.

    python -m benchmarks.stock_connexion spec/session-store.yaml --port 8001
"""

from __future__ import annotations

import argparse
import importlib.util
import warnings
from pathlib import Path


def build(specs: list[Path]) -> object:
    warnings.filterwarnings("ignore", message=r"Using `httpx` with `starlette\.testclient`")
    import connexion
    from connexion.mock import MockResolver

    app = connexion.AsyncApp(__name__)
    for spec in specs:
        base_path = "" if len(specs) == 1 else f"/{spec.stem}"
        app.add_api(spec.resolve(), base_path=base_path, resolver=MockResolver(mock_all=True))
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("specs", nargs="+", type=Path)
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args(argv)
    import uvicorn

    uvicorn.run(
        build(args.specs),  # type: ignore[arg-type]
        host="127.0.0.1",
        port=args.port,
        loop="uvloop" if importlib.util.find_spec("uvloop") else "asyncio",
        http="httptools" if importlib.util.find_spec("httptools") else "h11",
        access_log=False,
        log_level="warning",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
