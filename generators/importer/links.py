"""OpenAPI links for the stateful phase, derived from the shapes of the operations.

    spec = add_links(spec)

An operation whose answer holds an id (`result.session_id`, `sessions[0].session_id`, the `id` of a
conversation) links to every operation taking an input of that name (`session_id` in the body, `{id}` in
`/api/chat/conversations/{id}`): create → read / update / delete. Ids come from operations that create
that kind of resource; when nothing creates it (sessions appear as a side effect of chatting), from the
operations that list it. A delete links to the reads and changes of what it deleted (`$request.body#/...`),
so the stateful phase checks that a deleted resource stays deleted. The user a request acts for
(`user_id`) is carried along, so a chain stays within one user's data.

Deterministic, and idempotent: links already present (written by hand in an overlay) are kept as they are.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import Any

from generators.specmodel import (
    JSON_MEDIA_TYPE,
    Operation,
    SpecModel,
    is_id_name,
    resource_kind,
    singular,
    words,
)

PRINCIPAL_FIELDS = ("user_id", "userId")
_LINK_NAME = re.compile(r"[^A-Za-z0-9._-]")
_MAX_DEPTH = 4


def add_links(spec: dict[str, Any]) -> dict[str, Any]:
    """A copy of `spec` with `links` on the success responses of the operations that produce ids."""
    try:
        return _add_links(spec)
    finally:
        _CONSUMED.clear()


def _add_links(spec: dict[str, Any]) -> dict[str, Any]:
    result = copy.deepcopy(spec)
    model = SpecModel(result)
    operations = [operation for operation in model.operations() if operation.operation_id]
    produced = {operation.label: list(_produced_ids(operation, model)) for operation in operations}
    creators = _creators(operations, produced)
    deleters: dict[str, set[str]] = {}
    for operation in operations:
        if operation.action == "delete" and operation.object_kind in set(_consumed(operation).values()):
            deleters.setdefault(str(operation.object_kind), set()).add(operation.label)
    chooser = _Chooser({operation.label: operation for operation in operations})
    for source in operations:
        for _, response in _success_responses(source):
            links = response.setdefault("links", {})
            new = dict(_links_from(source, operations, produced, creators, deleters, chooser))
            for name in sorted(new):
                links.setdefault(name, new[name])
            if not links:
                del response["links"]
    return result


def _success_responses(operation: Operation) -> Iterator[tuple[str, dict[str, Any]]]:
    for status, response in (operation.raw.get("responses") or {}).items():
        # A shared `$ref` response would carry the links to every operation using it; those are left alone.
        if str(status).startswith("2") and isinstance(response, dict) and "$ref" not in response:
            yield str(status), response


def _produced_ids(operation: Operation, model: SpecModel) -> Iterator[tuple[str, str, str]]:
    """(field name, kind, JSON pointer) of the ids in the operation's JSON success answers."""
    for _, response in _success_responses(operation):
        for media_type, content in (response.get("content") or {}).items():
            if JSON_MEDIA_TYPE.match(media_type) and content.get("schema"):
                yield from _walk(model, operation, content["schema"], "", 0)


def _walk(
    model: SpecModel, operation: Operation, schema: Any, pointer: str, depth: int
) -> Iterator[tuple[str, str, str]]:
    if depth > _MAX_DEPTH:
        return
    flat = model.flatten(schema)
    if flat.get("type") == "array" or "items" in flat:
        yield from _walk(model, operation, flat.get("items") or {}, f"{pointer}/0", depth + 1)
        return
    for name, subschema in (flat.get("properties") or {}).items():
        child = f"{pointer}/{name}"
        kind = _collection_kind(operation) if name == "id" else resource_kind(name)
        if is_id_name(name) and kind is not None:
            yield name, kind, child
        else:
            yield from _walk(model, operation, subschema, child, depth + 1)


def _collection_kind(operation: Operation) -> str | None:
    """`/api/chat/conversations` and `/api/conversations` -> conversation: what an `id` in the answer names."""
    static = [segment for segment in operation.path.split("/") if segment and not segment.startswith("{")]
    if not static:
        return None
    last = words(static[-1])
    return singular(last[-1]) if last else None


def _consumed(operation: Operation, *, required_only: bool = False) -> dict[str, str]:
    """Input name -> kind of the ids an operation takes (`session_id`, or `{id}` of a collection path)."""
    memo = _CONSUMED.setdefault(id(operation), (operation, {}))[1]  # asked for every pair of operations
    if required_only not in memo:
        memo[required_only] = _find_consumed(operation, required_only)
    return memo[required_only]


_CONSUMED: dict[int, tuple[Operation, dict[bool, dict[str, str]]]] = {}


