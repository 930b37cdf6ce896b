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
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from generators.fake import Persona, Turn, chunks, paced, reply, suggestions, translate
from server.apis.character.content import live, store
from server.apis.character.content.catalog import STATUS_OK, decode_share_key
from server.apis.character.content.model import CHARACTER, KINDS, Kind
from server.apis.character.content.shape import Moment, answer
from server.call import Call
from server.storage import now_ms

log = logging.getLogger("mdcontract.server")

HISTORY_TURNS = 20  # how much of the conversation a reply is written after
SUMMARY_AFTER = 6  # messages since the last summary before a new one is offered


# --- finding and opening sessions -------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """A message written by the server rather than generated: a greeting, a member's opening line."""

    text: str
    speaker: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def openers(call: Call, kind: Kind, fields: dict[str, Any]) -> list[Line]:
    """What a new session opens with: the content's greeting, or a group's greetings, each spoken by
    its member (a member the caller can no longer see says nothing)."""
    greeting = fields.get(kind.greeting) if kind.greeting else None
    if isinstance(greeting, str):
        return [Line(greeting.strip())] if greeting.strip() else []
    if not isinstance(greeting, list):
        return []
    names = store.cast_names(call, kind, 0, fields)
    cast = {member["character_id"]: member for member in names["characters"] if "character_id" in member}
    lines = []
    for entry in names.get(kind.greeting or "", []):
        member = cast.get(store.sql_id(entry.get("character_id")))
        text = str(entry.get("greeting") or "").strip()
        if member is not None and text:
            lines.append(Line(text, *member_names(member)))
    return lines


