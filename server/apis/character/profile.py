"""A user's own account: base info, name, avatar, profile, interest tags, inviter, the custom profiles a
user plays as, photo walls, app bookkeeping (adjust ids, clicks, grade level) and clearing usage records.

Everything here is the session user's: a `user_id` in the request is the token's user (the core
refuses another), and an id of someone else's custom profile or photo is not found.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import sqlite_utils

from server.apis.character.accounts import apply_invitation
from server.apis.character.users import (
    ON_CLEAR_RECORDS,
    ON_DELETE,
    avatar_url,
    me,
    session,
    sqlite_int,
    stamp,
    summary,
)
from server.apis.character.wallet import balances, free_times, is_recharge
from server.auth import DAY_MS
from server.call import Call, Reply
from server.registry import Handlers
from server.storage import now_ms

handlers = Handlers()

PROFILE_FIELDS = ("age", "sex")
INVITER_WINDOW_MS = DAY_MS  # the doc: an inviter may be set within 24 hours of registering
# Counts other areas keep (authors and follows): ``fn(db, user_id) -> int`` by field of the base info;
# 0 until an area registers one.
COUNTED = ("follow_count", "followers_count", "popularity")
COUNTS: dict[str, Callable[[Any, int], int]] = {}


@handlers.schema
def create_tables(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE IF NOT EXISTS custom_profiles (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL,
            username TEXT NOT NULL,
            age TEXT NOT NULL,
            sex TEXT NOT NULL,
            appearance TEXT NOT NULL DEFAULT '',
            infomation TEXT NOT NULL DEFAULT '',
            avatar TEXT NOT NULL DEFAULT '',
            is_default INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL
        )"""
    )
    db.execute("CREATE INDEX IF NOT EXISTS custom_profiles_by_user ON custom_profiles(user_id, id)")
    db.execute(
        """CREATE TABLE IF NOT EXISTS photo_walls (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL,
            character_id INTEGER NOT NULL,
            url TEXT NOT NULL,
            review_level INTEGER NOT NULL DEFAULT 1,
            created_at INTEGER NOT NULL
        )"""
    )
    db.execute("CREATE INDEX IF NOT EXISTS photo_walls_by_user ON photo_walls(user_id, character_id, id)")
    db.execute(
        """CREATE TABLE IF NOT EXISTS adjust_ids (
            user_id INTEGER NOT NULL,
            system TEXT NOT NULL,
            adjust_id TEXT NOT NULL,
            app_device TEXT NOT NULL DEFAULT '',
            app_mall TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (user_id, system)
        )"""
    )
    db.execute(
        """CREATE TABLE IF NOT EXISTS clicks (
            user_id INTEGER NOT NULL,
            type TEXT NOT NULL,
            count INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (user_id, type)
        )"""
    )


def _forget(db: sqlite_utils.Database, user_id: int) -> None:
    for table in ("custom_profiles", "photo_walls", "adjust_ids", "clicks"):
        db.execute(f"DELETE FROM {table} WHERE user_id = ?", [user_id])


def _clear_clicks(db: sqlite_utils.Database, user_id: int) -> None:
    db.execute("DELETE FROM clicks WHERE user_id = ?", [user_id])


ON_DELETE.append(_forget)
ON_CLEAR_RECORDS.append(_clear_clicks)


# --- base info and profile ------------------------------------------------------------------


