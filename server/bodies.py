"""Request bodies, read with their limits enforced as the bytes arrive.

A body larger than the server takes is refused before it is read: at once when its
``Content-Length`` says so, else as soon as the bytes received pass the limit (413). A multipart
body is parsed as it arrives (python-multipart, the parser Starlette uses), so that a file part is
judged by its headers and its first bytes, not after the whole upload was received:

- a part larger than its operation's limit for that field is a 413 when it passes the limit;
- a part whose declared ``Content-Type`` is not one the operation takes, or whose first bytes are
  no such format (an HTML page sent as ``photo.png``), is a 415.

Files stay in memory (the body limit bounds them): nothing is written to disk on the way, so an
upload reaches the file system only through :class:`server.files.FileStore`, under a name made of
its digest. The name the client gave is kept as data (``Uploaded.filename``), never used as a path.
"""

from __future__ import annotations

import codecs
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from server.envelope import invalid
from server.files import accepts, sniff
from server.registry import UploadRule

Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]

# Enough leading bytes to tell every format `server.files.sniff` knows.
SNIFF_BYTES = 16
# Text fields of a form are small (ids, names); Starlette's own limit for a non-file part.
MAX_FIELD_BYTES = 1024 * 1024
MAX_PARTS = 1000
GENERIC_TYPES = ("", "application/octet-stream")


@dataclass(frozen=True)
class Uploaded:
    """A file part of a multipart body."""

    filename: str  # as the client named it: data, never a path
    content_type: str  # as the client declared it
    data: bytes


def too_large(limit: int) -> Exception:
    return invalid(f"request body is larger than {limit} bytes", status=413)


def declared_length(headers: dict[str, str], limit: int) -> None:
    """413 before reading anything when the body says it is larger than ``limit``."""
    text = headers.get("content-length")
    if text is None:
        return
    try:
        length = int(text)
    except ValueError:
        raise invalid(f"Content-Length {text!r} is not a number") from None
    if length > limit:
        raise too_large(limit)


async def _chunks(receive: Receive, limit: int) -> AsyncIterator[bytes]:
    """The body's chunks as they arrive; 413 as soon as more than ``limit`` bytes arrived."""
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        yield chunk
        if not message.get("more_body", False):
            return


async def read_body(receive: Receive, limit: int) -> bytes:
    """The whole body; 413 as soon as more than ``limit`` bytes arrived."""
    return b"".join([chunk async for chunk in _chunks(receive, limit)])


class _Part:
    __slots__ = ("content_type", "data", "disposition", "filename", "name", "rule")

    def __init__(self) -> None:
        self.disposition = b""
        self.name = ""
        self.filename: str | None = None
        self.content_type = ""
        self.rule: UploadRule | None = None
        self.data = bytearray()


