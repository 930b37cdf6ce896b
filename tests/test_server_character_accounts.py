"""Signing in to the character API on the reference server: email and password, email codes through the
outbox, Google and Apple test tokens, devices, guests; sessions that end when they should."""

from __future__ import annotations

import email
from typing import Any

import pytest
from character_server import ALICE, BOB, Client

from server.apis.character import outbox
from server.apis.character.accounts import DEMO_PASSWORD


@pytest.fixture
def app() -> Any:
    client = Client()
    yield client
    client.close()


@pytest.fixture
def demo() -> Any:
    client = Client(demo=True)
    yield client
    client.close()


def test_register_then_log_in_and_the_token_works(app):
    token, user_id = app.register("Carol@Example.com", "open sesame")
    info = app.ok("POST", "/user/getUserBaseInfo", token, user_id=user_id)
    assert (info["email"], info["username"], info["type"], info["is_bind_email"]) == (
        "carol@example.com",
        "carol",
        "email",
        True,
    )
    answer = app.post("/user/loginByEmail", email="carol@example.com", password="open sesame")
    assert answer.status == 200
    assert answer.json()["result"]["user_id"] == user_id
    # The token comes in the headers the doc shows, and expires in the future.
    assert int(answer.headers["expirets"]) > 0
    assert app.ok("POST", "/user/getUserTokenBalance", answer.headers["session-token"], user_id=user_id)
    assert app.ok("GET", "/user/email/exist?email=CAROL@example.com") == {"exist": True}
    assert app.ok("GET", "/user/email/exist?email=nobody@example.com") == {"exist": False}


def test_a_new_user_gets_a_welcome_letter(app):
    token, user_id = app.register("dave@example.com")
    letters = app.ok("POST", "/user/getLetters", token, user_id=user_id, type=1, limit=10, page_no=1)
    assert len(letters) == 1 and "Welcome, dave" in letters[0]["message"]


def test_a_wrong_password_and_an_unknown_email_get_the_same_session_invalid_answer(app):
    app.register("erin@example.com", "right")
    wrong = app.post("/user/loginByEmail", email="erin@example.com", password="wrong")
    unknown = app.post("/user/loginByEmail", email="nobody@example.com", password="right")
    for answer in (wrong, unknown):
        assert (answer.status, answer.json()["code"]) == (401, 4)
        assert answer.json()["msg"] == "session invalid: wrong email or password"
        assert "session-token" not in answer.headers


def test_registering_an_email_twice_is_a_conflict(app):
    app.register("frank@example.com")
    app.ok("POST", "/user/sendEmailCode", email="frank@example.com")
    again = app.post(
        "/user/registByEmail",
        email="frank@example.com",
        email_valid_code=app.code_for("frank@example.com"),
        password="x",
        invitation_code="",
    )
    assert (again.status, again.json()["code"]) == (409, 5)
    assert "registered already" in again.json()["msg"]


def test_email_codes_are_in_the_outbox_and_on_disk_and_work_once(tmp_path):
    app = Client(tmp_path)
    try:
        app.ok("POST", "/user/sendEmailCode", email="gina@example.com")
        code = app.code_for("gina@example.com")
        mail = email.message_from_bytes(next((tmp_path / "outbox").glob("*.eml")).read_bytes())
        assert mail["To"] == "gina@example.com" and code in mail["Subject"] and code in mail.get_payload()
        first = app.post(
            "/user/code_login", email="gina@example.com", email_valid_code=code, invitation_code=""
        )
        assert first.status == 200, first.text
        again = app.post(
            "/user/code_login", email="gina@example.com", email_valid_code=code, invitation_code=""
        )
        assert (again.status, again.json()["code"]) == (401, 4)
        assert "no email code" in again.json()["msg"]
    finally:
        app.close()


def test_a_code_login_registers_a_new_address_and_logs_in_a_known_one(app):
    _, user_id = app.register("hank@example.com")
    app.ok("POST", "/user/sendEmailCode", email="hank@example.com")
    known = app.ok(
        "POST",
        "/user/code_login",
        email="hank@example.com",
        email_valid_code=app.code_for("hank@example.com"),
        invitation_code="",
    )
    assert known["user_id"] == user_id
    app.ok("POST", "/user/sendEmailCode", email="ivy@example.com")
    new = app.ok(
        "POST",
        "/user/code_login",
        email="ivy@example.com",
        email_valid_code=app.code_for("ivy@example.com"),
        invitation_code="",
    )
    assert new["user_id"] != user_id and new["email"] == "ivy@example.com"


def test_a_wrong_code_counts_and_five_wrong_tries_end_the_code(app):
    app.ok("POST", "/user/sendEmailCode", email="jo@example.com")
    code = app.code_for("jo@example.com")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        answer = app.post(
            "/user/code_login", email="jo@example.com", email_valid_code=wrong, invitation_code=""
        )
        assert answer.json()["msg"] == "session invalid: wrong email code for jo@example.com"
    late = app.post("/user/code_login", email="jo@example.com", email_valid_code=code, invitation_code="")
    assert (late.status, late.json()["code"]) == (401, 4)
    assert "expired" in late.json()["msg"]


