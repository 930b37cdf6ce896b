"""The checks these APIs need beyond schemathesis's own: one short function per rule, one clear message.

Importing this module registers them with schemathesis (`@schemathesis.check`), for the CLI and the
pytest paths alike. They read the spec conventions from the README: `x-envelope`, `x-invalid-input`,
stream media types whose `schema` is one item. A check that does not apply to a response returns quietly.
"""

from __future__ import annotations

from typing import Any

import schemathesis

from contract_tests import authz, lifecycle, stream_checks, streams
from contract_tests.http import Request
from contract_tests.resources import (
    content_type,
    json_body,
    memory_of,
    model_of,
    named_resources,
    operation_of,
    principal,
    settings_of,
    succeeded,
)
from generators.specmodel import pointer_get

OUR_CHECKS = (
    "envelope_code",
    "envelope_message",
    "error_envelope",
    "documented_headers_sent",
    "stream_conformance",
    "authorization_boundary",
    "deleted_stays_deleted",
)
# Need memory of earlier requests and a target that keeps state; off with --stateless.
STATEFUL_CHECKS = (
    "authorization_boundary",
    "deleted_stays_deleted",
    "use_after_free",
    "ensure_resource_availability",
)


def _body(response: Any) -> Any:
    return json_body(response.content, content_type(response.headers))


@schemathesis.check
def envelope_code(ctx: Any, response: Any, case: Any) -> None:
    """A 2xx answer carries the success code of `x-envelope`; an error a documented non-success code."""
    if settings_of(case) is None:
        return
    model = model_of(case)
    envelope, body = model.envelope, _body(response)
    if envelope is None or envelope.code_field is None or not isinstance(body, dict):
        return
    operation = operation_of(case)
    documented = (
        operation.enveloped(response.status_code, content_type(response.headers)) if operation else True
    )
    if not documented and envelope.code_field not in body:
        return  # the docs show this answer without the envelope
    field, code, status = envelope.code_field, envelope.code(body), response.status_code
    invalid = model.invalid_input
    errors_may_be_2xx = invalid is not None and invalid.status is not None and 200 <= invalid.status < 300
    if 200 <= status < 300 and not errors_may_be_2xx and code != envelope.success_code:
        raise AssertionError(
            f"a {status} answer carries {field}={code!r}; a successful answer carries {field}={envelope.success_code!r}"
        )
    if status >= 400 and code == envelope.success_code:
        raise AssertionError(f"a {status} error answer carries the success code {field}={code!r}")
    if status >= 400 and envelope.error_codes and code not in envelope.error_codes:
        documented = ", ".join(repr(item) for item in sorted(envelope.error_codes, key=str))
        raise AssertionError(
            f"a {status} error answer carries {field}={code!r}, not a documented code ({documented})"
        )


@schemathesis.check
def envelope_message(ctx: Any, response: Any, case: Any) -> None:
    """session-store style envelopes: the message is empty exactly when the code says success."""
    if settings_of(case) is None:
        return
    model = model_of(case)
    envelope, body = model.envelope, _body(response)
    if envelope is None or not envelope.empty_message_on_success or not isinstance(body, dict):
        return
    if envelope.code_field not in body:
        return
    message = pointer_get(body, envelope.message_pointer)
    field, where = envelope.code_field, (envelope.message_pointer or "").lstrip("/")
    if envelope.is_success(body) and message not in ("", None):
        raise AssertionError(
            f"{field}={envelope.code(body)!r} says success but {where}={message!r} says it failed"
        )
    if not envelope.is_success(body) and not message:
        raise AssertionError(
            f"{field}={envelope.code(body)!r} says the call failed but {where} does not say why"
        )


@schemathesis.check
def error_envelope(ctx: Any, response: Any, case: Any) -> None:
    """Errors come in the API's own error shape (`x-invalid-input`), with a human-readable message."""
    if settings_of(case) is None:
        return
    if response.status_code < 400:
        return
    model = model_of(case)
    invalid = model.invalid_input
    if invalid is None or invalid.schema is None:
        return
    body = _body(response)
    if body is None:
        media_type = content_type(response.headers) or "no Content-Type"
        snippet = response.content[:60].decode("utf-8", errors="replace")
        raise AssertionError(
            f"a {response.status_code} error answer is {media_type} {snippet!r}, not the API's JSON error shape"
        )
    error = next(iter(model.validator(invalid.schema).iter_errors(body)), None)
    if error is not None:
        where = "/".join(str(part) for part in error.instance_path) or "(root)"
        raise AssertionError(
            f"a {response.status_code} error answer does not match the API's error shape at {where}: {error.message}"
        )
    message = pointer_get(body, invalid.message_pointer)
    if invalid.message_pointer and (not isinstance(message, str) or not message.strip()):
        raise AssertionError(
            f"a {response.status_code} error answer has no message at {invalid.message_pointer}: {message!r}"
        )


