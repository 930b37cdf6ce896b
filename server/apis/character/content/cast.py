"""Group chats: several characters in one session, taking turns.

A group's members are characters (by id). Each generated line is written by one of them, in its own
persona, under the name the doc gives it ("AI_29_Claudia"), and remembers which message it answers.
Whose turn it is (:func:`member_voice`):

- the member the request names (`speaker=AI_29`, or `AI_29_Claudia`);
- else the member the last line addresses by name (not the one who said it; when a member spoke
  it, only one who has not yet answered the user's last line);
- else the member who has waited longest: after the user speaks, everyone gets a turn.

`speaker=USER` suggests what the user could say (nothing is stored), `speaker=NARRATOR` has the
narrator describe the scene. The user's own lines come through /character/group/user/commit.
"""

from __future__ import annotations

import re
from typing import Any

import sqlite_utils

from generators.fake import Persona
from server.apis.character.content import chat, store
from server.apis.character.content.model import CHARACTER, Kind
from server.apis.character.content.shape import answer
from server.call import Call
from server.storage import now_ms

_NAMED_MEMBER = re.compile(r"^AI_(\d+)", re.IGNORECASE)


def _cast(call: Call, kind: Kind, session: dict[str, Any], content: dict[str, Any]) -> list[dict[str, Any]]:
    """The members of this session (its own settings first), those the caller can still see."""
    fields = store.session_fields(kind, content, session)
    return [member for member in store.members(call, kind, fields) if "character_id" in member]


def _spoke(row: dict[str, Any]) -> int | None:
    value = store.extra_of(row).get("character_id")
    return int(value) if isinstance(value, int) else None


def _mentioned(text: str, name: str) -> int:
    """Where ``text`` first names a member, by its whole name or a part of it ("Professor", "Ada" for
    "Professor Ada Quill"; "若雪" for "林若雪"): -1 when it does not."""
    parts = [name] + [word for word in name.split() if len(word) >= 3]
    if not name.isascii() and " " not in name and len(name) >= 3:
        parts.append(name[-2:])  # a Chinese given name without the family name
    found = [
        match.start()
        for part in parts
        if part
        for match in [
            re.search(
                rf"(?<!\w){re.escape(part)}(?!\w)" if part.isascii() else re.escape(part), text, re.IGNORECASE
            )
        ]
        if match
    ]
    return min(found, default=-1)


