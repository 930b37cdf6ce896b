"""``build_app``: the reference server as one ASGI app.

Several specs are served each under ``/<file stem>`` (like the mock, so a frontend switches between
them by starting the other command), with an index at ``/``; one spec is served at the root.
Next to each API's operations: ``/openapi.yaml`` (the spec), ``/docs`` (its generated reference),
``/ui/`` (Swagger UI), ``/files/<name>`` (uploads and generated media) and the pages an API
registers (``server.pages``: a fake payment provider's checkout pages).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import logging
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from starlette.middleware.cors import CORSMiddleware

from mocks.api import spec_files
from mocks.examples import Payload
from mocks.loopwatch import LoopWatch
from mocks.spec import SpecError, load_spec
from server.admission import Admission
from server.api import ServedAPI, ServeOptions
from server.files import media_type_of
from server.pages import serve_page
from server.registry import Handlers
from server.stack import build_connexion_app

log = logging.getLogger("mdcontract.server")

Scope = MutableMapping[str, Any]


class Mounted:
    """One API with its Connexion app and the files served beside it."""

    def __init__(self, api: ServedAPI, mount: str) -> None:
        self.api = api
        self.mount = mount
        self.app = build_connexion_app(api)
        self.files: dict[str, Payload] = spec_files(api.spec_path, at_root=not mount)

    async def handle(self, scope: Scope, receive: Any, send: Any, rest: str) -> None:
        method = scope["method"]
        if method in ("GET", "HEAD"):
            payload = self.files.get(rest)
            if payload is None and rest.startswith("/files/"):
                payload = self._stored(rest[len("/files/") :])
            if payload is not None:
                return await _send_payload(scope, send, payload)
        if self.mount:
            scope = dict(scope)
            scope["root_path"] = scope.get("root_path", "") + self.mount
        page = self.api.handlers.page_for(rest)
        if page is not None:
            return await serve_page(self.api, page, scope, receive, send, rest)
        await self.app(scope, receive, send)

    def _stored(self, name: str) -> Payload | None:
        data = self.api.files.get(name)
        if data is None:
            return None
        headers = (
            (b"content-type", media_type_of(name).encode()),
            (b"cache-control", b"public, max-age=31536000, immutable"),
            # An upload is served as the type its bytes were judged to be, never sniffed as another
            # (an HTML page inside a .png is not run as a page of this origin).
            (b"x-content-type-options", b"nosniff"),
        )
        return Payload(200, headers, data)


class ServerApp:
    """The ASGI entry point: lifespan, then dispatch to the API that owns the path."""

    def __init__(self, root: Mounted | None = None, apis: dict[str, Mounted] | None = None) -> None:
        self.root = root
        self.apis = apis or {}
        self._index = _index_page(self.apis)
        self.admission = Admission()

    @property
    def served(self) -> list[ServedAPI]:
        return [m.api for m in ([self.root] if self.root else [])] + [m.api for m in self.apis.values()]

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            return await self._lifespan(receive, send)
        if kind != "http":
            if kind == "websocket":
                await send({"type": "websocket.close", "code": 1000})
            return
        await self.admission.wait_turn()
        path: str = scope["path"]
        if self.root is not None:
            return await self.root.handle(scope, receive, send, path)
        name, _, rest = path[1:].partition("/")
        mounted = self.apis.get(name)
        if mounted is not None:
            return await mounted.handle(scope, receive, send, "/" + rest)
        await self._outside(scope, send, path)

    async def _outside(self, scope: Scope, send: Any, path: str) -> None:
        if path == "/" and scope["method"] in ("GET", "HEAD"):
            return await _send_payload(scope, send, self._index)
        message = f"no API at {path}; the APIs are under " + ", ".join(f"/{n}" for n in self.apis)
        listing = {f"/{name}": f"/{name}/openapi.yaml" for name in self.apis}
        body = json.dumps({"message": message, "apis": listing}).encode()
        await _send_payload(scope, send, Payload(404, ((b"content-type", b"application/json"),), body))

    async def _lifespan(self, receive: Any, send: Any) -> None:
        lifespans: list[_Lifespan] = []
        watch = LoopWatch()
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                # Each API's Connexion app builds its middleware stack on its first event: at start,
                # rather than on the first request a developer makes.
                try:
                    for mounted in self.mounted:
                        lifespans.append(await _Lifespan.start(mounted.app))
                except Exception as exc:  # a broken API must not start half the server silently
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                # Watched from here: building the stacks above holds the loop, before any request.
                watch.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await watch.stop()
                for lifespan in lifespans:
                    await lifespan.stop()
                self.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    @property
    def mounted(self) -> list[Mounted]:
        return ([self.root] if self.root else []) + list(self.apis.values())

    def close(self) -> None:
        for api in self.served:
            api.close()


class _Lifespan:
    """One API app's lifespan, driven from ours."""

    def __init__(self, app: Any) -> None:
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.task = asyncio.ensure_future(
            app({"type": "lifespan", "asgi": {"version": "3.0"}}, self.inbox.get, self.outbox.put)
        )

    @classmethod
    async def start(cls, app: Any) -> _Lifespan:
        lifespan = cls(app)
        await lifespan.inbox.put({"type": "lifespan.startup"})
        answer = await lifespan.outbox.get()
        if answer["type"] != "lifespan.startup.complete":
            raise RuntimeError(answer.get("message") or "an API failed to start")
        return lifespan

    async def stop(self) -> None:
        await self.inbox.put({"type": "lifespan.shutdown"})
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.outbox.get(), timeout=5)
        self.task.cancel()


