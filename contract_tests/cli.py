"""`mdcontract test`: the contract tests against any deployment.

    mdcontract test --spec spec/character.yaml --base-url https://staging.example.com \\
        --token "$TOKEN_A" --token-b "$TOKEN_B" --user-id 1 --user-id-b 2 --junit out.xml --html report.html

Schemathesis runs the phases (examples, coverage, fuzzing, stateful) with every check that fits the target,
plus ours (envelope semantics, streams read incrementally, one user against another, deleted stays
deleted). Its progress display shows while it runs; a one-screen summary closes the run.
Exit status: 0 green, 1 a check failed, 2 a usage error (or nothing could be tested).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import random
import shutil
import socket
import sys
import tempfile
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import yaml

from contract_tests import credentials
from contract_tests.http import Limits
from contract_tests.state import Settings

PHASES = ("examples", "coverage", "fuzzing", "stateful")
MOCK_TOKENS_HINT = (
    "the mdcontract mock accepts mock-token and the tokens its spec documents, listed on its index page; "
    "`mdcontract mock --any-token` accepts any"
)
USAGE_ERROR = 2


class UsageError(Exception):
    """A problem with the command line: exit 2 with this message."""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="mdcontract test",
        description="Run the contract tests of a spec against any deployment (schemathesis + our checks).",
        epilog="Exit status: 0 all checks passed, 1 a check failed, 2 usage error or nothing tested.",
    )
    p.add_argument("--spec", required=True, metavar="FILE", help="the contract, e.g. spec/character.yaml")
    p.add_argument(
        "--base-url", required=True, metavar="URL", help="where the API runs, e.g. http://127.0.0.1:8000"
    )
    p.add_argument(
        "--token",
        metavar="TOKEN",
        default=os.environ.get("MDCONTRACT_TOKEN") or None,
        help="user A's token, put where the spec's security schemes say: `Authorization: Bearer TOKEN` "
        "(http bearer, oauth2, or no scheme declared), or the apiKey's header, query parameter or cookie "
        "(default: $MDCONTRACT_TOKEN)",
    )
    p.add_argument(
        "--token-b",
        metavar="TOKEN",
        default=os.environ.get("MDCONTRACT_TOKEN_B") or None,
        help="a second user's token: checks that B cannot reach A's data (default: $MDCONTRACT_TOKEN_B)",
    )
    p.add_argument(
        "--auth",
        metavar="USER:PASSWORD",
        default=os.environ.get("MDCONTRACT_AUTH") or None,
        help="HTTP basic credentials, for the spec's basic security schemes (default: $MDCONTRACT_AUTH)",
    )
    p.add_argument(
        "-H",
        "--header",
        action="append",
        default=[],
        type=_header,
        metavar="NAME:VALUE",
        help="a header every request carries, ours and schemathesis's (repeatable), e.g. -H 'X-Tenant: 7'",
    )
    p.add_argument("--user-id", metavar="ID", help="user A's id, put in the `user_id` of every valid request")
    p.add_argument("--user-id-b", metavar="ID", help="user B's id, named by the requests sent with --token-b")
    p.add_argument(
        "--max-examples",
        type=_positive_int,
        default=20,
        metavar="N",
        help="test cases per operation and phase (default: 20)",
    )
    p.add_argument(
        "--phases",
        default=",".join(PHASES),
        metavar="LIST",
        help=f"comma-separated phases to run (default: {','.join(PHASES)})",
    )
    p.add_argument(
        "--include-tag",
        action="append",
        default=[],
        metavar="TAG",
        help="only operations with this tag (repeatable)",
    )
    p.add_argument(
        "--operation",
        action="append",
        default=[],
        metavar="OP",
        help="only this operation: an operationId or 'METHOD /path' (repeatable)",
    )
    p.add_argument(
        "--shard",
        type=_shard,
        metavar="I/N",
        help="run the I-th of N parts of the selected operations (1/4 ... 4/4): N CI jobs run each "
        "operation exactly once; the parts are consecutive runs of operations in spec order, so an "
        "operation and those it links to (stateful phase) mostly fall in the same part",
    )
    p.add_argument(
        "--mode",
        choices=("all", "positive", "negative"),
        default="all",
        help="the requests generated: valid ones, invalid ones (the API must refuse them with a 4xx), "
        "or both (default: all)",
    )
    p.add_argument(
        "--exclude-check",
        action="append",
        default=[],
        metavar="CHECK",
        help="turn a check off for this run (repeatable), e.g. positive_data_acceptance for an upload "
        "whose valid files the spec cannot describe; the summary lists what was off",
    )
    p.add_argument(
        "--seed", type=int, metavar="N", help="seed for repeatable runs (default: random, printed)"
    )
    p.add_argument(
        "--workers",
        type=_positive_int,
        default=1,
        metavar="N",
        help="concurrent workers (default: 1; schemathesis threads crash intermittently on Python 3.11)",
    )
    p.add_argument("--junit", metavar="FILE", help="write a JUnit XML report")
    p.add_argument(
        "--html", metavar="FILE", help="write a readable HTML report with a curl reproducer per failure"
    )
    p.add_argument(
        "--stateless", action="store_true", help="the target keeps no state (a mock): skip stateful tests"
    )
    p.add_argument(
        "--request-timeout", type=float, default=30.0, metavar="SECONDS", help="per request (default: 30)"
    )
    p.add_argument(
        "--stream-timeout",
        type=float,
        default=Limits.max_seconds,
        metavar="SECONDS",
        help=f"longest a stream may take to end (default: {Limits.max_seconds:g})",
    )
    p.add_argument(
        "--stream-max-items",
        type=_positive_int,
        default=Limits.max_items,
        metavar="N",
        help=f"most items a stream may send (default: {Limits.max_items})",
    )
    return p


def main(argv: list[str]) -> int:
    """`argv[0]` is "test" (the dispatcher passes the subcommand name along)."""
    args_list = argv[1:] if argv and argv[0] == "test" else argv
    try:
        args = parser().parse_args(args_list)
    except SystemExit as exc:  # argparse prints its own message; --help exits 0
        return int(exc.code or 0) if exc.code in (0, None) else USAGE_ERROR
    try:
        plan = _plan(args)
        _reachable(args.base_url)
    except EmptyShard as exc:
        print(f"mdcontract test: {exc}; nothing to do", file=sys.stderr)
        return 0
    except UsageError as exc:
        print(f"mdcontract test: error: {exc}", file=sys.stderr)
        return USAGE_ERROR
    if not args.stateless and plan.mock:
        plan.assume_stateless(
            "the target is the mdcontract mock, which keeps no state: running as with --stateless"
        )
        if not plan.phases:
            print(
                "mdcontract test: error: the mock keeps no state, so it has no stateful phase",
                file=sys.stderr,
            )
            return USAGE_ERROR
    return _run(plan)


def _header(text: str) -> tuple[str, str]:
    name, colon, value = text.partition(":")
    name = name.strip()
    if not colon or not name or any(c in name for c in ' \t()<>@,;\\"/[]?={}'):
        raise argparse.ArgumentTypeError(f"expected NAME:VALUE, e.g. 'X-API-Key: abc', not {text!r}")
    return name, value.strip()


def _shard(text: str) -> tuple[int, int]:
    index, slash, count = text.partition("/")
    try:
        shard = (int(index), int(count))
    except ValueError:
        shard = (0, 0)
    if not slash or not 1 <= shard[0] <= shard[1]:
        raise argparse.ArgumentTypeError(f"expected I/N with 1 <= I <= N, e.g. 2/4, not {text!r}")
    return shard


def shard_of(labels: list[str], index: int, count: int) -> list[str]:
    """The ``index``-th (1-based) of ``count`` consecutive, near-equal parts of ``labels``: the parts
    of 1..count together are ``labels``, each label in exactly one part, whatever ``count`` is."""
    start = (index - 1) * len(labels) // count
    end = index * len(labels) // count
    return labels[start:end]


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


class Plan:
    """A validated command line, ready to run."""

    def __init__(
        self, args: argparse.Namespace, raw: dict[str, Any], phases: list[str], filters: list[str]
    ) -> None:
        self.args = args
        self.raw = raw
        self.phases = phases
        self.filters = filters
        self.seed = args.seed if args.seed is not None else random.randrange(2**31)
        self.reasons: list[str] = []
        self._mock: bool | None = None
        self.settings = Settings(
            token=args.token,
            basic=args.auth,
            headers=tuple(args.header),
            token_b=args.token_b,
            user_id=args.user_id,
            user_id_b=args.user_id_b,
            stateless=args.stateless,
            stream_limits=Limits(max_items=args.stream_max_items, max_seconds=args.stream_timeout),
        )

    @property
    def mock(self) -> bool:
        """Whether the target is `mdcontract mock` (asked once, when it matters)."""
        if self._mock is None:
            self._mock = is_mock(self.args.base_url)
        return self._mock

    def assume_stateless(self, reason: str) -> None:
        self.args.stateless = True
        self.phases = [phase for phase in self.phases if phase != "stateful"]
        self.settings = dataclasses.replace(self.settings, stateless=True)
        self.reasons.append(reason)

    def notices(self, refused: set[str] | None = None) -> list[str]:
        """What the summary says about how the run was set up; `refused`: the operations that
        answered only 401/403 (schemathesis's "Authentication failed")."""
        from contract_tests import authz
        from generators.specmodel import model_for

        found = list(self.reasons)
        args = self.args
        if getattr(args, "shard_note", None):
            found.append(args.shard_note)
        if args.exclude_check:
            found.append("checks turned off (--exclude-check): " + ", ".join(args.exclude_check))
        if args.stateless and not self.reasons:
            found.append("stateless target: the stateful phase and the checks that compare requests are off")
        model = model_for(self.raw)
        if not model.has_security:
            found.append("authorization checks skipped: the spec declares no security scheme")
            return found
        carried = {name.lower() for name, _ in args.header}
        signed_in = bool(args.token or args.auth) or any(
            name in carried for where, name in model.credential_names if where == "header"
        )
        if not signed_in:
            found.append(
                "no credentials given (--token, --auth or --header): the operations that require them "
                "were tested without valid credentials only"
            )
        elif not args.stateless:
            found += authz.second_user_notices(model, args.token_b)
        found += credentials.unmet(self.raw, args.token, args.auth)
        if refused and signed_in:
            found.append(
                f"{len(refused)} operations answered only 401/403: the credentials given were refused"
                + (f" ({MOCK_TOKENS_HINT})" if self.mock else "")
            )
        return found


def _plan(args: argparse.Namespace) -> Plan:
    spec = Path(args.spec)
    if not spec.is_file():
        raise UsageError(f"{spec}: no such file (the specs live in spec/<api>.yaml)")
    try:
        raw = yaml.safe_load(spec.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise UsageError(f"{spec}: not readable YAML: {exc}") from None
    if not isinstance(raw, dict) or not str(raw.get("openapi", "")).startswith("3.") or not raw.get("paths"):
        raise UsageError(f"{spec}: not an OpenAPI 3 document with paths")
    url = urlsplit(args.base_url)
    if url.scheme not in ("http", "https") or not url.netloc:
        raise UsageError(f"--base-url {args.base_url!r}: give an http(s) URL such as http://127.0.0.1:8000")
    phases = [phase.strip() for phase in args.phases.split(",") if phase.strip()]
    unknown = [phase for phase in phases if phase not in PHASES]
    if unknown or not phases:
        raise UsageError(
            f"--phases: unknown phase(s) {', '.join(unknown) or '(none given)'}; choose from {', '.join(PHASES)}"
        )
    if args.stateless:
        if args.phases != ",".join(PHASES) and "stateful" in phases:
            raise UsageError("--stateless and --phases stateful contradict each other")
        phases = [phase for phase in phases if phase != "stateful"]
    if args.token_b and not args.token:
        raise UsageError("--token-b needs --token: user B is checked against user A")
    if args.token_b and args.token_b == args.token:
        raise UsageError("--token-b must be another user's token than --token")
    if args.auth is not None and ":" not in args.auth:
        raise UsageError("--auth: give USER:PASSWORD")
    schemes = credentials.schemes(raw)
    if args.auth and schemes and not any(credentials.kind(s) == "basic" for s in schemes.values()):
        named = ", ".join(
            f"{name} ({s.get('type')} {s.get('scheme', s.get('in', ''))})".strip()
            for name, s in schemes.items()
        )
        raise UsageError(
            f"--auth: {spec} has no HTTP basic security scheme (it has {named}); give its token with --token"
        )
    operations = _operations(raw)
    filters: list[str] = []
    for wanted in args.operation:
        if wanted in operations.values():
            filters += ["--include-operation-id", wanted]
            continue
        method, _, path = wanted.partition(" ")
        label = f"{method.upper()} {path.strip()}"
        if label in operations:
            filters += ["--include-name", label]
            continue
        close = [op for op in [*operations, *operations.values()] if wanted.lower() in str(op).lower()][:5]
        hint = f"; did you mean {', '.join(close)}?" if close else "; give an operationId or 'METHOD /path'"
        raise UsageError(f"--operation {wanted!r} matches no operation of {spec}{hint}")
    tags = {tag for item in raw["paths"].values() for op in _methods(item) for tag in op.get("tags", [])}
    for tag in args.include_tag:
        if tag not in tags:
            raise UsageError(
                f"--include-tag {tag!r}: no operation has it; tags: {', '.join(sorted(tags)) or 'none'}"
            )
        filters += ["--include-tag", tag]
    if args.shard is not None:
        filters = _sharded(raw, args)
    for option in ("junit", "html"):
        target = getattr(args, option)
        if target and not Path(target).resolve().parent.is_dir():
            raise UsageError(f"--{option} {target}: the directory {Path(target).parent} does not exist")
    return Plan(args, raw, phases, filters)


def _sharded(raw: dict[str, Any], args: argparse.Namespace) -> list[str]:
    """The filters of one shard: each operation the other options select, in spec order, named."""
    named = set()
    for wanted in args.operation:  # each already known to name an operation (see _plan)
        method, _, path = wanted.partition(" ")
        named |= {wanted, f"{method.upper()} {path.strip()}"}
    selected = []
    for label, operation in _labelled(raw):
        if named and label not in named and operation.get("operationId") not in named:
            continue
        if args.include_tag and not set(args.include_tag) & set(operation.get("tags") or ()):
            continue
        selected.append(label)
    index, count = args.shard
    mine = shard_of(selected, index, count)
    if not mine:
        raise EmptyShard(
            f"shard {index}/{count} has no operations: {len(selected)} are selected, in {count} shards"
        )
    args.shard_note = f"shard {index}/{count}: {len(mine)} of the {len(selected)} selected operations"
    return [flag for label in mine for flag in ("--include-name", label)]


class EmptyShard(UsageError):
    """More shards than operations: this one has nothing to run (not a failure of the CI job)."""


def _reachable(base_url: str, timeout: float = 5.0) -> None:
    """Fail early, and say so, when nothing listens at the base URL (every test would error out)."""
    url = urlsplit(base_url)
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        with socket.create_connection((url.hostname or "", port), timeout=timeout):
            pass
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise UsageError(
            f"cannot reach {base_url} ({reason}): start the server, or check --base-url"
        ) from None


MOCK_MARKER = b"<title>mdcontract mock</title>"


def is_mock(base_url: str, timeout: float = 3.0) -> bool:
    """Whether the target is `mdcontract mock`: its index page (at the base URL or the host root) says so,
    or it answers with an `x-mdcontract-mock` header."""
    url = urlsplit(base_url)
    candidates = {base_url.rstrip("/") + "/", urlunsplit((url.scheme, url.netloc, "/", "", ""))}
    for candidate in sorted(candidates):
        try:
            with urllib.request.urlopen(candidate, timeout=timeout) as answer:
                if answer.headers.get("x-mdcontract-mock") or MOCK_MARKER in answer.read(4096):
                    return True
        except (OSError, ValueError):
            continue
    return False


def _methods(item: dict[str, Any]) -> list[dict[str, Any]]:
    verbs = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
    return [
        operation for method, operation in item.items() if method in verbs and isinstance(operation, dict)
    ]


def _operations(raw: dict[str, Any]) -> dict[str, str | None]:
    """'METHOD /path' -> operationId."""
    return {label: operation.get("operationId") for label, operation in _labelled(raw)}


def _labelled(raw: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """('METHOD /path', operation) in spec order."""
    verbs = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
    return [
        (f"{method.upper()} {path}", operation)
        for path, item in raw["paths"].items()
        if isinstance(item, dict)
        for method, operation in item.items()
        if method in verbs and isinstance(operation, dict)
    ]


def _schemathesis_args(plan: Plan, config_file: Path, html_dir: Path | None) -> list[str]:
    args = plan.args
    argv = [
        "--config-file",
        str(config_file),
        "run",
        str(args.spec),
        "--url",
        args.base_url.rstrip("/"),
        "--phases",
        ",".join(plan.phases),
        "--mode",
        args.mode,
        "--max-examples",
        str(args.max_examples),
        "--seed",
        str(plan.seed),
        "--workers",
        str(args.workers),
        "--request-timeout",
        str(args.request_timeout),
        # A failure found once must not change what the next run generates (repeatable with --seed).
        "--generation-database",
        "none",
        *plan.filters,
    ]
    if not credentials.schemes(plan.raw):
        # no scheme to map credentials to: the token is a bearer token, as our own APIs take it
        if args.token:
            argv += ["--header", f"Authorization: Bearer {args.token}"]
        if args.auth:
            argv += ["--auth", args.auth]
    for name, value in args.header:
        argv += ["--header", f"{name}: {value}"]
    excluded = list(args.exclude_check)
    if args.stateless:
        from contract_tests.config import STATEFUL_BUILTIN_CHECKS

        excluded += STATEFUL_BUILTIN_CHECKS
    if excluded:
        argv += ["--exclude-checks", ",".join(dict.fromkeys(excluded))]
    reports = []
    if args.junit:
        reports.append("junit")
        argv += ["--report-junit-path", str(args.junit)]
    if html_dir is not None:
        reports.append("html")
        argv += ["--report-html-path", str(html_dir)]
    if reports:
        argv += ["--report", ",".join(reports)]
    return argv


class _Renaming:
    """A text stream that writes through to another, with some strings replaced on the way."""

    def __init__(self, stream: Any, renames: dict[str, str]) -> None:
        self._stream = stream
        self._renames = renames

    def write(self, text: str) -> int:
        for old, new in self._renames.items():
            text = text.replace(old, new)
        return self._stream.write(text)

    def __getattr__(self, name: str) -> Any:  # isatty, flush, encoding ...: the real stream's
        return getattr(self._stream, name)


@contextlib.contextmanager
def _renamed_in_output(renames: dict[str, str]) -> Any:
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Renaming(sys.stdout, renames), _Renaming(sys.stderr, renames)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def _run(plan: Plan) -> int:
    import click
    from schemathesis.cli import schemathesis as schemathesis_cli

    from contract_tests import hooks as hooks  # our checks and hooks, for the schemas this run loads
    from contract_tests import state, summary
    from contract_tests.config import config_file_text

    with tempfile.TemporaryDirectory(prefix="mdcontract-test-") as scratch:
        config_file = Path(scratch) / "schemathesis.toml"
        tables = credentials.schemathesis_auth(plan.raw, plan.args.token, plan.args.auth)
        config_file.write_text(config_file_text() + credentials.config_text(tables), encoding="utf-8")
        html_dir = Path(scratch) / "html" if plan.args.html else None
        memory = state.start_run(plan.settings)
        outcome = summary.start()
        code: int
        # Schemathesis names the files of this scratch directory in its output; they are gone once the
        # run ends, so the user is shown where the reports really go.
        renames = {str(config_file): "mdcontract test's own (temporary)"}
        if html_dir is not None:
            renames[str(html_dir / "index.html")] = str(plan.args.html)
        try:
            with _renamed_in_output(renames):
                schemathesis_cli.main(
                    args=_schemathesis_args(plan, config_file, html_dir),
                    prog_name="mdcontract test",
                    standalone_mode=False,
                )
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0) if isinstance(exc.code, int) or exc.code is None else 1
        except click.exceptions.Abort:
            code = 130
        except click.ClickException as exc:
            exc.show()
            code = USAGE_ERROR
        finally:
            state.end_run()
            outcome.active = False
        notices = plan.notices(outcome.refused)
        reports = []
        if plan.args.junit and Path(plan.args.junit).is_file():
            summary.annotate_junit(Path(plan.args.junit), memory, notices)
            reports.append(f"JUnit {plan.args.junit}")
        if html_dir is not None and (html_dir / "index.html").is_file():
            with contextlib.suppress(OSError):
                shutil.copyfile(html_dir / "index.html", plan.args.html)
                reports.append(f"HTML {plan.args.html}")
    if code not in (0, 1):
        code = USAGE_ERROR if code == 2 else code
    print(
        summary.render(
            spec=str(plan.args.spec),
            base_url=plan.args.base_url,
            outcome=outcome,
            memory=memory,
            exit_code=code,
            seed=plan.seed,
            notices=notices,
            reports=reports,
        )
    )
    return code
