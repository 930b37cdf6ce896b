"""Sessions with content, written once for every kind: open one (new, latest or named), read its
history, generate and regenerate replies as streams, replay the last one, edit, star and delete
messages, summarize, suggest what the user could say next, share a few lines.

A session is found either by the `session_id` the request names (`by="id"`, user operations) or
as the caller's latest session with the content the request names, opened when there is none
(`by="content"`, the guest operations, which name a character and never a session).

Replies come from the deterministic fake generator, seeded by the content and fed the
conversation so far: the same conversation with the same character gets the same reply, byte
for byte, and each regeneration of a message is a different alternative of it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from generators.fake import Turn, chunks, paced, reply, suggestions, translate
from server.apis.character.content import store
from server.apis.character.content.catalog import STATUS_OK, decode_share_key
from server.apis.character.content.model import CHARACTER, KINDS, Kind
from server.apis.character.content.shape import Moment, answer
from server.call import Call
from server.storage import now_ms

log = logging.getLogger("mdcontract.server")

HISTORY_TURNS = 20  # how much of the conversation a reply is written after
SUMMARY_AFTER = 6  # messages since the last summary before a new one is offered


# --- finding and opening sessions -------------------------------------------------------------------


def _open(db: sqlite_utils.Database, kind: Kind, content: dict[str, Any], owner: str) -> int:
    """A new session (inside a write), opened by the content's greeting when it has one."""
    now = now_ms()
    session_id = int(
        db.execute(
            "INSERT INTO sessions (kind, content_id, owner, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
            [kind.name, content["id"], owner, now, now],
        ).lastrowid
    )
    greeting = str(store.fields_of(content).get(kind.greeting) or "").strip() if kind.greeting else ""
    if greeting:
        db.execute(
            "INSERT INTO messages (session_id, idx, role, content, created_at) VALUES (?, 1, ?, ?, ?)",
            [session_id, store.AI, greeting, now],
        )
    return session_id


