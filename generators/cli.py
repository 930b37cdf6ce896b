"""The `mdcontract` command line: one entry point, one subcommand per job.

Each subcommand's options live next to the code that does the job (``mocks/cli.py``,
``contract_tests/cli.py``, ...); this module only dispatches, so that ``mdcontract --help``
stays fast (nothing heavy is imported until a subcommand runs).
"""

from __future__ import annotations

import importlib
import sys

SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "import": ("generators.commands", "import: markdown docs -> spec/<api>.yaml (OpenAPI 3.0.3 and 3.2)"),
    "lint": ("generators.commands", "lint: print the diagnostics of markdown docs"),
    "check": ("generators.commands", "check: exit 1 when spec/ or docs/ are not what the code writes now"),
    "mock": ("mocks.cli", "mock: serve the documented samples of one or all specs"),
    "test": ("contract_tests.cli", "test: run the contract tests against any deployment"),
    "docs": ("generators.docs.cli", "docs: regenerate docs/ from spec/ in each source's own style"),
    "serve": ("server.cli", "serve: the reference implementation on SQLite"),
    "token": ("server.cli", "token: issue a token out of band (APIs whose docs have no login)"),
    "bench": ("benchmarks.cli", "bench: performance comparisons"),
}


def usage() -> str:
    lines = ["usage: mdcontract <command> [options]", "", "commands:"]
    lines += [f"  {name:<8} {text.split(': ', 1)[1]}" for name, (_, text) in SUBCOMMANDS.items()]
    lines += ["", "Run `mdcontract <command> --help` for a command's options."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(usage())
        return 0
    name, rest = argv[0], argv[1:]
    if name not in SUBCOMMANDS:
        print(f"mdcontract: unknown command {name!r}\n\n{usage()}", file=sys.stderr)
        return 2
    module_name = SUBCOMMANDS[name][0]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            print(f"mdcontract: `{name}` is not available in this version", file=sys.stderr)
            return 2
        raise
    try:
        return int(module.main([name, *rest]) or 0)
    except BrokenPipeError:
        # `mdcontract serve --check | head`: the reader is gone, which is not an error of ours.
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