def _find_consumed(operation: Operation, required_only: bool) -> dict[str, str]:
    found = {}
    required = operation.required_inputs
    for name, location in operation.inputs.items():
        if required_only and name not in required:
            continue
        kind = resource_kind(name, operation.path if location == "path" else None)
        if kind is not None and name not in PRINCIPAL_FIELDS:
            found[name] = kind
    return found


def _creators(
    operations: list[Operation], produced: dict[str, list[tuple[str, str, str]]]
) -> dict[str, set[str]]:
    """Kind -> operations that introduce ids of that kind (creates, or lists when nothing creates them)."""
    introducing: dict[str, set[str]] = {}
    creating: dict[str, set[str]] = {}
    for operation in operations:
        consumed_kinds = set(_consumed(operation, required_only=True).values())
        for _, kind, _ in produced[operation.label]:
            if kind in consumed_kinds:
                continue  # an answer echoing the id it was asked about produces nothing new
            introducing.setdefault(kind, set()).add(operation.label)
            if operation.action == "create":
                creating.setdefault(kind, set()).add(operation.label)
    return {kind: creating.get(kind) or labels for kind, labels in introducing.items()}


class _Chooser:
    """Of several operations producing one kind of id, the ones closest to a consumer in the path tree.

    `/character/world/session/create` feeds `/character/world/scenario/generate/sse`, while
    `/character/createChat` (another kind of session with the same `session_id` name) does not.
    """

    def __init__(self, operations: dict[str, Operation]) -> None:
        self.operations = operations

    def allows(self, source: Operation, target: Operation, candidates: set[str]) -> bool:
        closeness = {label: _common_scope(self.operations[label], target) for label in candidates}
        return closeness.get(source.label, -1) == max(closeness.values(), default=-1)


def _scope(operation: Operation) -> list[str]:
    static = [
        segment.lower() for segment in operation.path.split("/") if segment and not segment.startswith("{")
    ]
    return static[:-1]


def _common_scope(left: Operation, right: Operation) -> int:
    count = 0
    for a, b in zip(_scope(left), _scope(right), strict=False):
        if a != b:
            break
        count += 1
    return count


def _links_from(
    source: Operation,
    operations: list[Operation],
    produced: dict[str, list[tuple[str, str, str]]],
    creators: dict[str, set[str]],
    deleters: dict[str, set[str]],
    chooser: _Chooser,
) -> Iterator[tuple[str, dict[str, Any]]]:
    ids = {}
    for name, kind, pointer in produced[source.label]:
        if source.label in creators.get(kind, set()):
            ids.setdefault(kind, (name, pointer))
    deleted = (
        {name: kind for name, kind in _consumed(source).items() if kind == source.object_kind}
        if source.action == "delete"
        else {}
    )
    if not ids and not deleted:
        return  # nothing to hand on: most operations, and the pairing below is over every operation
    for target in operations:
        if target.label == source.label:
            continue
        parameters: dict[str, str] = {}
        body: dict[str, str] = {}
        for name, kind in _consumed(target).items():
            expression = None
            if kind in ids and chooser.allows(source, target, creators[kind]):
                expression = f"$response.body#{ids[kind][1]}"
            elif (
                deleted
                and target.action != "delete"
                and chooser.allows(source, target, deleters.get(kind, set()))
            ):
                expression = next(
                    (
                        _request_expression(source, input_name)
                        for input_name, k in deleted.items()
                        if k == kind
                    ),
                    None,
                )
            if expression is not None:
                _place(target, name, expression, parameters, body)
        if not parameters and not body:
            continue
        for field in PRINCIPAL_FIELDS:
            if field in source.inputs and field in target.inputs:
                _place(target, field, _request_expression(source, field), parameters, body)
        link: dict[str, Any] = {"operationId": target.operation_id}
        if parameters:
            link["parameters"] = parameters
        if body:
            link["requestBody"] = body
        link["description"] = _describe(source, target)
        yield _LINK_NAME.sub("_", str(target.operation_id)), link


def _place(
    target: Operation, name: str, expression: str, parameters: dict[str, str], body: dict[str, str]
) -> None:
    location = target.inputs[name]
    if location == "body":
        body[name] = expression
    else:
        parameters[f"{location}.{name}"] = expression


def _request_expression(source: Operation, name: str) -> str:
    location = source.inputs[name]
    if location == "body":
        return f"$request.body#/{name}"
    return f"$request.{location}.{name}"


def _describe(source: Operation, target: Operation) -> str:
    if source.action == "delete":
        return f"After {source.label}, {target.label} on what was deleted (it must be gone)."
    return f"{target.label} on what {source.label} returned."