def member_names(member: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(speaker, extra) of a group member's message, as the doc names them."""
    speaker = store.MEMBER_SPEAKER.format(character_id=member["character_id"], name=member["name"])
    return speaker, {"character_id": member["character_id"], "name": member["name"], "reply_id": 0}


def insert_session(
    db: sqlite_utils.Database,
    kind: Kind,
    content: dict[str, Any],
    owner: str,
    lines: list[Line],
    profile: dict[str, Any] | None = None,
    now: int | None = None,
) -> int:
    """A new session (inside a write), opened by the content's greetings (``lines``), created ``now``
    (the time of the write it is part of; else the current time)."""
    now = now_ms() if now is None else now
    session_id = int(
        db.execute(
            "INSERT INTO sessions (kind, content_id, owner, profile, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
            [kind.name, content["id"], owner, store.dump(profile or {}), now, now],
        ).lastrowid
    )
    for idx, line in enumerate(lines, start=1):
        db.execute(
            "INSERT INTO messages (session_id, idx, role, speaker, content, extra, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [session_id, idx, store.AI, line.speaker, line.text, store.dump(line.extra), now],
        )
    return session_id


async def _new_session(
    call: Call, kind: Kind, content: dict[str, Any], profile: dict[str, Any] | None = None
) -> int:
    owner = store.owner_of(call)
    lines = openers(call, kind, store.fields_of(content, call))
    return int(await call.db.write(lambda db: insert_session(db, kind, content, owner, lines, profile)))


async def locate(call: Call, kind: Kind, by: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(session, content) the request is about (module docstring)."""
    if by == "content":
        content = store.find(call, kind, call.require(kind.id_field))
        session = store.latest_session(call, kind, content["id"])
        if session is None:
            session = store.find_session(call, await _new_session(call, kind, content), kind)
        return session, content
    session = store.find_session(call, call.require("session_id"), kind)
    # Content its owner made private again is gone for everyone else, sessions included.
    content = store.find(call, kind, session["content_id"])
    # What is generated in the session follows the fields it changed for itself (a novel's scene).
    return session, store.seen_in(content, session)


def session_record(
    call: Call, kind: Kind, session: dict[str, Any], content: dict[str, Any]
) -> dict[str, Any]:
    latest = store.latest_session(call, kind, content["id"])
    is_latest = latest is not None and latest["id"] == session["id"]
    context = [store.message(kind, row) for row in _page(call, store.context(call, session["id"]))]
    record = {
        **store.fields_of(content, call),
        **store.overrides(session),
        kind.id_field: content["id"],
        "session_id": session["id"],
        "latest_chat": is_latest,
        "is_latest": is_latest,
        "custom_profile": _custom_profile(call, session),
        "context": context,
        "scenarios": context,
        "timestamp": Moment(session["created_at"]),
        "is_creater": content["owner_id"] is not None and content["owner_id"] == store.user_id_of(call),
        "is_generate": store.generating(call, session["id"]),
    }
    if kind.roster:
        record.update(_cast_settings(call, kind, session, content))
    return record


def _page(call: Call, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The page of a conversation the request asks for (`limit`, `page_no`): page 1 holds the latest
    messages, page 2 those before them; without `limit`, all of it."""
    if not isinstance(call.get("limit"), int) or call.get("limit") <= 0:
        return rows
    limit, offset = store.page(call)
    end = max(len(rows) - offset, 0)
    return rows[max(end - limit, 0) : end]


def _cast_settings(
    call: Call, kind: Kind, session: dict[str, Any], content: dict[str, Any]
) -> dict[str, Any]:
    """A world's or group's session: who the user plays (`personal`), and the settings this session
    runs on (`extion`: the content's, changed for this session by /group/session/update)."""
    fields = store.session_fields(kind, content, session)
    settings = store.item(call, kind, {**content, "fields": store.dump(fields)})
    settings["tokens_scenario"] = store.token_count(fields.get("scenario") or "")
    settings["tokens_relationship"] = store.token_count(
        [entry.get("detail") for entry in settings.get("relationship") or [] if isinstance(entry, dict)]
    )
    return {"personal": store.personal(call, kind, session, fields), "extion": settings}


def _custom_profile(call: Call, session: dict[str, Any]) -> dict[str, Any]:
    """Who the user plays in this session: the custom profile chosen for it, else the user."""
    profile = json.loads(session["profile"] or "{}")
    chosen = store.custom_profile(call, profile.get("custom_profile_id"))
    if chosen is not None:
        return chosen
    user_id = store.user_id_of(call)
    return {"username": store.user_info(call, user_id)["name"] if user_id is not None else "Guest"}


async def open_session(call: Call, kind: Kind, mode: str) -> Any:
    """`new`: always a new session; `continue`: the named session, else the latest, else a new one.
    A request may name only the session (a world's), or ask for a new one (`to_create`) played as one
    of the user's custom profiles (`personal_id`)."""
    named = call.get("session_id")
    if mode == "continue" and named is not None and call.get(kind.id_field) is None:
        session = store.find_session(call, named, kind)
        content = store.find(call, kind, session["content_id"])
        return answer(call, session_record(call, kind, session, content))
    content = store.find(call, kind, call.get(kind.id_field))
    fresh = mode == "new" or (named is None and bool(call.get("to_create")))
    if not fresh and named is not None:
        session = store.find_session(call, named, kind)
        if session["content_id"] != content["id"]:
            raise call.not_found(f"session of {kind.name} {content['id']}", named)
    else:
        session = store.latest_session(call, kind, content["id"]) if not fresh else None
        if session is None:
            chosen = call.get("personal_id")
            if chosen and store.custom_profile(call, chosen) is None and store.custom_profiles_known(call):
                raise call.not_found("custom profile", chosen)
            profile = {"custom_profile_id": chosen} if chosen else None
            session = store.find_session(call, await _new_session(call, kind, content, profile), kind)
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
    """All of the caller's sessions with the content, messages included; or the one `session_id`
    names, where the operation takes one (worlds, groups)."""
    named = call.get("session_id")
    if named is not None:
        session = store.find_session(call, named, kind)
        content_id = call.get(kind.id_field)
        if content_id is not None and store.sql_id(content_id) != session["content_id"]:
            raise call.not_found(f"session of {kind.name} {content_id}", named)
        await call.db.write(lambda db: db.execute("DELETE FROM sessions WHERE id = ?", [session["id"]]))
        return answer(call, STATUS_OK)
    content = store.find(call, kind, call.get(kind.id_field))
    owner = store.owner_of(call)
    await call.db.write(
        lambda db: db.execute(
            "DELETE FROM sessions WHERE owner = ? AND kind = ? AND content_id = ?",
            [owner, kind.name, content["id"]],
        )
    )
    return answer(call, STATUS_OK)


async def session_profile(call: Call, kind: Kind, named_by: str = "id") -> Any:
    """Play this session as one of the user's custom profiles (named by ``named_by``; 0 plays it as
    the user).
    A group session may also change its settings for itself (`extion`: title, scenario, relationships,
    members) and the language its lines are translated to (`lang`)."""
    session, _ = await locate(call, kind, "id")
    chosen = call.require(named_by)
    if chosen and store.custom_profile(call, chosen) is None and store.custom_profiles_known(call):
        raise call.not_found("custom profile", chosen)
    profile = {**json.loads(session["profile"] or "{}"), "custom_profile_id": chosen or None}
    settings = call.get("extion")
    if isinstance(settings, dict) and kind.roster:
        changed = {name: value for name, value in settings.items() if name in kind.fields}
        store.check_cast(call, kind, changed)
        profile["extion"] = {**(profile.get("extion") or {}), **changed}
    if call.get("lang"):
        profile["lang"] = str(call.get("lang"))
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


@dataclass(frozen=True)
class Voice:
    """Who writes a generated message and how; `speaker` and `extra` are kept with the message."""

    role: str
    persona: Persona
    style: str
    seed: str
    speaker: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


# (call, kind, session, content, role, regenerate) -> the voice of the next message.
ChooseVoice = Callable[[Call, Kind, dict[str, Any], dict[str, Any], str, bool], Voice]
# (call, kind, session) -> what the user says with this request (and what its message keeps), if anything.
UserSays = Callable[[Call, Kind, dict[str, Any]], Awaitable["Line | None"]]
# (call, kind, content, plan, text) -> what a finished message keeps beside its text (a scenario's options).
Afterwards = Callable[[Call, Kind, dict[str, Any], "Plan", str], dict[str, Any]]


def own_voice(
    call: Call, kind: Kind, session: dict[str, Any], content: dict[str, Any], role: str, regenerate: bool
) -> Voice:
    """The content speaks for itself (a character, a world's storyteller), or the narrator does."""
    style = "narration" if role == store.NARRATOR else kind.style
    fields = store.session_fields(kind, content, session)
    return Voice(role, kind.persona(fields), style, f"{kind.name}:{content['id']}")


async def typed_message(call: Call, kind: Kind, session: dict[str, Any]) -> Line | None:
    """The user's message is the request's `content`."""
    given = call.get("content")
    return Line(str(given)) if given not in (None, "") else None


def turn_of(row: dict[str, Any]) -> Turn:
    # In a group the other speakers go by their names: a reply may address the last of them.
    name = store.extra_of(row).get("name") if "extra" in row else None
    return Turn("user" if row["role"] == store.USER else str(name or "assistant"), row["content"])


def _start(
    db: sqlite_utils.Database, session_id: int, voice: Voice, said: Line | None, regenerate: bool
) -> Plan:
    """Inside one write: store the user's message, retire the message being regenerated, and
    reserve the new message (state `generating`) so its idx and id are known before it streams."""
    role = voice.role
    user_text = said.text if said is not None else None
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
            "INSERT INTO messages (session_id, idx, role, content, extra, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            [session_id, idx, store.USER, user_text, store.dump(said.extra if said else {}), now],
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
        "INSERT INTO messages (session_id, idx, role, speaker, extra, state, alternative, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            session_id,
            target,
            role,
            voice.speaker,
            store.dump(voice.extra),
            store.GENERATING,
            alternative,
            now,
        ],
    )
    db.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", [now, session_id])
    history = tuple(turn_of(row) for row in earlier[-HISTORY_TURNS:])
    return Plan(int(cursor.lastrowid), target, alternative, request, history, now)


