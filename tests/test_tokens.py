"""Tokens on the reference server, over every secured operation of the APIs that have them: an expired
token gets the documented "expired" answer, a revoked one (logout, a deleted user) stops working at once,
a token of one API opens nothing in another, and a yike token acts for its own user only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from mocks.spec import iter_operations
from mocks.testing import call
from server.api import ServeOptions
from server.app import build_app
from server.auth import DAY_MS
from server.seed import seed_demo

ROOT = Path(__file__).resolve().parent.parent
SECURED_APIS = ("aichat", "character", "yike")
# The documented answer to an expired session, per API (spec: components/responses/Unauthorized).
EXPIRED = {
    "aichat": lambda body: body["code"] == 401 and body["data"] is None,
    "character": lambda body: body["code"] == 3,  # session expire
    "yike": lambda body: set(body) == {"message"},
}
INVALID = {
    "aichat": lambda body: body["code"] == 401,
    "character": lambda body: body["code"] == 4,  # session invalid
    "yike": lambda body: set(body) == {"message"},
}


def _build(apis: tuple[str, ...] = SECURED_APIS) -> Any:
    specs = [ROOT / "spec" / f"{api}.yaml" for api in apis]
    app = build_app(specs, ServeOptions(data_dir=None, ttft_ms=0, tokens_per_s=0, validate_responses=True))
    for api in app.server.served:
        seed_demo(api, lambda line: None)
    return app


@pytest.fixture(scope="module")
def app() -> Any:
    return _build()


@pytest.fixture
def fresh_app(request) -> Any:
    """An app of its own, for a test that ends the demo users' tokens (only the API it is about)."""
    return _build((request.node.callspec.params.get("api", "character"),))


def _api(app: Any, name: str) -> Any:
    return app.server.apis[name].api


def _secured(api: str) -> list[tuple[str, str]]:
    doc = yaml.safe_load((ROOT / "spec" / f"{api}.yaml").read_text(encoding="utf-8"))
    found = [
        (method, path.replace("{id}", "1"))
        for path, method, _, op in iter_operations(doc)
        if op.get("security", doc.get("security"))
    ]
    assert found, f"{api} has no secured operation"
    return found


def _user_token(app: Any, api: str, **issue: Any) -> tuple[Any, str]:
    """A fresh token of the user behind the API's first demo token."""
    served = _api(app, api)
    user = served.tokens.check(f"demo-{api}-alice").user_id
    token, _ = served.db.write_now(lambda db: served.tokens.issue(db, user, **issue))
    return user, token


def _each_secured(app: Any, api: str, token: str) -> list[Any]:
    return [
        call(
            app,
            method,
            f"/{api}{path}",
            headers={"authorization": f"Bearer {token}"},
            json_body={} if method != "GET" else None,
        )
        for method, path in _secured(api)
    ]


@pytest.mark.parametrize("api", SECURED_APIS)
def test_an_expired_token_gets_the_documented_expired_answer_everywhere(app, api):
    _, expired = _user_token(app, api, ttl_ms=-DAY_MS)
    for answer in _each_secured(app, api, expired):
        assert answer.status == 401, answer.text
        assert EXPIRED[api](answer.json()), answer.text
        assert "expire" in answer.text


@pytest.mark.parametrize("api", SECURED_APIS)
def test_a_revoked_token_and_every_token_of_a_deleted_user_stop_working_at_once(fresh_app, api):
    app = fresh_app
    served = _api(app, api)
    user, token = _user_token(app, api)
    _, other = _user_token(app, api)
    assert _read(app, api, token).status == 200
    served.db.write_now(lambda db: served.tokens.revoke(db, token))  # a logout
    _all_refused(app, api, token)
    assert _read(app, api, other).status == 200
    served.db.write_now(lambda db: served.tokens.revoke_user(db, user))  # what deleting the user does
    _all_refused(app, api, other)


def _all_refused(app: Any, api: str, token: str) -> None:
    for answer in _each_secured(app, api, token):
        assert answer.status == 401 and INVALID[api](answer.json()), answer.text


