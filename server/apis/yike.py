"""yike: scenes (prompts), a user's conversations in a scene, their messages, and streamed replies.

The doc has no login: tokens are issued out of band (`mdcontract token create --api yike --name
NAME`, or `--seed demo` for alice and bob), each for one user. Everything else is the user's own:
another user's conversation is not there for them (404, Laravel's missing-model answer).

Lists are Laravel's paginator (`current_page`, `data`, `first_page_url`, `from`, `last_page`,
`last_page_url`, `next_page_url`, `path`, `per_page`, `prev_page_url`, `to`, `total`), with the
URLs built from the request's own base URL and the page sizes of the doc's samples: scenes 100,
conversations 15 (newest first), messages 15 (in the order they were said). Laravel answers `from`
and `to` of an empty page with null; the doc types them as integers, so an empty page says 0.

The completion answers the conversation's last user message in the scene's persona (the fake
generator's "assistant" style, in the language of that message), streamed as plain text at the
server's pace, and is stored as the assistant's message when the stream ends; a client that left
mid-stream leaves what was sent, marked incomplete, and asking again completes it. A conversation
nobody has spoken in yet is answered with its scene's greeting, as the doc's sample shows. The
reply is a function of the conversation, the message answered and what came before it: asking
twice gives the same bytes, and one answer is kept per user message.

Ids are snowflakes (milliseconds since 2023 shifted left 22 bits, as yike's own look) and are
sent as strings, as the doc shows them.
"""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from generators.fake import Persona, Turn, chunks, detect_language, paced, reply
from server.call import Call
from server.envelope import ApiError, not_found
from server.registry import Handlers
from server.storage import now_ms

PROMPTS_PER_PAGE = 100
CONVERSATIONS_PER_PAGE = 15
MESSAGES_PER_PAGE = 15
DEFAULT_TITLE = "新的对话"
# 2023-01-01 00:00:00 UTC: where the snowflake ids count from.
ID_EPOCH_MS = 1672531200000
ID_SHIFT = 22

# prompt_id "0": the scene used when a conversation names none (the doc: "如果不指定场景，将使用默认场景").
DEFAULT_SCENE = {
    "id": 0,
    "name": "一刻",
    "greeting": "嗨，欢迎来到一刻，你想聊点什么？",
    "prompt_cn": "你是一刻，一个友好、耐心、知识广博的 AI 助手，回答简洁清楚。",
    "prompt_en": "You are Yike, a friendly, patient and knowledgeable AI assistant who answers clearly.",
}


def _user_for_name(db: sqlite_utils.Database, name: str) -> int:
    """`mdcontract token create --api yike --name NAME`: the user called NAME, created when new."""
    row = db.execute("SELECT id FROM users WHERE name = ?", [name]).fetchone()
    if row is not None:
        return int(row[0])
    return _insert_user(db, _next_id(db, "users", now_ms()), name, now_ms())


handlers = Handlers(user_for_name=_user_for_name)