async def _send_payload(scope: Scope, send: Any, payload: Payload) -> None:
    await send({"type": "http.response.start", "status": payload.status, "headers": list(payload.headers)})
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else payload.body})


def build_app(
    specs: Path | list[Path],
    options: ServeOptions | None = None,
    handlers: dict[str, Handlers] | None = None,
) -> Any:
    """The server as an ASGI app (CORS included unless turned off). Raises SpecError.

    ``handlers`` replaces the registry of an API by its name (embedding, tests); by default each
    API's handlers come from ``server.apis``."""
    options = options or ServeOptions()
    handlers = handlers or {}
    if isinstance(specs, str | Path):
        path = Path(specs)
        mounted = Mounted(_served(path, options, handlers.get(path.stem)), mount="")
        if "/" not in mounted.files:
            mounted.files["/"] = _index_page({"": mounted})
        app: ServerApp = ServerApp(root=mounted)
    else:
        apis: dict[str, Mounted] = {}
        problems = []
        for spec in specs:
            path = Path(spec)
            if path.stem in apis:
                problems.append(f"{path}: two specs named {path.stem!r} cannot share the prefix /{path.stem}")
                continue
            try:
                apis[path.stem] = Mounted(
                    _served(path, options, handlers.get(path.stem)), mount=f"/{path.stem}"
                )
            except SpecError as exc:
                problems += exc.problems
        if problems:
            for mounted in apis.values():
                mounted.api.close()
            raise SpecError(problems)
        app = ServerApp(apis=apis)
    return with_cors(app) if options.cors else app


def _served(path: Path, options: ServeOptions, handlers: Handlers | None) -> ServedAPI:
    api = ServedAPI(path.stem, path, load_spec(path), options, handlers)
    if api.ctx.problems:
        api.close()
        raise SpecError([f"{path}: {problem}" for problem in api.ctx.problems])
    return api


def with_cors(app: ServerApp) -> Any:
    exposed = sorted(
        {name for api in app.served for info in api.operations.values() for name in info.response_headers}
    )
    wrapped = CORSMiddleware(
        app,
        allow_origins=["*"],
        allow_methods=["*"],
        allow_headers=["*"],
        expose_headers=exposed,
        max_age=600,
    )
    wrapped.server = app  # type: ignore[attr-defined]
    return wrapped


def _index_page(apis: dict[str, Mounted]) -> Payload:
    rows = []
    for mounted in apis.values():
        mount = mounted.mount
        api = mounted.api
        title = html.escape(str((api.doc.get("info") or {}).get("title") or api.name))
        links = [f'<a href="{mount}/ui/">Swagger UI</a>', f'<a href="{mount}/openapi.yaml">spec</a>']
        if "/docs" in mounted.files:
            links.append(f'<a href="{mount}/docs">docs</a>')
        total = len(api.operations)
        done = total - len(api.missing)
        rows.append(
            f"<tr><td><code>{html.escape(mount or '/')}</code></td><td>{title}</td>"
            f"<td>{done}/{total}</td><td>{' · '.join(links)}</td></tr>"
        )
    page = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>mdcontract reference server</title>
<style>body{{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem}}
td,th{{padding:.2rem .8rem;text-align:left}}code{{background:#f3f3f3;padding:0 .2rem}}</style></head>
<body><h1>mdcontract reference server</h1>
<p>Each API keeps its state in SQLite. The same port and prefixes as <code>mdcontract mock</code>: a frontend
switches between the two by starting the other command, nothing in its configuration changes.</p>
<table><tr><th>prefix</th><th>API</th><th>implemented</th><th>links</th></tr>
{"".join(rows)}
</table></body></html>
"""
    return Payload(200, ((b"content-type", b"text/html; charset=utf-8"),), page.encode())