async def typed(call: Call, text: str) -> AsyncIterator[str]:
    """``text`` as a model streams it, at the pace the server is set to: the text so far, growing
    by a piece at a time."""
    produced = ""
    async for piece in paced(
        chunks(text), ttft_ms=call.options.ttft_ms, tokens_per_s=call.options.tokens_per_s
    ):
        produced += piece
        yield produced


async def generate(
    call: Call,
    kind: Kind,
    role: str = store.AI,
    regenerate: bool = False,
    by: str = "id",
    voice: ChooseVoice = own_voice,
    says: UserSays = typed_message,
    afterwards: Afterwards | None = None,
) -> Any:
    """A reply (or a narrator's line) streamed as cumulative chunks and stored as it ends; a
    client that leaves keeps what was generated, marked incomplete.

    Who writes it is the ``voice`` (the content itself; in a group, the member whose turn it is),
    what the user said comes from ``says`` (`content`; in a world, the option chosen), and what the
    message keeps beside its text once finished from ``afterwards`` (a world scenario's options)."""
    session, content = await locate(call, kind, by)
    speaking = voice(call, kind, session, content, role, regenerate)
    said = None if regenerate else await says(call, kind, session)
    plan = await call.db.write(lambda db: _start(db, session["id"], speaking, said, regenerate))
    text = reply(
        speaking.seed, speaking.persona, plan.history, plan.request, plan.alternative, style=speaking.style
    )
    extra = afterwards(call, kind, content, plan, text) if afterwards is not None else {}
    lang = str(call.get("lang") or json.loads(session["profile"] or "{}").get("lang") or "")
    base = {
        kind.id_field: content["id"],
        "session_id": session["id"],
        "idx": plan.idx,
        "is_alternative": regenerate,
        "timestamp": Moment(plan.created_at),
        "target_message": "",
        "target_lang": lang,
    }
    return call.stream(_stream(call, kind, content["id"], plan.uniq_id, text, base, lang, speaking, extra))