def _read(app: Any, api: str, token: str, user_id: int = 1) -> Any:
    """A read the token's user may make (user 1: alice, whose tokens these tests make)."""
    headers = {"authorization": f"Bearer {token}"}
    if api == "aichat":
        return call(app, "POST", "/aichat/chatList", headers=headers, json_body={})
    if api == "character":
        return call(
            app, "POST", "/character/user/getUserBaseInfo", headers=headers, json_body={"user_id": user_id}
        )
    return call(app, "GET", "/yike/api/user", headers=headers)


def test_a_token_of_one_api_opens_nothing_in_another(app):
    assert {a.status for a in _each_secured(app, "aichat", "demo-yike-alice")} == {401}
    assert {a.status for a in _each_secured(app, "yike", "demo-character-alice")} == {401}
    assert {a.status for a in _each_secured(app, "character", "demo-aichat-alice")} == {401}


@pytest.mark.parametrize("api", ["character"])
def test_deleting_a_character_account_ends_every_one_of_its_tokens(fresh_app, api):
    app = fresh_app
    headers = {"authorization": "Bearer demo-character-alice"}
    login = call(
        app,
        "POST",
        "/character/user/loginByEmail",
        json_body={"email": "alice@example.com", "password": _demo_password()},
    )
    assert login.status == 200, login.text
    fresh = login.headers["session-token"]
    deleted = call(app, "POST", "/character/user/delete", headers=headers, json_body={"user_id": 1})
    assert deleted.status == 200 and deleted.json()["code"] == 0, deleted.text
    _all_refused(app, "character", "demo-character-alice")
    _all_refused(app, "character", fresh)
    assert _read(app, "character", "demo-character-bob", user_id=2).status == 200  # only hers


def _demo_password() -> str:
    from server.apis.character.accounts import DEMO_PASSWORD

    return DEMO_PASSWORD


def test_a_character_guest_token_reaches_the_guest_operations_only(app):
    from server.apis.character import GUEST_OPERATIONS

    login = call(app, "POST", "/character/guest/login", json_body={"client_token": "device-1"})
    assert login.status == 200, login.text
    guest = login.headers["session-token"]
    doc = yaml.safe_load((ROOT / "spec" / "character.yaml").read_text(encoding="utf-8"))
    refused = 0
    for path, method, _, op in iter_operations(doc):
        if op["operationId"] in GUEST_OPERATIONS or not op.get("security", doc.get("security")):
            continue
        answer = call(
            app, method, "/character" + path, headers={"authorization": f"Bearer {guest}"}, json_body={}
        )
        assert answer.status == 401 and answer.json()["code"] == 4, f"{method} {path}: {answer.text[:200]}"
        assert "guest" in answer.json()["msg"]
        refused += 1
    assert refused > 200
    guest_id = login.json()["result"]["guest_id"]
    last = call(
        app,
        "POST",
        "/character/guest/getLastDialog",
        headers={"authorization": f"Bearer {guest}"},
        json_body={"guest_id": guest_id, "character_id": 1},
    )
    assert last.status != 401, last.text


def test_a_yike_token_acts_for_its_own_user_on_every_operation_that_names_a_conversation(app):
    alice = {"authorization": "Bearer demo-yike-alice"}
    bob = {"authorization": "Bearer demo-yike-bob"}
    created = call(app, "POST", "/yike/api/chat/conversations", headers=alice, json_body={"title": "alice's"})
    conversation = created.json()["id"]
    call(
        app,
        "POST",
        f"/yike/api/chat/conversations/{conversation}/messages",
        headers=alice,
        json_body={"content": "mine"},
    )
    doc = yaml.safe_load((ROOT / "spec" / "yike.yaml").read_text(encoding="utf-8"))
    naming = [(method, path) for path, method, _, _ in iter_operations(doc) if "{id}" in path]
    assert len(naming) >= 4
    for method, path in naming:
        answer = call(
            app,
            method,
            "/yike" + path.replace("{id}", conversation),
            headers=bob,
            json_body={"content": "hi"} if method == "POST" else None,
        )
        assert answer.status == 404, f"{method} {path} as bob: {answer.status} {answer.text[:200]}"
    listed = call(app, "GET", f"/yike/api/chat/conversations/{conversation}/messages", headers=alice).json()
    assert [m["content"] for m in listed["data"]] == ["mine"]  # nothing bob did reached it
