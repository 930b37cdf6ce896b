"""Error answers in the API's own envelope, from the spec's root ``x-invalid-input``."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

from mocks.context import SpecContext
from mocks.examples import Headers, Payload, content_type_header, is_json


@dataclass(frozen=True)
class ErrorTemplate:
    """The documented invalid-input body; each error fills in its message at ``pointer``."""

    status: int
    media_type: str
    value: Any
    pointer: tuple[str, ...]

    def payload(self, message: str | None, status: int | None = None, headers: Headers = ()) -> Payload:
        """The body with ``message`` at the pointer (None keeps the documented message)."""
        body = copy.deepcopy(self.value)
        if message is not None:
            node = body
            for token in self.pointer[:-1]:
                node = node.setdefault(token, {})
            node[self.pointer[-1]] = message
        encoded = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        all_headers = ((b"content-type", content_type_header(self.media_type)), *headers)
        return Payload(status or self.status, all_headers, encoded)


# Without x-invalid-input the API documents no envelope for errors: a bare message will do.
PLAIN = ErrorTemplate(400, "application/json", {}, ("message",))


def compile_invalid_input(ctx: SpecContext) -> ErrorTemplate:
    """What invalid input gets (root ``x-invalid-input``), or a bare message without it."""
    return compile_error(ctx, "x-invalid-input") or PLAIN


def compile_error(ctx: SpecContext, where: str) -> ErrorTemplate | None:
    """The template a root ``x-invalid-input`` / ``x-unauthorized`` describes; None when absent."""
    spec = ctx.doc.get(where)
    if spec is None:
        return None
    if not isinstance(spec, dict):
        ctx.problems.append(f"{where}: expected {{status, response, messagePointer}}")
        return None
    status, ref, pointer = spec.get("status"), spec.get("response"), spec.get("messagePointer")
    if not isinstance(status, int) or not 400 <= status < 500:
        ctx.problems.append(f"{where}: status must be a 4xx integer, not {status!r}")
        return None
    if not isinstance(pointer, str) or not pointer.startswith("/"):
        ctx.problems.append(f"{where}: messagePointer must be a JSON pointer like /msg, not {pointer!r}")
        return None
    response = ctx.resolve({"$ref": ref} if isinstance(ref, str) else ref, where)
    content = response.get("content") if isinstance(response, dict) else None
    if not isinstance(content, dict) or not content:
        ctx.problems.append(f"{where}: response {ref!r} documents no content to answer with")
        return None
    media_type, media = next(iter(content.items()))
    media = ctx.resolve(media, where) or {}
    value = _first_example(ctx, media, where)
    tokens = tuple(t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:])
    if (
        not is_json(str(media_type))
        or not isinstance(value, dict)
        or not tokens
        or not _settable(value, tokens)
    ):
        ctx.problems.append(
            f"{where}: the example of {ref!r} has no JSON object where messagePointer {pointer!r} can be set"
        )
        return None
    return ErrorTemplate(status, str(media_type), value, tokens)


def _first_example(ctx: SpecContext, media: dict[str, Any], where: str) -> Any:
    if "example" in media:
        return media["example"]
    for name, raw in (media.get("examples") or {}).items():
        example = ctx.resolve(raw, f"{where} example {name!r}")
        if isinstance(example, dict) and "value" in example:
            return example["value"]
    schema = ctx.resolve(media.get("schema"), where)
    return schema.get("example") if isinstance(schema, dict) else None


def _settable(value: Any, tokens: tuple[str, ...]) -> bool:
    node = value
    for token in tokens[:-1]:
        node = node.get(token, {}) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            return False
    return isinstance(node, dict)
