"""Signing in, every kind: email and password, email code, Google, Apple, a device (random login), a guest.

Each sign-in answers the user and issues a session token in the ``session-token`` and ``expireTs``
response headers, as the doc shows. Credentials that do not check out (a wrong password, an email
nobody registered, a wrong or expired email code, a Google or Apple token that does not verify) get
the doc's "session invalid" answer: HTTP 401, code 4, and a ``msg`` that says which; a password and
an unknown email get the same words, so the answer does not tell who has an account.

The reference server talks to no Google or Apple: it accepts deterministic test tokens instead.

- Google (``google_token``): ``test-google:<email>`` or ``test-google:<email>:<display name>``.
- Apple (``identity_token``): ``test-apple:<user_identifier>`` or
  ``test-apple:<user_identifier>:<email>``; the identifier must be the request's ``user_identifier``.

Email codes go to the outbox (``outbox.py``): six digits, valid for ten minutes and five tries,
used once; the newest code sent to an address replaces the one before.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
from typing import Any

import sqlite_utils

from server.apis.character import outbox
from server.apis.character.ledger import book
from server.apis.character.mailbox import send_letter
from server.apis.character.users import (
    ON_GUEST_MERGED,
    check_password,
    create_user,
    delete_user,
    find,
    find_by_email,
    find_by_login,
    hash_password,
    me,
    normal_email,
    session,
    sqlite_int,
    summary,
    token_balance,
)
from server.auth import TokenStore
from server.call import Call, Reply
from server.envelope import ApiError, unauthorized
from server.registry import Handlers
from server.storage import now_ms

handlers = Handlers()

CODE_TTL_MS = 10 * 60 * 1000
CODE_TRIES = 5
INVITE_REWARD = 50  # tokens for the inviter, once per invited user
DEMO_PASSWORD = "demo-password"


@handlers.schema
def create_tables(db: sqlite_utils.Database) -> None:
    # One live code per address: its digest (the code itself is only in the outbox).
    db.execute(
        """CREATE TABLE IF NOT EXISTS email_codes (
            email TEXT PRIMARY KEY,
            digest TEXT NOT NULL,
            expires_at INTEGER NOT NULL,
            tries INTEGER NOT NULL DEFAULT 0
        )"""
    )


def refused(message: str) -> ApiError:
    """Credentials that do not check out: the doc's code 4, "session invalid"."""
    return unauthorized(f"session invalid: {message}", example="invalid")


def taken(call: Call, message: str) -> ApiError:
    return call.fail(message, status=409)


def _digest(email: str, code: str) -> str:
    return hashlib.sha256(f"{email}\n{code}".encode("utf-8", "surrogatepass")).hexdigest()


def use_code(db: sqlite_utils.Database, email: str, code: str) -> str | None:
    """Check an email code inside a write, using it up when right; None, or why it is refused.

    A wrong try is counted in the same write, so the caller must commit and only then answer
    (raising inside the write would roll the count back)."""
    row = db.execute("SELECT digest, expires_at, tries FROM email_codes WHERE email = ?", [email]).fetchone()
    if row is None:
        return f"no email code was sent to {email}; ask for one with /user/sendEmailCode"
    digest, expires_at, tries = row
    if expires_at <= now_ms() or tries >= CODE_TRIES:
        return f"the email code sent to {email} has expired; ask for a new one"
    if not hmac.compare_digest(digest, _digest(email, str(code).strip())):
        db.execute("UPDATE email_codes SET tries = tries + 1 WHERE email = ?", [email])
        return f"wrong email code for {email}"
    db.execute("DELETE FROM email_codes WHERE email = ?", [email])
    return None


def welcome(db: sqlite_utils.Database, user_id: int, name: str) -> None:
    send_letter(
        db, user_id, f"Welcome, {name}! Check in every day for free tokens, and say hi to a character."
    )


