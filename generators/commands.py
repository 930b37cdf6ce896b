"""`mdcontract import`, `lint` and `check`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV32SpecValidator

from .emit import dump_yaml, to_openapi_32
from .importer import ImportResult, import_markdown
from .overlay import OverlayError, load_overlay

SPEC_DIR = Path("spec")


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


def _print_diagnostics(result: ImportResult, source: Path) -> None:
    for d in result.diagnostics:
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
    results = _import_all("import", args.files, args.overlays)
    if isinstance(results, int):
        return results
    status = 0
    for source, result in results:
        _print_diagnostics(result, source)
        problems = validate(result)
        for p in problems:
            print(f"{source}: error: generated spec is not valid {p}", file=sys.stderr)
        if result.has_errors or problems:
            status = 1
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
    return status


def cmd_lint(args: argparse.Namespace) -> int:
    results = _import_all("lint", args.files)
    if isinstance(results, int):
        return results
    if args.format == "json":
        items = [
            {**d.as_dict(), "file": str(source)} for source, result in results for d in result.diagnostics
        ]
        print(json.dumps(items, ensure_ascii=False, indent=2))
    else:
        for source, result in results:
            _print_diagnostics(result, source)
    return 1 if any(result.has_errors for _, result in results) else 0


def cmd_check(args: argparse.Namespace) -> int:
    """Exit 1 when spec/ (or docs/) differ from what the code writes now."""
    spec_dir = Path(args.spec)
    sources = sorted((spec_dir / "sources").glob("*.md"))
    if not sources:
        print(f"mdcontract check: no sources in {spec_dir / 'sources'}", file=sys.stderr)
        return 2
    stale: list[str] = []
    for source in sources:
        result = import_file(source, spec_dir / "overlays")
        if result.has_errors:
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


def main(argv: list[str]) -> int:
    name, rest = argv[0], argv[1:]
    parser = argparse.ArgumentParser(prog=f"mdcontract {name}")
    if name == "import":
        parser.description = "Import markdown API docs into OpenAPI 3.0.3 (and a 3.2 rendition)."
        parser.add_argument("files", nargs="+", metavar="FILE.md")
        parser.add_argument("--out", default="spec", help="output directory (default: spec/)")
        parser.add_argument("--overlays", default=None, help="overlay directory (default: spec/overlays/)")
        return cmd_import(parser.parse_args(rest))
    if name == "lint":
        parser.description = "Print the diagnostics of markdown API docs; exit 1 on an error."
        parser.add_argument("files", nargs="+", metavar="FILE.md")
        parser.add_argument("--format", choices=["text", "json"], default="text")
        return cmd_lint(parser.parse_args(rest))
    if name == "check":
        parser.description = "Exit 1 when spec/ or docs/ are not what the code writes now."
        parser.add_argument("--spec", default="spec", help="spec directory (default: spec/)")
        return cmd_check(parser.parse_args(rest))
    parser.error(f"unknown command {name}")
    return 2
