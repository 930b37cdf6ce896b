"""Reading a spec file and following its local ``$ref``s."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from generators.refs import RefError, follow_refs

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class SpecError(Exception):
    """A spec cannot be served. ``problems`` lists every reason, one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


# The C loader when available: the character spec is large and start-up time matters for --watch.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _JsonishLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """A safe loader that keeps dates and times as strings.

    JSON has no date type, so an unquoted ``2023-04-26`` in an example must stay the string
    the API sends, not become a ``datetime.date`` that no schema of type string accepts.
    """


_JsonishLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}


def load_spec(path: Path) -> dict[str, Any]:
    """Parse an OpenAPI 3.0 file; raise SpecError saying what is wrong with it."""
    try:
        data = path.read_bytes()
        text = data.decode("utf-8")
    except OSError as exc:
        raise SpecError([f"{path}: cannot read: {exc.strerror or exc}"]) from exc
    except UnicodeDecodeError as exc:
        raise SpecError([f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})"]) from exc
    doc = _cached(data)
    if doc is None:
        try:
            doc = yaml.load(text, Loader=_JsonishLoader)  # a SafeLoader subclass
        except yaml.YAMLError as exc:
            raise SpecError([f"{path}: not valid YAML: {exc}"]) from exc
        _cache(data, doc)
    if not isinstance(doc, dict) or not isinstance(doc.get("paths"), dict):
        raise SpecError([f"{path}: not an OpenAPI document (no `paths` mapping)"])
    version = str(doc.get("openapi", ""))
    if not version.startswith("3."):
        raise SpecError([f"{path}: `openapi: {version}` is not supported; the mock reads OpenAPI 3.0"])
    return doc


# Building Python objects from YAML is most of a server's start (0.4 s for character.yaml, even with
# the C parser); the same document as JSON loads ten times faster. So a spec read once is kept as
# JSON under the user's cache folder, named by the digest of the YAML bytes: any edit is a new name.
def _cache_file(data: bytes) -> Path | None:
    root = os.environ.get("MDCONTRACT_CACHE") or os.environ.get("XDG_CACHE_HOME") or "~/.cache"
    if root == "off":
        return None
    return Path(root).expanduser() / "mdcontract" / "specs" / f"{hashlib.sha256(data).hexdigest()}.json"


def _cached(data: bytes) -> dict[str, Any] | None:
    file = _cache_file(data)
    if file is None:
        return None
    try:
        doc = json.loads(file.read_bytes())
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def _cache(data: bytes, doc: Any) -> None:
    file = _cache_file(data)
    if file is None or not isinstance(doc, dict):
        return
    try:
        encoded = json.dumps(doc, ensure_ascii=False, allow_nan=False)
        if json.loads(encoded) != doc:
            return  # something JSON cannot say (integer keys...): always read the YAML
        file.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=file.parent, prefix=".spec-")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(encoded)
        os.replace(temporary, file)
    except (OSError, ValueError, TypeError):
        pass  # a cache that cannot be written only costs time


def resolve(doc: dict[str, Any], node: Any) -> Any:
    """Follow a chain of local ``$ref``s (responses, parameters, examples...) to the real node."""
    try:
        return follow_refs(doc, node)
    except RefError as exc:
        raise SpecError([str(exc)]) from exc


def iter_operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """(path, METHOD, path item, operation) for every operation, in document order."""
    for path, item in doc["paths"].items():
        item = resolve(doc, item)
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            operation = item.get(method)
            if isinstance(operation, dict):
                yield str(path), method.upper(), item, operation