async def _stream(
    call: Call,
    kind: Kind,
    content_id: int,
    uniq_id: int,
    text: str,
    base: dict[str, Any],
    lang: str,
    voice: Voice,
    extra: dict[str, Any],
) -> Any:
    produced = ""
    finished = False
    target = ""  # the translation of the finished message
    following = live.start(call.db, uniq_id)

    def record(done: bool) -> dict[str, Any]:
        # What the message will be, under every name the kind's streams use for it (a world's
        # `scenario` is the text so far; its options come with the last item).
        kept = {**voice.extra, **(extra if done else {})}
        row = {"role": voice.role, "content": produced, "extra": store.dump(kept)}
        return {
            **base,
            **store.message_names(kind, row),
            "content": produced,
            "scenario": produced,
            "done": done,
        }

    try:
        async for so_far in typed(call, text):
            piece, produced = so_far[len(produced) :], so_far
            following.grow(piece)
            yield call.wrap(answer(call, record(False)))
        finished = True
        target = translate(produced, lang) if lang else ""
        last = {
            **record(True),
            "uniqId": uniq_id,
            "uniq_id": uniq_id,
            "target_message": target,
            "target_scenario": target,
        }
        yield call.wrap(answer(call, last))
    finally:
        _finish(
            call,
            content_id,
            uniq_id,
            produced,
            finished,
            target,
            {**voice.extra, **extra} if finished else None,
        )
        live.stop(call.db, uniq_id, following)


def _finish(
    call: Call,
    content_id: int,
    uniq_id: int,
    text: str,
    finished: bool,
    target: str,
    extra: dict[str, Any] | None = None,
) -> None:
    def write(db: sqlite_utils.Database) -> None:
        state = store.DONE if finished else store.INCOMPLETE
        db.execute(
            "UPDATE messages SET content = ?, state = ?, target_message = ? WHERE uniq_id = ?",
            [text, state, target, uniq_id],
        )
        if extra:
            db.execute("UPDATE messages SET extra = ? WHERE uniq_id = ?", [store.dump(extra), uniq_id])
        if finished:
            db.execute("UPDATE content SET uses = uses + 1 WHERE id = ?", [content_id])

    # Runs as the stream ends, also when the client left: no awaiting here, and a database another
    # process holds locked only leaves the message as `generating` (reported incomplete after a restart).
    with contextlib.suppress(sqlite3.OperationalError):
        call.db.write_now(write)


async def last(call: Call, kind: Kind, by: str = "id") -> Any:
    """The last reply of the session streamed again; one still being written (`is_generate`) is
    followed to its end, as its own stream goes on."""
    session, _ = await locate(call, kind, by)

    def latest() -> dict[str, Any] | None:
        return call.db.one(
            "SELECT * FROM messages WHERE session_id = ? AND active = 1 AND role NOT IN (?, ?)"
            " ORDER BY idx DESC, uniq_id DESC LIMIT 1",
            [session["id"], store.USER, store.SUMMARY],
        )

    def item(row: dict[str, Any] | None, text: str, generating: bool, done: bool) -> Any:
        record = store.message(kind, row) if row is not None else {"idx": 0, "content": ""}
        fields = {
            **record,
            "session_id": session["id"],
            "is_generate": generating,
            "is_alternative": row is not None and row["alternative"] > 0,
            "target_scenario": record.get("target_message", ""),
            "content": text,
            "scenario": text,
            "done": done,
        }
        for name in ("uniqId", "uniq_id"):
            fields.pop(name, None)
        if done and row is not None:
            fields.update(uniqId=row["uniq_id"], uniq_id=row["uniq_id"])
        return call.wrap(answer(call, fields))

    row = latest()
    following = None
    if row is not None and row["state"] == store.GENERATING:
        following = live.find(call.db, row["uniq_id"])
        if following is None:  # it may have ended just now; or another worker is writing it
            row = latest()
    generating = row is not None and row["state"] == store.GENERATING

    async def replayed() -> Any:
        text = str(row["content"] or "") if row is not None else ""
        produced = ""
        async for produced in typed(call, text):
            yield item(row, produced, generating, False)
        yield item(row, produced, generating, True)

    async def followed(reply: live.LiveReply) -> Any:
        sent = None
        async for text in reply.follow():
            if text and text != sent and not reply.ended:
                sent = text
                yield item(row, text, True, False)
        # the stream has ended and stored what it wrote (its translation too)
        assert row is not None
        stored = call.db.one("SELECT * FROM messages WHERE uniq_id = ?", [row["uniq_id"]])
        yield item(stored or row, reply.text, True, True)

    return call.stream(followed(following) if following is not None else replayed())


