"""The documented responses of an operation, checked and serialized once at start."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any

from mocks import dynamic
from mocks.context import SpecContext
from mocks.schemas import Validator
from mocks.streams import StreamKind, base_media_type, frame_item, parse_items, split_frames, stream_kind
from mocks.textstream import StreamShape, generate_stream, read_shape

Headers = tuple[tuple[bytes, bytes], ...]


@dataclass(frozen=True)
class Payload:
    """Exactly what goes over the wire: status, headers, and the body or the stream's chunks."""

    status: int
    headers: Headers
    body: bytes = b""
    chunks: tuple[bytes, ...] | None = None

    def __post_init__(self) -> None:
        # Content-Length once, here: without it every answer would go out chunked.
        bodiless = self.status in (204, 304) or self.status < 200
        if (
            self.chunks is None
            and not bodiless
            and all(name != b"content-length" for name, _ in self.headers)
        ):
            length = ((b"content-length", str(len(self.body)).encode()),)
            object.__setattr__(self, "headers", (*self.headers, *length))


@dataclass(frozen=True)
class ResponseExample:
    name: str
    media_type: str | None
    value: Any
    payload: Payload
    # x-when: (parameter or body field, validator); all must match the request.
    when: tuple[tuple[str, Validator], ...] = ()
    documented: bool = True


@dataclass
class Response:
    """One documented response (a status code) with its examples in document order."""

    key: str  # "200", "4XX", "default"
    status: int
    description: str
    schemas: dict[str, Any]  # media type -> schema (OpenAPI dialect), for dynamic data
    headers: Headers
    examples: list[ResponseExample]
    label: str = ""  # the operation's, for the kind of text its dynamic streams carry
    # media type -> what its documented streams show and its item validator, read on first use
    streams: dict[str, tuple[StreamShape, Validator | None]] = field(default_factory=dict, repr=False)

    def with_status(self, status: int) -> list[ResponseExample]:
        """The examples answered with another status (a `default` response for `Prefer: code=`)."""
        return [
            ResponseExample(e.name, e.media_type, e.value, _restatus(e.payload, status), e.when, e.documented)
            for e in self.examples
        ]


def _restatus(payload: Payload, status: int) -> Payload:
    return Payload(status, payload.headers, payload.body, payload.chunks)


def status_of(key: str) -> int:
    """`200` -> 200, `4XX` -> 400; `default` -> 0 (decided by the caller)."""
    key = key.strip().upper()
    if key.isdigit():
        return int(key)
    if len(key) == 3 and key[0] in "12345" and key[1:] == "XX":
        return int(key[0]) * 100
    return 0


def is_json(media_type: str) -> bool:
    base = base_media_type(media_type)
    return base in ("application/json", "*/*") or base.endswith("+json")


def content_type_header(media_type: str) -> bytes:
    base = base_media_type(media_type)
    if base == "*/*":
        return b"application/json"
    if base.startswith("text/") and "charset" not in media_type.lower() and base != "text/event-stream":
        # Chinese text without a charset is mojibake in a browser.
        return f"{media_type}; charset=utf-8".encode()
    return media_type.encode()


def encode_value(media_type: str, value: Any) -> bytes:
    if isinstance(value, str) and not is_json(media_type):
        return value.encode()
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def build_payload(
    status: int, media_type: str | None, value: Any, headers: Headers, wire: str | None = None
) -> Payload:
    """Serialize once: the bytes of a body, or the chunks of a stream."""
    if media_type is None:
        return Payload(status, headers)
    all_headers = ((b"content-type", content_type_header(media_type)), *headers)
    kind = stream_kind(media_type)
    if kind is None or (kind == "text" and wire is None):
        return Payload(status, all_headers, encode_value(media_type, value))
    frames = split_frames(kind, wire) if isinstance(wire, str) else [frame_item(kind, value)]
    return stream_payload(status, all_headers, frames)


def stream_payload(status: int, headers: Headers, frames: list[str]) -> Payload:
    stream_headers = ((b"cache-control", b"no-cache"), (b"x-accel-buffering", b"no"))
    return Payload(status, (*headers, *stream_headers), chunks=tuple(f.encode() for f in frames))


