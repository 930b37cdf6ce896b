"""Answers in an API's own words: its success envelope, and its errors with the documented status.

The spec says it all: root ``x-envelope`` (the fields of the usual envelope and the success code),
``x-invalid-input`` and ``x-unauthorized`` (status, documented body, where the message goes). The
error bodies are the mock's templates (``mocks.errors``), so the mock and the server answer a bad
request with the same bytes.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

from mocks.context import SpecContext
from mocks.errors import ErrorTemplate, compile_error, compile_invalid_input


class ApiError(Exception):
    """An answer other than success, raised anywhere in a request's handling.

    ``kind`` picks the template: ``invalid`` (x-invalid-input), ``not_found`` (x-not-found),
    ``unauthorized`` (x-unauthorized) or ``server`` (an internal error in the API's envelope). ``code`` overrides the envelope's code
    (character's session codes 2/3/4), ``example`` picks a documented example by name fragment.
    """

    def __init__(
        self,
        message: str,
        *,
        kind: str = "invalid",
        status: int | None = None,
        code: Any = None,
        example: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.status = status
        self.code = code
        self.example = example
        self.headers = headers or {}

    @property
    def status_code(self) -> int:
        """For Connexion, which picks among several auth failures by status."""
        return self.status or (401 if self.kind == "unauthorized" else 400)


def invalid(message: str, **kwargs: Any) -> ApiError:
    return ApiError(message, kind="invalid", **kwargs)


def not_found(message: str, **kwargs: Any) -> ApiError:
    return ApiError(message, kind="not_found", **kwargs)


def unauthorized(message: str, *, example: str = "invalid", **kwargs: Any) -> ApiError:
    """No valid session: ``example`` is ``missing``, ``expire`` or ``invalid`` (the documented
    examples of the API's Unauthorized response carry the matching codes)."""
    return ApiError(message, kind="unauthorized", example=example, **kwargs)


@dataclass(frozen=True)
class Envelope:
    """The usual response envelope of an API (root ``x-envelope``); all None when it has none."""

    code_field: str | None = None
    success_code: Any = None
    message_field: str | None = None
    data_field: str | None = None

    @classmethod
    def of(cls, doc: dict[str, Any]) -> Envelope:
        spec = doc.get("x-envelope")
        if not isinstance(spec, dict):
            return cls()
        return cls(
            spec.get("codeField"), spec.get("successCode"), spec.get("messageField"), spec.get("dataField")
        )

    def success(self, data: Any, message: Any) -> Any:
        """``data`` wrapped as a success; APIs without a data field spread it into the envelope."""
        if self.code_field is None:
            return data
        body: dict[str, Any] = {self.code_field: self.success_code}
        if self.message_field is not None and message is not None:
            body[self.message_field] = message
        if self.data_field is not None:
            if data is not None:
                body[self.data_field] = data
        elif isinstance(data, dict):
            body.update(data)
        return body


@dataclass(frozen=True)
class Rendered:
    status: int
    body: bytes
    media_type: str
    headers: dict[str, str]


class ErrorBook:
    """Renders ApiErrors of one API in its envelope."""

    def __init__(self, ctx: SpecContext, envelope: Envelope) -> None:
        self.envelope = envelope
        self.invalid_input: ErrorTemplate = compile_invalid_input(ctx)
        self.unauthorized: ErrorTemplate | None = compile_error(ctx, "x-unauthorized")
        self.not_found: ErrorTemplate | None = compile_error(ctx, "x-not-found")
        self._unauthorized_examples = _examples_of(ctx, "x-unauthorized")
        self._server_code = _server_error_code(ctx, envelope)

    def render(self, error: ApiError) -> Rendered:
        template = self.invalid_input
        status = error.status
        value: Any = None
        if error.kind == "unauthorized":
            if self.unauthorized is not None:
                template = self.unauthorized
                value = self._pick(error.example)
            status = status or (self.unauthorized.status if self.unauthorized else 401)
        elif error.kind == "not_found" and self.not_found is not None:
            template = self.not_found
        elif error.kind == "server":
            status = status or 500
        body = copy.deepcopy(value if value is not None else template.value)
        _set(body, template.pointer, error.message)
        code = error.code
        if code is None and error.kind == "server":
            code = self._server_code
        if code is not None and self.envelope.code_field and isinstance(body, dict):
            body[self.envelope.code_field] = code
        encoded = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        headers = dict(error.headers)
        if error.kind == "unauthorized" and status == 401:
            headers.setdefault("www-authenticate", "Bearer")
        return Rendered(status or template.status, encoded, template.media_type, headers)

    def _pick(self, fragment: str | None) -> Any:
        if not self._unauthorized_examples:
            return None
        if fragment:
            for name, value in self._unauthorized_examples:
                if fragment in name.lower():
                    return value
        return self._unauthorized_examples[0][1]


def _set(body: Any, pointer: tuple[str, ...], message: str) -> None:
    node = body
    for token in pointer[:-1]:
        node = node.setdefault(token, {})
    node[pointer[-1]] = message


def _examples_of(ctx: SpecContext, where: str) -> list[tuple[str, Any]]:
    spec = ctx.doc.get(where)
    if not isinstance(spec, dict) or not isinstance(spec.get("response"), str):
        return []
    response = ctx.resolve({"$ref": spec["response"]}, where)
    content = response.get("content") if isinstance(response, dict) else None
    if not isinstance(content, dict) or not content:
        return []
    media = ctx.resolve(next(iter(content.values())), where) or {}
    out = []
    for name, raw in (media.get("examples") or {}).items():
        example = ctx.resolve(raw, where)
        if isinstance(example, dict) and isinstance(example.get("value"), dict):
            out.append((str(name), example["value"]))
    return out


def _server_error_code(ctx: SpecContext, envelope: Envelope) -> Any:
    """The code the API documents for an internal error (character: 1), else None."""
    if envelope.code_field is None:
        return None
    error = ((ctx.doc.get("components") or {}).get("responses") or {}).get("Error")
    content = error.get("content") if isinstance(error, dict) else None
    if not isinstance(content, dict):
        return None
    for media in content.values():
        for raw in ((media or {}).get("examples") or {}).values():
            example = ctx.resolve(raw, "Error")
            value = example.get("value") if isinstance(example, dict) else None
            message = str(value.get(envelope.message_field, "")) if isinstance(value, dict) else ""
            if "internal" in message.lower() or "server" in message.lower():
                return value.get(envelope.code_field)
    return None