def test_an_expired_code_is_refused(app):
    app.ok("POST", "/user/sendEmailCode", email="kim@example.com")
    app.api.db.write_now(lambda db: db.execute("UPDATE email_codes SET expires_at = 0"))
    answer = app.post(
        "/user/code_login",
        email="kim@example.com",
        email_valid_code=app.code_for("kim@example.com"),
        invitation_code="",
    )
    assert (answer.status, answer.json()["code"]) == (401, 4)
    assert "expired" in answer.json()["msg"]


def test_the_newest_code_replaces_the_one_before(app):
    app.ok("POST", "/user/sendEmailCode", email="lou@example.com")
    old = app.code_for("lou@example.com")
    app.ok("POST", "/user/sendEmailCode", email="lou@example.com")
    new = app.code_for("lou@example.com")
    assert len(outbox.messages(app.api, "lou@example.com")) == 2
    if old != new:
        stale = app.post(
            "/user/code_login", email="lou@example.com", email_valid_code=old, invitation_code=""
        )
        assert stale.status == 401
    assert (
        app.post("/user/code_login", email="lou@example.com", email_valid_code=new, invitation_code="").status
        == 200
    )


def test_resetting_the_password_by_email_code_ends_every_session(app):
    token, user_id = app.register("max@example.com", "old password")
    app.ok("POST", "/user/sendEmailCode", email="max@example.com")
    app.ok(
        "POST",
        "/user/resetPwd",
        email="max@example.com",
        email_valid_code=app.code_for("max@example.com"),
        password="new password",
    )
    after = app.post("/user/getUserBaseInfo", token, user_id=user_id)
    assert (after.status, after.json()["code"]) == (401, 4)
    assert app.post("/user/loginByEmail", email="max@example.com", password="old password").status == 401
    assert app.post("/user/loginByEmail", email="max@example.com", password="new password").status == 200


def test_google_test_tokens_register_once_then_log_in(app):
    first = app.post(
        "/user/registOrLoginByGoogle", google_token="test-google:nia@example.com:Nia", invitation_code=""
    )
    assert first.status == 200 and "session-token" in first.headers
    assert first.json()["result"]["is_register"] is True
    assert first.json()["result"]["username"] == "Nia"
    again = app.post(
        "/user/mobile/registOrLoginByGoogle", google_token="test-google:nia@example.com", invitation_code=""
    )
    assert again.json()["result"]["is_register"] is False
    assert again.json()["result"]["user_id"] == first.json()["result"]["user_id"]


def test_google_signs_in_to_the_account_of_its_verified_email(app):
    _, user_id = app.register("otto@example.com")
    answer = app.ok(
        "POST", "/user/registOrLoginByGoogle", google_token="test-google:otto@example.com", invitation_code=""
    )
    assert (answer["user_id"], answer["is_register"]) == (user_id, False)


def test_a_google_token_that_is_not_a_test_token_is_session_invalid(app):
    answer = app.post(
        "/user/registOrLoginByGoogle", google_token="eyJhbGciOi.real.google", invitation_code=""
    )
    assert (answer.status, answer.json()["code"]) == (401, 4)
    assert "test-google:<email>" in answer.json()["msg"]


def test_apple_test_tokens_name_the_user_identifier(app):
    first = app.ok(
        "POST",
        "/user/registOrLoginByApple",
        user_identifier="001234.abc",
        identity_token="test-apple:001234.abc:pat@example.com",
    )
    assert (first["is_register"], first["email"]) == (True, "pat@example.com")
    again = app.ok(
        "POST",
        "/user/registOrLoginByApple",
        user_identifier="001234.abc",
        identity_token="test-apple:001234.abc",
    )
    assert (again["is_register"], again["user_id"]) == (False, first["user_id"])
    other = app.post(
        "/user/registOrLoginByApple", user_identifier="001234.abc", identity_token="test-apple:someone-else"
    )
    assert (other.status, other.json()["code"]) == (401, 4)


def test_a_device_keeps_its_random_login_account(app):
    body = {"uniq_token": "device-1", "system": "Android", "from_app": "1"}
    first = app.post("/user/randomLogin", **body)
    second = app.post("/user/randomLogin", **body)
    assert first.status == second.status == 200
    assert first.json()["result"]["user_id"] == second.json()["result"]["user_id"]
    assert first.headers["session-token"] != second.headers["session-token"]
    other = app.ok("POST", "/user/randomLogin", **{**body, "uniq_token": "device-2"})
    assert other["user_id"] != first.json()["result"]["user_id"]


def test_binding_an_email_to_a_device_account_lets_it_log_in_by_password(app):
    device = app.post("/user/randomLogin", uniq_token="device-3", system="iOS", from_app="1")
    token, user_id = device.headers["session-token"], device.json()["result"]["user_id"]
    bound = app.post(
        "/user/bindEmail", token, uniq_token="device-3", email="quinn@example.com", password="pw"
    )
    assert bound.status == 200 and "session-token" in bound.headers
    assert bound.json()["result"]["status"] == 0 and bound.json()["result"]["email"] == "quinn@example.com"
    login = app.ok("POST", "/user/loginByEmail", email="quinn@example.com", password="pw")
    assert login["user_id"] == user_id