def apply_invitation(db: sqlite_utils.Database, user_id: int, code: str) -> bool:
    """Make the owner of invitation `code` this user's inviter, rewarding them once; False when the
    code is unknown or the user's own."""
    inviter = db.execute(
        "SELECT id FROM users WHERE invite_code = ? AND deleted_at IS NULL AND id != ?",
        [code.strip(), user_id],
    ).fetchone()
    if inviter is None:
        return False
    db.execute("UPDATE users SET inviter_id = ? WHERE id = ?", [inviter[0], user_id])
    book(db, inviter[0], INVITE_REWARD, kind="invite", ref=user_id, once=f"invite:{user_id}")
    return True


def _register(call: Call, db: sqlite_utils.Database, greeting: str | None, **fields: Any) -> int:
    """A new account (inside a write): the user (``create_user(**fields)``), the request's
    invitation code applied, and the welcome letter greeting ``greeting`` (None: ``user<id>``);
    its id."""
    user_id = create_user(db, **fields)
    apply_invitation(db, user_id, str(call.get("invitation_code") or ""))
    welcome(db, user_id, greeting if greeting is not None else f"user{user_id}")
    return user_id


def _merge_guest(db: sqlite_utils.Database, user_id: int, client_token: Any) -> None:
    """A guest who signs up: their guest row points at the new user, and each area hands over what
    the guest had (ON_GUEST_MERGED: the content model moves the guest's chats)."""
    if client_token:
        guests = db.execute(
            "SELECT id FROM users WHERE client_token = ? AND type = 'guest' AND merged_into IS NULL",
            [str(client_token)],
        ).fetchall()
        db.execute(
            "UPDATE users SET merged_into = ? WHERE client_token = ? AND type = 'guest'",
            [user_id, str(client_token)],
        )
        for (guest_id,) in guests:
            for merge in ON_GUEST_MERGED:
                merge(db, guest_id, user_id)


def _signed_in(db: sqlite_utils.Database, call: Call, user_id: int) -> tuple[dict[str, Any], str, int]:
    db.execute("UPDATE users SET last_login_at = ? WHERE id = ?", [now_ms(), user_id])
    token, expires = call.api.tokens.issue(db, user_id)
    user = find(db, user_id)
    assert user is not None
    return user, token, expires


# --- email ----------------------------------------------------------------------------------


@handlers("post_user_sendEmailCode")
async def send_email_code(call: Call) -> Any:
    email = normal_email(str(call.require("email")))
    code = f"{secrets.randbelow(10**6):06d}"

    def write(db: sqlite_utils.Database) -> dict[str, Any]:
        db.execute(
            "INSERT INTO email_codes (email, digest, expires_at, tries) VALUES (?, ?, ?, 0)"
            " ON CONFLICT(email) DO UPDATE SET digest = excluded.digest, expires_at = excluded.expires_at, tries = 0",
            [email, _digest(email, code), now_ms() + CODE_TTL_MS],
        )
        body = f"Your code is {code}. It is valid for 10 minutes.\n\nIf you did not ask for it, ignore this email.\n"
        return outbox.post(db, email, f"Your Character code: {code}", body)

    outbox.deliver(call.api, await call.db.write(write))
    return {"status": 0}


@handlers("get_user_email_exist")
async def email_exist(call: Call) -> Any:
    return {"exist": find_by_email(call.db.conn, str(call.require("email"))) is not None}


@handlers("post_user_registByEmail")
async def register_by_email(call: Call) -> Reply:
    email = normal_email(str(call.require("email")))
    password = await asyncio.to_thread(hash_password, str(call.require("password")))

    def write(db: sqlite_utils.Database) -> Any:
        if find_by_email(db, email) is not None:
            return "taken"
        problem = use_code(db, email, call.require("email_valid_code"))
        if problem:
            return problem
        name = email.split("@")[0]
        user_id = _register(call, db, name, type="email", name=name, email=email, password=password)
        _merge_guest(db, user_id, call.get("guest_client_token"))
        return _signed_in(db, call, user_id)

    outcome = await call.db.write(write)
    if outcome == "taken":
        raise taken(
            call, f"{email} is registered already: log in with /user/loginByEmail or /user/code_login"
        )
    if isinstance(outcome, str):
        raise refused(outcome)
    user, token, expires = outcome
    return session(call, token, expires, summary(call, user))


