"""One served API: its spec compiled once, its database, its handlers, its tokens.

Everything a request of that API needs is reachable from here; the Connexion stack
(``server.stack``) routes a request to the operation and this object answers it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mocks.context import SpecContext
from mocks.examples import is_json, status_of
from mocks.operation import Operation, compile_operation
from mocks.routing import Router
from mocks.spec import iter_operations
from mocks.streams import StreamKind, stream_kind
from mocks.validation import compile_security
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
    max_upload_bytes: int = 10 * 1024 * 1024  # a multipart body (uploads)
    # Any other body (JSON, forms, text). Small, because a body's parsed form can be many times its
    # size in memory: 1 MB of `[{},{},...]` is 300,000 dicts.
    max_body_bytes: int = 1024 * 1024


class OperationInfo:
    """What the server needs to know of one operation, beyond what its handler does.

    The checks of its parameters and body (``compiled``: the mock's, jsonschema-rs validators) are
    compiled at the operation's first request, not at start: most of character's 269 operations
    are never called in a session, and start-up time is what a developer waits for.
    """

    def __init__(
        self,
        ctx: SpecContext,
        envelope: Envelope,
        path: str,
        method: str,
        item: dict[str, Any],
        raw: dict[str, Any],
    ) -> None:
        self._ctx = ctx
        self._item = item
        self.raw = raw
        self.method = method
        self.path = path
        self.label = f"{method} {path}"
        self.operation_id = str(raw.get("operationId") or f"{method.lower()}_{path}")
        self.tags = tuple(str(t) for t in raw.get("tags") or ())
        responses = raw.get("responses") if isinstance(raw.get("responses"), dict) else {}
        keys = [str(k) for k in responses]
        self.statuses = frozenset(status_of(k) for k in keys if status_of(k))
        self.has_default = any(k.lower() == "default" for k in keys)
        ok = sorted((k for k in keys if 200 <= status_of(k) < 300), key=status_of)
        success_key = ok[0] if ok else ("default" if self.has_default else None)
        self.success_status = status_of(success_key) if success_key and status_of(success_key) else 200
        success = ctx.resolve(responses.get(success_key), self.label) if success_key else None
        content = success.get("content") if isinstance(success, dict) else None
        self.success_media_type: str | None = next(iter(content), None) if isinstance(content, dict) else None
        media = self.success_media_type
        self.stream: StreamKind | None = stream_kind(media) if media and not is_json(media) else None
        self.success_message = _documented_message(ctx, envelope, content)
        self.response_headers = sorted(
            {
                str(name).lower()
                for response in responses.values()
                for name in ((ctx.resolve(response, self.label) or {}).get("headers") or {})
            }
        )
        self.requires_auth = bool(compile_security(ctx, raw))
        self._compiled: Operation | None = None

    @property
    def compiled(self) -> Operation:
        if self._compiled is None:
            self._compiled = compile_operation(self._ctx, self.path, self.method, self._item, self.raw)
        return self._compiled


def _documented_message(ctx: SpecContext, envelope: Envelope, content: Any) -> Any:
    """The success message the doc's samples show (character "success", aichat "SUCCESS")."""
    if envelope.message_field is None:
        return None
    for media in (content or {}).values():
        media = ctx.resolve(media, "success") or {}
        values = [media["example"]] if "example" in media else []
        for example in (media.get("examples") or {}).values():
            example = ctx.resolve(example, "success")
            if isinstance(example, dict) and "value" in example:
                values.append(example["value"])
        for value in values:
            if isinstance(value, dict) and envelope.message_field in value:
                return value[envelope.message_field]
    return "success" if envelope.success_code == 0 else ""


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
            info = OperationInfo(self.ctx, self.envelope, path, method, item, raw)
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