@handlers("post_user_getUserBaseInfo")
async def base_info(call: Call) -> Any:
    user = me(call)
    db = call.db.conn
    user_id = user["id"]
    wallet = balances(db, user_id)
    recharged = subscribed = 0
    for kind, credit in db.execute(
        "SELECT kind, SUM(delta) FROM ledger WHERE user_id = ? AND account = 'tokens' AND delta > 0 GROUP BY kind",
        [user_id],
    ):
        if kind.startswith("subscription"):
            subscribed += credit
        elif is_recharge(kind) and kind != "transfer":
            recharged += credit
    withdrawn = call.db.one(
        "SELECT COALESCE(SUM(CASE WHEN done_at IS NOT NULL THEN amount END), 0) AS done,"
        " COALESCE(SUM(CASE WHEN done_at IS NULL THEN amount END), 0) AS pending"
        " FROM withdrawals WHERE user_id = ?",
        [user_id],
    ) or {"done": 0, "pending": 0}
    return {
        "user_id": user_id,
        "level": user["level"],
        "type": user["type"],
        "email": user["email"] or "",
        "username": user["name"],
        "avatar": avatar_url(call, user["avatar"]),
        "inviter_id": user["inviter_id"],
        "invite_code": user["invite_code"] or "",
        "invite_count": call.db.value(
            "SELECT COUNT(*) FROM users WHERE inviter_id = ? AND deleted_at IS NULL", [user_id]
        ),
        "registe_time": stamp(user["created_at"]),
        "last_login_time": stamp(user["last_login_at"]),
        "total_amount": recharged + subscribed,
        "total_subscribe_amount": subscribed,
        "available_amount": wallet["available_amount"],
        "withdraw_amount": withdrawn["done"],
        "pending_withdraw_amount": withdrawn["pending"],
        "vip_expire_time": stamp(user["vip_expire_at"]) if user["vip_expire_at"] else None,
        "token_balance": wallet["token_balance"],
        "token_by_invite": call.db.value(
            "SELECT COALESCE(SUM(delta), 0) FROM ledger WHERE user_id = ? AND account = 'tokens' AND kind = 'invite'",
            [user_id],
        ),
        "freeGifTimes": free_times(db, user_id)["gif"],
        "is_subscribe": user["is_subscribe"],
        "is_bind_email": user["email"] is not None,
        "total_profit": call.db.value(
            "SELECT COALESCE(SUM(profit), 0) FROM profits WHERE user_id = ?", [user_id]
        ),
        **{field: COUNTS[field](db, user_id) if field in COUNTS else 0 for field in COUNTED},
        "create_world_permission": bool(user["create_world_permission"]),
    }


async def _update(call: Call, sql: str, params: list[Any]) -> dict[str, int]:
    await call.db.write(lambda db: db.execute(sql, params))
    return {"status": 0}


@handlers("post_user_setUsername")
async def set_username(call: Call) -> Any:
    user = me(call)
    return await _update(
        call, "UPDATE users SET name = ? WHERE id = ?", [str(call.require("username")), user["id"]]
    )


@handlers("post_user_setAvatar")
async def set_avatar(call: Call) -> Any:
    user = me(call)
    return await _update(
        call, "UPDATE users SET avatar = ? WHERE id = ?", [str(call.require("url")), user["id"]]
    )


@handlers("post_user_setProfile")
async def set_profile(call: Call) -> Any:
    """`field` is age or sex (the doc's two); another field names nothing there is to set."""
    user = me(call)
    field = str(call.require("field"))
    if field not in PROFILE_FIELDS:
        raise call.not_found("profile field (age or sex)", field)
    return await _update(
        call, f"UPDATE users SET {field} = ? WHERE id = ?", [str(call.require("value")), user["id"]]
    )


@handlers("post_user_tags_set")
async def set_tags(call: Call) -> Any:
    """The user's interest tags (GET /tags/complete/list shows them as `interest`); the doc's
    `["NULL"]` clears them. `exist`: whether the user has interest tags now."""
    user = me(call)
    tags = [str(tag) for tag in call.require("tags") if tag is not None and str(tag) not in ("", "NULL")]
    unique = list(dict.fromkeys(tags))
    await _update(
        call,
        "UPDATE users SET interest_tags = ? WHERE id = ?",
        [json.dumps(unique, ensure_ascii=False), user["id"]],
    )
    return {"exist": bool(unique)}


