"""markdown -> OpenAPI: read the document, normalize it, apply the overlay, check the examples."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..emit import canonical
from ..jsonschema import converted_components, validator
from ..overlay import apply_overlay
from ..refs import follow_refs
from .ir import Diagnostic, Document
from .links import add_links
from .normalize import SAMPLE_LINE, to_openapi
from .reader import merge_duplicates, read_document


@dataclass
class ImportResult:
    spec: dict[str, Any]
    diagnostics: list[Diagnostic] = field(default_factory=list)
    document: Document | None = None

    @property
    def has_errors(self) -> bool:
        return any(d.severity == "error" for d in self.diagnostics)


def import_markdown(
    text: str, file: str = "doc.md", overlay: dict[str, Any] | None = None, api: str | None = None
) -> ImportResult:
    doc = read_document(text, file)
    merge_duplicates(doc)
    spec = to_openapi(doc, api or Path(file).stem)
    if overlay:
        spec, unmatched = apply_overlay(spec, overlay)
        for message in unmatched:
            doc.warn(1, "overlay-unmatched", message)
    add_error_responses(spec)
    # create -> read -> update -> delete links, so that the stateful contract tests can chain calls
    spec = canonical(add_links(spec))
    for line, message in check_examples(spec, drop=True):
        doc.warn(line, "example-invalid", message, "error")
    _strip_sample_lines(spec)
    # one report per defect: operations sharing a table or a sample (PUT + PATCH, "same as") see it twice
    accepted = {(d.line, d.rule, d.message): d for d in doc.diagnostics if not _ignored_inline(doc, d)}
    diagnostics = sorted(accepted.values(), key=lambda d: (d.line, d.rule, d.message))
    return ImportResult(spec, diagnostics, doc)


def _ignored_inline(doc: Document, d: Diagnostic) -> bool:
    """Accepted in the doc itself with `<!-- mdcontract: ignore RULE -->`."""
    return any(start <= d.line <= end and d.rule in rules for start, end, rules in doc.suppressed)


def _strip_sample_lines(node: Any) -> None:
    """Examples carry the file line of their sample until they are checked; the spec does not."""
    if isinstance(node, dict):
        node.pop(SAMPLE_LINE, None)
        for v in node.values():
            _strip_sample_lines(v)
    elif isinstance(node, list):
        for v in node:
            _strip_sample_lines(v)


def add_error_responses(spec: dict[str, Any]) -> None:
    """Give every operation the responses the overlay's root decisions imply: the invalid-input
    and not-found responses wherever there is input (only input can name something that does not
    exist), the unauthorized response wherever a token is required."""
    invalid = spec.get("x-invalid-input")
    not_found = spec.get("x-not-found")
    unauthorized = spec.get("x-unauthorized")
    global_security = spec.get("security") or []
    for item in spec.get("paths", {}).values():
        for op in item.values():
            responses = op.setdefault("responses", {})
            has_input = op.get("parameters") or op.get("requestBody")
            if invalid and has_input:
                responses.setdefault(str(invalid["status"]), {"$ref": invalid["response"]})
            if not_found and has_input:
                responses.setdefault(str(not_found["status"]), {"$ref": not_found["response"]})
            secured = op.get("security", global_security)
            if unauthorized and secured:
                responses.setdefault(str(unauthorized["status"]), {"$ref": unauthorized["response"]})


def check_examples(spec: dict[str, Any], drop: bool = False) -> list[tuple[int, str]]:
    """Every named example must validate against its schema (a stream's against its item schema).
    With ``drop``, an example that does not is left out of the spec (and reported at its sample)."""
    problems: list[tuple[int, str]] = []
    components = converted_components(spec)
    for path, item in spec.get("paths", {}).items():
        for method, op in item.items():
            line = (op.get("x-source") or {}).get("line", 1)
            bodies = []
            if "requestBody" in op:
                bodies.append(("request", op["requestBody"]))
            for status, resp in op.get("responses", {}).items():
                if "$ref" in resp:
                    resp = follow_refs(spec, resp)
                bodies.append((f"response {status}", resp))
            for where, body in bodies:
                for media, mt in (body.get("content") or {}).items():
                    schema = mt.get("schema")
                    if schema is None:
                        continue
                    examples = mt.get("examples") or {}
                    if not examples:
                        continue
                    try:
                        check = validator(schema, spec, components)
                    except ValueError as exc:  # jsonschema-rs refuses a schema it cannot compile
                        problems.append(
                            (line, f"{method.upper()} {path} {where} {media} schema is not valid: {exc}")
                        )
                        if drop:
                            mt.pop("examples", None)
                        continue
                    for name, ex in list(examples.items()):
                        own = "$ref" not in ex
                        if not own:
                            ex = follow_refs(spec, ex)
                        found = check.iter_errors(ex.get("value"))
                        errors = [
                            f"{'/'.join(map(str, e.instance_path)) or '(root)'}: {e.message}" for e in found
                        ]
                        at = ex.get(SAMPLE_LINE, line)
                        for err in errors[:3]:
                            problems.append(
                                (
                                    at,
                                    f"{method.upper()} {path} {where} {media} example {name!r} does not validate: {err}"
                                    + ("; left out of the spec" if drop and own else ""),
                                )
                            )
                        if errors and drop and own:
                            del examples[name]
                    if drop and not examples:
                        mt.pop("examples", None)
    return problems