def _next_member(cast: list[dict[str, Any]], rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Whose turn it is when the request does not say (module docstring)."""
    last = rows[-1] if rows else None
    last_speaker = _spoke(last) if last is not None else None
    others = [member for member in cast if member["character_id"] != last_speaker] or cast
    since_user = next((n for n in range(len(rows) - 1, -1, -1) if rows[n]["role"] == store.USER), -1)
    spoke_since = {_spoke(row) for row in rows[since_user + 1 :]}
    if last is not None:
        # The user may call on anyone; members calling on each other only bring in those who have not
        # answered the user yet, so two of them cannot keep the others out.
        named = [
            (_mentioned(last["content"], member["name"]), n)
            for n, member in enumerate(others)
            if last["role"] != store.AI or member["character_id"] not in spoke_since
        ]
        named = [(at, n) for at, n in named if at >= 0]
        if named:
            return others[min(named)[1]]
    # Else the member who has waited longest (one who never spoke first, in the group's order).
    last_said = {_spoke(row): n for n, row in enumerate(rows)}
    return min(others, key=lambda member: last_said.get(member["character_id"], -1))


def member_voice(
    call: Call, kind: Kind, session: dict[str, Any], content: dict[str, Any], role: str, regenerate: bool
) -> chat.Voice:
    """The member who writes the next line of a group session (module docstring); regenerating a
    line keeps who said it. A group none of whose members the caller can see speaks as itself."""
    if role != store.AI:
        return chat.own_voice(call, kind, session, content, role, regenerate)
    cast = _cast(call, kind, session, content)
    rows = store.context(call, session["id"])
    answered = call.get("uniq_id")
    if answered:
        store.find_message(call, session["id"], answered)  # a message of this session, or not found
    else:
        answered = next((row["uniq_id"] for row in reversed(rows) if row["role"] == store.USER), 0)
    by_id = {member["character_id"]: member for member in cast}
    named = _NAMED_MEMBER.match(str(call.get("speaker") or "").strip())
    if regenerate and rows and rows[-1]["role"] == store.AI and _spoke(rows[-1]) in by_id:
        member = by_id[_spoke(rows[-1])]
        answered = store.extra_of(rows[-1]).get("reply_id", answered)
    elif named:
        member = by_id.get(store.sql_id(named.group(1)))
        if member is None:
            raise call.not_found(f"member of group {content['id']}", call.get("speaker"))
    elif cast:
        member = _next_member(
            cast, rows[:-1] if regenerate and rows and rows[-1]["role"] == store.AI else rows
        )
    else:
        return chat.own_voice(call, kind, session, content, role, regenerate)
    character = call.db.one("SELECT * FROM content WHERE id = ?", [member["character_id"]]) or {}
    fields = store.fields_of(character) if character else {}
    persona = CHARACTER.persona(fields)
    scene = str(store.session_fields(kind, content, session).get("scenario") or "")
    persona = Persona(persona.name, persona.greeting, f"{persona.description} {scene}".strip())
    speaker, extra = chat.member_names(member)
    return chat.Voice(
        store.AI,
        persona,
        CHARACTER.style,
        f"{kind.name}:{content['id']}:{CHARACTER.name}:{member['character_id']}",
        speaker,
        {**extra, "reply_id": answered},
    )


async def generate(call: Call, kind: Kind) -> Any:
    """`speaker`: USER suggests the user's next lines, NARRATOR narrates, anything else is a member's
    line (the named member's, or whoever's turn it is)."""
    speaker = str(call.get("speaker") or "").strip().upper()
    if speaker == "USER":
        return await chat.user_turns(call, kind, listed=True, voice=member_voice)
    if speaker == "NARRATOR":
        return await chat.generate(call, kind, role=store.NARRATOR)
    return await chat.generate(call, kind, voice=member_voice)


async def regenerate(call: Call, kind: Kind) -> Any:
    """The session's last line again, by whoever said it (the same member, or the narrator); after a
    line of the user's, a member answers it. `reply_id`, when given, names the line to regenerate or
    the message it answers: any other is not found (only the last line can be said again)."""
    session, _ = await chat.locate(call, kind, "id")
    rows = store.context(call, session["id"])
    last = rows[-1] if rows else None
    reply_id = call.get("reply_id")
    if reply_id and last is not None:
        answers = last["uniq_id"] if last["role"] == store.USER else store.extra_of(last).get("reply_id")
        if store.sql_id(reply_id) not in (last["uniq_id"], answers):
            raise call.not_found(f"last line of session {session['id']}", reply_id)
    elif reply_id:
        raise call.not_found(f"last line of session {session['id']}", reply_id)
    role = store.NARRATOR if last is not None and last["role"] == store.NARRATOR else store.AI
    return await chat.generate(call, kind, role=role, regenerate=True, voice=member_voice)


async def migrate(call: Call, kind: Kind) -> Any:
    """A chat with a character becomes a new private group with more characters: the chat's lines
    move into the group's first session, the character's replies spoken by it as a member."""
    source = store.find_session(call, call.require("chat_session_id"), CHARACTER)
    first = store.find(call, CHARACTER, source["content_id"])
    others = [store.find(call, CHARACTER, given) for given in call.require("character_ids")]
    user_id = store.user_id_of(call)
    if user_id is None:
        raise call.forbidden("guests cannot create group chats: log in first")
    cast: dict[int, dict[str, Any]] = {row["id"]: row for row in [first, *others]}
    names = [str(store.fields_of(row).get("name") or "") for row in cast.values()]
    fields = {
        "title": " & ".join(name for name in names if name),
        "cover": str(store.fields_of(first).get("avatar") or ""),
        "scenario": str(store.fields_of(first).get("short_description") or ""),
        "character_ids": list(cast),
        "relationship": [],
        "greetings": [],
    }
    lead = {"character_id": first["id"], "name": names[0]}
    lines = store.context(call, source["id"])
    owner = store.owner_of(call)

    def write(db: sqlite_utils.Database) -> tuple[int, int]:
        now = now_ms()
        group_id = store.insert_content(db, kind, user_id, fields, created_at=now)
        session_id = chat.insert_session(db, kind, {"id": group_id}, owner, [])
        answered = 0
        for idx, row in enumerate(lines, start=1):
            speaker, extra = ("", {})
            if row["role"] == store.AI:
                speaker, extra = chat.member_names(lead)
                extra["reply_id"] = answered
            cursor = db.execute(
                "INSERT INTO messages (session_id, idx, role, speaker, content, image, audio, extra, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    session_id,
                    idx,
                    row["role"],
                    speaker,
                    row["content"],
                    row["image"],
                    row["audio"],
                    store.dump(extra),
                    now,
                ],
            )
            if row["role"] == store.USER:
                answered = int(cursor.lastrowid)
        return group_id, session_id

    group_id, session_id = await call.db.write(write)
    return answer(call, {"group_id": group_id, "session_id": session_id})
