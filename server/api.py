"""One served API: its spec compiled once, its database, its handlers, its tokens.

Everything a request of that API needs is reachable from here; the Connexion stack
(``server.stack``) routes a request to the operation and this object answers it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mocks.context import SpecContext
from mocks.examples import is_json
from mocks.operation import Operation, compile_operation
from mocks.routing import Router
from mocks.spec import iter_operations
from mocks.streams import StreamKind, stream_kind
from server.auth import TokenStore
from server.envelope import Envelope, ErrorBook
from server.files import FileStore
from server.registry import Handler, Handlers, handlers_for
from server.storage import Database

log = logging.getLogger("mdcontract.server")

DEFAULT_TTFT_MS = 350.0
DEFAULT_TOKENS_PER_S = 30.0


@dataclass(frozen=True)
class ServeOptions:
    """How `mdcontract serve` runs; the same for every API it serves."""

    data_dir: Path | None = None  # None: in memory, nothing on disk
    seed: str | None = None  # "demo": the demo dataset on first start
    ttft_ms: float = DEFAULT_TTFT_MS
    tokens_per_s: float = DEFAULT_TOKENS_PER_S
    cors: bool = True
    validate_responses: bool = False  # tests: every answer checked against the spec
    max_upload_bytes: int = 10 * 1024 * 1024


@dataclass(frozen=True)
class OperationInfo:
    """What the server needs to know of one operation, beyond what its handler does."""

    operation_id: str
    method: str
    path: str
    label: str
    tags: tuple[str, ...]
    compiled: Operation  # the mock's compiled checks: parameters, body, credentials, responses
    success_status: int
    success_message: Any
    success_media_type: str | None
    stream: StreamKind | None
    statuses: frozenset[int]
    requires_auth: bool
    has_default: bool
    raw: dict[str, Any] = field(repr=False, default_factory=dict)


class ServedAPI:
    """A spec served by the reference implementation."""

    def __init__(
        self,
        name: str,
        spec_path: Path,
        doc: dict[str, Any],
        options: ServeOptions,
        handlers: Handlers | None = None,
    ) -> None:
        self.name = name
        self.spec_path = spec_path
        self.doc = doc
        self.options = options
        self.ctx = SpecContext(doc, name)
        self.envelope = Envelope.of(doc)
        self.errors = ErrorBook(self.ctx, self.envelope)
        self.handlers: Handlers = handlers if handlers is not None else handlers_for(name)
        self.operations: dict[str, OperationInfo] = {}
        self.router: Router[OperationInfo] = Router()
        for path, method, item, raw in iter_operations(doc):
            info = _operation_info(self.ctx, self.envelope, path, method, item, raw)
            self.operations[info.operation_id] = info
            self.router.add(path, method, info)
        self.data_dir = options.data_dir / name if options.data_dir is not None else None
        self.db = Database(options.data_dir / f"{name}.sqlite" if options.data_dir is not None else None)
        self.tokens = TokenStore(self.db)
        self.files = FileStore(self.data_dir / "files" if self.data_dir is not None else None)
        self.db.write_now(self._create_schema)

    def _create_schema(self, db: Any) -> None:
        self.tokens.create_schema(db)
        for create in self.handlers.schemas:
            create(db)

    def handler(self, operation_id: str) -> Handler | None:
        return self.handlers.operations.get(operation_id)

    def allowed_methods(self, path: str) -> list[str]:
        """The methods the spec documents for a request path (for a 405's Allow header)."""
        found = self.router.match(path)
        if found is None:
            return []
        methods = list(found[0])
        return [*methods, *(["HEAD"] if "GET" in methods else []), "OPTIONS"]

    @property
    def missing(self) -> list[OperationInfo]:
        """Operations that have no handler (they answer 501)."""
        return [
            info for info in self.operations.values() if info.operation_id not in self.handlers.operations
        ]

    def close(self) -> None:
        self.db.close()


def _operation_info(
    ctx: SpecContext, envelope: Envelope, path: str, method: str, item: dict[str, Any], raw: dict[str, Any]
) -> OperationInfo:
    compiled = compile_operation(ctx, path, method, item, raw)
    success = compiled.success
    status = success.status if success is not None and success.status else 200
    media_type = None
    message = None
    if success is not None:
        media_types = [m for m in success.schemas] or [e.media_type for e in success.examples if e.media_type]
        media_type = media_types[0] if media_types else None
        for example in success.examples:
            value = example.value
            if envelope.message_field and isinstance(value, dict) and envelope.message_field in value:
                message = value[envelope.message_field]
                break
    if message is None and envelope.message_field:
        message = "success" if envelope.success_code == 0 else ""
    statuses = frozenset(r.status for r in compiled.responses if r.status)
    operation_id = str(raw.get("operationId") or f"{method.lower()}_{path}")
    return OperationInfo(
        operation_id=operation_id,
        method=method,
        path=path,
        label=f"{method} {path}",
        tags=tuple(str(t) for t in raw.get("tags") or ()),
        compiled=compiled,
        success_status=status,
        success_message=message,
        success_media_type=media_type,
        stream=stream_kind(media_type) if media_type and not is_json(media_type) else None,
        statuses=statuses,
        requires_auth=bool(compiled.security),
        has_default=any(r.key.lower() == "default" for r in compiled.responses),
        raw=raw,
    )