@handlers("post_user_setInviter")
async def set_inviter(call: Call) -> Any:
    """Within 24 hours of registering, once, and not oneself; otherwise `success: false` (status 1).
    An invitation code nobody has is not found."""
    user = me(call)
    code = str(call.require("invitation_code")).strip()
    owner = call.db.one("SELECT id FROM users WHERE invite_code = ? AND deleted_at IS NULL", [code])
    if owner is None:
        raise call.not_found("invitation code", code)
    if user["inviter_id"] or owner["id"] == user["id"] or now_ms() - user["created_at"] > INVITER_WINDOW_MS:
        return {"status": 1, "success": False}
    done = await call.db.write(lambda db: apply_invitation(db, user["id"], code))
    return {"status": 0 if done else 1, "success": bool(done)}


# --- custom profiles ------------------------------------------------------------------------


@handlers("post_user_custom_profile_list")
async def custom_profiles(call: Call) -> Any:
    user = me(call)
    rows = call.db.query(
        "SELECT id, username, age, sex, is_default FROM custom_profiles WHERE user_id = ? ORDER BY id",
        [user["id"]],
    )
    # Ages are kept as text: the schema's integer has no bound, SQLite's has 64 bits.
    return {"profiles": [{**row, "age": int(row["age"])} for row in rows]}


def _own_profile(call: Call, user_id: int, profile_id: Any) -> dict[str, Any]:
    row = call.db.one(
        "SELECT * FROM custom_profiles WHERE id = ? AND user_id = ?", [sqlite_int(profile_id), user_id]
    )
    if row is None:
        raise call.not_found("custom profile", profile_id)
    return row


@handlers("post_user_custom_profile_set")
async def set_custom_profile(call: Call) -> Any:
    """Without `id` a new profile, with `id` that profile changed, with `del: 1` it is deleted (the
    answer's `id` is then 0, as the doc says). `is_default: 1` makes it the one default; a user's
    first profile is the default."""
    user_id = me(call)["id"]
    profile_id = call.get("id") or 0
    if profile_id:
        _own_profile(call, user_id, profile_id)
    if call.get("del") == 1:
        if not profile_id:
            raise call.not_found("custom profile", profile_id)
        await call.db.write(lambda db: db.execute("DELETE FROM custom_profiles WHERE id = ?", [profile_id]))
        return {"user_id": user_id, "id": 0}
    values = [
        str(call.require("username")),
        str(int(call.require("age"))),
        str(call.require("sex")),
        str(call.require("appearance")),
        str(call.require("infomation")),
        str(call.require("avatar")),
    ]
    make_default = call.get("is_default") == 1

    def write(db: sqlite_utils.Database) -> int:
        saved = profile_id
        if saved:
            db.execute(
                "UPDATE custom_profiles SET username = ?, age = ?, sex = ?, appearance = ?, infomation = ?,"
                " avatar = ? WHERE id = ?",
                [*values, saved],
            )
        else:
            first = (
                db.execute("SELECT 1 FROM custom_profiles WHERE user_id = ?", [user_id]).fetchone() is None
            )
            saved = db.execute(
                "INSERT INTO custom_profiles (user_id, username, age, sex, appearance, infomation, avatar,"
                " is_default, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [user_id, *values, 1 if first else 0, now_ms()],
            ).lastrowid
        if make_default:
            db.execute(
                "UPDATE custom_profiles SET is_default = CASE WHEN id = ? THEN 1 ELSE 0 END WHERE user_id = ?",
                [saved, user_id],
            )
        return int(saved)

    return {"user_id": user_id, "id": await call.db.write(write)}


# --- photo walls ----------------------------------------------------------------------------
#
# A user's own pictures for a character. The reference server's review passes a picture at once
# (`review_level` 1; the doc's -1 is "did not pass", 0 "reviewing").


@handlers("get_user_photowall_list")
async def photo_wall(call: Call) -> Any:
    user = me(call)
    return call.db.query(
        "SELECT id, url, review_level FROM photo_walls WHERE user_id = ? AND character_id = ? ORDER BY id",
        [user["id"], sqlite_int(call.require("character_id"))],
    )