def test_a_google_account_bound_to_one_user_cannot_be_bound_to_another(app):
    token_a, _ = app.register("ray@example.com")
    token_b, _ = app.register("sue@example.com")
    app.ok("POST", "/user/bindGoogle", token_a, uniq_token="", google_token="test-google:ray.g@example.com")
    taken = app.post("/user/bindGoogle", token_b, uniq_token="", google_token="test-google:ray.g@example.com")
    assert (taken.status, taken.json()["code"]) == (409, 5)
    # Bound: Google now signs in to ray's account.
    login = app.ok(
        "POST",
        "/user/registOrLoginByGoogle",
        google_token="test-google:ray.g@example.com",
        invitation_code="",
    )
    assert login["email"] == "ray@example.com"


def test_apple_can_be_bound_too(app):
    token, user_id = app.register("tess@example.com")
    app.ok(
        "POST", "/user/bindApple", token, uniq_token="", user_identifier="A1", identity_token="test-apple:A1"
    )
    login = app.ok("POST", "/user/registOrLoginByApple", user_identifier="A1", identity_token="test-apple:A1")
    assert login["user_id"] == user_id


def test_a_guest_token_is_for_the_guest_operations_only(app):
    guest = app.post("/guest/login", client_token="browser-1")
    assert guest.status == 200
    result = guest.json()["result"]
    assert result["client_token"] == "browser-1" and result["token_balance"] == 0
    token = guest.headers["session-token"]
    refused = app.post("/user/getUserBaseInfo", token, user_id=result["guest_id"])
    assert (refused.status, refused.json()["code"]) == (401, 4)
    assert "guest" in refused.json()["msg"]
    again = app.ok("POST", "/guest/login", client_token="browser-1")
    assert again["guest_id"] == result["guest_id"]


def test_a_deleted_users_token_fails_with_code_4_and_the_email_is_free_again(app):
    token, user_id = app.register("uma@example.com", "pw")
    app.ok("POST", "/user/delete", token, user_id=user_id)
    answer = app.post("/user/getUserBaseInfo", token, user_id=user_id)
    assert (answer.status, answer.json()["code"]) == (401, 4)
    assert app.post("/user/loginByEmail", email="uma@example.com", password="pw").status == 401
    assert app.ok("GET", "/user/email/exist?email=uma@example.com") == {"exist": False}
    _, new_id = app.register("uma@example.com", "pw")
    assert new_id != user_id


def test_deleting_a_user_forgets_their_private_data(app):
    token, user_id = app.register("vic@example.com")
    app.ok("POST", "/user/feedback/send", token, user_id=user_id, message="hello")
    app.ok("POST", "/user/delete", token, user_id=user_id)
    for table in ("feedback", "letters", "logins"):
        assert app.api.db.value(f"SELECT COUNT(*) FROM {table} WHERE user_id = ?", [user_id]) == 0


def test_demo_users_log_in_with_the_printed_password_and_hold_the_demo_tokens(demo):
    for name, token, user_id in (("alice", ALICE, 1), ("bob", BOB, 2)):
        login = demo.ok("POST", "/user/loginByEmail", email=f"{name}@example.com", password=DEMO_PASSWORD)
        assert (login["user_id"], login["username"]) == (user_id, name)
        assert demo.ok("POST", "/user/getUserBaseInfo", token, user_id=user_id)["username"] == name
    assert demo.api.db.value("SELECT name FROM users WHERE id = 3") == "Studio"


def test_an_invitation_code_at_registration_rewards_the_inviter_once(app):
    inviter_token, inviter_id = app.register("wes@example.com")
    code = app.ok("POST", "/user/getUserBaseInfo", inviter_token, user_id=inviter_id)["invite_code"]
    app.ok("POST", "/user/sendEmailCode", email="xena@example.com")
    invited = app.ok(
        "POST",
        "/user/registByEmail",
        email="xena@example.com",
        email_valid_code=app.code_for("xena@example.com"),
        password="pw",
        invitation_code=code,
    )
    inviter = app.ok("POST", "/user/getUserBaseInfo", inviter_token, user_id=inviter_id)
    assert (inviter["invite_count"], inviter["token_by_invite"], inviter["token_balance"]) == (1, 50, 50)
    assert app.api.db.value("SELECT inviter_id FROM users WHERE id = ?", [invited["user_id"]]) == inviter_id


def test_users_and_their_sessions_survive_a_restart(tmp_path):
    first = Client(tmp_path)
    token, user_id = first.register("yan@example.com", "pw")
    first.close()
    second = Client(tmp_path)
    try:
        assert (
            second.ok("POST", "/user/getUserBaseInfo", token, user_id=user_id)["email"] == "yan@example.com"
        )
        assert (
            second.ok("POST", "/user/loginByEmail", email="yan@example.com", password="pw")["user_id"]
            == user_id
        )
    finally:
        second.close()
