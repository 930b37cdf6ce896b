"""What a run found, collected from schemathesis's events, and the one-screen summary `mdcontract test` prints."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schemathesis import cli as schemathesis_cli
from schemathesis.engine import Status, events

from contract_tests.state import Memory

MAX_FAILURE_ROWS = 10


@dataclass(frozen=True)
class FailureRow:
    operation: str
    check: str
    message: str


@dataclass
class Outcome:
    """Filled by `Collector` while schemathesis runs."""

    active: bool = False
    operations: set[str] = field(default_factory=set)
    cases: int = 0
    phases: dict[str, str] = field(default_factory=dict)
    failures: dict[tuple[str, str, str], FailureRow] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    seed: int | None = None
    # operations that answered only 401/403 (schemathesis's "Authentication failed" warning)
    refused: set[str] = field(default_factory=set)


OUTCOME = Outcome()


def start() -> Outcome:
    global OUTCOME
    OUTCOME = Outcome(active=True)
    return OUTCOME


@schemathesis_cli.handler()
class Collector(schemathesis_cli.EventHandler):
    """Records failures, cases and phase results of an `mdcontract test` run (idle in other runs)."""

    def __init__(self, *args: Any, **params: Any) -> None:
        pass

    def handle_event(self, ctx: Any, event: Any) -> None:
        outcome = OUTCOME
        if not outcome.active:
            return
        if isinstance(event, events.ScenarioFinished):
            outcome.cases += len(event.recorder.cases)
            for node in event.recorder.cases.values():
                outcome.operations.add(node.value.operation.label)
            for nodes in event.recorder.checks.values():
                for node in nodes:
                    if node.status != Status.FAILURE or node.failure_info is None:
                        continue
                    failure = node.failure_info.failure
                    operation = failure.operation or event.label or "?"
                    first_line = (failure.message or failure.title or "").strip().splitlines()
                    message = first_line[0] if first_line else failure.title
                    key = (operation, node.name, failure.title)
                    outcome.failures.setdefault(
                        key, FailureRow(operation, node.name, message or failure.title)
                    )
        elif isinstance(event, events.PhaseFinished):
            name = str(event.phase.name.value)
            if name in ("examples", "coverage", "fuzzing", "stateful"):
                previous = outcome.phases.get(name)
                status = "skipped" if not event.phase.is_enabled else event.status.name.lower()
                if previous in (None, "skip", "skipped", "success"):
                    outcome.phases[name] = status
        elif isinstance(event, events.NonFatalError):
            detail = (getattr(event.info, "message", "") or "").strip().splitlines()
            outcome.errors.append(f"{event.label}: {event.info.title}" + (f": {detail[0]}" if detail else ""))
        elif isinstance(event, events.EngineFinished):
            missing = getattr(getattr(ctx, "warnings", None), "missing_auth", None) or {}
            for labels in missing.values():
                outcome.refused |= set(labels)
        elif isinstance(event, events.FatalError):
            outcome.errors.append(
                str(event.exception).strip().splitlines()[0] if str(event.exception) else "fatal error"
            )


def render(
    *,
    spec: str,
    base_url: str,
    outcome: Outcome,
    memory: Memory,
    exit_code: int,
    seed: int,
    notices: list[str],
    reports: list[str],
    width: int | None = None,
) -> str:
    width = width or min(shutil.get_terminal_size((100, 20)).columns, 120)
    lines = [_rule(" mdcontract test: summary ", width)]
    lines.append(f"spec      {spec}")
    lines.append(f"target    {base_url}")
    marks = {"success": "ok", "failure": "FAILED", "error": "ERROR", "skipped": "skipped", "skip": "skipped"}
    phases = "  ".join(f"{name} {marks.get(status, status)}" for name, status in outcome.phases.items())
    lines.append(f"phases    {phases or 'none ran'}")
    lines.append(f"tested    {len(outcome.operations)} operations, {outcome.cases} test cases, seed {seed}")
    rows = sorted(outcome.failures.values(), key=lambda row: (row.operation, row.check))
    if rows:
        lines.append(f"failures  {len(rows)} distinct")
        op_width = min(max(len(row.operation) for row in rows), 44)
        check_width = min(max(len(row.check) for row in rows), 30)
        for row in rows[:MAX_FAILURE_ROWS]:
            text = f"  {row.operation:<{op_width}}  {row.check:<{check_width}}  {row.message}"
            lines.append(_clip(text, width))
        if len(rows) > MAX_FAILURE_ROWS:
            lines.append(
                f"  … and {len(rows) - MAX_FAILURE_ROWS} more (see the details above and the reports)"
            )
    else:
        lines.append("failures  none")
    for error in outcome.errors[:3]:
        lines.append(_clip(f"error     {error}", width * 2))
    if len(outcome.errors) > 3:
        lines.append(f"          … and {len(outcome.errors) - 3} more errors (see above)")
    timings = sorted(memory.streams.values(), key=lambda timing: timing.operation)
    if timings:
        lines.append("streams   time to first chunk (median / max over readings)")
        for timing in timings[:6]:
            median, slowest = timing.median_ms, timing.max_ms
            measured = (
                f"{median:.0f} ms / {slowest:.0f} ms"
                if median is not None and slowest is not None
                else "no chunk"
            )
            lines.append(f"  {timing.operation}  {measured}  ({timing.readings} readings)")
        if len(timings) > 6:
            lines.append(
                f"  … and {len(timings) - 6} more stream operations (all of them in the --junit report)"
            )
    if memory.probes_sent:
        lines.append(
            f"authz     {memory.probes_sent} requests replayed as user B, {memory.leaks_found} reached user A's data"
        )
    for notice in notices:
        lines.append(f"notice    {notice}")
    if reports:
        lines.append(f"reports   {'  '.join(reports)}")
    verdict = {0: "PASSED", 1: "FAILED"}.get(exit_code, "ERROR")
    lines.append(f"result    {verdict} (exit {exit_code})")
    lines.append("─" * width)
    return "\n".join(lines)


def annotate_junit(path: Path, memory: Memory, notices: list[str]) -> None:
    """Add time to first chunk per stream operation and the run's notices as JUnit properties."""
    try:
        tree = ElementTree.parse(path)
    except (OSError, ElementTree.ParseError):
        return
    root = tree.getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    for suite in suites:
        properties = suite.find("properties")
        if properties is None:
            properties = ElementTree.Element("properties")
            suite.insert(0, properties)
        for timing in sorted(memory.streams.values(), key=lambda item: item.operation):
            if timing.median_ms is not None and timing.max_ms is not None:
                value = f"median {timing.median_ms:.1f} ms, max {timing.max_ms:.1f} ms, {timing.readings} readings"
            else:
                value = f"no chunk arrived, {timing.readings} readings"
            ElementTree.SubElement(
                properties, "property", name=f"time to first chunk: {timing.operation}", value=value
            )
        for notice in notices:
            ElementTree.SubElement(properties, "property", name="notice", value=notice)
    tree.write(path, encoding="utf-8", xml_declaration=True)


def _rule(title: str, width: int) -> str:
    side = max(width - len(title), 4) // 2
    return f"{'─' * side}{title}{'─' * (width - side - len(title))}"


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