@handlers("post_user_photowall_add")
async def add_photo(call: Call) -> Any:
    user_id = me(call)["id"]
    character_id = sqlite_int(call.require("character_id"))
    if character_id is None:
        raise call.not_found("character", call.require("character_id"))
    values = [user_id, character_id, str(call.require("url")), now_ms()]
    photo_id = await call.db.write(
        lambda db: (
            db.execute(
                "INSERT INTO photo_walls (user_id, character_id, url, created_at) VALUES (?, ?, ?, ?)", values
            ).lastrowid
        )
    )
    return {"id": photo_id}


@handlers("post_user_photowall_del")
async def delete_photo(call: Call) -> Any:
    user_id = me(call)["id"]
    photo_id = sqlite_int(call.require("id"))
    if call.db.one("SELECT 1 FROM photo_walls WHERE id = ? AND user_id = ?", [photo_id, user_id]) is None:
        raise call.not_found("photo", call.require("id"))
    await call.db.write(lambda db: db.execute("DELETE FROM photo_walls WHERE id = ?", [photo_id]))
    return {"status": 0}


# --- app bookkeeping ------------------------------------------------------------------------


@handlers("post_user_adjust_get")
async def get_adjust(call: Call) -> Any:
    """The Adjust (attribution SDK) id the app stored for this system; empty strings before any."""
    user_id = me(call)["id"]
    system = str(call.require("system"))
    row = call.db.one(
        "SELECT adjust_id, app_device, app_mall FROM adjust_ids WHERE user_id = ? AND system = ?",
        [user_id, system],
    ) or {"adjust_id": "", "app_device": "", "app_mall": ""}
    return {"user_id": user_id, "system": system, **row}


@handlers("post_user_adjust_set")
async def set_adjust(call: Call) -> Any:
    user_id = me(call)["id"]
    values = [
        user_id,
        str(call.require("system")),
        str(call.require("adjust_id")),
        str(call.get("app_device") or ""),
        str(call.get("app_mall") or ""),
    ]
    await call.db.write(
        lambda db: db.execute(
            "INSERT INTO adjust_ids (user_id, system, adjust_id, app_device, app_mall) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT(user_id, system) DO UPDATE SET adjust_id = excluded.adjust_id,"
            " app_device = excluded.app_device, app_mall = excluded.app_mall",
            values,
        )
    )
    return {"success": True}


@handlers("post_user_click")
async def click(call: Call) -> Any:
    user_id = me(call)["id"]
    kind = str(call.require("type"))
    return await _update(
        call,
        "INSERT INTO clicks (user_id, type, count) VALUES (?, ?, 1)"
        " ON CONFLICT(user_id, type) DO UPDATE SET count = count + 1",
        [user_id, kind],
    )


@handlers("post_user_grade_level")
async def grade_level(call: Call) -> Any:
    """Whether the app should ask for a store rating, and how: 1 a new user, 2 a regular (signed in
    on three days or more), 3 a paying user. Derived from the ledger, so it follows what the user did."""
    user_id = me(call)["id"]
    kinds = call.db.query(
        "SELECT kind, COUNT(*) AS n FROM ledger WHERE user_id = ? AND account = 'tokens' AND delta > 0 GROUP BY kind",
        [user_id],
    )
    if any(is_recharge(row["kind"]) and row["kind"] != "transfer" for row in kinds):
        return {"_level": 3}
    sign_ins = sum(row["n"] for row in kinds if row["kind"] == "sign_in")
    return {"_level": 2 if sign_ins >= 3 else 1}


@handlers("post_user_clearRecords")
async def clear_records(call: Call) -> Reply:
    """Every area clears what it counts as usage (the content model: chat histories; here: clicks).
    Balances, purchases and the user's own creations stay. Answers with a fresh session, as the doc shows."""
    user_id = me(call)["id"]

    def write(db: sqlite_utils.Database) -> Any:
        for clear in ON_CLEAR_RECORDS:
            clear(db, user_id)
        token, expires = call.api.tokens.issue(db, user_id)
        return token, expires

    token, expires = await call.db.write(write)
    return session(call, token, expires, {"status": 0, **summary(call, me(call))})
