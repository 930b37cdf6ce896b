"""``mdcontract serve`` (the reference server) and ``mdcontract token`` (tokens issued out of band)."""

from __future__ import annotations

import argparse
import functools
import logging
import sys
from pathlib import Path
from typing import Any

from mocks.cli import _workers, find_specs
from mocks.spec import SpecError

EXAMPLES = """examples:
  mdcontract serve --seed demo             # every spec/*.yaml under /<api>, data in ./data, demo users
  mdcontract serve --memory --seed demo    # nothing on disk: a fresh server each start
  mdcontract serve spec/yike.yaml          # one API at the root
  mdcontract serve --ttft-ms 0 --tokens-per-s 0   # streams as fast as they are generated
  mdcontract serve --check                 # which operations have a handler; exit 1 if any has none
  mdcontract serve --data /srv/mdc --workers 4   # four processes on one port, sharing the SQLite files
"""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="mdcontract serve",
        description="The reference implementation of the specs: state in SQLite, streams generated.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "specs", nargs="*", type=Path, help="spec files (default: spec/*.yaml, each under /<stem>)"
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    p.add_argument("--data", type=Path, default=Path("data"), help="folder of the SQLite files and uploads")
    p.add_argument("--memory", action="store_true", help="keep everything in memory: nothing on disk")
    p.add_argument("--seed", choices=["demo"], help="write the demo dataset (users, tokens, content)")
    p.add_argument("--ttft-ms", type=_non_negative, default=None, help="time to a stream's first token")
    p.add_argument("--tokens-per-s", type=_non_negative, default=None, help="stream pace (0: no pause)")
    p.add_argument("--no-cors", dest="cors", action="store_false", help="no CORS headers, no preflight")
    p.add_argument("--quiet", action="store_true", help="no access log")
    p.add_argument("--check", action="store_true", help="list operations without a handler; exit 1 if any")
    p.add_argument(
        "--workers",
        type=functools.partial(_workers, command="serve"),
        default=1,
        metavar="N",
        help="N processes answering on the same port, sharing the SQLite files (default: 1; needs --data)",
    )
    return p


def _non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text}") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text}")
    return value


def main(argv: list[str]) -> int:
    if argv and argv[0] == "token":
        return token_main(argv[1:])
    try:
        args = parser().parse_args(argv[1:])
    except SystemExit as exc:
        return int(exc.code or 0)
    specs, mounted = find_specs(args.specs, "serve")
    if specs is None:
        return 2 if args.specs else 1  # a file named that is not there is a usage error
    if args.check:
        return check(specs)
    if args.memory and args.workers > 1:
        print(
            "mdcontract serve: --memory keeps the data inside each process, so --workers "
            f"{args.workers} would be {args.workers} servers that do not see each other's writes; "
            "use --data FOLDER with --workers (the workers share its SQLite files), or one worker",
            file=sys.stderr,
        )
        return 2
    options = _options(args)
    try:
        # With --workers the schema and the demo data are written here, once, before any worker
        # starts (each worker's own start finds them there and changes nothing).
        app = start(specs if mounted else specs[0], options, quiet=args.quiet)
    except SpecError as exc:
        print("mdcontract serve: refusing to start, the specs do not hold together:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    _banner(app, args.host, args.port, options)
    from mocks.cli import _serve, _serve_workers
    from mocks.memory import freeze_startup_objects

    if args.workers > 1:
        (app.server if hasattr(app, "server") else app).close()
        del app
        return _serve_workers("server.cli:worker_app", argv[1:], args.host, args.port, args, quiet=args.quiet)
    # The specs and Connexion's apps are most of the heap and live as long as the server: out of the
    # collector's sight, a full collection no longer walks them (a pause of ~100 ms under load).
    freeze_startup_objects()
    return _serve(app, args.host, args.port, quiet=args.quiet, watch=False)


def _options(args: argparse.Namespace) -> Any:
    from server.api import DEFAULT_TOKENS_PER_S, DEFAULT_TTFT_MS, ServeOptions

    return ServeOptions(
        data_dir=None if args.memory else args.data,
        seed=args.seed,
        ttft_ms=DEFAULT_TTFT_MS if args.ttft_ms is None else args.ttft_ms,
        tokens_per_s=DEFAULT_TOKENS_PER_S if args.tokens_per_s is None else args.tokens_per_s,
        cors=args.cors,
    )


def worker_app() -> Any:
    """The app of one `--workers` process (uvicorn calls this factory in each of them): the same
    server on the same data folder, without the seeding the supervisor has done."""
    from mocks.cli import die_with_parent, worker_argv
    from server.app import build_app

    args = parser().parse_args(worker_argv())
    specs, mounted = find_specs(args.specs, "serve")
    assert specs is not None, "the supervisor checked the specs before starting workers"
    die_with_parent()
    _logging(args.quiet)
    app = build_app(specs if mounted else specs[0], _options(args))
    from mocks.memory import freeze_startup_objects

    freeze_startup_objects()  # as in a single process (main)
    return app


def _logging(quiet: bool) -> None:
    logging.basicConfig(level=logging.WARNING if quiet else logging.INFO, format="%(message)s")
    # Connexion logs "Adding spec json: /openapi.json" at INFO for every API: noise at every start
    logging.getLogger("connexion").setLevel(logging.WARNING)


def start(specs: Path | list[Path], options: Any, *, quiet: bool = False) -> Any:
    """The app, with the demo data written when asked; prints what a developer needs to know."""
    from server.app import build_app
    from server.seed import seed_demo

    _logging(quiet)
    app = build_app(specs, options)
    if options.seed == "demo":
        for api in app.server.served if hasattr(app, "server") else app.served:
            seed_demo(api, lambda line: print(f"  {line}", file=sys.stderr))
    return app


def check(specs: list[Path]) -> int:
    """`--check`: N/M implemented per API, then every operation without a handler."""
    from mocks.spec import iter_operations, load_spec
    from server.registry import handlers_for

    missing: list[str] = []
    done = total = 0
    for spec in specs:
        try:
            doc = load_spec(spec)
        except SpecError as exc:
            print("\n".join(exc.problems), file=sys.stderr)
            return 2
        handlers = handlers_for(spec.stem)
        operations = [(m, p, op.get("operationId", "")) for p, m, _, op in iter_operations(doc)]
        lacking = [(m, p, i) for m, p, i in operations if i not in handlers.operations]
        print(f"{spec.stem}: {len(operations) - len(lacking)}/{len(operations)} implemented")
        done, total = done + len(operations) - len(lacking), total + len(operations)
        missing += [f"  {spec.stem}: {m} {p} ({i})" for m, p, i in lacking]
    if len(specs) > 1:
        print(f"all: {done}/{total} implemented")
    if missing:
        print(f"\n{len(missing)} operations answer 501 (no handler):")
        print("\n".join(missing))
        return 1
    return 0


def _banner(app: Any, host: str, port: int, options: Any) -> None:
    server = app.server if hasattr(app, "server") else app
    base = f"http://{host}:{port}"
    where = "in memory (nothing is kept)" if options.data_dir is None else f"in {options.data_dir}/"
    print(f"mdcontract serve: data {where}", file=sys.stderr)
    if server.root is not None:
        api = server.root.api
        print(f"  {base}/  <- {api.spec_path}  (Swagger UI {base}/ui/)", file=sys.stderr)
    else:
        print(f"  index at {base}/", file=sys.stderr)
        for name, mounted in server.apis.items():
            total = len(mounted.api.operations)
            done = total - len(mounted.api.missing)
            print(
                f"  {base}/{name}  <- {mounted.api.spec_path}  ({done}/{total} implemented)", file=sys.stderr
            )


# --- mdcontract token -----------------------------------------------------------------------


def token_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="mdcontract token",
        description="Issue a token out of band, for APIs whose docs have no login (yike).",
        epilog="example:\n  TOKEN=$(mdcontract token create --api yike --name alice)\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="action", required=True)
    create = sub.add_parser("create", help="a new token for the user NAME (created when new); printed alone")
    create.add_argument("--api", required=True, help="the API (a spec/<api>.yaml)")
    create.add_argument("--name", required=True, help="the user the token acts for")
    create.add_argument("--data", type=Path, default=Path("data"), help="the server's data folder")
    create.add_argument("--spec", type=Path, help="the spec (default: spec/<api>.yaml)")
    return p


def token_main(argv: list[str]) -> int:
    try:
        args = token_parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    from server.tokens import create_token

    spec = args.spec or Path("spec") / f"{args.api}.yaml"
    if not spec.is_file():
        print(f"mdcontract token: no spec {spec}", file=sys.stderr)
        return 2
    try:
        token = create_token(spec, args.data, args.name)
    except (SpecError, LookupError) as exc:
        print(f"mdcontract token: {exc}", file=sys.stderr)
        return 2
    print(token)
    return 0


if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
