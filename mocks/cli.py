"""``mdcontract mock``: serve the documented samples of one spec, or of every spec/*.yaml."""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any

from mocks.app import MockApp, build_app
from mocks.memory import freeze_startup_objects
from mocks.spec import SpecError

EXAMPLES = """examples:
  mdcontract mock                          # every spec/*.yaml, each under /<api>, index at /
  mdcontract mock spec/yike.yaml           # one spec at the root
  mdcontract mock --chunk-delay-ms 50      # pace streams like a model would
  mdcontract mock --workers 4 --quiet      # four processes on one port
  curl -H 'Prefer: code=401' http://127.0.0.1:8000/character/user/getUserInfo
"""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="mdcontract mock",
        description="Serve the documented examples of OpenAPI specs (streams replayed, requests validated).",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "specs", nargs="*", type=Path, help="spec files (default: spec/*.yaml, each under /<stem>)"
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    p.add_argument("--seed", type=int, default=0, help="seed of Prefer: dynamic=true data and --fail-rate")
    p.add_argument("--chunk-delay-ms", type=_non_negative, default=0.0, help="pause between stream items")
    p.add_argument("--delay-ms", type=_non_negative, default=0.0, help="pause before every answer")
    p.add_argument("--fail-rate", type=_rate, default=0.0, help="share of requests answered 500 (0..1)")
    p.add_argument("--no-cors", dest="cors", action="store_false", help="no CORS headers, no preflight")
    p.add_argument(
        "--any-token",
        action="store_true",
        help="accept any credential, not only mock-token and the tokens the spec documents "
        "(one containing 'invalid' is still refused)",
    )
    p.add_argument("--watch", action="store_true", help="reload when a spec file changes")
    p.add_argument("--quiet", action="store_true", help="no access log")
    p.add_argument(
        "--workers",
        type=_workers,
        default=1,
        metavar="N",
        help="N processes answering on the same port (default: 1)",
    )
    return p


def _non_negative(text: str) -> float:
    value = float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"expected milliseconds >= 0, got {text}")
    return value


def _rate(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"expected a share between 0 and 1, got {text}")
    return value


def _workers(text: str, command: str = "mock") -> int:
    """``--workers N`` of `mdcontract mock` and `mdcontract serve` (``command``): 1 to 64 processes.
    Not a number: `serve` says what it expected; `mock` lets argparse say "invalid _workers value"."""
    try:
        value = int(text)
    except ValueError:
        if command == "mock":
            raise
        raise argparse.ArgumentTypeError(f"expected a number of processes, got {text}") from None
    if not 1 <= value <= 64:
        raise argparse.ArgumentTypeError(f"expected 1 to 64 worker processes, got {text}")
    return value


def main(argv: list[str]) -> int:
    try:
        args = parser().parse_args(argv[1:])
    except SystemExit as exc:  # argparse exits 2 on bad usage, 0 on --help
        return int(exc.code or 0)
    specs, mounted = find_specs(args.specs)
    if specs is None:
        return 2 if args.specs else 1
    try:
        app = _build(args, specs, mounted)
    except SpecError as exc:
        print("mdcontract mock: refusing to start, the specs do not hold together:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        print(
            "Fix the example (or the schema) in the spec or its overlay, then start again.", file=sys.stderr
        )
        return 1
    _banner(specs, mounted, args.host, args.port)
    _tokens_banner(app)
    if args.workers > 1:
        # Each worker builds its own app (the checks above ran here, once); this process only
        # supervises them.
        del app
        return _serve_workers("mocks.cli:worker_app", argv[1:], args.host, args.port, args, quiet=args.quiet)
    return _serve(app, args.host, args.port, quiet=args.quiet, watch=args.watch)


def worker_app() -> object:
    """The app of one `--workers` process (uvicorn calls this factory in each of them)."""
    args = parser().parse_args(worker_argv())
    specs, mounted = find_specs(args.specs)
    assert specs is not None, "the supervisor checked the specs before starting workers"
    die_with_parent()
    return _build(args, specs, mounted)


def _build(args: argparse.Namespace, specs: list[Path], mounted: bool) -> object:
    """The mock's app for a parsed command line; raises SpecError."""
    options = {
        "seed": args.seed,
        "chunk_delay_ms": args.chunk_delay_ms,
        "delay_ms": args.delay_ms,
        "fail_rate": args.fail_rate,
        "cors": args.cors,
        "any_token": args.any_token,
    }

    def build() -> MockApp:
        current = sorted(Path("spec").glob("*.yaml")) if mounted and not args.specs else specs
        return build_app(current if mounted else current[0], **options)

    app: object
    if args.watch:
        from mocks.watch import ReloadingApp

        app = ReloadingApp(build, sorted({p.resolve().parent for p in specs}))
    else:
        app = build()
    freeze_startup_objects()
    return app