@handlers("post_user_code_login")
async def code_login(call: Call) -> Reply:
    """Register or log in by email code: a new address becomes a new account (without a password)."""
    email = normal_email(str(call.require("email")))

    def write(db: sqlite_utils.Database) -> Any:
        problem = use_code(db, email, call.require("email_valid_code"))
        if problem:
            return problem
        user = find_by_email(db, email)
        if user is None:
            name = email.split("@")[0]
            user_id = _register(call, db, name, type="email", name=name, email=email)
        else:
            user_id = user["id"]
        _merge_guest(db, user_id, call.get("guest_client_token"))
        return _signed_in(db, call, user_id)

    outcome = await call.db.write(write)
    if isinstance(outcome, str):
        raise refused(outcome)
    user, token, expires = outcome
    return session(call, token, expires, summary(call, user))


@handlers("post_user_loginByEmail")
async def login_by_email(call: Call) -> Reply:
    email = normal_email(str(call.require("email")))
    user = find_by_email(call.db.conn, email)
    stored = user["password"] if user is not None else None
    if not await asyncio.to_thread(check_password, str(call.require("password")), stored) or user is None:
        raise refused("wrong email or password")
    user_id = user["id"]
    signed, token, expires = await call.db.write(lambda db: _signed_in(db, call, user_id))
    return session(call, token, expires, summary(call, signed))


@handlers("post_user_resetPwd")
async def reset_password(call: Call) -> Any:
    """A new password by email code; every session of the account ends (log in again)."""
    email = normal_email(str(call.require("email")))
    password = await asyncio.to_thread(hash_password, str(call.require("password")))

    def write(db: sqlite_utils.Database) -> Any:
        problem = use_code(db, email, call.require("email_valid_code"))
        if problem:
            return problem
        user = find_by_email(db, email)
        if user is None:
            return None
        db.execute("UPDATE users SET password = ? WHERE id = ?", [password, user["id"]])
        TokenStore.revoke_user(db, user["id"])
        return user["id"]

    outcome = await call.db.write(write)
    if isinstance(outcome, str):
        raise refused(outcome)
    if outcome is None:
        raise call.not_found("account with email", email)
    return {"status": 0}


# --- Google, Apple, device ------------------------------------------------------------------


def google_identity(token: str) -> tuple[str, str]:
    """(email, name) of a test Google token (module docstring); 401 for anything else."""
    kind, _, rest = str(token).partition(":")
    email, _, name = rest.partition(":")
    email = normal_email(email)
    if kind != "test-google" or "@" not in email:
        raise refused("Google did not accept the token (the reference server takes test-google:<email>)")
    return email, name.strip() or email.split("@")[0]


def apple_identity(token: str, user_identifier: str) -> str | None:
    """The email of a test Apple token for `user_identifier` (None: Apple hid it); 401 otherwise."""
    kind, _, rest = str(token).partition(":")
    subject, _, email = rest.partition(":")
    if kind != "test-apple" or not subject or subject != str(user_identifier):
        raise refused(
            "Apple did not accept the identity token (the reference server takes test-apple:<user_identifier>)"
        )
    email = normal_email(email)
    return email if "@" in email else None


