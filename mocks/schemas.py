"""OpenAPI 3.0 schemas as JSON Schema, compiled once into jsonschema-rs validators.

OpenAPI 3.0's schema dialect is draft 4 plus a few keywords of its own. ``nullable`` is the one
that changes what validates (``{type: string, nullable: true}`` accepts ``null``), so it is
translated; the annotation-only keywords (``example``, ``x-*``, ``discriminator`` ...) are
dropped so a validator never trips over them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jsonschema_rs

from generators.jsonschema import convert  # the one OpenAPI 3.0 -> JSON Schema translation
from generators.refs import pointer_get
from mocks.spec import SpecError

COMPONENT_PREFIX = "#/components/schemas/"
MAX_MESSAGE = 300


@dataclass(frozen=True)
class Validator:
    """A compiled schema with a one-line error message for humans."""

    compiled: Any

    def is_valid(self, instance: Any) -> bool:
        try:
            return bool(self.compiled.is_valid(instance))
        except (ValueError, OverflowError):
            # jsonschema-rs cannot represent some Python values (e.g. integers beyond 2**64 in a
            # few keywords); such a value is not what any documented schema describes.
            return False

    def first_error(self, instance: Any) -> str | None:
        """None when valid, else "at /path: message" for the first error."""
        if self.is_valid(instance):
            return None
        try:
            error = next(iter(self.compiled.iter_errors(instance)), None)
        except (ValueError, OverflowError) as exc:
            if "recursion" in str(exc).lower():
                return "is nested too deeply to be validated"
            return _shorten(f"cannot be validated: {exc}")
        if error is None:
            return "is not valid"
        error = _most_specific(error)
        where = "/" + "/".join(str(p) for p in error.instance_path)
        return _shorten(f"at {where}: {error.message}" if where != "/" else str(error.message))


def describe(subject: str, error: str) -> str:
    """ "request body" + "at /kind: ..." or "request body: ..." """
    return f"{subject} {error}" if error.startswith("at /") else f"{subject}: {error}"


def _most_specific(error: Any) -> Any:
    """Descend into anyOf/oneOf failures: "not valid under any of the schemas" tells a user
    nothing, the deepest error of the closest branch does (e.g. a nullable object's field)."""
    for _ in range(32):
        context = getattr(error.kind, "context", None)
        branches = [branch for branch in context or [] if branch]
        if not branches:
            return error
        error = max((branch[0] for branch in branches), key=lambda e: len(e.instance_path))
    return error


def _shorten(text: str) -> str:
    # Error messages quote the instance; a megabyte body must not come back in the response.
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 3] + "..."


class SchemaCompiler:
    """Translates and compiles the schemas of one document, sharing its components."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self._definitions: dict[str, Any] = {}

    def json_schema(self, schema: Any) -> dict[str, Any]:
        """The draft-4 JSON Schema for ``schema``, with the components it references."""
        refs: set[str] = set()
        translated = self._translate(schema, refs)
        definitions: dict[str, Any] = {}
        pending = list(refs)
        while pending:
            name = pending.pop()
            if name in definitions:
                continue
            definitions[name] = self._definition(name, pending)
        # allOf, not a top-level $ref: in draft 4 the siblings of a $ref are ignored.
        result: dict[str, Any] = {"allOf": [translated]} if isinstance(translated, dict) else translated
        if definitions:
            result["definitions"] = definitions
        return result

    def compile(self, schema: Any, where: str) -> Validator:
        try:
            compiled = jsonschema_rs.Draft4Validator(self.json_schema(schema), validate_formats=True)
        except (ValueError, jsonschema_rs.ReferencingError) as exc:
            raise SpecError([f"{where}: the schema does not compile: {exc}"]) from exc
        return Validator(compiled)

    def compile_plain(self, schema: Any, where: str) -> Validator:
        """A schema that is JSON Schema proper (README: `x-when`), not OpenAPI's dialect, so
        `exclusiveMinimum: 1` means what JSON Schema 2020-12 says."""
        try:
            return Validator(jsonschema_rs.Draft202012Validator(schema, validate_formats=True))
        except (ValueError, TypeError, jsonschema_rs.ReferencingError) as exc:
            raise SpecError([f"{where}: the schema does not compile: {_shorten(str(exc))}"]) from exc

    def _definition(self, name: str, pending: list[str]) -> Any:
        if name not in self._definitions:
            try:
                component = pointer_get(self.doc, COMPONENT_PREFIX + name)
            except (KeyError, IndexError, ValueError) as exc:
                raise SpecError([f"$ref {COMPONENT_PREFIX + name!r} points nowhere"]) from exc
            refs: set[str] = set()
            self._definitions[name] = (self._translate(component, refs), refs)
        translated, refs = self._definitions[name]
        pending.extend(refs)
        return translated

    def _translate(self, schema: Any, refs: set[str]) -> Any:
        return convert(schema, on_ref=lambda ref: self._ref(ref, refs))

    def _ref(self, ref: str, refs: set[str]) -> dict[str, Any]:
        if ref.startswith(COMPONENT_PREFIX):
            name = ref[len(COMPONENT_PREFIX) :]
            refs.add(name)
            return {"$ref": "#/definitions/" + name.replace("~", "~0").replace("/", "~1")}
        try:
            # A schema elsewhere in the document (rare): inline it.
            return self._translate(pointer_get(self.doc, ref), refs)
        except (KeyError, IndexError, ValueError) as exc:
            raise SpecError([f"$ref {ref!r} points nowhere"]) from exc
