"""OpenAPI Overlay 1.0: apply a human's decisions (``spec/overlays/<api>.yaml``) to an imported spec.

Targets are JSONPath expressions (jsonpath-ng, with filters); ``update`` merges objects
recursively, appends to arrays the items they lack and replaces scalars; ``remove: true`` deletes the target.
Every action must say why in its ``description``.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

try:
    from jsonpath_ng.ext.parser import ExtendedJsonPathParser
except ImportError:  # jsonpath-ng before 1.7 spelled it so
    from jsonpath_ng.ext.parser import ExtentedJsonPathParser as ExtendedJsonPathParser


class OverlayError(ValueError):
    pass


def load_overlay(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not str(data.get("overlay", "")).startswith("1."):
        raise OverlayError(f"{path}: not an OpenAPI Overlay 1.x document (missing `overlay: 1.0.0`)")
    for i, action in enumerate(data.get("actions") or []):
        if not action.get("description"):
            raise OverlayError(
                f"{path}: action {i + 1} ({action.get('target')}) has no description saying why"
            )
    return data


_PARSER: ExtendedJsonPathParser | None = None


def jsonpath(target: str) -> Any:
    """A compiled JSONPath. One parser for all targets: jsonpath-ng's `parse()` builds its grammar
    tables anew at every call, which was a fifth of importing character.md (132 targets)."""
    global _PARSER
    if _PARSER is None:
        _PARSER = ExtendedJsonPathParser()
    return _PARSER.parse(target)


def deep_merge(target: Any, update: Any) -> Any:
    if isinstance(target, dict) and isinstance(update, dict):
        for k, v in update.items():
            target[k] = deep_merge(target[k], v) if k in target else copy.deepcopy(v)
        return target
    # arrays gain the items they lack: a decision the spec already holds (a re-imported doc written
    # from this spec, a `required` name the doc now gives) is not added twice
    if isinstance(target, list) and isinstance(update, list):
        target.extend(copy.deepcopy(item) for item in update if item not in target)
        return target
    if isinstance(target, list):
        if update not in target:
            target.append(copy.deepcopy(update))
        return target
    return copy.deepcopy(update)


def apply_overlay(spec: dict[str, Any], overlay: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Apply every action in order; return the spec and a message for each action that matched nothing.

    A server the doc names and the overlay decides (with its description) ends as one server."""
    unmatched: list[str] = []
    for action in overlay.get("actions") or []:
        target = action["target"]
        try:
            expr = jsonpath(target)
        except Exception as exc:  # jsonpath-ng raises bare Exceptions on syntax errors
            raise OverlayError(f"overlay target {target!r} is not valid JSONPath: {exc}") from exc
        matches = expr.find(spec)
        if not matches:
            unmatched.append(f"overlay action matched nothing: {target} ({action['description']})")
            continue
        if action.get("remove"):
            for m in reversed(matches):
                parent = m.context.value if m.context is not None else None
                key = (
                    getattr(m.path, "fields", [None])[0]
                    if hasattr(m.path, "fields")
                    else getattr(m.path, "index", None)
                )
                if isinstance(parent, dict):
                    parent.pop(key, None)
                elif isinstance(parent, list) and isinstance(key, int):
                    del parent[key]
            continue
        if "update" in action:
            for m in matches:
                merged = deep_merge(m.value, action["update"])
                if merged is not m.value:
                    m.full_path.update(spec, merged)
    one_server_per_url(spec)
    return spec, unmatched


def one_server_per_url(spec: dict[str, Any]) -> None:
    """A server the doc names and the overlay decides (with its description) is one server."""
    if not isinstance(spec.get("servers"), list):
        return
    by_url: dict[Any, dict[str, Any]] = {}
    for server in spec["servers"]:
        if isinstance(server, dict):
            by_url.setdefault(server.get("url"), {}).update(server)
    spec["servers"] = list(by_url.values())
