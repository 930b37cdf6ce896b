"""Local `$ref`s of an OpenAPI document: JSON pointers and chains of references.

One implementation for the importer, the docs generator and the mock, so that all of them read
`~0`/`~1` escapes and refuse dangling or circular references the same way.
"""

from __future__ import annotations

from typing import Any


class RefError(ValueError):
    """A `$ref` that points nowhere, outside the document, or back to itself."""


def pointer_get(doc: Any, pointer: str) -> Any:
    """The node at a JSON pointer (``/a/b`` or ``#/a/b``); KeyError/IndexError when it does not exist."""
    node = doc
    for raw in pointer.lstrip("#").split("/")[1:]:
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list):
            node = node[int(token)]
        elif isinstance(node, dict):
            node = node[token]
        else:
            raise KeyError(pointer)
    return node


def follow_refs(doc: dict[str, Any], node: Any) -> Any:
    """Follow a chain of local `$ref`s (responses, parameters, examples, schemas) to the real node."""
    seen: set[str] = set()
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if not ref.startswith("#/") or ref in seen:
            raise RefError(f"cannot follow $ref {ref!r} (only local, non-circular refs)")
        seen.add(ref)
        try:
            node = pointer_get(doc, ref)
        except (KeyError, IndexError, ValueError) as exc:
            raise RefError(f"$ref {ref!r} points nowhere") from exc
    return node
