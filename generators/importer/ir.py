"""The intermediate representation the recognizers fill and the normalizer turns into OpenAPI."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .samples import Sample


@dataclass(order=True)
class Diagnostic:
    file: str
    line: int
    severity: str  # "error" | "warning"
    rule: str
    message: str

    def text(self) -> str:
        return f"{self.file}:{self.line}: {self.severity}: {self.message} [{self.rule}]"

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "severity": self.severity,
            "rule": self.rule,
            "message": self.message,
        }


@dataclass
class Field:
    """A row of a parameter or response-field table (or a field known from a sample comment)."""

    name: str
    line: int
    type: str = ""  # as written in the doc
    required: bool | None = None
    description: str = ""
    default: str = ""
    depth: int = 0  # nesting written as `-name` / `--name`
    location: str = ""  # query / path / header / body / form when the doc says; '' = by method
    example: str = ""  # a value the doc shows for it (`X-Session-Id` Header | `sessionId`)


@dataclass
class DocSample:
    role: str  # "request" | "response" | "headers"
    line: int  # 1-based line of the sample's first line
    sample: Sample
    caption: str = ""
    lang: str = ""
    status: str = ""  # the HTTP status the doc gives this sample ('' = the operation's success status)
    headers: dict[str, str] = field(default_factory=dict)  # response headers shown with it (raw HTTP)


@dataclass
class Endpoint:
    title: str
    line: int
    number: str = ""
    chapter_line: int = 0  # the heading its section number is counted under (numbers restart per chapter)
    method: str = ""
    method_line: int = 0
    path: str = ""
    path_line: int = 0
    server: str = ""
    tag: str = ""
    deprecated: bool = False
    description: str = ""
    table_title: str = ""
    table_title_line: int = 0
    message_format: str = ""
    params: list[Field] = field(default_factory=list)
    fields: list[Field] = field(default_factory=list)  # response field table
    samples: list[DocSample] = field(default_factory=list)
    text_stream: bool = False  # the doc says the response is a raw text stream
    notes: list[str] = field(default_factory=list)
    merged_from: list[Endpoint] = field(default_factory=list)
    # what the doc says in words about the answer: json / text / sse / binary / redirect / none
    response_kind: str = ""
    statuses: dict[str, str] = field(default_factory=dict)  # documented statuses -> their description
    success_status: str = ""  # `Status: 201 Created` before the success sample
    request_media: str = ""  # form / multipart / text/markdown ... when the doc says
    redirect: bool = False  # the entry is a browser redirect (`重定向到 /x`), not an API call
    own_title: bool = False  # titled by its own line or table row, not by the section heading
    group: int = 0  # endpoints written one after another share what follows (two request lines)
    references: list[tuple[int, str, str]] = field(default_factory=list)  # (line, what, target words)
    fallback_requests: list[DocSample] = field(default_factory=list)  # bodies curl examples send
    tentative: bool = False  # path and method read from an example call: a request line replaces them
    weak: bool = False  # an overview row or an example call: merged silently into a section documenting it
    only_a_link: bool = False  # its only clue is a URL alone on a line: a link unless more clues follow

    def has_content(self) -> bool:
        return bool(self.params or self.fields or self.samples or self.statuses or self.response_kind)

    def document_status(
        self, code: str, text: str = "", *, replace: bool = False, sets_success: bool = True
    ) -> None:
        """Record a status the doc gives; the first 2xx one becomes the success status.

        `replace` overwrites a description already recorded (otherwise the first one stays);
        `sets_success=False` records the status without letting it become the success status.
        """
        if replace:
            self.statuses[code] = text
        else:
            self.statuses.setdefault(code, text)
        if sets_success and code.startswith("2") and not self.success_status:
            self.success_status = code


@dataclass
class ErrorCode:
    code: int
    description: str
    line: int
    remark: str = ""


@dataclass
class Document:
    file: str
    title: str = ""
    version: str = ""
    endpoints: list[Endpoint] = field(default_factory=list)
    error_codes: list[ErrorCode] = field(default_factory=list)
    envelope_fields: list[Field] = field(default_factory=list)
    bearer: bool = False
    bearer_line: int = 0
    auth_description: str = ""
    token_header: str = ""  # response header that carries the token (e.g. session-token)
    servers: list[str] = field(default_factory=list)
    params_header: list[str] = field(default_factory=list)  # the doc's usual params-table header
    statuses: dict[str, str] = field(default_factory=dict)  # statuses the doc lists for every call
    status_methods: dict[str, set[str]] = field(default_factory=dict)  # ... or for these methods only
    proto_messages: dict[str, Any] = field(default_factory=dict)  # Protocol Buffers messages seen so far
    commented: list[Endpoint] = field(default_factory=list)  # what commented-out sections document
    suppressed: list[tuple[int, int, set[str]]] = field(default_factory=list)  # inline `ignore` comments
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def warn(self, line: int, rule: str, message: str, severity: str = "warning") -> None:
        self.diagnostics.append(Diagnostic(self.file, line, severity, rule, message))
