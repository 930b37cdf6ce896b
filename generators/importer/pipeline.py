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
from .normalize import to_openapi
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
    # create -> read -> update -> delete links, so that the stateful contract tests can chain calls;
    # the rules live with the contract tests, whose stateful phase is what reads them
    from .links import add_links

    spec = canonical(add_links(spec))
    for line, message in check_examples(spec):
        doc.warn(line, "example-invalid", message, "error")
    diagnostics = sorted(doc.diagnostics, key=lambda d: (d.line, d.rule, d.message))
    return ImportResult(spec, diagnostics, doc)


def add_error_responses(spec: dict[str, Any]) -> None:
    """Give every operation the responses the overlay's root decisions imply: the invalid-input
    response wherever there is input, the unauthorized response wherever a token is required."""
    invalid = spec.get("x-invalid-input")
    unauthorized = spec.get("x-unauthorized")
    global_security = spec.get("security") or []
    for item in spec.get("paths", {}).values():
        for op in item.values():
            responses = op.setdefault("responses", {})
            if invalid and (op.get("parameters") or op.get("requestBody")):
                responses.setdefault(str(invalid["status"]), {"$ref": invalid["response"]})
            secured = op.get("security", global_security)
            if unauthorized and secured:
                responses.setdefault(str(unauthorized["status"]), {"$ref": unauthorized["response"]})


def check_examples(spec: dict[str, Any]) -> list[tuple[int, str]]:
    """Every named example must validate against its schema (a stream's against its item schema)."""
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
                    check = validator(schema, spec, components)
                    for name, ex in examples.items():
                        if "$ref" in ex:
                            ex = follow_refs(spec, ex)
                        found = check.iter_errors(ex.get("value"))
                        for err in [
                            f"{'/'.join(map(str, e.instance_path)) or '(root)'}: {e.message}" for e in found
                        ][:3]:
                            problems.append(
                                (
                                    line,
                                    f"{method.upper()} {path} {where} {media} example {name!r} does not validate: {err}",
                                )
                            )
    return problems