class FormReader:
    """One multipart body, fed chunk by chunk; raises the API's 400/413/415 as soon as it can tell."""

    def __init__(self, content_type: str, rules: dict[str, UploadRule]) -> None:
        _, params = parse_options_header(content_type)
        boundary = params.get(b"boundary")
        if not boundary:
            raise invalid("request body is not valid multipart/form-data: the Content-Type has no boundary")
        charset = params.get(b"charset", b"utf-8").decode("latin-1")
        try:
            self.charset = codecs.lookup(charset).name
        except LookupError:
            self.charset = "latin-1"
        self.rules = rules
        self.fields: list[tuple[str, str]] = []
        self.files: dict[str, Uploaded] = {}
        self._parts = 0
        self._part = _Part()
        self._header_name = b""
        self._header_value = b""
        try:
            self._parser = self._make_parser(boundary)
        except FormParserError as exc:
            raise invalid(f"request body is not valid multipart/form-data: {exc}") from None

    def _make_parser(self, boundary: bytes) -> MultipartParser:
        return MultipartParser(
            boundary,
            {
                "on_part_begin": self._begin,
                "on_header_field": self._header_field,
                "on_header_value": self._header_value_part,
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
                "on_part_data": self._data,
                "on_part_end": self._end,
            },
        )

    def feed(self, chunk: bytes) -> None:
        try:
            self._parser.write(chunk)
        except FormParserError as exc:
            raise invalid(f"request body is not valid multipart/form-data: {exc}") from None

    def finish(self) -> None:
        try:
            self._parser.finalize()
        except FormParserError as exc:
            raise invalid(f"request body is not valid multipart/form-data: {exc}") from None

    # --- python-multipart callbacks ---------------------------------------------------------------

    def _begin(self) -> None:
        self._parts += 1
        if self._parts > MAX_PARTS:
            raise invalid(f"request body has more than {MAX_PARTS} parts")
        self._part = _Part()

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_value_part(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        name = self._header_name.lower()
        if name == b"content-disposition":
            self._part.disposition = self._header_value
        elif name == b"content-type":
            self._part.content_type = self._decode(self._header_value).strip()
        self._header_name = self._header_value = b""

    def _headers_finished(self) -> None:
        part = self._part
        _, options = parse_options_header(part.disposition)
        if b"name" not in options:
            raise invalid(
                'request body is not valid multipart/form-data: a part has no Content-Disposition "name"'
            )
        part.name = self._decode(options[b"name"])
        if b"filename" not in options:
            return
        part.filename = self._decode(options[b"filename"])
        part.rule = self.rules.get(part.name)
        declared = part.content_type.split(";")[0].strip().lower()
        rule = part.rule
        if (
            rule is not None
            and rule.types
            and declared not in GENERIC_TYPES
            and not accepts(rule.types, declared)
        ):
            raise invalid(
                f"{part.name} is sent as {declared}; this operation takes {', '.join(rule.types)}", status=415
            )

    def _data(self, data: bytes, start: int, end: int) -> None:
        part = self._part
        before = len(part.data)
        part.data += data[start:end]
        if part.filename is None:
            if len(part.data) > MAX_FIELD_BYTES:
                raise invalid(
                    f"the form field {part.name} is larger than {MAX_FIELD_BYTES} bytes", status=413
                )
            return
        rule = part.rule
        if rule is None:
            return
        if before < SNIFF_BYTES <= len(part.data):
            self._check_bytes(part, rule)  # what it is, before how large: the answer says what to fix
        if rule.max_bytes is not None and len(part.data) > rule.max_bytes:
            raise invalid(f"{part.name} is larger than {rule.max_bytes} bytes", status=413)

    def _end(self) -> None:
        part = self._part
        if part.filename is None:
            self.fields.append((part.name, self._decode(bytes(part.data))))
            return
        if part.rule is not None and len(part.data) < SNIFF_BYTES:
            self._check_bytes(part, part.rule)  # a file shorter than the sniffed prefix
        self.files[part.name] = Uploaded(part.filename, part.content_type, bytes(part.data))
        # A file validates as the `format: binary` string it is in the schema (as in the mock).
        self.fields.append((part.name, part.filename))

    def _check_bytes(self, part: _Part, rule: UploadRule) -> None:
        if not rule.types:
            return
        found = sniff(bytes(part.data[:SNIFF_BYTES]))
        if found is None or not accepts(rule.types, found):
            what = f"a {found} file" if found else "no format this operation takes"
            raise invalid(
                f"{part.name} is {what} (judged by its first bytes); this operation takes "
                f"{', '.join(rule.types)}",
                status=415,
            )

    def _decode(self, raw: bytes) -> str:
        return raw.decode(self.charset, errors="replace")


async def read_form(
    receive: Receive, content_type: str, rules: dict[str, UploadRule], limit: int
) -> FormReader:
    """A multipart body parsed as it arrives; its fields (files as their names) and its files."""
    reader = FormReader(content_type, rules)
    async with contextlib.aclosing(_chunks(receive, limit)) as chunks:  # closed when a part is refused
        async for chunk in chunks:
            if chunk:
                reader.feed(chunk)
    reader.finish()
    return reader
