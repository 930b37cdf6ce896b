"""aichat: a user's dialogues with characters (roles), newest first, and the login that says who asks.

The doc shows one operation, /chatList; its error codes 610 (email not registered) and 620 (wrong
account or password) belong to a login the overlay adds (POST /login: the token in `data.token`).
There is no registration in the doc, so users come from `--seed demo` (alice and bob, with
passwords) or from `mdcontract token create --api aichat --name NAME` (a user without a password,
reached by token only).

/chatList pages by creation time, as the doc says: `page` is the `createdAt` of the oldest row of
the page the client has, and the next page is the dialogues created before it (none or 0: the
newest). Each row carries its role (the character) and the dialogue's latest message, read from
the tables below; times are epoch seconds, like the doc's.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import struct
import zlib
from typing import Any

import sqlite_utils

from generators.fake import Persona, Turn, chunks, reply
from server.call import Call
from server.envelope import ApiError, unauthorized
from server.registry import Handlers

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# Keeps a cursor or a size from a fuzzer inside SQLite's 64-bit integers.
LARGEST = 2**62
# PBKDF2 rounds: enough that the database does not hold passwords a glance can read, few because
# this is a development server (about 15 ms a hash here, in a thread: hashlib lets go of the GIL).
HASH_ROUNDS = 10_000


def _user_for_name(db: sqlite_utils.Database, name: str) -> int:
    """`mdcontract token create --api aichat --name NAME`: the user of that name or email, else a
    new one (email NAME@example.com unless NAME is an email), who has no password."""
    row = db.execute("SELECT id FROM users WHERE name = ? OR email = ?", [name, name.lower()]).fetchone()
    if row is not None:
        return int(row[0])
    email = (name if "@" in name else f"{name}@example.com").lower()
    cursor = db.execute(
        "INSERT INTO users (name, email, password_hash, created_at) VALUES (?, ?, NULL, strftime('%s'))",
        [name, email],
    )
    return int(cursor.lastrowid)


handlers = Handlers(user_for_name=_user_for_name)


@handlers.schema
def create_tables(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE IF NOT EXISTS users (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            email TEXT NOT NULL UNIQUE,
            password_hash TEXT,
            created_at INTEGER NOT NULL
        )"""
    )
    # The characters. Columns are the doc's roleInfo fields; chatCount is counted, level is the
    # dialogue's (how close this user and this role are).
    db.execute(
        """CREATE TABLE IF NOT EXISTS roles (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            personality TEXT NOT NULL DEFAULT '',
            avatar TEXT NOT NULL DEFAULT '',
            background_thumb TEXT NOT NULL DEFAULT '',
            background TEXT NOT NULL DEFAULT '',
            background_gif TEXT NOT NULL DEFAULT '',
            scenario TEXT NOT NULL DEFAULT '',
            emotes TEXT NOT NULL DEFAULT '',
            rules TEXT NOT NULL DEFAULT '',
            role TEXT NOT NULL DEFAULT '',
            speech_style TEXT NOT NULL DEFAULT '',
            state INTEGER NOT NULL DEFAULT 0,
            fid INTEGER NOT NULL DEFAULT 0,
            pid INTEGER NOT NULL DEFAULT 0,
            sex INTEGER NOT NULL DEFAULT 0,
            is_audit INTEGER NOT NULL DEFAULT 0,
            listed_at INTEGER NOT NULL DEFAULT 0,
            chat_count_virtual INTEGER NOT NULL DEFAULT 0,
            favorite_count INTEGER NOT NULL DEFAULT 0,
            avg_cost INTEGER NOT NULL DEFAULT 0
        )"""
    )
    db.execute(
        """CREATE TABLE IF NOT EXISTS dialogues (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            role_id INTEGER NOT NULL REFERENCES roles (id),
            date_id INTEGER NOT NULL DEFAULT 0,
            detail TEXT NOT NULL DEFAULT '',
            top_at INTEGER NOT NULL DEFAULT 0,
            level INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL,
            last_active_at INTEGER NOT NULL
        )"""
    )
    db.execute("CREATE INDEX IF NOT EXISTS dialogues_by_user ON dialogues (user_id, created_at, id)")
    db.execute(
        """CREATE TABLE IF NOT EXISTS chats (
            id INTEGER PRIMARY KEY,
            dialogue_id INTEGER NOT NULL REFERENCES dialogues (id) ON DELETE CASCADE,
            user_id INTEGER NOT NULL,
            role_id INTEGER NOT NULL,
            date_id INTEGER NOT NULL DEFAULT 0,
            role TEXT NOT NULL,
            char_name TEXT NOT NULL DEFAULT '',
            content TEXT NOT NULL,
            action TEXT NOT NULL DEFAULT '',
            score_change INTEGER NOT NULL DEFAULT 0,
            image TEXT NOT NULL DEFAULT '',
            image_state INTEGER NOT NULL DEFAULT 0,
            video TEXT NOT NULL DEFAULT '',
            video_state INTEGER NOT NULL DEFAULT 0,
            input_token INTEGER NOT NULL DEFAULT 0,
            token INTEGER NOT NULL DEFAULT 0,
            is_summary INTEGER NOT NULL DEFAULT 0,
            is_warn INTEGER NOT NULL DEFAULT 0,
            summary_id INTEGER NOT NULL DEFAULT 0,
            chat_model INTEGER NOT NULL DEFAULT 0,
            response_time INTEGER NOT NULL DEFAULT 0,
            stream_time INTEGER NOT NULL DEFAULT 0,
            is_bottom INTEGER NOT NULL DEFAULT 0,
            chat_model_real INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL,
            deleted_at INTEGER NOT NULL DEFAULT 0
        )"""
    )
    db.execute("CREATE INDEX IF NOT EXISTS chats_by_dialogue ON chats (dialogue_id, created_at, id)")
    db.execute("CREATE INDEX IF NOT EXISTS chats_by_role ON chats (role_id)")