def dynamic_payload(
    ctx: SpecContext,
    response: Response,
    media_type: str | None,
    rng: random.Random,
    status: int,
    params: dict[str, Any] | None = None,
    body: Any = None,
) -> Payload:
    """A fresh payload generated from the response's schema (`Prefer: dynamic=true`).

    A stream carries generated text (generators.fake) shaped like its documented samples,
    written for the request (``params`` and ``body``): the same request, the same stream.
    """
    schema = response.schemas.get(media_type) if media_type else None
    if media_type is None or schema is None:
        return Payload(status, response.headers)
    kind = stream_kind(media_type)
    if kind is not None:
        shape, validator = _stream_shape(ctx, response, media_type, kind, schema)
        generated = generate_stream(
            ctx.doc, schema, shape, kind, rng, response.label, params, body, validator
        )
        if generated is not None:
            frames, _ = generated
            all_headers = ((b"content-type", content_type_header(media_type)), *response.headers)
            return stream_payload(status, all_headers, frames)
    success = 200 <= status < 300
    if kind in ("ndjson", "sse"):
        items = [
            dynamic.settle_envelope(ctx.doc, dynamic.generate(ctx.doc, schema, rng), success)
            for _ in range(3)
        ]
        wire = "".join(frame_item(kind, item) for item in items)
        return build_payload(status, media_type, items[-1], response.headers, wire)
    value = dynamic.settle_envelope(ctx.doc, dynamic.generate(ctx.doc, schema, rng), success)
    wire = value if kind == "text" and isinstance(value, str) else None
    return build_payload(status, media_type, value, response.headers, wire)


def _stream_shape(
    ctx: SpecContext, response: Response, media_type: str, kind: StreamKind, schema: Any
) -> tuple[StreamShape, Validator | None]:
    if media_type not in response.streams:
        documented = []
        for example in response.examples:
            if example.media_type != media_type or not example.documented:
                continue
            if example.payload.chunks is not None:
                frames = [chunk.decode() for chunk in example.payload.chunks]
                documented.append(parse_items(kind, frames))
            else:
                documented.append([example.value])
        # Compiled here, not at start: most operations are never asked for dynamic data.
        validator = ctx.validator(schema, f"{response.label}: response {response.key} {media_type}")
        response.streams[media_type] = (read_shape(documented), validator)
    return response.streams[media_type]


def build_responses(ctx: SpecContext, operation: dict[str, Any], label: str) -> list[Response]:
    responses = operation.get("responses")
    if not isinstance(responses, dict) or not responses:
        ctx.problems.append(f"{label}: no responses documented")
        return []
    built = []
    for key, raw in responses.items():
        where = f"{label}: response {key}"
        response = ctx.resolve(raw, where)
        if not isinstance(response, dict):
            continue
        built.append(_build_response(ctx, str(key), response, where, label))
    return built


def _build_response(ctx: SpecContext, key: str, response: dict[str, Any], where: str, label: str) -> Response:
    status = status_of(key)
    headers = _response_headers(ctx, response.get("headers"), where)
    schemas: dict[str, Any] = {}
    examples: list[ResponseExample] = []
    content = response.get("content") if isinstance(response.get("content"), dict) else {}
    for media_type, media in content.items():
        media = ctx.resolve(media, f"{where} {media_type}") or {}
        schema = media.get("schema")
        schemas[media_type] = schema
        examples += _media_examples(
            ctx, status or 200, str(media_type), media, headers, f"{where} {media_type}"
        )
    if not content:
        examples.append(ResponseExample("", None, None, Payload(status or 200, headers)))
    description = str(response.get("description", ""))
    return Response(key, status, description, schemas, headers, examples, label)