def find_specs(given: list[Path], command: str = "mock") -> tuple[list[Path] | None, bool]:
    """The specs named on the command line, or every spec/*.yaml; and whether they are mounted each
    under /<stem> (several) rather than at the root (one named). None (with the reason printed) when
    there is nothing to serve."""
    if given:
        missing = [str(p) for p in given if not p.is_file()]
        if missing:
            print(f"mdcontract {command}: no such spec file: {', '.join(missing)}", file=sys.stderr)
            return None, False
        return given, len(given) > 1
    found = sorted(Path("spec").glob("*.yaml"))
    if not found:
        print(
            f"mdcontract {command}: no spec/*.yaml here; run `mdcontract import spec/sources/*.md` first, "
            f"or name a spec: `mdcontract {command} path/to/api.yaml`",
            file=sys.stderr,
        )
        return None, True
    return found, True


def _banner(specs: list[Path], mounted: bool, host: str, port: int) -> None:
    base = f"http://{host}:{port}"
    if mounted:
        print(f"mdcontract mock: index at {base}/", file=sys.stderr)
        for spec in specs:
            print(f"  {base}/{spec.stem}  <- {spec}", file=sys.stderr)
    else:
        print(f"mdcontract mock: {specs[0]} at {base}/", file=sys.stderr)


def _tokens_banner(app: object) -> None:
    """Which tokens the secured operations accept: a frontend needs one before its first request."""
    served = getattr(app, "app", app)  # --watch wraps the app it serves (imported only then)
    assert isinstance(served, MockApp)
    apis = [served.root] if served.root is not None else list(served.apis.values())
    tokens = sorted(
        {t for api in apis if any(op.security for op in api.operations) for t in (api.tokens or ())}
    )
    if any(api.tokens is None for api in apis):
        print(
            "  secured operations accept any token (--any-token), except one containing 'invalid'",
            file=sys.stderr,
        )
    elif tokens:
        print(
            f"  secured operations accept the tokens: {', '.join(tokens)} (--any-token: any)", file=sys.stderr
        )


def _serve(app: object, host: str, port: int, *, quiet: bool, watch: bool) -> int:
    import uvicorn

    config = uvicorn.Config(app, host=host, port=port, **_uvicorn_options(quiet, watch))  # type: ignore[arg-type]
    server = uvicorn.Server(config)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how a user stops the mock
        server.run()
    return 0 if server.started else 1


def _uvicorn_options(quiet: bool, watch: bool) -> dict[str, Any]:
    # uvloop and httptools when installed (uvicorn[standard]): the mock's speed depends on them.
    return {
        "loop": "uvloop" if importlib.util.find_spec("uvloop") else "asyncio",
        "http": "httptools" if importlib.util.find_spec("httptools") else "h11",
        "lifespan": "on" if watch else "auto",
        "access_log": not quiet,
        "log_level": "warning" if quiet else "info",
    }


# --- several processes on one port -------------------------------------------------------------

WORKER_ARGV = "MDCONTRACT_WORKER_ARGV"


def _serve_workers(factory: str, argv: list[str], host: str, port: int, args: Any, *, quiet: bool) -> int:
    """Serve with uvicorn's workers: this process binds the port and supervises N processes (a dead
    one is replaced); each builds the app by calling ``factory`` (an import string) with the command
    line, which reaches it through the environment (uvicorn starts them fresh, not forked)."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    os.environ[WORKER_ARGV] = json.dumps(argv)
    config = uvicorn.Config(
        factory,
        factory=True,
        host=host,
        port=port,
        workers=args.workers,
        **_uvicorn_options(quiet, getattr(args, "watch", False)),
    )
    print(f"  {args.workers} worker processes on port {port}", file=sys.stderr)
    try:
        sock = config.bind_socket()
    except SystemExit:  # uvicorn says why (the port is taken ...) before exiting
        return 1
    with contextlib.suppress(KeyboardInterrupt):
        Multiprocess(config, sockets=[sock]).run()
    return 0


def worker_argv() -> list[str]:
    text = os.environ.get(WORKER_ARGV)
    if text is None:
        raise RuntimeError(f"{WORKER_ARGV} is not set: worker apps are started by `--workers N`")
    return list(json.loads(text))


def die_with_parent() -> None:
    """A worker outlives a supervisor that was killed (SIGKILL, the OOM killer) and keeps the port
    busy, answering from a server nobody can stop; on Linux the kernel ends it with the parent."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    pr_set_pdeathsig = 1
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    if os.getppid() == 1:  # the parent died before prctl took effect
        os.kill(os.getpid(), signal.SIGTERM)


if __name__ == "__main__":
    sys.exit(main(["mock", *sys.argv[1:]]))