@handlers.schema
def create_tables(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE IF NOT EXISTS users (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            phone_number TEXT NOT NULL DEFAULT '',
            referral_code TEXT NOT NULL,
            avatar TEXT NOT NULL DEFAULT '',
            level INTEGER NOT NULL DEFAULT 1,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE IF NOT EXISTS prompts (
            id INTEGER PRIMARY KEY,
            creator_id INTEGER NOT NULL DEFAULT 0,
            name TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            greeting TEXT NOT NULL DEFAULT '',
            prompt_cn TEXT NOT NULL DEFAULT '',
            prompt_en TEXT NOT NULL DEFAULT '',
            sort_order INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE IF NOT EXISTS conversations (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL,
            title TEXT NOT NULL,
            prompt_id INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        )"""
    )
    db.execute("CREATE INDEX IF NOT EXISTS conversations_by_user ON conversations (user_id, id)")
    db.execute("CREATE INDEX IF NOT EXISTS conversations_by_prompt ON conversations (prompt_id)")
    # reply_to: the user message an assistant message answers (0: the greeting, before any);
    # complete 0: the client left while it streamed.
    db.execute(
        """CREATE TABLE IF NOT EXISTS messages (
            id INTEGER PRIMARY KEY,
            conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
            role TEXT NOT NULL,
            content TEXT NOT NULL,
            tokens_count INTEGER NOT NULL DEFAULT 0,
            reply_to INTEGER,
            complete INTEGER NOT NULL DEFAULT 1,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        )"""
    )
    db.execute("CREATE INDEX IF NOT EXISTS messages_by_conversation ON messages (conversation_id, id)")


# --- shapes ------------------------------------------------------------------------------------


def _time(ms: int | None) -> str | None:
    """Laravel's timestamps: ISO 8601 in UTC with microseconds."""
    if ms is None:
        return None
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}000Z"


def _prompt(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "creator_id": row["creator_id"],
        "name": row["name"],
        "description": row["description"],
        "logo": None,
        "greeting": row["greeting"],
        "prompt_cn": row["prompt_cn"],
        "prompt_en": row["prompt_en"],
        "settings": None,
        "sort_order": row["sort_order"],
        "created_at": _time(row["created_at"]),
        "updated_at": _time(row["updated_at"]),
        "deleted_at": None,
    }


def _conversation(row: dict[str, Any]) -> dict[str, Any]:
    """A conversation as creating it and reading it answer (the doc's detail sample)."""
    return {
        "title": row["title"],
        "prompt_id": str(row["prompt_id"]),
        "id": str(row["id"]),
        "updated_at": _time(row["updated_at"]),
        "created_at": _time(row["created_at"]),
    }


def _message(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "conversation_id": str(row["conversation_id"]),
        "role": row["role"],
        "content": row["content"],
        "tokens_count": row["tokens_count"],
        "created_at": _time(row["created_at"]),
        "updated_at": _time(row["updated_at"]),
        "deleted_at": None,
        "quota_id": "0",
        "has_liked": False,
    }


def _page(call: Call, path: str, page: Any, per_page: int, total: int, rows: list[Any]) -> dict[str, Any]:
    """Laravel's LengthAwarePaginator as JSON: `path` is the list's URL without the query."""
    url = call.base_url + path
    last = max(math.ceil(total / per_page), 1)
    first_index = (page - 1) * per_page + 1
    return {
        "current_page": page,
        "data": rows,
        "first_page_url": f"{url}?page=1",
        "from": first_index if rows else 0,
        "last_page": last,
        "last_page_url": f"{url}?page={last}",
        "next_page_url": f"{url}?page={page + 1}" if page < last else None,
        "path": url,
        "per_page": per_page,
        "prev_page_url": f"{url}?page={page - 1}" if page > 1 else None,
        "to": first_index + len(rows) - 1 if rows else 0,
        "total": total,
    }


def _page_number(call: Call) -> int:
    """Laravel reads a page below 1 as the first."""
    page = call.get("page")
    return page if isinstance(page, int) and page > 1 else 1


def _window(page: int, per_page: int, total: int) -> tuple[int, int] | None:
    """(LIMIT, OFFSET) of a page, or None past the last row: a page number from a fuzzer can be
    far beyond what SQLite's integers hold."""
    offset = (page - 1) * per_page
    return (per_page, offset) if offset < total else None


# --- ids ---------------------------------------------------------------------------------------


HIGHEST_ID = {table: f"SELECT MAX(id) FROM {table}" for table in ("users", "conversations", "messages")}


def _next_id(db: sqlite_utils.Database, table: str, at_ms: int) -> int:
    """A snowflake for a new row of ``table``: time-ordered, and above every id the table holds,
    so newest-first is highest-id-first."""
    candidate = (at_ms - ID_EPOCH_MS) << ID_SHIFT
    highest = db.execute(HIGHEST_ID[table]).fetchone()[0]
    return max(candidate, (highest or 0) + 1)


def missing(model: str, ident: Any) -> ApiError:
    """Laravel's answer to a model that is not there (for this user): 404, x-not-found."""
    return not_found(f"No query results for model [{model}] {ident}", status=404)


def _id_in_path(call: Call) -> int | None:
    text = str(call.params.get("id", ""))
    return int(text) if text.isdigit() and len(text) <= 18 else None


def _own_conversation(call: Call) -> dict[str, Any]:
    """The conversation the path names, if it is the user's; someone else's is not there."""
    ident = _id_in_path(call)
    row = None
    if ident is not None:
        row = call.db.one("SELECT * FROM conversations WHERE id = ? AND user_id = ?", [ident, call.user_id])
    if row is None:
        raise missing("Conversation", call.params.get("id"))
    return row


# --- users -------------------------------------------------------------------------------------


def _insert_user(db: sqlite_utils.Database, user_id: int, name: str, at_ms: int, phone: str = "") -> int:
    code = _referral_code(user_id)
    avatar = f"/avatars/memoji/{user_id % 12 + 1}.png"
    db.execute(
        "INSERT OR IGNORE INTO users (id, name, phone_number, referral_code, avatar, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [user_id, name, phone, code, avatar, at_ms, at_ms],
    )
    return user_id


def _referral_code(user_id: int) -> str:
    """Six letters and digits from the id (like the doc's ZHRG38): stable, and unlike for any two users
    but by chance."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    digest = hashlib.sha256(f"yike-referral-{user_id}".encode()).digest()
    return "".join(alphabet[byte % len(alphabet)] for byte in digest[:6])


@handlers("get_api_user")
async def user(call: Call) -> Any:
    row = call.db.one("SELECT * FROM users WHERE id = ?", [call.user_id])
    if row is None:
        # The token outlived its user (a data folder edited by hand).
        raise missing("User", call.user_id)
    # A conversation's updated_at moves with each message: the latest is when the user was last active.
    last_said = call.db.value("SELECT MAX(updated_at) FROM conversations WHERE user_id = ?", [row["id"]])
    return call.json(
        {
            "id": str(row["id"]),
            "root_referrer_id": "0",
            "referrer_id": "0",
            "level": row["level"],
            "referrer_path": "",
            "referral_code": row["referral_code"],
            "referrals_count": 0,
            "name": row["name"],
            "phone_number": row["phone_number"],
            "email": None,
            "is_admin": False,
            "created_at": _time(row["created_at"]),
            "updated_at": _time(row["updated_at"]),
            "first_active_at": _time(row["created_at"]),
            "last_active_at": _time(max(last_said or 0, row["created_at"])),
            "deleted_at": None,
            "state": "activated",
            "paid_total": "0.00",
            "avatar": row["avatar"],
            "has_paid": False,
            "referral_url": f"{call.base_url}/?referrer={row['referral_code']}",
            "rewards_total": 0,
            "unwithdrawn_rewards_total": 0,
            "referrer": None,
        }
    )


# --- scenes ------------------------------------------------------------------------------------


@handlers("get_api_prompts")
async def prompts(call: Call) -> Any:
    page = _page_number(call)
    total = call.db.value("SELECT COUNT(*) FROM prompts")
    rows: list[Any] = []
    window = _window(page, PROMPTS_PER_PAGE, total)
    if window is not None:
        found = call.db.query(
            "SELECT p.*, (SELECT COUNT(*) FROM conversations c WHERE c.prompt_id = p.id) AS conversations_count"
            " FROM prompts p ORDER BY sort_order DESC, id LIMIT ? OFFSET ?",
            list(window),
        )
        rows = [{**_prompt(p), "conversations_count": p["conversations_count"]} for p in found]
    return call.json(_page(call, "/api/prompts", page, PROMPTS_PER_PAGE, total, rows))


def _scene(call_db: Any, prompt_id: int) -> dict[str, Any] | None:
    if prompt_id == 0:
        return DEFAULT_SCENE
    return call_db.one("SELECT * FROM prompts WHERE id = ?", [prompt_id])


# --- conversations -----------------------------------------------------------------------------


@handlers("post_api_chat_conversations")
async def create_conversation(call: Call) -> Any:
    title = call.get("title")
    title = DEFAULT_TITLE if title is None else str(title)
    # "0" (and nothing) is the default scene; an empty string is read the same way.
    named = str(call.get("prompt_id") or "0").strip() or "0"
    prompt_id = int(named) if named.isdigit() and len(named) <= 18 else None
    if prompt_id is None or _scene(call.db, prompt_id) is None:
        raise missing("Prompt", named)

    def insert(db: sqlite_utils.Database) -> dict[str, Any]:
        at = now_ms()
        row = {
            "id": _next_id(db, "conversations", at),
            "user_id": call.user_id,
            "title": title,
            "prompt_id": prompt_id,
            "created_at": at,
            "updated_at": at,
        }
        db.execute(
            "INSERT INTO conversations (id, user_id, title, prompt_id, created_at, updated_at)"
            " VALUES (:id, :user_id, :title, :prompt_id, :created_at, :updated_at)",
            row,
        )
        return row

    return call.json(_conversation(await call.db.write(insert)))


@handlers("get_api_conversations")
async def conversations(call: Call) -> Any:
    page = _page_number(call)
    total = call.db.value("SELECT COUNT(*) FROM conversations WHERE user_id = ?", [call.user_id])
    rows: list[Any] = []
    window = _window(page, CONVERSATIONS_PER_PAGE, total)
    if window is not None:
        # The page first, then the counts of its conversations only.
        found = call.db.query(
            "SELECT c.*, COUNT(m.id) AS messages_count, COALESCE(SUM(m.tokens_count), 0) AS tokens_count,"
            " MIN(m.created_at) AS first_active_at, MAX(m.created_at) AS last_active_at"
            " FROM (SELECT * FROM conversations WHERE user_id = ? ORDER BY id DESC LIMIT ? OFFSET ?) c"
            " LEFT JOIN messages m ON m.conversation_id = c.id GROUP BY c.id ORDER BY c.id DESC",
            [call.user_id, *window],
        )
        # Conversations of one scene share its row: read once per request.
        scenes: dict[int, dict[str, Any] | None] = {}
        for c in found:
            if c["prompt_id"] and c["prompt_id"] not in scenes:
                scenes[c["prompt_id"]] = _scene(call.db, c["prompt_id"])
            scene = scenes[c["prompt_id"]] if c["prompt_id"] else None
            rows.append(
                {
                    "id": str(c["id"]),
                    "title": c["title"],
                    "prompt_id": str(c["prompt_id"]),
                    "messages_count": c["messages_count"],
                    "tokens_count": c["tokens_count"],
                    "created_at": _time(c["created_at"]),
                    "updated_at": _time(c["updated_at"]),
                    "deleted_at": None,
                    "first_active_at": _time(c["first_active_at"]),
                    "last_active_at": _time(c["last_active_at"]),
                    # The default scene is no row: null, as in the doc's sample.
                    "prompt": _prompt(scene) if scene else None,
                }
            )
    return call.json(_page(call, "/api/conversations", page, CONVERSATIONS_PER_PAGE, total, rows))


@handlers("get_api_chat_conversations_id")
async def conversation(call: Call) -> Any:
    return call.json(_conversation(_own_conversation(call)))


# --- messages ----------------------------------------------------------------------------------


@handlers("get_api_chat_conversations_id_messages")
async def messages(call: Call) -> Any:
    found = _own_conversation(call)
    page = _page_number(call)
    total = call.db.value("SELECT COUNT(*) FROM messages WHERE conversation_id = ?", [found["id"]])
    rows: list[Any] = []
    window = _window(page, MESSAGES_PER_PAGE, total)
    if window is not None:
        rows = [
            _message(m)
            for m in call.db.query(
                "SELECT * FROM messages WHERE conversation_id = ? ORDER BY id LIMIT ? OFFSET ?",
                [found["id"], *window],
            )
        ]
    path = f"/api/chat/conversations/{found['id']}/messages"
    return call.json(_page(call, path, page, MESSAGES_PER_PAGE, total, rows))


@handlers("post_api_chat_conversations_id_messages")
async def post_message(call: Call) -> Any:
    found = _own_conversation(call)
    # The doc's sample does not say content is required; an empty message is still a message.
    content = str(call.get("content") or "")

    def insert(db: sqlite_utils.Database) -> dict[str, Any]:
        at = now_ms()
        return _add_message(db, _next_id(db, "messages", at), found["id"], "user", content, at)

    return call.json(_message(await call.db.write(insert)))


def _add_message(
    db: sqlite_utils.Database,
    message_id: int,
    conversation_id: int,
    role: str,
    content: str,
    at: int,
    reply_to: int | None = None,
    complete: bool = True,
) -> dict[str, Any]:
    """Store a message and move its conversation's updated_at to it; the row written."""
    row = {
        "id": message_id,
        "conversation_id": conversation_id,
        "role": role,
        "content": content,
        "tokens_count": len(chunks(content)),
        "reply_to": reply_to,
        "complete": int(complete),
        "created_at": at,
        "updated_at": at,
    }
    db.execute(
        "INSERT INTO messages (id, conversation_id, role, content, tokens_count, reply_to, complete,"
        " created_at, updated_at) VALUES (:id, :conversation_id, :role, :content, :tokens_count, :reply_to,"
        " :complete, :created_at, :updated_at)",
        row,
    )
    _touch(db, conversation_id, at)
    return row


def _touch(db: sqlite_utils.Database, conversation_id: int, at: int) -> None:
    db.execute("UPDATE conversations SET updated_at = ? WHERE id = ?", [at, conversation_id])


# --- the completion ----------------------------------------------------------------------------


def answer_text(conversation_id: int, scene: dict[str, Any], said: list[dict[str, Any]]) -> tuple[int, str]:
    """(the id of the user message answered, 0 for none; the reply) for a conversation's messages."""
    asked = max((i for i, m in enumerate(said) if m["role"] == "user"), default=None)
    if asked is None:
        return 0, scene["greeting"] or DEFAULT_SCENE["greeting"]
    request = said[asked]["content"]
    history = [Turn(m["role"], m["content"]) for m in said[:asked]]
    chinese = (detect_language(request) or detect_language(scene["greeting"])) == "zh"
    persona = Persona(scene["name"], scene["greeting"], scene["prompt_cn"] if chinese else scene["prompt_en"])
    text = reply(f"yike:{conversation_id}:{asked}", persona, history, request, style="assistant")
    return said[asked]["id"], text


@handlers("post_chat_conversations_id_completions")
async def completion(call: Call) -> Any:
    found = _own_conversation(call)
    scene = _scene(call.db, found["prompt_id"]) or DEFAULT_SCENE
    said = call.db.query(
        "SELECT id, role, content FROM messages WHERE conversation_id = ? ORDER BY id", [found["id"]]
    )
    reply_to, text = answer_text(found["id"], scene, said)
    kept = call.db.one(
        "SELECT id, complete FROM messages WHERE conversation_id = ? AND role = 'assistant' AND reply_to = ?"
        " ORDER BY id LIMIT 1",
        [found["id"], reply_to],
    )

    def store(sent: str, complete: bool) -> None:
        def write(db: sqlite_utils.Database) -> None:
            at = now_ms()
            if kept is not None:
                db.execute(
                    "UPDATE messages SET content = ?, tokens_count = ?, complete = ?, updated_at = ? WHERE id = ?",
                    [sent, len(chunks(sent)), int(complete), at, kept["id"]],
                )
                _touch(db, found["id"], at)
            else:
                message_id = _next_id(db, "messages", at)
                _add_message(db, message_id, found["id"], "assistant", sent, at, reply_to, complete)

        call.db.write_now(write)

    async def pieces() -> Any:
        sent: list[str] = []
        complete = False
        try:
            async for piece in paced(
                chunks(text), ttft_ms=call.options.ttft_ms, tokens_per_s=call.options.tokens_per_s
            ):
                sent.append(piece)
                yield piece
            complete = True
        finally:
            # The answer asked for again is the same text: a complete one stays as it is, and a
            # client that left before the first piece leaves nothing to keep.
            if sent and not (kept is not None and kept["complete"]):
                store("".join(sent), complete)

    return call.stream(pieces())


# --- demo data ---------------------------------------------------------------------------------

DEMO_PROMPTS = [
    (
        "历史学家",
        "使用史实资料分析历史主题。",
        "我希望你能作为一名历史学家行事。你将研究和分析过去的文化、经济、政治和社会事件，从原始资料中收集数据，并利用它来发展关于各个历史时期发生的理论。",
        "I want you to act as a historian. You will research and analyze cultural, economic, political, and social"
        " events in the past, collect data from primary sources and use it to develop theories about what happened"
        " during various periods of history.",
    ),
    (
        "英语翻译",
        "把任何语言翻译成地道的英语。",
        "我希望你充当英语翻译和改进者。我会用任何语言和你交流，你会识别语言，将其翻译并用更优美、更地道的英语回答我。",
        "I want you to act as an English translator and improver. I will speak to you in any language and you will"
        " detect the language, translate it and answer in a more beautiful and elegant English.",
    ),
    (
        "旅行向导",
        "推荐目的地附近值得一去的地方。",
        "我希望你充当旅行向导。我会告诉你我所在的位置，你会推荐附近值得参观的地方，以及同类型的其他去处。",
        "I want you to act as a travel guide. I will tell you my location and you will suggest places to visit"
        " near it, and other places of the same kind.",
    ),
    (
        "面试官",
        "模拟一场技术岗位的面试。",
        "我希望你充当面试官。我是候选人，你会向我提出这个职位的面试问题，一次只问一个，并等待我的回答。",
        "I want you to act as an interviewer. I will be the candidate and you will ask me the interview questions"
        " for the position, one at a time, and wait for my answers.",
    ),
    (
        "诗人",
        "以任何主题写出打动人心的诗。",
        "我希望你充当诗人。你将创作能唤起情感、触动人心的诗歌，主题由我给出，用优美而有意义的语言表达感受。",
        "I want you to act as a poet. You will create poems that evoke emotions and stir people's souls, on the"
        " topic I give, in beautiful and meaningful words.",
    ),
]
GREETINGS = {
    "历史学家": "你好，我是一位历史学家。想聊聊哪个朝代，或者哪段往事？",
    "英语翻译": "Hi! Send me anything in any language and I will give it back in natural English.",
    "旅行向导": "你好，旅行者！告诉我你在哪里，我来推荐值得一去的地方。",
    "面试官": "欢迎参加今天的面试。请先简单介绍一下你自己吧。",
    "诗人": "风有形状吗？给我一个主题，我为你写一首诗。",
}

# (user label, conversation title, scene index or None for the default, what the user said)
DEMO_CONVERSATIONS = [
    ("alice", "唐朝的长安", 0, ["唐朝的长安城有多大？"]),
    ("alice", "新的对话", None, []),
    ("bob", "Weekend trip", 2, ["I am in Hangzhou for a weekend, where should I go?"]),
]


@handlers.seeder
def demo(seed: Any) -> None:
    """Five scenes; alice and bob, each with a token; a conversation or two with a reply each."""
    at = seed.epoch_ms
    base_id = (at - ID_EPOCH_MS) << ID_SHIFT

    def write(db: sqlite_utils.Database) -> None:
        users = {}
        for n, (label, phone) in enumerate((("alice", "+86:13800000001"), ("bob", "+86:13800000002"))):
            row = db.execute("SELECT id FROM users WHERE name = ?", [label]).fetchone()
            users[label] = int(row[0]) if row else _insert_user(db, base_id + 1 + n, label, at, phone)
            seed.token(db, users[label], label)
        for n, (name, description, prompt_cn, prompt_en) in enumerate(DEMO_PROMPTS):
            db.execute(
                "INSERT OR IGNORE INTO prompts (id, name, description, greeting, prompt_cn, prompt_en, sort_order,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [base_id + 10 + n, name, description, GREETINGS[name], prompt_cn, prompt_en, 256 - n, at, at],
            )
        if db.execute("SELECT 1 FROM conversations LIMIT 1").fetchone():
            return  # written at an earlier start
        for n, (label, title, scene_index, said) in enumerate(DEMO_CONVERSATIONS):
            conversation_id = base_id + 100 + n * 10
            prompt_id = 0 if scene_index is None else base_id + 10 + scene_index
            started = at + n * 60_000
            db.execute(
                "INSERT INTO conversations (id, user_id, title, prompt_id, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [conversation_id, users[label], title, prompt_id, started, started],
            )
            scene = dict(
                db.execute("SELECT * FROM prompts WHERE id = ?", [prompt_id]).fetchone() or DEFAULT_SCENE
            )
            messages: list[dict[str, Any]] = []
            for k, content in enumerate(said):
                message = {"id": conversation_id + 1 + 2 * k, "role": "user", "content": content}
                messages.append(message)
                _demo_message(db, conversation_id, message, 0, started + 1000 * (k + 1))
                reply_to, text = answer_text(conversation_id, scene, messages)
                answer = {"id": conversation_id + 2 + 2 * k, "role": "assistant", "content": text}
                messages.append(answer)
                _demo_message(db, conversation_id, answer, reply_to, started + 1000 * (k + 1) + 500)

    seed.db.write_now(write)
    for label in ("alice", "bob"):
        seed.say(f"yike: demo user {label}: token {seed.tokens[label]}")


def _demo_message(
    db: sqlite_utils.Database, conversation_id: int, message: dict[str, Any], reply_to: int, at: int
) -> None:
    _add_message(
        db,
        message["id"],
        conversation_id,
        message["role"],
        message["content"],
        at,
        reply_to if message["role"] == "assistant" else None,
    )