async def locate(call: Call, kind: Kind, by: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(session, content) the request is about (module docstring)."""
    if by == "content":
        content = store.find(call, kind, call.require(kind.id_field))
        session = store.latest_session(call, kind, content["id"])
        if session is None:
            owner = store.owner_of(call)
            session_id = await call.db.write(lambda db: _open(db, kind, content, owner))
            session = store.find_session(call, session_id, kind)
        return session, content
    session = store.find_session(call, call.require("session_id"), kind)
    # Content its owner made private again is gone for everyone else, sessions included.
    content = store.find(call, kind, session["content_id"])
    return session, content


def session_record(
    call: Call, kind: Kind, session: dict[str, Any], content: dict[str, Any]
) -> dict[str, Any]:
    latest = store.latest_session(call, kind, content["id"])
    is_latest = latest is not None and latest["id"] == session["id"]
    return {
        **store.fields_of(content, call),
        kind.id_field: content["id"],
        "session_id": session["id"],
        "latest_chat": is_latest,
        "is_latest": is_latest,
        "custom_profile": _custom_profile(call, session),
        "context": [store.message(kind, row) for row in store.context(call, session["id"])],
        "timestamp": Moment(session["created_at"]),
        "is_creater": content["owner_id"] is not None and content["owner_id"] == store.user_id_of(call),
        "is_generate": store.generating(call, session["id"]),
    }


def _custom_profile(call: Call, session: dict[str, Any]) -> dict[str, Any]:
    """Who the user plays in this session: the custom profile chosen for it, else the user."""
    profile = json.loads(session["profile"] or "{}")
    chosen = store.custom_profile(call, profile.get("custom_profile_id"))
    if chosen is not None:
        return chosen
    user_id = store.user_id_of(call)
    return {"username": store.user_info(call, user_id)["name"] if user_id is not None else "Guest"}


async def open_session(call: Call, kind: Kind, mode: str) -> Any:
    """`new`: always a new session; `continue`: the named session, else the latest, else a new one."""
    content = store.find(call, kind, call.require(kind.id_field))
    named = call.get("session_id")
    if mode == "continue" and named is not None:
        session = store.find_session(call, named, kind)
        if session["content_id"] != content["id"]:
            raise call.not_found(f"session of {kind.name} {content['id']}", named)
    else:
        session = store.latest_session(call, kind, content["id"]) if mode == "continue" else None
        if session is None:
            owner = store.owner_of(call)
            session = store.find_session(
                call, await call.db.write(lambda db: _open(db, kind, content, owner)), kind
            )
    return answer(call, session_record(call, kind, session, content))


async def history(call: Call, kind: Kind) -> Any:
    """Every session the caller has with the content, oldest first, with their messages."""
    content = store.find(call, kind, call.require(kind.id_field))
    rows = call.db.query(
        "SELECT * FROM sessions WHERE owner = ? AND kind = ? AND content_id = ? ORDER BY id",
        [store.owner_of(call), kind.name, content["id"]],
    )
    return answer(call, [session_record(call, kind, row, content) for row in rows])


async def delete_sessions(call: Call, kind: Kind) -> Any:
    """All of the caller's sessions with the content, messages included."""
    content = store.find(call, kind, call.require(kind.id_field))
    owner = store.owner_of(call)
    await call.db.write(
        lambda db: db.execute(
            "DELETE FROM sessions WHERE owner = ? AND kind = ? AND content_id = ?",
            [owner, kind.name, content["id"]],
        )
    )
    return answer(call, STATUS_OK)


async def session_profile(call: Call, kind: Kind) -> Any:
    """Play this session as one of the user's custom profiles (`id`; 0 plays it as the user)."""
    session, _ = await locate(call, kind, "id")
    chosen = call.require("id")
    if chosen and store.custom_profile(call, chosen) is None and store.custom_profiles_known(call):
        raise call.not_found("custom profile", chosen)
    profile = {**json.loads(session["profile"] or "{}"), "custom_profile_id": chosen or None}
    await call.db.write(
        lambda db: db.execute(
            "UPDATE sessions SET profile = ? WHERE id = ?", [store.dump(profile), session["id"]]
        )
    )
    return answer(call, STATUS_OK)


# --- generating -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """What one generation writes: where its message goes and what it answers."""

    uniq_id: int
    idx: int
    alternative: int
    request: str
    history: tuple[Turn, ...]
    created_at: int


def _turn(row: dict[str, Any]) -> Turn:
    return Turn("user" if row["role"] == store.USER else "assistant", row["content"])


def _start(
    db: sqlite_utils.Database, session_id: int, role: str, user_text: str | None, regenerate: bool
) -> Plan:
    """Inside one write: store the user's message, retire the message being regenerated, and
    reserve the new message (state `generating`) so its idx and id are known before it streams."""
    now = now_ms()
    rows = [
        dict(row)
        for row in db.execute(
            "SELECT * FROM messages WHERE session_id = ? AND active = 1 AND role != ? ORDER BY idx, uniq_id",
            [session_id, store.SUMMARY],
        ).fetchall()
    ]
    if user_text is not None:
        idx = (rows[-1]["idx"] + 1) if rows else 1
        cursor = db.execute(
            "INSERT INTO messages (session_id, idx, role, content, created_at) VALUES (?, ?, ?, ?, ?)",
            [session_id, idx, store.USER, user_text, now],
        )
        rows.append({"uniq_id": cursor.lastrowid, "idx": idx, "role": store.USER, "content": user_text})
    alternative = 0
    if regenerate and rows and rows[-1]["role"] == role:
        target = rows.pop()["idx"]
        alternative = 1 + int(
            db.execute(
                "SELECT MAX(alternative) FROM messages WHERE session_id = ? AND idx = ?", [session_id, target]
            ).fetchone()[0]
            or 0
        )
        db.execute("UPDATE messages SET active = 0 WHERE session_id = ? AND idx = ?", [session_id, target])
    else:
        target = (rows[-1]["idx"] + 1) if rows else 1
    # A reply answers the user's message just before it; regenerating it answers the same message.
    if rows and rows[-1]["role"] == store.USER:
        request, earlier = rows[-1]["content"], rows[:-1]
    else:
        request, earlier = "", rows
    cursor = db.execute(
        "INSERT INTO messages (session_id, idx, role, state, alternative, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        [session_id, target, role, store.GENERATING, alternative, now],
    )
    db.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", [now, session_id])
    history = tuple(_turn(row) for row in earlier[-HISTORY_TURNS:])
    return Plan(int(cursor.lastrowid), target, alternative, request, history, now)


async def generate(
    call: Call, kind: Kind, role: str = store.AI, regenerate: bool = False, by: str = "id"
) -> Any:
    """A reply (or a narrator's line) streamed as cumulative chunks and stored as it ends; a
    client that leaves keeps what was generated, marked incomplete."""
    session, content = await locate(call, kind, by)
    given = None if regenerate else call.get("content")
    user_text = str(given) if given not in (None, "") else None
    plan = await call.db.write(lambda db: _start(db, session["id"], role, user_text, regenerate))
    style = "narration" if role == store.NARRATOR else kind.style
    text = reply(
        f"{kind.name}:{content['id']}",
        kind.persona(store.fields_of(content)),
        plan.history,
        plan.request,
        plan.alternative,
        style=style,
    )
    lang = str(call.get("lang") or "")
    base = {
        kind.id_field: content["id"],
        "session_id": session["id"],
        "idx": plan.idx,
        "is_alternative": regenerate,
        "timestamp": Moment(plan.created_at),
        "target_message": "",
        "target_lang": lang,
    }
    return call.stream(_stream(call, content["id"], plan.uniq_id, text, base, lang))


async def _stream(
    call: Call, content_id: int, uniq_id: int, text: str, base: dict[str, Any], lang: str
) -> Any:
    produced = ""
    finished = False
    try:
        async for piece in paced(
            chunks(text), ttft_ms=call.options.ttft_ms, tokens_per_s=call.options.tokens_per_s
        ):
            produced += piece
            yield call.wrap(answer(call, {**base, "content": produced, "done": False}))
        finished = True
        target = translate(produced, lang) if lang else ""
        last = {
            **base,
            "content": produced,
            "done": True,
            "uniqId": uniq_id,
            "uniq_id": uniq_id,
            "target_message": target,
        }
        yield call.wrap(answer(call, last))
    finally:
        _finish(
            call,
            content_id,
            uniq_id,
            produced,
            finished,
            translate(produced, lang) if lang and finished else "",
        )


def _finish(call: Call, content_id: int, uniq_id: int, text: str, finished: bool, target: str) -> None:
    def write(db: sqlite_utils.Database) -> None:
        state = store.DONE if finished else store.INCOMPLETE
        db.execute(
            "UPDATE messages SET content = ?, state = ?, target_message = ? WHERE uniq_id = ?",
            [text, state, target, uniq_id],
        )
        if finished:
            db.execute("UPDATE content SET uses = uses + 1 WHERE id = ?", [content_id])

    # Runs as the stream ends, also when the client left: no awaiting here, and a database another
    # process holds locked only leaves the message as `generating` (reported incomplete after a restart).
    with contextlib.suppress(sqlite3.OperationalError):
        call.db.write_now(write)


async def last(call: Call, kind: Kind, by: str = "id") -> Any:
    """The last reply of the session streamed again (`is_generate` while it is still being written)."""
    session, _ = await locate(call, kind, by)
    row = call.db.one(
        "SELECT * FROM messages WHERE session_id = ? AND active = 1 AND role NOT IN (?, ?) ORDER BY idx DESC,"
        " uniq_id DESC LIMIT 1",
        [session["id"], store.USER, store.SUMMARY],
    )
    record = store.message(kind, row) if row is not None else {"idx": 0, "content": ""}
    base = {
        **record,
        "session_id": session["id"],
        "is_generate": row is not None and row["state"] == store.GENERATING,
        "is_alternative": row is not None and row["alternative"] > 0,
    }
    text = str(record["content"])
    final_ids = {"uniqId": row["uniq_id"], "uniq_id": row["uniq_id"]} if row is not None else {}
    for name in ("uniqId", "uniq_id"):
        base.pop(name, None)

    async def items() -> Any:
        produced = ""
        async for piece in paced(
            chunks(text), ttft_ms=call.options.ttft_ms, tokens_per_s=call.options.tokens_per_s
        ):
            produced += piece
            yield call.wrap(answer(call, {**base, "content": produced, "done": False}))
        yield call.wrap(answer(call, {**base, **final_ids, "content": produced, "done": True}))

    return call.stream(items())


async def user_turns(call: Call, kind: Kind, by: str = "id") -> Any:
    """What the user could say next (`batch_size` options), streamed; nothing is stored until the
    user sends one of them."""
    session, content = await locate(call, kind, by)
    rows = store.context(call, session["id"])
    batch = call.get("batch_size")
    count = min(max(batch if isinstance(batch, int) else 1, 1), 10)
    persona = kind.persona(store.fields_of(content))
    options = suggestions(
        f"{kind.name}:{content['id']}:{len(rows)}", persona, [_turn(r) for r in rows[-HISTORY_TURNS:]], count
    )
    base = {"session_id": session["id"], "idx": (rows[-1]["idx"] + 1) if rows else 1}
    pace = {"ttft_ms": call.options.ttft_ms, "tokens_per_s": call.options.tokens_per_s}

    async def items() -> Any:
        if count == 1:
            produced = ""
            async for piece in paced(chunks(options[0]), **pace):
                produced += piece
                yield call.wrap(answer(call, {**base, "content": produced, "done": False}))
            yield call.wrap(answer(call, {**base, "content": produced, "done": True}))
            return
        written: list[str] = []
        async for option in paced(options, **pace):
            written.append(option)
            contents = [{"content": text, "target_message": "", "target_lang": ""} for text in written]
            yield call.wrap(answer(call, {**base, "contents": contents, "done": False}))
        contents = [{"content": text, "target_message": "", "target_lang": ""} for text in written]
        yield call.wrap(answer(call, {**base, "contents": contents, "done": True}))

    return call.stream(items())


# --- changing messages ------------------------------------------------------------------------------


async def delete_from(call: Call, kind: Kind) -> Any:
    """Messages from `idx` on (with their alternatives) are gone; earlier ones stay."""
    session, _ = await locate(call, kind, "id")
    idx = store.sql_number(call.require("idx"))
    await call.db.write(
        lambda db: db.execute(
            "DELETE FROM messages WHERE session_id = ? AND idx >= ? AND role != ?",
            [session["id"], idx, store.SUMMARY],
        )
    )
    return answer(call, STATUS_OK)


def _uniq_id(call: Call) -> Any:
    value = call.get("uniq_id")
    return value if value is not None else call.require("uniqId")


async def edit_message(call: Call, kind: Kind) -> Any:
    """The user rewrites a message (theirs or the reply); `lang` also stores its translation."""
    session, _ = await locate(call, kind, "id")
    row = store.find_message(
        call, session["id"], _uniq_id(call), roles=(store.USER, store.AI, store.NARRATOR)
    )
    text = str(call.require("content"))
    lang = str(call.get("lang") or row["target_lang"] or "")
    target = translate(text, lang) if lang else ""
    await call.db.write(
        lambda db: db.execute(
            "UPDATE messages SET content = ?, state = ?, target_message = ?, target_lang = ? WHERE uniq_id = ?",
            [text, store.DONE, target, lang, row["uniq_id"]],
        )
    )
    edited = {**row, "content": text, "state": store.DONE, "target_message": target, "target_lang": lang}
    return answer(call, {**STATUS_OK, **store.message(kind, edited)})


async def star(call: Call, kind: Kind) -> Any:
    session, _ = await locate(call, kind, "id")
    row = store.find_message(call, session["id"], _uniq_id(call))
    stars = min(max(int(call.require("star")), 0), 5)
    await call.db.write(
        lambda db: db.execute("UPDATE messages SET star = ? WHERE uniq_id = ?", [stars, row["uniq_id"]])
    )
    return answer(call, STATUS_OK)


# --- summaries ---------------------------------------------------------------------------------------


def _summary_state(call: Call, session_id: int) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """(the latest summary, the messages after what it covers)."""
    summary = call.db.one(
        "SELECT * FROM messages WHERE session_id = ? AND role = ? AND active = 1 ORDER BY uniq_id DESC LIMIT 1",
        [session_id, store.SUMMARY],
    )
    rows = store.context(call, session_id)
    if summary is not None:
        rows = [row for row in rows if row["uniq_id"] > summary["uniq_id"]]
    return summary, rows


async def summary_status(call: Call, kind: Kind) -> Any:
    """`to_summary`: 0 too little said since the last summary, 1 a summary can be made, 2 the last
    summary covers everything."""
    session, _ = await locate(call, kind, "id")
    summary, newer = _summary_state(call, session["id"])
    state = 2 if summary is not None and not newer else 1 if len(newer) >= SUMMARY_AFTER else 0
    return answer(call, {"to_summary": state})


async def summary_generate(call: Call, kind: Kind) -> Any:
    """A summary of the conversation so far, streamed and kept with the session."""
    session, content = await locate(call, kind, "id")
    rows = store.context(call, session["id"])
    text = reply(
        f"summary:{kind.name}:{content['id']}",
        kind.persona(store.fields_of(content)),
        [_turn(row) for row in rows[-HISTORY_TURNS * 2 :]],
        "",
        style="summary",
    )
    idx = (rows[-1]["idx"]) if rows else 0
    now = now_ms()
    uniq_id = await call.db.write(
        lambda db: int(
            db.execute(
                "INSERT INTO messages (session_id, idx, role, state, created_at) VALUES (?, ?, ?, ?, ?)",
                [session["id"], idx, store.SUMMARY, store.GENERATING, now],
            ).lastrowid
        )
    )
    entry = {"target_message": "", "target_lang": "", "summary_model_id": "", "model_id": 0}

    async def items() -> Any:
        produced = ""
        finished = False
        try:
            async for piece in paced(
                chunks(text), ttft_ms=call.options.ttft_ms, tokens_per_s=call.options.tokens_per_s
            ):
                produced += piece
                record = {
                    "done": False,
                    "timestamp": Moment(now),
                    "summarys": [{**entry, "content": produced}],
                }
                yield call.wrap(answer(call, record))
            finished = True
            final = {**entry, "content": produced, "uniq_id": uniq_id, "uniqId": uniq_id}
            yield call.wrap(answer(call, {"done": True, "timestamp": Moment(now), "summarys": [final]}))
        finally:
            _finish(call, content["id"], uniq_id, produced, finished, "")

    return call.stream(items())


async def summary_edit(call: Call, kind: Kind) -> Any:
    """Rewrite a summary; without `content` the summary is removed."""
    session, _ = await locate(call, kind, "id")
    row = store.find_message(call, session["id"], _uniq_id(call), roles=(store.SUMMARY,))
    text = call.get("content")
    if text is None:
        work: Any = lambda db: db.execute("DELETE FROM messages WHERE uniq_id = ?", [row["uniq_id"]])  # noqa: E731
    else:
        work = lambda db: db.execute(  # noqa: E731
            "UPDATE messages SET content = ?, state = ? WHERE uniq_id = ?",
            [str(text), store.DONE, row["uniq_id"]],
        )
    await call.db.write(work)
    return answer(call, STATUS_OK)


# --- sharing and moving -------------------------------------------------------------------------------


async def shared_dialogs(call: Call, kind: Kind) -> Any:
    """The lines a share link names (`k`: base64 of 'session_id=..&idxs=..'). The link is the
    permission, as the doc designs it: whoever has it reads those lines, with names."""
    decoded = decode_share_key(str(call.require("k")))
    session = (
        call.db.one("SELECT * FROM sessions WHERE id = ?", [store.sql_id(decoded[0])]) if decoded else None
    )
    content = call.db.one("SELECT * FROM content WHERE id = ?", [session["content_id"]]) if session else None
    if decoded is None or session is None or content is None:
        raise call.not_found("shared dialog", call.get("k"))
    session_kind = KINDS.get(session["kind"], kind)
    fields = store.fields_of(content, call)
    owner_kind, _, owner_id = session["owner"].partition(":")
    user = (
        store.user_info(call, int(owner_id))
        if owner_kind == "user" and owner_id.isdigit()
        else {"name": "Guest", "avatar": ""}
    )
    character = {
        "name": str(fields.get(session_kind.title) or ""),
        "avatar": str(fields.get(session_kind.picture) or ""),
    }
    wanted = set(decoded[1])
    dialogs = []
    for row in store.context(call, session["id"]):
        if wanted and row["idx"] not in wanted:
            continue
        record = store.message(session_kind, row)
        record["name"] = user["name"] if row["role"] == store.USER else character["name"]
        dialogs.append(record)
    return answer(call, {"characterInfo": character, "userInfo": user, "dialogs": dialogs})


async def migrate_memory(call: Call, kind: Kind) -> Any:
    """A new session with a saved memory's character, holding the memory's messages."""
    memory = store.find(call, KINDS["memory"], call.require("memory_id"))
    fields = store.fields_of(memory)
    content = store.find(call, CHARACTER, fields.get("character_id"))
    saved = [m for m in fields.get("messages") or [] if isinstance(m, dict)]
    owner = store.owner_of(call)

    def write(db: sqlite_utils.Database) -> int:
        now = now_ms()
        session_id = int(
            db.execute(
                "INSERT INTO sessions (kind, content_id, owner, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                [CHARACTER.name, content["id"], owner, now, now],
            ).lastrowid
        )
        for idx, entry in enumerate(saved, start=1):
            db.execute(
                "INSERT INTO messages (session_id, idx, role, content, image, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    session_id,
                    idx,
                    entry.get("role") or store.AI,
                    str(entry.get("content") or ""),
                    str(entry.get("image") or ""),
                    now,
                ],
            )
        return session_id

    return answer(call, {"session_id": await call.db.write(write)})