@schemathesis.check
def documented_headers_sent(ctx: Any, response: Any, case: Any) -> None:
    """Headers the docs show in an answer (e.g. the `session-token` of a login) are sent."""
    if settings_of(case) is None:
        return
    operation = operation_of(case)
    if operation is None:
        return
    # The docs list the headers a response carries ("Sample returned in headers"), so a documented header
    # is expected unless the spec says `required: false` (OpenAPI's default of false would make them moot).
    missing = sorted(
        name
        for name, definition in operation.documented_headers(response.status_code).items()
        if definition.get("required", True) is not False
        and name.lower() not in response.headers
        and name.lower() != "content-type"
    )
    if missing:
        raise AssertionError(
            f"a {response.status_code} answer lacks the documented header(s) {', '.join(missing)}"
        )


@schemathesis.check
def stream_conformance(ctx: Any, response: Any, case: Any) -> None:
    """A documented stream, read incrementally with limits on items and time, keeps the stream rules."""
    reading = stream_checks.take_reading(case)  # read in `before_call`; taken first so none is left behind
    if not 200 <= response.status_code < 300:
        return
    operation, settings = operation_of(case), settings_of(case)
    stream = operation.stream(response.status_code, content_type(response.headers)) if operation else None
    if operation is None or stream is None or settings is None:
        return
    state = memory_of(case)
    if reading is None:
        reading = stream_checks.read(Request.from_prepared(response.request), case, settings)
    state.record_stream(operation.label, reading.first_chunk_seconds)
    if reading.status >= 500:
        raise AssertionError(f"read as a stream, the same request answered {reading.status}")
    body = reading.body if reading.status == response.status_code else response.content
    if reading.cut_short:
        raise AssertionError(f"the stream did not end: {reading.cut_short} (read {len(reading.body)} bytes)")
    if reading.error:
        raise AssertionError(f"the stream broke off after {len(reading.body)} bytes: {reading.error}")
    found = streams.problems(stream.media_type, body, stream.item_schema, model_of(case))
    if found:
        raise AssertionError("\n".join(found))


@schemathesis.check
def authorization_boundary(ctx: Any, response: Any, case: Any) -> None:
    """User B (`--token-b`) cannot read or change user A's sessions, characters, conversations."""
    message = authz.judge(case, response)
    if message:
        state = memory_of(case)
        with state.lock:
            state.leaks_found += 1
        raise AssertionError(message)


@schemathesis.check
def deleted_stays_deleted(ctx: Any, response: Any, case: Any) -> None:
    """Once deleted with success, a resource is gone for good: no later success names it."""
    settings, operation = settings_of(case), operation_of(case)
    if settings is None or settings.stateless or operation is None:
        return
    state = memory_of(case)
    model = model_of(case)
    if not succeeded(model, response.status_code, response.content, content_type(response.headers)):
        return
    who = principal(model, response.request, case.body)
    named = named_resources(case, operation)
    if operation.action == "delete":
        # Only what the verb names is gone: /character/delChat deletes chats, not the character it names.
        kind = operation.object_kind
        deleted = [(k, value) for _, k, value in named if k == kind]
        with state.lock:
            if not deleted and operation.acts_on_all:
                deleted = [(k, value) for owner, k, value in state.owned if owner == who and k == kind]
            for k, value in deleted:
                state.deleted[(who, k, value)] = operation.label
        message = lifecycle.read_back(case, response, operation, sorted(deleted)[:3], model, settings)
        if message:
            raise AssertionError(message)
        return
    with state.lock:
        gone = [(kind, value, state.deleted.get((who, kind, value))) for _, kind, value in named]
    gone = [(kind, value, by) for kind, value, by in gone if by is not None]
    if gone:
        kind, value, by = gone[0]
        raise AssertionError(
            f"{kind} {value} was deleted by {by}, yet {operation.label} still succeeds with it"
        )
