"""What a handler receives (a :class:`Call`) and what it gives back (a :class:`Reply`).

A handler is ``async def handler(call: Call) -> Reply | Any``: returning plain data means "success,
with this as the envelope's data"; errors are raised (:class:`server.envelope.ApiError`). Handlers
never see HTTP details they do not need: parameters and body come validated, the user comes from
the token.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from server.envelope import ApiError, invalid, not_found, unauthorized

if TYPE_CHECKING:
    from server.api import OperationInfo, ServedAPI
    from server.storage import Database


@dataclass(frozen=True)
class Principal:
    """Who a token belongs to."""

    user_id: Any
    kind: str = "user"  # "user", "guest"
    token: str = ""


@dataclass
class Reply:
    """An answer: a JSON body, or a stream of items framed as the operation's media type."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    stream: AsyncIterator[Any] | None = None
    media_type: str | None = None  # default: the operation's documented one
    raw: bytes | None = None  # a file's bytes, sent as they are


class Call:
    """One request, as a handler sees it."""

    __slots__ = ("api", "base_url", "body", "files", "headers", "op", "params", "user")

    def __init__(
        self,
        api: ServedAPI,
        op: OperationInfo,
        params: dict[str, Any],
        body: Any,
        user: Principal | None,
        headers: dict[str, str],
    ) -> None:
        self.api = api
        self.op = op
        self.params = params
        self.body = body
        self.user = user
        self.headers = headers
        self.files: dict[str, Any] = {}
        self.base_url = ""

    @property
    def db(self) -> Database:
        return self.api.db

    @property
    def options(self) -> Any:
        return self.api.options

    def file_url(self, name: str) -> str:
        """The absolute URL of a stored file (``api.files.put``), as the client reached the server."""
        return f"{self.base_url}/files/{name}"

    def get(self, name: str, default: Any = None) -> Any:
        """A request value by name: the body's field, else the parameter (query, path, header)."""
        if isinstance(self.body, dict) and name in self.body:
            return self.body[name]
        return self.params.get(name, default)

    def require(self, name: str) -> Any:
        """A value the handler cannot do without. Missing is invalid input; an empty string is a
        value like any other (when the contract allows it, so does the server)."""
        value = self.get(name)
        if value is None:
            raise invalid(f"{name} is required")
        return value

    @property
    def user_id(self) -> Any:
        """The token's user; operations without auth name their user in the request."""
        if self.user is not None:
            return self.user.user_id
        return self.get("user_id")

    def need_user(self) -> Principal:
        if self.user is None:
            raise unauthorized("session missing", example="missing")
        return self.user

    # --- answers -------------------------------------------------------------------------------

    def ok(self, data: Any = None, *, headers: dict[str, str] | None = None, message: Any = None) -> Reply:
        """Success in the API's envelope, with the operation's documented status and message."""
        body = self.api.envelope.success(data, message if message is not None else self.op.success_message)
        return Reply(self.op.success_status, body, headers or {})

    def json(self, body: Any, status: int | None = None, headers: dict[str, str] | None = None) -> Reply:
        """A body exactly as given (APIs whose answers carry no envelope)."""
        return Reply(status or self.op.success_status, body, headers or {})

    def stream(self, items: AsyncIterator[Any], *, headers: dict[str, str] | None = None) -> Reply:
        """A stream of items: NDJSON lines, SSE events or text pieces, as the operation documents."""
        return Reply(self.op.success_status, None, headers or {}, stream=items)

    def wrap(self, data: Any) -> Any:
        """One stream item in the API's envelope (NDJSON chunks are enveloped like any answer)."""
        return self.api.envelope.success(data, self.op.success_message)

    def fail(self, message: str, **kwargs: Any) -> ApiError:
        return invalid(message, **kwargs)

    def not_found(self, what: str, ident: Any) -> ApiError:
        """An id that names nothing the user may see (someone else's private data included: telling
        "not yours" from "not there" would confirm it exists). The spec's x-not-found answer, 404."""
        message = f"{what} {json.dumps(ident, ensure_ascii=False)} does not exist"
        if self.api.errors.not_found is not None or 404 in self.op.statuses:
            return not_found(message, status=404)
        return invalid(message)

    def forbidden(self, message: str) -> ApiError:
        """The user may not do this to someone else's data (edit another's character). 403 where the
        operation documents it or a `default` answer; elsewhere the x-not-found answer: the thing is
        not there for this user. Never 400 (the request is valid) nor 401 (the session is fine)."""
        if 403 in self.op.statuses or self.op.has_default:
            return invalid(message, status=403)
        return not_found(message, status=404)