async def user_turns(
    call: Call, kind: Kind, by: str = "id", listed: bool = False, voice: ChooseVoice = own_voice
) -> Any:
    """What the user could say next (`batch_size` options) to whoever would answer (the ``voice``),
    streamed; nothing is stored until the user sends one of them. One option comes as `content`,
    several (or any, when ``listed``) as `contents`."""
    session, content = await locate(call, kind, by)
    rows = store.context(call, session["id"])
    batch = call.get("batch_size")
    count = min(max(batch if isinstance(batch, int) else 1, 1), 10)
    persona = voice(call, kind, session, content, store.AI, False).persona
    options = suggestions(
        f"{kind.name}:{content['id']}:{len(rows)}",
        persona,
        [turn_of(r) for r in rows[-HISTORY_TURNS:]],
        count,
    )
    base = {"session_id": session["id"], "idx": (rows[-1]["idx"] + 1) if rows else 1}
    pace = {"ttft_ms": call.options.ttft_ms, "tokens_per_s": call.options.tokens_per_s}

    async def items() -> Any:
        if count == 1 and not listed:
            produced = ""
            async for produced in typed(call, options[0]):
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


def uniq_id_of(call: Call) -> Any:
    """The message a request names, by `uniq_id` or `uniqId`."""
    value = call.get("uniq_id")
    return value if value is not None else call.require("uniqId")


async def edit_message(call: Call, kind: Kind) -> Any:
    """The user rewrites a message (theirs or the reply); `lang` also stores its translation."""
    session, _ = await locate(call, kind, "id")
    row = store.find_message(
        call, session["id"], uniq_id_of(call), roles=(store.USER, store.AI, store.NARRATOR)
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
    row = store.find_message(call, session["id"], uniq_id_of(call))
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
        [turn_of(row) for row in rows[-HISTORY_TURNS * 2 :]],
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
            async for produced in typed(call, text):
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
    row = store.find_message(call, session["id"], uniq_id_of(call), roles=(store.SUMMARY,))
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
        session_id = insert_session(db, CHARACTER, content, owner, [], now=now)
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


# --- the user's turn without a reply (group chats: the members answer when asked) ----------------------


async def commit(call: Call, kind: Kind) -> Any:
    """The user's message, stored without a reply; `uniq_id` names one of the user's messages to
    rewrite instead. Without `content` nothing is stored: the user lets the others speak."""
    session, _ = await locate(call, kind, "id")
    text = call.get("content")
    lang = str(call.get("lang") or "")
    named = call.get("uniq_id")
    if named:
        row = store.find_message(call, session["id"], named, roles=(store.USER,))
        if text is not None:
            target = translate(str(text), lang) if lang else ""
            await call.db.write(
                lambda db: db.execute(
                    "UPDATE messages SET content = ?, target_message = ?, target_lang = ? WHERE uniq_id = ?",
                    [str(text), target, lang, row["uniq_id"]],
                )
            )
        return answer(call, {"user_uniq_id": row["uniq_id"], "idx": row["idx"]})
    if text in (None, ""):
        return answer(call, {"user_uniq_id": 0, "idx": store.next_idx(call.db.conn, session["id"])})

    def write(db: sqlite_utils.Database) -> tuple[int, int]:
        now = now_ms()
        idx = store.next_idx(db.conn, session["id"])
        cursor = db.execute(
            "INSERT INTO messages (session_id, idx, role, content, target_message, target_lang, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                session["id"],
                idx,
                store.USER,
                str(text),
                translate(str(text), lang) if lang else "",
                lang,
                now,
            ],
        )
        db.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", [now, session["id"]])
        return int(cursor.lastrowid), idx

    uniq_id, idx = await call.db.write(write)
    return answer(call, {"user_uniq_id": uniq_id, "idx": idx})
