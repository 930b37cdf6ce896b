"""`mdcontract import`, `lint` and `check`."""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV32SpecValidator

from .emit import dump_yaml, to_openapi_32
from .importer import ImportResult, import_markdown
from .importer.ir import Diagnostic
from .overlay import OverlayError, load_overlay

SPEC_DIR = Path("spec")


@dataclass
class LintConfig:
    """Which rules are reported: `[tool.mdcontract.lint]` in pyproject.toml, then `--select`/`--ignore`."""

    select: set[str] | None = None  # None: every rule
    ignore: set[str] = field(default_factory=set)
    per_file_ignores: dict[str, set[str]] = field(default_factory=dict)
    source: str = ""  # the pyproject.toml it came from

    def keeps(self, d: Diagnostic, path: Path) -> bool:
        if self.select is not None and d.rule not in self.select:
            return False
        if d.rule in self.ignore:
            return False
        for pattern, rules in self.per_file_ignores.items():
            if d.rule in rules and (path.match(pattern) or path.name == pattern):
                return False
        return True


def load_lint_config(start: Path | None = None) -> LintConfig:
    """The nearest pyproject.toml upward from `start` (the working directory) with a
    `[tool.mdcontract.lint]` table; an empty config when there is none."""
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        candidate = directory / "pyproject.toml"
        if not candidate.is_file():
            continue
        try:
            data = tomllib.loads(candidate.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise OverlayError(f"{candidate}: not valid TOML ({exc})") from exc
        table = data.get("tool", {}).get("mdcontract", {}).get("lint")
        if table is None:
            continue
        select = table.get("select")
        return LintConfig(
            select=set(select) if select is not None else None,
            ignore=set(table.get("ignore", [])),
            per_file_ignores={k: set(v) for k, v in (table.get("per-file-ignores") or {}).items()},
            source=str(candidate),
        )
    return LintConfig()


def _config(args: argparse.Namespace) -> LintConfig:
    config = load_lint_config()
    if getattr(args, "select", None):
        config.select = {r.strip() for value in args.select for r in value.split(",") if r.strip()}
    if getattr(args, "ignore", None):
        config.ignore |= {r.strip() for value in args.ignore for r in value.split(",") if r.strip()}
    return config


def _kept(result: ImportResult, source: Path, config: LintConfig) -> list[Diagnostic]:
    return [d for d in result.diagnostics if config.keeps(d, source)]


def _has_errors(found: list[Diagnostic]) -> bool:
    return any(d.severity == "error" for d in found)


def _summary(found: list[Diagnostic]) -> list[str]:
    """The closing count: how many of each rule, errors first."""
    if not found:
        return ["No problems found."]
    errors = sum(1 for d in found if d.severity == "error")
    warnings = len(found) - errors
    lines = [f"Found {errors} error{'s' * (errors != 1)} and {warnings} warning{'s' * (warnings != 1)}:"]
    counts = Counter((d.severity, d.rule) for d in found)
    width = len(str(max(counts.values())))
    for (severity, rule), n in sorted(counts.items(), key=lambda kv: (kv[0][0] != "error", -kv[1], kv[0][1])):
        lines.append(f"  {n:>{width}}  {rule}{' (error)' if severity == 'error' else ''}")
    return lines


def overlay_for(source: Path, out_dir: Path) -> Path:
    return out_dir / "overlays" / f"{source.stem}.yaml"


def import_file(source: Path, overlay_dir: Path | None = None) -> ImportResult:
    text = source.read_text(encoding="utf-8")
    overlay = None
    overlay_path = (overlay_dir or SPEC_DIR / "overlays") / f"{source.stem}.yaml"
    if overlay_path.exists():
        overlay = load_overlay(overlay_path)
    return import_markdown(text, file=source.name, overlay=overlay, api=source.stem)


def render(result: ImportResult) -> tuple[str, str]:
    """The bytes of spec/<api>.yaml and spec/3.2/<api>.yaml."""
    return dump_yaml(result.spec), dump_yaml(to_openapi_32(result.spec))


def validate(result: ImportResult) -> list[str]:
    problems = [f"OpenAPI 3.0: {e.message}" for e in OpenAPIV30SpecValidator(result.spec).iter_errors()]
    problems += [
        f"OpenAPI 3.2: {e.message}" for e in OpenAPIV32SpecValidator(to_openapi_32(result.spec)).iter_errors()
    ]
    return problems


def _print_diagnostics(found: list[Diagnostic], source: Path) -> None:
    for d in found:
        print(f"{source}:{d.line}: {d.severity}: {d.message} [{d.rule}]")


def _import_all(
    command: str, files: list[str], overlays: str | None = None
) -> list[tuple[Path, ImportResult]] | int:
    """Every file imported, or the exit status of a usage error (2) or a bad overlay (1)."""
    sources = [Path(name) for name in files]
    missing = [s for s in sources if not s.is_file()]
    if missing:
        print(f"mdcontract {command}: {missing[0]}: no such file", file=sys.stderr)
        return 2
    try:
        return [(s, import_file(s, Path(overlays) if overlays else None)) for s in sources]
    except OverlayError as exc:
        print(f"mdcontract {command}: {exc}", file=sys.stderr)
        return 1


def cmd_import(args: argparse.Namespace) -> int:
    out = Path(args.out)
    try:
        config = _config(args)
    except OverlayError as exc:
        print(f"mdcontract import: {exc}", file=sys.stderr)
        return 2
    results = _import_all("import", args.files, args.overlays)
    if isinstance(results, int):
        return results
    status = 0
    every: list[Diagnostic] = []
    for source, result in results:
        found = _kept(result, source, config)
        every += found
        _print_diagnostics(found, source)
        problems = validate(result)
        for p in problems:
            print(f"{source}: error: generated spec is not valid {p}", file=sys.stderr)
        if _has_errors(found) or problems:
            status = 1  # CI notices; what could be read is still written (unless the spec is invalid)
        if problems:
            continue
        v30, v32 = render(result)
        (out / "3.2").mkdir(parents=True, exist_ok=True)
        (out / f"{source.stem}.yaml").write_text(v30, encoding="utf-8")
        (out / "3.2" / f"{source.stem}.yaml").write_text(v32, encoding="utf-8")
        ops = sum(len(v) for v in result.spec["paths"].values())
        print(
            f"wrote {out / (source.stem + '.yaml')} ({ops} operations) and {out / '3.2' / (source.stem + '.yaml')}",
            file=sys.stderr,
        )
    if every:
        print("\n".join(_summary(every)), file=sys.stderr)
    return status


def cmd_lint(args: argparse.Namespace) -> int:
    try:
        config = _config(args)
    except OverlayError as exc:
        print(f"mdcontract lint: {exc}", file=sys.stderr)
        return 2
    results = _import_all("lint", args.files)
    if isinstance(results, int):
        return results
    kept = [(source, _kept(result, source, config)) for source, result in results]
    if args.format == "json":
        items = [{**d.as_dict(), "file": str(source)} for source, found in kept for d in found]
        print(json.dumps(items, ensure_ascii=False, indent=2))
    else:
        for source, found in kept:
            _print_diagnostics(found, source)
        every = [d for _, found in kept for d in found]
        if every:
            print()
        print("\n".join(_summary(every)))
    return 1 if any(_has_errors(found) for _, found in kept) else 0


def cmd_check(args: argparse.Namespace) -> int:
    """Exit 1 when spec/ (or docs/) differ from what the code writes now."""
    spec_dir = Path(args.spec)
    sources = sorted((spec_dir / "sources").glob("*.md"))
    if not sources:
        print(f"mdcontract check: no sources in {spec_dir / 'sources'}", file=sys.stderr)
        return 2
    stale: list[str] = []
    config = load_lint_config()
    for source in sources:
        result = import_file(source, spec_dir / "overlays")
        if _has_errors(_kept(result, source, config)):
            stale.append(f"{source}: has errors (run `mdcontract lint {source}`)")
            continue
        v30, v32 = render(result)
        for path, expected in (
            (spec_dir / f"{source.stem}.yaml", v30),
            (spec_dir / "3.2" / f"{source.stem}.yaml", v32),
        ):
            if not path.exists() or path.read_text(encoding="utf-8") != expected:
                stale.append(f"{path} is not what `mdcontract import` writes now")
    stale += _check_docs(spec_dir)
    for line in stale:
        print(f"mdcontract check: {line}", file=sys.stderr)
    if stale:
        print("run: mdcontract import spec/sources/*.md && mdcontract docs", file=sys.stderr)
        return 1
    print(f"mdcontract check: {len(sources)} specs up to date")
    return 0


def _check_docs(spec_dir: Path) -> list[str]:
    try:
        from .docs.render import stale_docs  # the docs generator, when present
    except ImportError:
        return []
    return stale_docs(spec_dir, Path("docs"))


def _rule_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--select",
        action="append",
        metavar="RULE[,RULE]",
        help="report only these rules (replaces `select` of [tool.mdcontract.lint] in pyproject.toml)",
    )
    parser.add_argument(
        "--ignore",
        action="append",
        metavar="RULE[,RULE]",
        help="do not report these rules (added to `ignore` of [tool.mdcontract.lint]); "
        "in a doc, `<!-- mdcontract: ignore RULE -->` accepts a rule for the rest of its section",
    )


def main(argv: list[str]) -> int:
    name, rest = argv[0], argv[1:]
    parser = argparse.ArgumentParser(prog=f"mdcontract {name}")
    if name == "import":
        parser.description = "Import markdown API docs into OpenAPI 3.0.3 (and a 3.2 rendition)."
        parser.add_argument("files", nargs="+", metavar="FILE.md")
        parser.add_argument("--out", default="spec", help="output directory (default: spec/)")
        parser.add_argument("--overlays", default=None, help="overlay directory (default: spec/overlays/)")
        _rule_options(parser)
        return cmd_import(parser.parse_args(rest))
    if name == "lint":
        parser.description = "Print the diagnostics of markdown API docs; exit 1 on an error."
        parser.add_argument("files", nargs="+", metavar="FILE.md")
        parser.add_argument("--format", choices=["text", "json"], default="text")
        _rule_options(parser)
        return cmd_lint(parser.parse_args(rest))
    if name == "check":
        parser.description = "Exit 1 when spec/ or docs/ are not what the code writes now."
        parser.add_argument("--spec", default="spec", help="spec directory (default: spec/)")
        return cmd_check(parser.parse_args(rest))
    parser.error(f"unknown command {name}")
    return 2
