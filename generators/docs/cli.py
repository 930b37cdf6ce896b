"""`mdcontract docs`: regenerate docs/ from spec/, or report a hand-written doc's drift."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    name, rest = argv[0], argv[1:]
    parser = argparse.ArgumentParser(
        prog=f"mdcontract {name}",
        description="Write docs/<api>.md in each source's own style, docs/<api>.html and docs/index.md "
        "from spec/<api>.yaml; or, with --diff, report where a hand-written doc and the spec disagree.",
    )
    parser.add_argument("--out", default="docs", help="output directory (default: docs/)")
    parser.add_argument("--spec", default="spec", help="spec directory (default: spec/)")
    parser.add_argument(
        "--diff",
        metavar="FILE.md",
        nargs="+",
        help="report drift between these markdown docs and the spec, as file:line diagnostics",
    )
    parser.add_argument("--api", help="with --diff: the API the doc documents (default: the file's stem)")
    args = parser.parse_args(rest)
    spec_dir = Path(args.spec)
    if args.diff:
        return _diff(args.diff, spec_dir, args.api)
    from .render import write_docs

    if not any(spec_dir.glob("*.yaml")):
        print(
            f"mdcontract docs: no spec in {spec_dir}/ (run `mdcontract import spec/sources/*.md`)",
            file=sys.stderr,
        )
        return 2
    written = write_docs(spec_dir, Path(args.out))
    print(f"mdcontract docs: wrote {len(written)} files to {args.out}/", file=sys.stderr)
    return 0


def _diff(files: list[str], spec_dir: Path, api: str | None) -> int:
    from .drift import drift

    status = 0
    for name in files:
        doc = Path(name)
        if not doc.is_file():
            print(f"mdcontract docs: {doc}: no such file", file=sys.stderr)
            return 2
        target = spec_dir / f"{api or doc.stem}.yaml"
        if not target.is_file():
            print(f"mdcontract docs: {target}: no such spec (say which API with --api NAME)", file=sys.stderr)
            return 2
        found = drift(doc, spec_dir, api)
        for d in found:
            print(d.text())
        if found:
            status = 1
            print(f"{doc}: {len(found)} differences with {target}", file=sys.stderr)
        else:
            print(f"{doc}: no drift from {target}", file=sys.stderr)
    return status