def _provider_login(call: Call, provider: str, subject: str, email: str | None, name: str) -> Any:
    """The write of a sign-in by a provider: its account, else the account of its verified email,
    else a new one. Returns (user, token, expires, registered)."""

    def write(db: sqlite_utils.Database) -> Any:
        user = find_by_login(db, provider, subject)
        registered = False
        if user is None:
            user = find_by_email(db, email) if email else None
            if user is None:
                user_id = _register(call, db, name or None, type=provider, name=name, email=email)
                registered = True
            else:
                user_id = user["id"]
            db.execute(
                "INSERT INTO logins (provider, subject, user_id, created_at) VALUES (?, ?, ?, ?)",
                [provider, subject, user_id, now_ms()],
            )
        else:
            user_id = user["id"]
        _merge_guest(db, user_id, call.get("guest_client_token"))
        return (*_signed_in(db, call, user_id), registered)

    return write


@handlers("post_user_registOrLoginByGoogle", "post_user_mobile_registOrLoginByGoogle")
async def google_login(call: Call) -> Reply:
    email, name = google_identity(call.require("google_token"))
    user, token, expires, registered = await call.db.write(
        _provider_login(call, "google", email, email, name)
    )
    return session(call, token, expires, {**summary(call, user), "is_register": registered})


@handlers("post_user_registOrLoginByApple")
async def apple_login(call: Call) -> Reply:
    subject = str(call.require("user_identifier"))
    email = apple_identity(call.require("identity_token"), subject)
    write = _provider_login(call, "apple", subject, email, email.split("@")[0] if email else "")
    user, token, expires, registered = await call.db.write(write)
    return session(call, token, expires, {**summary(call, user), "is_register": registered})


@handlers("post_user_randomLogin")
async def random_login(call: Call) -> Reply:
    """An account for a device (its `uniq_token`), no email needed: the same device, the same user."""
    subject = str(call.require("uniq_token"))
    user, token, expires, _ = await call.db.write(_provider_login(call, "device", subject, None, ""))
    return session(call, token, expires, summary(call, user))


# --- binding another sign-in to the session's account ---------------------------------------
#
# `uniq_token` (the device's, from /user/randomLogin) is accepted and not needed: the session names
# the account. Each bind answers with a fresh session token, as the doc shows; the old one stays.


async def _bind(call: Call, provider: str, subject: str, email: str | None, password: str | None) -> Reply:
    user_id = me(call)["id"]

    def write(db: sqlite_utils.Database) -> Any:
        if provider == "email":
            owner = find_by_email(db, subject)
            if owner is not None and owner["id"] != user_id:
                return f"{subject} belongs to another account"
            db.execute("UPDATE users SET email = ?, password = ? WHERE id = ?", [subject, password, user_id])
        else:
            owner = find_by_login(db, provider, subject)
            if owner is not None and owner["id"] != user_id:
                return f"this {provider.title()} account belongs to another account"
            db.execute(
                "INSERT OR IGNORE INTO logins (provider, subject, user_id, created_at) VALUES (?, ?, ?, ?)",
                [provider, subject, user_id, now_ms()],
            )
            if email and find_by_email(db, email) is None:
                db.execute("UPDATE users SET email = ? WHERE id = ? AND email IS NULL", [email, user_id])
        return _signed_in(db, call, user_id)

    outcome = await call.db.write(write)
    if isinstance(outcome, str):
        raise taken(call, outcome)
    user, token, expires = outcome
    return session(call, token, expires, {"status": 0, **summary(call, user)})


@handlers("post_user_bindEmail")
async def bind_email(call: Call) -> Reply:
    email = normal_email(str(call.require("email")))
    password = await asyncio.to_thread(hash_password, str(call.require("password")))
    return await _bind(call, "email", email, email, password)


@handlers("post_user_bindGoogle")
async def bind_google(call: Call) -> Reply:
    email, _ = google_identity(call.require("google_token"))
    return await _bind(call, "google", email, email, None)


@handlers("post_user_bindApple")
async def bind_apple(call: Call) -> Reply:
    subject = str(call.require("user_identifier"))
    email = apple_identity(call.require("identity_token"), subject)
    return await _bind(call, "apple", subject, email, None)


# --- guests, deletion -----------------------------------------------------------------------


