"""The in-process path: load a spec for pytest, pointed at an ASGI app or a URL, with our checks on.

schema = load("spec/aichat.yaml", app=build_app(...), settings=Settings(stateless=True))

@schema.parametrize()
def test_aichat(case):
    validate(case)
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import schemathesis

from contract_tests import hooks as hooks  # registers our checks and hooks
from contract_tests.config import SANITIZED_KEYS, SENSITIVE_MARKERS, STATEFUL_BUILTIN_CHECKS
from contract_tests.credentials import credential_for
from contract_tests.state import Settings, end_run, start_run

UNIT_PHASES = ("examples", "coverage", "fuzzing")


def load(
    spec: str | Path,
    *,
    app: Any = None,
    base_url: str | None = None,
    settings: Settings | None = None,
    max_examples: int = 10,
    seed: int = 0,
    phases: Iterable[str] = UNIT_PHASES,
    excluded_checks: Iterable[str] = (),
) -> Any:
    """A schemathesis schema for `spec` (with the links `import` wrote), our configuration and checks, seeded."""
    settings = settings if settings is not None else Settings()
    start_run(settings)
    try:
        schema = schemathesis.openapi.from_path(str(spec))
    finally:
        end_run()
    if app is not None:
        schema.app = app
    config = schema.config
    if base_url is not None:
        config.base_url = base_url
    # the credentials where the spec's security schemes want them (headers only: what `validate` sends)
    credential = credential_for(schema.raw_schema, settings.token, settings.basic)
    extra = {**dict(settings.headers), **credential.headers}
    if extra:
        config.headers = {**(config.headers or {}), **extra}
    config.seed = seed
    config.output.sanitization.keys_to_sanitize = SANITIZED_KEYS
    config.output.sanitization.sensitive_markers = SENSITIVE_MARKERS
    # No example database: a failure found once must not change what the next run generates.
    config.generation.update(max_examples=max_examples, deterministic=False, database="none")
    selected = [phase for phase in phases if not (settings.stateless and phase == "stateful")]
    config.phases.update(phases=selected)
    for name in excluded_checks:
        config.checks.get_by_name(name=name).enabled = False
    if not settings.stateless:
        for name in STATEFUL_BUILTIN_CHECKS:
            if name not in excluded_checks:
                config.checks.get_by_name(name=name).enabled = True
    return schema


def validate(case: Any, *, excluded_checks: list[Any] | None = None) -> Any:
    """Send a case and run every enabled check on the answer (schemathesis's and ours)."""
    headers = case.operation.schema.config.headers or None
    return case.call_and_validate(headers=dict(headers) if headers else None, excluded_checks=excluded_checks)