# --- passwords ---------------------------------------------------------------------------------


def hash_password(password: str, salt: str | None = None) -> str:
    salt = salt if salt is not None else secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac(
        "sha256", password.encode("utf-8", "surrogatepass"), salt.encode(), HASH_ROUNDS
    )
    return f"{salt}${digest.hex()}"


def password_matches(password: str, stored: str | None) -> bool:
    if not stored or "$" not in stored:
        return False  # a user made by `mdcontract token create` has no password
    salt = stored.split("$", 1)[0]
    return hmac.compare_digest(hash_password(password, salt), stored)


# --- operations --------------------------------------------------------------------------------


@handlers("post_login")
async def login(call: Call) -> Any:
    email = str(call.require("email"))
    password = str(call.require("password"))
    user = call.db.one("SELECT id, password_hash FROM users WHERE email = ?", [email.strip().lower()])
    if user is None:
        # 610: the account named does not exist, hence the not-found answer (HTTP 404).
        raise ApiError(f"邮箱未注册: {email}", kind="not_found", status=404, code=610)
    if not await asyncio.to_thread(password_matches, password, user["password_hash"]):
        raise unauthorized("账号或密码错误", code=620)

    def issue(db: sqlite_utils.Database) -> tuple[str, int]:
        return call.api.tokens.issue(db, user["id"])

    token, expires_ms = await call.db.write(issue)
    return {"userId": user["id"], "token": token, "expireAt": expires_ms // 1000}


ROLE_INFO = """SELECT id, name, description, personality, avatar, background_thumb AS backgroundThumb,
    background, background_gif AS backgroundGif, scenario, emotes, rules, role,
    speech_style AS speechStyle, state, fid, pid, sex, is_audit AS isAudit, listed_at AS listedAt,
    (SELECT COUNT(*) FROM chats WHERE chats.role_id = roles.id) AS chatCount,
    chat_count_virtual AS chatCountVirtual, favorite_count AS favoriteCount, avg_cost AS avgCost
    FROM roles WHERE id = ?"""

LATEST_CHAT = """SELECT id, dialogue_id AS dialogueId, user_id AS userId, role_id AS roleId,
    date_id AS dateId, role, char_name AS charName, content, action, score_change AS scoreChange,
    image, image_state AS imageState, video, video_state AS videoState, input_token AS inputToken,
    token, is_summary AS isSummary, is_warn AS isWarn, summary_id AS summaryId,
    chat_model AS chatModel, response_time AS responseTime, stream_time AS streamTime,
    is_bottom AS isBottom, chat_model_real AS chatModelReal, created_at AS createdAt,
    deleted_at AS deletedAt
    FROM chats WHERE dialogue_id = ? AND deleted_at = 0 ORDER BY created_at DESC, id DESC LIMIT 1"""


IMAGE_FIELDS = ("avatar", "backgroundThumb", "background", "backgroundGif")


def _url(call: Call, stored: str) -> str:
    """Images the server keeps are stored by file name and answered as URLs of this server, as
    the client reached it; a URL stored whole is answered as it is."""
    return call.file_url(stored) if stored and "://" not in stored else stored


@handlers("post_chatList")
async def chat_list(call: Call) -> Any:
    page = call.get("page")
    size = call.get("pageSize")
    size = DEFAULT_PAGE_SIZE if not size or size <= 0 else min(size, MAX_PAGE_SIZE)
    # No cursor (or 0, or below) is the newest page, and so is a cursor in the future.
    before = min(page, LARGEST) if page and page > 0 else LARGEST
    # Dialogues without any message are left out: chatInfo (the latest message) is required.
    dialogues = call.db.query(
        "SELECT id, user_id, role_id, date_id, detail, top_at, level, created_at, last_active_at"
        " FROM dialogues WHERE user_id = ? AND created_at < ?"
        " AND EXISTS (SELECT 1 FROM chats WHERE chats.dialogue_id = dialogues.id AND chats.deleted_at = 0)"
        " ORDER BY created_at DESC, id DESC LIMIT ?",
        [call.user_id, before, size],
    )
    rows = []
    # Dialogues with one role share its row: read once per request, copied before it is changed.
    role_rows: dict[int, dict[str, Any] | None] = {}
    for dialogue in dialogues:
        if dialogue["role_id"] not in role_rows:
            role_rows[dialogue["role_id"]] = call.db.one(ROLE_INFO, [dialogue["role_id"]])
        found = role_rows[dialogue["role_id"]]
        assert found is not None  # a foreign key: every dialogue has its role
        role = dict(found)
        role["level"] = dialogue["level"]
        for field in IMAGE_FIELDS:
            role[field] = _url(call, role[field])
        chat = call.db.one(LATEST_CHAT, [dialogue["id"]])
        rows.append(
            {
                "id": dialogue["id"],
                "userId": dialogue["user_id"],
                "roleId": dialogue["role_id"],
                "dateId": dialogue["date_id"],
                "detail": dialogue["detail"],
                "topAt": dialogue["top_at"],
                "createdAt": dialogue["created_at"],
                "lastActiveAt": max(dialogue["last_active_at"], chat["createdAt"] if chat else 0),
                "roleInfo": role,
                "chatInfo": chat,
            }
        )
    return rows


# --- demo data ---------------------------------------------------------------------------------

DEMO_USERS = [
    # name (also the label of the demo token), email, password
    ("alice", "alice@example.com", "alice-password"),
    ("bob", "bob@example.com", "bob-password"),
]

DEMO_ROLES = [
    {
        "id": 1,
        "name": "Jenna",
        "sex": 2,
        "color": (214, 140, 69),
        "role": "Jenna is a cheerful volunteer librarian who loves mystery novels, bakes lemon cookies for her"
        " book club and answers every question with a riddle first.",
        "greeting": "*Jenna looks up from the returns cart and smiles.* Back again? Tell me what you are hunting"
        " for today, and I will tell you a riddle about it first.",
    },
    {
        "id": 2,
        "name": "林小雨",
        "sex": 2,
        "color": (96, 150, 186),
        "role": "林小雨是一家街角咖啡馆的咖啡师，温柔细心，记得每位熟客的口味，喜欢在雨天给客人讲老城区的故事。",
        "greeting": "*林小雨擦了擦吧台，抬头冲你笑了笑。* 下雨天又来啦？还是老样子，一杯热拿铁吗？",
    },
    {
        "id": 3,
        "name": "Captain Reyes",
        "sex": 1,
        "color": (70, 80, 120),
        "role": "Captain Reyes commands a small cargo ship between the outer moons; gruff, fair, and secretly"
        " fond of terrible puns.",
        "greeting": "*Reyes glances up from the star chart.* You are late, deckhand. The engines will not fix"
        " themselves. Or will they? Ha.",
    },
    {
        "id": 4,
        "name": "白夜",
        "sex": 1,
        "color": (40, 40, 48),
        "role": "白夜是一位游走江湖的剑客，沉默寡言，剑法凌厉，却总在夜里为路边的流浪猫留下一碗饭。",
        "greeting": "*白夜收剑入鞘，目光落在你身上。* 这么晚了，你一个人在这荒山里做什么？",
    },
]

# (dialogue id, user, role id, intimacy level, hours after the demo epoch it was created, what the
#  user said in it). Distinct creation times: the page cursor is a creation time.
DEMO_DIALOGUES = [
    (1, "alice", 1, 7, 1, ["Any good mystery novels for a rainy weekend?"]),
    (2, "alice", 2, 3, 5, ["今天有什么推荐的甜点吗？", "那就来一块吧，谢谢你。"]),
    (3, "alice", 3, 5, 9, ["What cargo are we carrying this time, captain?"]),
    (4, "alice", 4, 2, 13, ["我迷路了，能带我下山吗？"]),
    (5, "bob", 2, 1, 3, ["你好，第一次来，有什么招牌饮品？"]),
    (6, "bob", 3, 4, 7, ["Permission to come aboard?"]),
]


@handlers.seeder
def demo(seed: Any) -> None:
    """alice and bob with passwords and tokens; four roles with real (small) images; dialogues
    whose replies come from the fake generator. Deterministic: the same rows at every start."""
    base = seed.epoch_ms // 1000
    files = seed.api.files
    images = {
        r["id"]: (
            files.put(solid_png(64, 64, r["color"]), "image/png"),
            files.put(solid_png(90, 160, r["color"]), "image/png"),
            files.put(solid_png(360, 640, r["color"]), "image/png"),
        )
        for r in DEMO_ROLES
    }

    def write(db: sqlite_utils.Database) -> None:
        users = {}
        for name, email, password in DEMO_USERS:
            # Found by email, not by a fixed id: `mdcontract token create` may have made users
            # (or this very one, without a password) before the first seeded start.
            row = db.execute("SELECT id, password_hash FROM users WHERE email = ?", [email]).fetchone()
            if row is None:
                users[name] = db.execute(
                    "INSERT INTO users (name, email, password_hash, created_at) VALUES (?, ?, ?, ?)",
                    [name, email, hash_password(password, salt=f"demo-{name}"), base],
                ).lastrowid
            else:
                users[name] = row[0]
                if row[1] is None:  # hashed only when missing: a start with the data in place stays fast
                    db.execute(
                        "UPDATE users SET password_hash = ? WHERE id = ?",
                        [hash_password(password, salt=f"demo-{name}"), row[0]],
                    )
            seed.token(db, users[name], name)
        for r in DEMO_ROLES:
            avatar, thumb, background = images[r["id"]]
            db.execute(
                "INSERT OR IGNORE INTO roles (id, name, role, emotes, sex, avatar, background_thumb, background,"
                " fid, pid, chat_count_virtual, favorite_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, 4, ?, ?)",
                [
                    r["id"],
                    r["name"],
                    r["role"],
                    r["role"],
                    r["sex"],
                    avatar,
                    thumb,
                    background,
                    100 * r["id"],
                    7,
                ],
            )
        if db.execute("SELECT 1 FROM dialogues LIMIT 1").fetchone():
            return  # written at an earlier start
        roles = {r["id"]: r for r in DEMO_ROLES}
        for dialogue_id, name, role_id, level, hours, said in DEMO_DIALOGUES:
            user_id = users[name]
            role = roles[role_id]
            created = base + hours * 3600
            db.execute(
                "INSERT INTO dialogues (id, user_id, role_id, level, created_at, last_active_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [dialogue_id, user_id, role_id, level, created, created],
            )
            persona = Persona(role["name"], role["greeting"], role["role"])
            history = [Turn("assistant", role["greeting"])]
            at = created
            _chat(db, dialogue_id, user_id, role, "assistant", role["greeting"], at)
            for text in said:
                at += 60
                _chat(db, dialogue_id, user_id, role, "user", text, at)
                answer = reply(f"aichat-{dialogue_id}", persona, history, text)
                at += 20
                _chat(db, dialogue_id, user_id, role, "assistant", answer, at, input_token=len(history) * 120)
                history += [Turn("user", text), Turn("assistant", answer)]
            # The user read the last answer a little after it came.
            db.execute("UPDATE dialogues SET last_active_at = ? WHERE id = ?", [at + 45, dialogue_id])

    seed.db.write_now(write)
    for name, email, password in DEMO_USERS:
        seed.say(
            f"aichat: demo user {name}: email {email}, password {password}, token {seed.tokens[name]}"
            " (POST /aichat/login gives a fresh one)"
        )


def _chat(
    db: sqlite_utils.Database,
    dialogue_id: int,
    user_id: int,
    role: dict[str, Any],
    speaker: str,
    content: str,
    at: int,
    input_token: int = 0,
) -> None:
    assistant = speaker == "assistant"
    db.execute(
        "INSERT INTO chats (dialogue_id, user_id, role_id, role, char_name, content, input_token, token,"
        " chat_model, response_time, stream_time, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            dialogue_id,
            user_id,
            role["id"],
            speaker,
            role["name"] if assistant else "",
            content,
            input_token,
            len(chunks(content)) if assistant else 0,
            4 if assistant else 0,
            2 if assistant else 0,
            5 if assistant else 0,
            at,
        ],
    )


def solid_png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A PNG of one colour: demo avatars and backgrounds a browser can show, made without an
    imaging library (the format needs only zlib and CRCs)."""

    def part(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes(rgb) * width  # filter byte 0, then the pixels
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + part(b"IHDR", header)
        + part(b"IDAT", zlib.compress(row * height))
        + part(b"IEND", b"")
    )