@handlers("post_guest_login")
async def guest_login(call: Call) -> Reply:
    """A guest per `client_token` (the same device, the same guest), with a token valid for the guest
    operations only (the core refuses it elsewhere)."""
    client_token = str(call.require("client_token"))

    def write(db: sqlite_utils.Database) -> Any:
        row = db.execute(
            "SELECT id FROM users WHERE client_token = ? AND type = 'guest' AND deleted_at IS NULL",
            [client_token],
        ).fetchone()
        guest_id = row[0] if row is not None else None
        if guest_id is None:
            guest_id = create_user(db, type="guest", client_token=client_token)
            db.execute("UPDATE users SET name = ? WHERE id = ?", [f"guest{guest_id}", guest_id])
        token, expires = call.api.tokens.issue(db, guest_id, kind="guest")
        return find(db, guest_id), token, expires

    guest, token, expires = await call.db.write(write)
    data = {
        "guest_id": guest["id"],
        "token_balance": token_balance(call.db.conn, guest["id"]),
        "client_token": client_token,
        "avatar": summary(call, guest)["avatar"],
    }
    return session(call, token, expires, data)


@handlers("post_user_delete")
async def delete_account(call: Call) -> Any:
    """The account is gone: its tokens stop working (401, code 4), its email may register again."""
    user_id = me(call)["id"]
    await call.db.write(lambda db: delete_user(db, user_id))
    return {"status": 0}


# --- what the content model asks of accounts ------------------------------------------------


def custom_profile(db: Any, user_id: int | None, profile_id: Any) -> dict[str, Any] | None:
    """One of the user's custom profiles (/user/custom/profile/set) as a chat session shows who the
    user plays: {username, age, sex}; None when it is not the user's. The content model finds this
    function by name (``content.store.custom_profile``)."""
    row = db.one(
        "SELECT username, age, sex FROM custom_profiles WHERE id = ? AND user_id = ?",
        [sqlite_int(profile_id), user_id],
    )
    if row is None:
        return None
    # Ages are kept as text (the schema's integer has no bound); anything else reads as 0.
    age = str(row["age"]).strip()
    return {**row, "age": int(age) if age.lstrip("-").isdigit() else 0}


# --- demo -----------------------------------------------------------------------------------


DEMO_USERS = (
    (1, "alice", "alice@example.com"),
    (2, "bob", "bob@example.com"),
    (3, "Studio", "studio@example.com"),  # the author of the public demo characters
    (4, "carol", "carol@example.com"),  # a user to try /user/delete on without losing alice or bob
)
SIGNED_IN = ("alice", "bob", "carol")


@handlers.seeder
def demo(seed: Any) -> None:
    """alice (1), bob (2) and carol (4) with the demo password and tokens, and Studio (3), who signs in
    nowhere."""
    hashed = None
    ids = [user_id for user_id, _, _ in DEMO_USERS]
    known = seed.db.value(f"SELECT COUNT(*) FROM users WHERE id IN ({', '.join('?' * len(ids))})", ids)
    if known < len(DEMO_USERS):
        hashed = hash_password(DEMO_PASSWORD)  # once, on the first start: scrypt is slow on purpose

    def write(db: sqlite_utils.Database) -> None:
        for user_id, name, email in DEMO_USERS:
            if db.execute("SELECT 1 FROM users WHERE id = ?", [user_id]).fetchone():
                continue
            password = hashed if user_id != 3 else None
            create_user(
                db,
                type="email",
                name=name,
                email=email,
                password=password,
                user_id=user_id,
                now=seed.epoch_ms,
            )
        for user_id, name, _ in DEMO_USERS:
            if name in SIGNED_IN:
                seed.token(db, user_id, name)

    seed.db.write_now(write)
    seed.say(
        f"character: demo users alice@example.com (user 1), bob@example.com (user 2) and carol@example.com "
        f"(user 4, to try deleting a user on), password {DEMO_PASSWORD}; tokens {seed.tokens['alice']}, "
        f"{seed.tokens['bob']} and {seed.tokens['carol']}"
    )
