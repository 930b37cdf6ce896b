"""What "the same contract" means when a doc is read back, and where two contracts differ.

A doc is read back with the importer and no overlay. Two kinds of overlay decision are then told
apart:

- **API-wide policy**: the servers the mock answers on, which operations need no token
  (`security: []`), and what invalid input, an unknown id or a missing token gets
  (`x-invalid-input`, `x-not-found`, `x-unauthorized` and the responses they name). None of the four source styles has a notation
  for these, so the docs state them in words and the read-back takes them from the overlay
  (``policy_overlay``), exactly as `mdcontract import` would.
- **Everything about an operation's shape** (fields, which are required, samples, responses):
  the docs must carry it in a form the importer reads, so these overlay actions are *not*
  re-applied. Reading the docs back must give them anyway.

Provenance is not compared: `x-source` lines, `info.description` (it names the file) and the line
numbers in "Documented in several sections: ... (line N)". Nor are the summaries of an
operation's examples: they are labels, which the importer derives from the section title (and a
caption's condition); a summary an overlay wrote (and its `x-i18n` translation) is shown in the
sample's caption for readers.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from typing import Any

from ..emit import canonical
from ..importer import ImportResult, add_error_responses, import_markdown
from ..overlay import apply_overlay

ROOT_POLICY = {"servers", "security", "x-invalid-input", "x-unauthorized", "x-not-found"}
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def is_policy(action: dict[str, Any]) -> bool:
    update = action.get("update")
    target = str(action.get("target", ""))
    if target == "$.servers" and isinstance(update, list) and not action.get("remove"):
        return True  # servers added next to the doc's own
    if action.get("remove") or not isinstance(update, dict):
        return False
    if target == "$":
        return set(update) <= ROOT_POLICY
    if target.startswith("$.components"):
        return True
    if target.startswith("$.paths"):
        return set(update) <= {"security"}
    return False


def policy_overlay(overlay: dict[str, Any] | None) -> dict[str, Any] | None:
    """The overlay reduced to its API-wide policy actions (see the module docstring)."""
    if not overlay:
        return None
    actions = [a for a in overlay.get("actions") or [] if is_policy(a)]
    return {**overlay, "actions": actions} if actions else None


def read_back(
    text: str, api: str, overlay: dict[str, Any] | None = None
) -> tuple[ImportResult, dict[str, Any]]:
    """Import a doc with no overlay; return the result and its spec with the overlay's policy applied."""
    result = import_markdown(text, file=f"{api}.md", overlay=None, api=api)
    spec = copy.deepcopy(result.spec)
    policy = policy_overlay(overlay)
    if policy:
        spec, _ = apply_overlay(spec, policy)  # (a server named twice ends as one)
        add_error_responses(spec)
        spec = canonical(spec)
    return result, spec


# --- differences ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    pointer: tuple[str, ...]
    expected: Any  # what the spec says (MISSING when it says nothing)
    actual: Any  # what the doc says (MISSING when it says nothing)

    @property
    def operation(self) -> tuple[str, str] | None:
        if len(self.pointer) >= 3 and self.pointer[0] == "paths" and self.pointer[2] in HTTP_METHODS:
            return self.pointer[2].upper(), self.pointer[1]
        return None

    def message(self) -> str:
        if len(self.pointer) == 2 and self.pointer[0] == "paths":
            side, other = (self.expected, "the spec") if self.actual is MISSING else (self.actual, "the doc")
            if self.actual is MISSING or self.expected is MISSING:
                methods = [m.upper() for m in (side or {}) if m in HTTP_METHODS]
                where = (
                    "in the spec but not in the doc"
                    if other == "the spec"
                    else "in the doc but not in the spec"
                )
                return "; ".join(f"{m} {self.pointer[1]}: {where}" for m in methods)
        op = self.operation
        rest = self.pointer[3:] if op else self.pointer
        where = describe_pointer(rest)
        head = f"{op[0]} {op[1]}" if op else "the document"
        if self.actual is MISSING and where == "":
            return f"{head}: in the spec but not in the doc"
        if self.expected is MISSING and where == "":
            return f"{head}: in the doc but not in the spec"
        if self.actual is MISSING:
            return f"{head}: {where}: the spec has {short(self.expected)}, the doc says nothing"
        if self.expected is MISSING:
            return f"{head}: {where}: the doc has {short(self.actual)}, the spec does not"
        return f"{head}: {where}: the spec has {short(self.expected)}, the doc has {short(self.actual)}"


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


