"""Where the credentials of `mdcontract test` go: the spec's security schemes say it.

`--token` is put where each scheme that takes a token wants it: `Authorization: Bearer` for http
bearer (and oauth2 / openIdConnect, whose tokens are bearer tokens), the named header, query
parameter or cookie for apiKey. `--auth user:pass` is the http basic schemes' credential. A spec
that declares no scheme gets the token as `Authorization: Bearer`, as our own APIs expect.
Schemathesis places them itself, from `[auth.openapi.<scheme>]` tables in the run's config file;
our own requests (user B's probes, streams read ahead, reads after a delete) use `credential_for`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

BEARER_TYPES = ("oauth2", "openIdConnect")


@dataclass(frozen=True)
class Credential:
    """What one user's requests carry: headers, query parameters and cookies."""

    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.headers or self.query or self.cookies)


def schemes(raw: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The spec's security schemes that its operations (or the whole API) require, by name."""
    defined = (raw.get("components") or {}).get("securitySchemes") or {}
    used: dict[str, dict[str, Any]] = {}
    for requirement in _requirements(raw):
        for name in requirement:
            scheme = _follow(raw, defined.get(name))
            if isinstance(scheme, dict) and name not in used:
                used[name] = scheme
    return used


def kind(scheme: dict[str, Any]) -> str:
    """`bearer`, `basic`, `apiKey`, or `` for a scheme `mdcontract test` has no credential for."""
    if scheme.get("type") == "apiKey":
        return "apiKey"
    if scheme.get("type") == "http":
        return {"bearer": "bearer", "basic": "basic"}.get(str(scheme.get("scheme", "")).lower(), "")
    if scheme.get("type") in BEARER_TYPES:
        return "bearer"
    return ""


def schemathesis_auth(raw: dict[str, Any], token: str | None, basic: str | None) -> dict[str, dict[str, str]]:
    """The `[auth.openapi.<scheme>]` tables of a run: each scheme with the credential it takes."""
    tables: dict[str, dict[str, str]] = {}
    for name, scheme in schemes(raw).items():
        found = kind(scheme)
        if found == "bearer" and token:
            tables[name] = {"bearer": token}
        elif found == "apiKey" and token:
            tables[name] = {"api_key": token}
        elif found == "basic" and basic:
            user, _, password = basic.partition(":")
            tables[name] = {"username": user, "password": password}
    return tables


def unmet(raw: dict[str, Any], token: str | None, basic: str | None) -> list[str]:
    """A sentence for each scheme the command line gave no credential for (empty when none is
    missing, or when nothing was given at all: that run is anonymous on purpose)."""
    if not token and not basic:
        return []
    given = schemathesis_auth(raw, token, basic)
    found = []
    for name, scheme in schemes(raw).items():
        if name in given:
            continue
        what = kind(scheme)
        if what == "basic":
            found.append(
                f"security scheme {name!r} is HTTP basic: give --auth USER:PASSWORD to sign in with it"
            )
        elif what in ("bearer", "apiKey"):
            found.append(f"security scheme {name!r} takes a token: give --token")
        else:
            found.append(
                f"security scheme {name!r} ({scheme.get('type')} {scheme.get('scheme', '')}) is not one "
                "mdcontract test can sign in with: give its credential with --header NAME:VALUE"
            )
    return found


def credential_for(raw: dict[str, Any], token: str | None, basic: str | None = None) -> Credential:
    """What a user's own requests carry for `token` (and `--auth`): the first security requirement
    the credentials satisfy, all its schemes; `Authorization: Bearer` when the spec declares none."""
    if not token and not basic:
        return Credential()
    defined = schemes(raw)
    if not defined:
        return Credential(headers={"Authorization": f"Bearer {token}"}) if token else _basic_only(basic)
    for requirement in _requirements(raw):
        credential = Credential()
        for name in requirement:
            if name not in defined or not _place(defined[name], token, basic, credential):
                break
        else:
            if credential:
                return credential
    return Credential()


def _basic_only(basic: str | None) -> Credential:
    encoded = base64.b64encode((basic or "").encode()).decode()
    return Credential(headers={"Authorization": f"Basic {encoded}"})


def _place(scheme: dict[str, Any], token: str | None, basic: str | None, into: Credential) -> bool:
    what = kind(scheme)
    if what == "bearer" and token:
        into.headers["Authorization"] = f"Bearer {token}"
    elif what == "basic" and basic:
        into.headers.update(_basic_only(basic).headers)
    elif what == "apiKey" and token:
        where, name = str(scheme.get("in", "header")), str(scheme.get("name", ""))
        {"header": into.headers, "query": into.query, "cookie": into.cookies}.get(where, into.headers)[
            name
        ] = token
    else:
        return False
    return True


def config_text(tables: dict[str, dict[str, str]]) -> str:
    """TOML for schemathesis: `[auth.openapi."name"]` tables. Strings are JSON-quoted (valid TOML basic
    strings), and `${` doubled: schemathesis reads `${NAME}` as an environment variable."""
    lines = []
    for name, values in tables.items():
        lines.append(f"[auth.openapi.{json.dumps(name)}]")
        for key, value in values.items():
            lines.append(f"{key} = {json.dumps(value.replace('${', '$${'))}")
        lines.append("")
    return "\n".join(lines)


def _requirements(raw: dict[str, Any]) -> Iterator[dict[str, Any]]:
    verbs = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
    for requirement in raw.get("security") or []:
        if isinstance(requirement, dict):
            yield requirement
    for item in (raw.get("paths") or {}).values():
        for method, operation in (item or {}).items():
            if method in verbs and isinstance(operation, dict):
                for requirement in operation.get("security") or []:
                    if isinstance(requirement, dict):
                        yield requirement


def _follow(raw: dict[str, Any], node: Any) -> Any:
    if isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
        target: Any = raw
        for part in node["$ref"][2:].split("/"):
            target = target.get(part) if isinstance(target, dict) else None
        return target
    return node
