"""Which function answers which operation: a registry per API, filled by decorators.

    handlers = Handlers()

    @handlers("post_query_user_info")
    async def query_user_info(call: Call) -> Any: ...

Operation ids are the language-neutral ones `import` derives from the path; an API's handlers live
in ``server/apis/<api>.py`` (or a package of that name), found by the spec's file stem.
"""

from __future__ import annotations

import bisect
import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

Handler = Callable[[Any], Awaitable[Any]]
SchemaFunction = Callable[[sqlite_utils.Database], None]
# A page served beside the operations (server.pages.PageRequest -> a Starlette Response).
Page = Callable[[Any], Awaitable[Any]]


@dataclass(frozen=True)
class UploadRule:
    """What a file field of an operation takes: checked while the body arrives (``server.bodies``),
    so a handler sees only files that keep the rule.

    ``types``: media types (``image/png``) or families (``image/``) the file may be, judged by its
    first bytes (``server.files.sniff``) and by the type the client declares, unless it declares
    none or ``application/octet-stream``; empty: any. ``max_bytes``: the largest file (the server's
    body limit applies whatever this says)."""

    types: tuple[str, ...] = ()
    max_bytes: int | None = None


@dataclass
class Handlers:
    """The handlers of one API, its tables, its demo data and its rules for tokens."""

    operations: dict[str, Handler] = field(default_factory=dict)
    schemas: list[SchemaFunction] = field(default_factory=list)
    seeders: list[Callable[[Any], None]] = field(default_factory=list)
    # Operation ids a guest token may call (None: guests do not exist in this API).
    guest_operations: set[str] | None = None
    # Whether a `user_id` in a request must be the token's user (refused otherwise).
    user_id_is_token_user: bool = True
    # `mdcontract token create --name NAME`: the id of the user called NAME, created when new.
    user_for_name: Callable[[sqlite_utils.Database, str], Any] | None = None
    # Per operation id, per file field: what the field takes (`upload`).
    uploads: dict[str, dict[str, UploadRule]] = field(default_factory=dict)
    # Pages that are no operation of the spec, by path prefix: what a fake payment provider shows a
    # payer (a checkout page the API's answers link to). See server/pages.py.
    pages: dict[str, Page] = field(default_factory=dict)
    # The prefixes of `pages`, longest first (equal lengths in the order they were registered): the
    # order `page_for` tries them in, kept as they are registered rather than sorted per request.
    _prefixes: list[str] = field(default_factory=list, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._prefixes = sorted(self.pages, key=len, reverse=True)

    def __call__(self, *operation_ids: str) -> Callable[[Handler], Handler]:
        def register(function: Handler) -> Handler:
            for operation_id in operation_ids:
                if operation_id in self.operations:
                    raise ValueError(f"two handlers for {operation_id}")
                self.operations[operation_id] = function
            return function

        return register

    def schema(self, function: SchemaFunction) -> SchemaFunction:
        """Register a function that creates tables (idempotently: it runs at every start)."""
        self.schemas.append(function)
        return function

    def seeder(self, function: Callable[[Any], None]) -> Callable[[Any], None]:
        """Register a function that writes the `--seed demo` data."""
        self.seeders.append(function)
        return function

    def upload(
        self, operation_id: str, field_name: str, *, types: tuple[str, ...] = (), max_bytes: int | None = None
    ) -> None:
        """Limit the file part ``field_name`` of an operation (:class:`UploadRule`), e.g.
        ``handlers.upload("post_user_uploadImage", "img", types=("image/",), max_bytes=5 * MB)``."""
        self.uploads.setdefault(operation_id, {})[field_name] = UploadRule(tuple(types), max_bytes)

    def page(self, prefix: str) -> Callable[[Page], Page]:
        """Register a page for ``prefix`` and every path under it (``/sandbox/paypal`` serves
        ``/sandbox/paypal/checkoutnow``): ``async def page(request: PageRequest) -> Response``."""

        def register(function: Page) -> Page:
            if prefix in self.pages:
                raise ValueError(f"two pages for {prefix}")
            self.pages[prefix] = function
            bisect.insort(self._prefixes, prefix, key=lambda known: -len(known))  # after those as long
            return function

        return register

    def page_for(self, path: str) -> Page | None:
        """The page serving ``path``: the one of the longest prefix that is ``path`` or its parent."""
        for prefix in self._prefixes:
            if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
                return self.pages[prefix]
        return None

    def include(self, other: Handlers) -> None:
        """Merge the handlers of one chapter (a module of a large API) into the API's registry."""
        for operation_id, function in other.operations.items():
            self(operation_id)(function)
        self.schemas.extend(f for f in other.schemas if f not in self.schemas)
        self.seeders.extend(f for f in other.seeders if f not in self.seeders)
        for operation_id, rules in other.uploads.items():
            self.uploads.setdefault(operation_id, {}).update(rules)
        for prefix, page in other.pages.items():
            self.page(prefix)(page)
        if other.guest_operations:
            self.guest_operations = (self.guest_operations or set()) | other.guest_operations


def handlers_for(api_name: str) -> Handlers:
    """The registry of ``server.apis.<api>``; an empty one for a spec we have no code for."""
    module_name = "server.apis." + api_name.replace("-", "_").replace(".", "_")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            return Handlers()
        raise
    return module.handlers