def normalized(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec without provenance, with parameters keyed by place and name, `required` as a set."""
    spec = copy.deepcopy(spec)
    (spec.get("info") or {}).pop("description", None)
    for item in (spec.get("paths") or {}).values():
        for method, op in item.items():
            if method not in HTTP_METHODS:
                continue
            op.pop("x-source", None)
            if "description" in op:
                op["description"] = re.sub(r"\(line \d+\)", "(line N)", op["description"])
            if "parameters" in op:
                op["parameters"] = {f"{p.get('in')} {p.get('name')}": p for p in op["parameters"]}
            for body in [op.get("requestBody") or {}, *(op.get("responses") or {}).values()]:
                for mt in (body.get("content") or {}).values():
                    for ex in (mt.get("examples") or {}).values():
                        ex.pop("summary", None)
                        ex.pop("x-i18n", None)  # the summary's translation, a label too
    _sort_required(spec)
    return spec


def _sort_required(node: Any) -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "required" and isinstance(v, list) and all(isinstance(x, str) for x in v):
                node[k] = sorted(v)
            else:
                _sort_required(v)
    elif isinstance(node, list):
        for v in node:
            _sort_required(v)


def differences(expected: dict[str, Any], actual: dict[str, Any]) -> list[Difference]:
    """Where `actual` (a doc read back) says something else than `expected` (the spec)."""
    found: list[Difference] = []
    _diff(normalized(expected), normalized(actual), (), found)
    return found


def _diff(a: Any, b: Any, pointer: tuple[str, ...], out: list[Difference]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in [*a, *[k for k in b if k not in a]]:
            if k not in b:
                out.append(Difference((*pointer, str(k)), a[k], MISSING))
            elif k not in a:
                out.append(Difference((*pointer, str(k)), MISSING, b[k]))
            else:
                _diff(a[k], b[k], (*pointer, str(k)), out)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _diff(x, y, (*pointer, str(i)), out)
    elif a != b or type(a) is not type(b):
        out.append(Difference(pointer, a, b))


def describe_pointer(rest: tuple[str, ...]) -> str:
    """`requestBody content application/json schema properties x` -> `request field x` and so on."""
    parts = list(rest)
    words: list[str] = []
    i = 0
    while i < len(parts):
        p = parts[i]
        nxt = parts[i + 1] if i + 1 < len(parts) else None
        if p == "requestBody":
            words.append("request body")
        elif p == "responses" and nxt is not None:
            words.append(f"response {nxt}")
            i += 1
        elif p == "content" and nxt is not None:
            words.append(nxt)
            i += 1
        elif p == "properties" and nxt is not None:
            words.append(f"field {nxt}")
            i += 1
        elif p == "examples" and nxt is not None:
            words.append(f"example {nxt!r}")
            i += 1
        elif p == "parameters" and nxt is not None:
            words.append(f"parameter {nxt.split(' ', 1)[-1]} (in {nxt.split(' ', 1)[0]})")
            i += 1
        elif p == "headers" and nxt is not None:
            words.append(f"header {nxt}")
            i += 1
        elif p == "allOf" and nxt is not None and nxt.isdigit():
            i += 1
        elif p == "schema":
            pass
        else:
            words.append(p)
        i += 1
    return " ".join(words)


def short(value: Any, limit: int = 80) -> str:
    text = (
        json.dumps(value, ensure_ascii=False, sort_keys=False) if not isinstance(value, str) else repr(value)
    )
    return text if len(text) <= limit else text[: limit - 1] + "…"