def _media_examples(
    ctx: SpecContext, status: int, media_type: str, media: dict[str, Any], headers: Headers, where: str
) -> list[ResponseExample]:
    schema = media.get("schema")
    validator = ctx.validator(schema, where)
    kind = stream_kind(media_type)
    found = list(_named_examples(ctx, media, where))
    out = []
    for name, example in found:
        ex_where = f"{where} example {name!r}"
        value = example.get("value")
        wire = example.get("x-oai-serializedValue")
        if wire is not None and not isinstance(wire, str):
            ctx.problems.append(f"{ex_where}: x-oai-serializedValue must be a string (the wire text)")
            wire = None
        _check_example(ctx, validator, kind, value, wire, ex_where)
        when = _when(ctx, example.get("x-when"), ex_where)
        payload = build_payload(status, media_type, value, headers, wire)
        out.append(ResponseExample(name, media_type, value, payload, when))
    if not out:
        # Nothing documented: answer a value generated from the schema, the same at every start.
        rng = random.Random(f"{ctx.seed}:{where}")
        value = dynamic.generate(ctx.doc, schema, rng) if schema is not None else None
        wire = value if kind == "text" and isinstance(value, str) else None
        payload = build_payload(status, media_type, value, headers, wire)
        out.append(ResponseExample("", media_type, value, payload, documented=False))
    return out


def _named_examples(ctx: SpecContext, media: dict[str, Any], where: str) -> list[tuple[str, dict[str, Any]]]:
    examples = media.get("examples")
    if isinstance(examples, dict) and examples:
        out = []
        for name, raw in examples.items():
            example = ctx.resolve(raw, f"{where} example {name!r}")
            if isinstance(example, dict):
                out.append((str(name), example))
        return out
    if "example" in media:
        return [("example", {"value": media["example"]})]
    schema = ctx.resolve(media.get("schema"), where)
    if isinstance(schema, dict) and "example" in schema:
        return [("example", {"value": schema["example"]})]
    return []


def _check_example(
    ctx: SpecContext,
    validator: Validator | None,
    kind: StreamKind | None,
    value: Any,
    wire: str | None,
    where: str,
) -> None:
    ctx.check(validator, value, where)
    if kind is None or wire is None:
        return
    try:
        items = parse_items(kind, split_frames(kind, wire))
    except ValueError as exc:
        ctx.problems.append(f"{where}: x-oai-serializedValue has an item that is not JSON: {exc}")
        return
    for index, item in enumerate(items):
        ctx.check(validator, item, f"{where} stream item {index}")


def _when(ctx: SpecContext, raw: Any, where: str) -> tuple[tuple[str, Validator], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        ctx.problems.append(f"{where}: x-when must map a parameter or body field to a schema")
        return ()
    out = []
    for name, schema in raw.items():
        validator = ctx.plain_validator(schema, f"{where} x-when {name!r}")
        if validator is not None:
            out.append((str(name), validator))
    return tuple(out)


def _response_headers(ctx: SpecContext, raw: Any, where: str) -> Headers:
    if not isinstance(raw, dict):
        return ()
    out = []
    for name, header in raw.items():
        if str(name).lower() == "content-type":
            continue  # OpenAPI: a documented Content-Type header is ignored
        header_where = f"{where} header {name!r}"
        header = ctx.resolve(header, header_where)
        if not isinstance(header, dict):
            continue
        schema = header.get("schema")
        value = _header_example(ctx, header, header_where)
        if value is None:
            rng = random.Random(f"{ctx.seed}:{header_where}")
            value = dynamic.generate(ctx.doc, schema, rng) if schema is not None else ""
        else:
            ctx.check(ctx.validator(schema, header_where), value, f"{header_where} example")
        out.append((str(name).lower().encode(), header_text(value).encode()))
    return tuple(out)


def _header_example(ctx: SpecContext, header: dict[str, Any], where: str) -> Any:
    if "example" in header:
        return header["example"]
    if isinstance(header.get("examples"), dict):
        for name, raw in header["examples"].items():
            example = ctx.resolve(raw, f"{where} example {name!r}")
            if isinstance(example, dict) and "value" in example:
                return example["value"]
    schema = ctx.resolve(header.get("schema"), where)
    if isinstance(schema, dict):
        return schema.get("example", schema.get("default"))
    return None


def header_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
