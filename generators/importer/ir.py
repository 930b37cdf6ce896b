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


@dataclass
class DocSample:
    role: str  # "request" | "response" | "headers"
    line: int  # 1-based line of the sample's first line
    sample: Sample
    caption: str = ""
    lang: str = ""


@dataclass
class Endpoint:
    title: str
    line: int
    number: str = ""
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
    content_type: str = ""  # declared request content type
    message_format: str = ""
    params: list[Field] = field(default_factory=list)
    fields: list[Field] = field(default_factory=list)  # response field table
    samples: list[DocSample] = field(default_factory=list)
    text_stream: bool = False  # the doc says the response is a raw text stream
    notes: list[str] = field(default_factory=list)
    merged_from: list[Endpoint] = field(default_factory=list)


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
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def warn(self, line: int, rule: str, message: str, severity: str = "warning") -> None:
        self.diagnostics.append(Diagnostic(self.file, line, severity, rule, message))
