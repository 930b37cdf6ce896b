"""Run `mdcontract test` in-process against a server of this package and see what it found."""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contract_tests import cli, summary

from .base import FIXTURES, serve

# User A and user B of the fixture servers that have tokens (character, yike).
TWO_USERS = ("--token", "token-a", "--token-b", "token-b", "--user-id", "1", "--user-id-b", "2")


@dataclass
class Run:
    code: int
    output: str
    failures: list[summary.FailureRow]

    @property
    def checks(self) -> set[str]:
        return {row.check for row in self.failures}

    def messages(self, check: str) -> list[str]:
        return [row.message for row in self.failures if row.check == check]


def run_suite(app: Any, spec: str | Path, *options: str, max_examples: int = 5, seed: int = 0) -> Run:
    """`mdcontract test --spec SPEC --base-url <app on a free port> OPTIONS`, with its output captured."""
    spec_path = spec if isinstance(spec, Path) else FIXTURES / spec
    out = io.StringIO()
    with serve(app) as url, contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = cli.main(
            [
                "test",
                "--spec",
                str(spec_path),
                "--base-url",
                url,
                "--max-examples",
                str(max_examples),
                "--seed",
                str(seed),
                *options,
            ]
        )
    return Run(code=code, output=out.getvalue(), failures=list(summary.OUTCOME.failures.values()))
