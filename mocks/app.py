"""``build_app``: one spec served at the root, or several, each under ``/<file stem>``."""

from __future__ import annotations

import html
import json
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from mocks.api import MockAPI, MockOptions, Receive, Scope, Send, spec_files
from mocks.context import SpecContext
from mocks.examples import Payload
from mocks.loopwatch import LoopWatch
from mocks.spec import SpecError, load_spec

__all__ = ["MockApp", "build_app"]


def build_app(
    specs: Path | list[Path],
    *,
    seed: int = 0,
    chunk_delay_ms: float = 0,
    delay_ms: float = 0,
    fail_rate: float = 0.0,
    cors: bool = True,
    any_token: bool = False,
) -> MockApp:
    """The mock as an ASGI app. Raises SpecError listing every example that does not validate
    (and anything else that keeps a spec from being served)."""
    if not 0.0 <= fail_rate <= 1.0:
        raise ValueError(f"fail_rate must be between 0 and 1, not {fail_rate}")
    if chunk_delay_ms < 0 or delay_ms < 0:
        raise ValueError("delays cannot be negative")
    options = MockOptions(seed, float(chunk_delay_ms), float(delay_ms), float(fail_rate), cors, any_token)
    if isinstance(specs, str | Path):
        return MockApp(root=_compile(Path(specs), options, mount=""))
    problems: list[str] = []
    apis: dict[str, MockAPI] = {}
    for spec in specs:
        path = Path(spec)
        if path.stem in apis:
            problems.append(f"{path}: two specs named {path.stem!r} cannot share the prefix /{path.stem}")
            continue
        try:
            apis[path.stem] = _compile(path, options, mount=f"/{path.stem}")
        except SpecError as exc:
            problems += exc.problems
    if problems:
        raise SpecError(problems)
    return MockApp(apis=apis)


def _compile(path: Path, options: MockOptions, mount: str) -> MockAPI:
    ctx = SpecContext(load_spec(path), path.stem, seed=options.seed)
    files = spec_files(path, at_root=mount == "")
    api = MockAPI(ctx, options, files, mount=mount)
    if ctx.problems:
        raise SpecError([f"{path}: {problem}" for problem in ctx.problems])
    if mount == "" and "/" not in api.router.static:
        files["/"] = _index_page({"": api})
    return api


class MockApp:
    """The ASGI entry point: lifespan, then dispatch to the API that owns the path."""

    def __init__(self, root: MockAPI | None = None, apis: dict[str, MockAPI] | None = None) -> None:
        self.root = root
        self.apis = apis or {}
        self._index = _index_page({f"/{name}": api for name, api in self.apis.items()})
        listing = {"apis": {f"/{name}": f"/{name}/openapi.yaml" for name in self.apis}}
        self._not_found = json.dumps(listing).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            path: str = scope["path"]
            if self.root is not None:
                return await self.root.handle(scope, receive, send, path)
            name, _, rest = path[1:].partition("/")
            api = self.apis.get(name)
            if api is not None:
                return await api.handle(scope, receive, send, "/" + rest)
            return await self._outside(scope, send, path)
        if kind == "lifespan":
            return await _lifespan(receive, send)
        if kind == "websocket":
            await send({"type": "websocket.close", "code": 1000})

    async def _outside(self, scope: Scope, send: Send, path: str) -> None:
        if path == "/" and scope["method"] in ("GET", "HEAD"):
            payload = self._index
        else:
            message = f"no API at {path}; the APIs are under " + ", ".join(f"/{n}" for n in self.apis)
            body = json.dumps({"message": message, **json.loads(self._not_found)}).encode()
            payload = Payload(404, ((b"content-type", b"application/json"),), body)
        headers = (*payload.headers, (b"access-control-allow-origin", b"*"))
        await send({"type": "http.response.start", "status": payload.status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else payload.body})


async def _lifespan(receive: Receive, send: Send) -> None:
    watch = LoopWatch()
    while True:
        message: MutableMapping[str, Any] = await receive()
        if message["type"] == "lifespan.startup":
            watch.start()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await watch.stop()
            await send({"type": "lifespan.shutdown.complete"})
            return


def tokens_note(api: MockAPI) -> str:
    """What the index says about credentials: the tokens this API's secured operations accept."""
    if not any(op.security for op in api.operations):
        return "none needed"
    if api.tokens is None:
        return "any (--any-token), except one containing <code>invalid</code>"
    return ", ".join(f"<code>{html.escape(token)}</code>" for token in sorted(api.tokens))


def _index_page(apis: dict[str, MockAPI]) -> Payload:
    rows = []
    for mount, api in apis.items():
        info = api.ctx.doc.get("info") or {}
        title = html.escape(str(info.get("title") or api.name))
        links = [f'<a href="{mount}/openapi.yaml">spec</a>', f'<a href="{mount}/docs">docs</a>']
        rows.append(
            f"<tr><td><code>{html.escape(mount or '/')}</code></td><td>{title}</td>"
            f"<td>{len(api.operations)}</td><td>{' · '.join(links)}</td><td>{tokens_note(api)}</td></tr>"
        )
    page = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>mdcontract mock</title>
<style>body{{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem}}
td,th{{padding:.2rem .8rem;text-align:left}}code{{background:#f3f3f3;padding:0 .2rem}}</style></head>
<body><h1>mdcontract mock</h1>
<p>Each operation answers its first documented example. Choose another with
<code>Prefer: code=401</code>, <code>Prefer: example=&lt;name&gt;</code>, <code>Prefer: dynamic=true</code>
(or <code>?__code=</code>, <code>?__example=</code>); pace streams with <code>Prefer: chunk-delay=50</code>.</p>
<table><tr><th>prefix</th><th>API</th><th>operations</th><th>links</th><th>tokens accepted</th></tr>
{"".join(rows)}
</table></body></html>
"""
    return Payload(200, ((b"content-type", b"text/html; charset=utf-8"),), page.encode())
