"""After a successful delete, ask the operations that read that resource for it: they must not succeed.

The stateful phase reaches such chains only when its links start from an operation schemathesis picks as
an entry point, so `deleted_stays_deleted` does not wait for one: right after a delete succeeds it sends up
to three reads of what was deleted, built from the read's documented example, the delete's own inputs
(same names: `user_id`, `request_id` ...) and the deleted id.
"""

from __future__ import annotations

from typing import Any

from contract_tests.credentials import credential_for
from contract_tests.http import fetch
from contract_tests.resources import content_type, request_for, succeeded
from contract_tests.state import Settings
from generators.specmodel import Operation, SpecModel

MAX_READS = 3


def read_back(
    case: Any,
    response: Any,
    operation: Operation,
    deleted: list[tuple[str, str]],
    model: SpecModel,
    settings: Settings,
) -> str | None:
    """A failure message when a read of a just-deleted resource still succeeds."""
    known = {**case.path_parameters, **case.query, **(case.body if isinstance(case.body, dict) else {})}
    # the same user as the delete: user A, signed in as the command line says
    credential = credential_for(model.raw, settings.token, settings.basic)
    sent = 0
    for reader in model.operations():
        if reader.action != "read" or reader.label == operation.label:
            continue
        for kind, value in deleted:
            names = [name for name, owned in reader.owned_inputs.items() if owned == kind]
            if not names or sent >= MAX_READS:
                continue
            follow = _case_for(case.operation.schema, reader, {**known, **dict.fromkeys(names, value)})
            if follow is None:
                continue
            reading = fetch(
                request_for(follow, credential, headers=dict(settings.headers)),
                app=case.operation.app,
                limits=settings.stream_limits,
            )
            sent += 1
            if succeeded(
                model, reading.status, reading.body, reading.content_type or content_type(reading.headers)
            ):
                return (
                    f"{kind} {value} was deleted by {operation.label}, yet {reader.label} still answers it "
                    f"with {reading.status}"
                )
    return None


def _case_for(schema: Any, reader: Operation, values: dict[str, Any]) -> Any:
    """A valid-looking request for `reader`: given values first, then its documented example; None if incomplete."""
    example = _body_example(reader)
    containers: dict[str, dict[str, Any]] = {"path": {}, "query": {}, "header": {}, "body": {}}
    for name, location in reader.inputs.items():
        if name in values:
            value = _typed(values[name], reader.input_schema(name))
        elif location == "body" and name in example:
            value = example[name]
        elif location != "body" and _parameter_example(reader, name) is not None:
            value = _parameter_example(reader, name)
        elif name in reader.required_inputs:
            return None
        else:
            continue
        containers[location][name] = value
    operation = schema[reader.path][reader.method]
    kwargs: dict[str, Any] = {
        "path_parameters": containers["path"],
        "query": containers["query"],
        "headers": containers["header"],
    }
    if reader.body_schema is not None:
        kwargs |= {"body": containers["body"], "media_type": "application/json"}
    return operation.Case(**kwargs)


def _typed(value: Any, schema: dict[str, Any]) -> Any:
    if schema.get("type") == "integer" and isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    if schema.get("type") == "string" and not isinstance(value, str):
        return str(value)
    return value


def _body_example(reader: Operation) -> dict[str, Any]:
    body = reader.spec.resolve(reader.raw.get("requestBody") or {})
    for content in (body.get("content") or {}).values():
        if isinstance(content.get("example"), dict):
            return content["example"]
        for example in (content.get("examples") or {}).values():
            value = reader.spec.resolve(example).get("value")
            if isinstance(value, dict):
                return value
    return {}


def _parameter_example(reader: Operation, name: str) -> Any:
    for parameter in reader.parameters:
        if parameter.get("name") == name:
            if "example" in parameter:
                return parameter["example"]
            return (parameter.get("schema") or {}).get("example")
    return None
