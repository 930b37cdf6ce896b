"""World sessions: a story told in scenarios, each ending in options for what happens next.

Every reply in a world session is a scenario (the world's opening is the first). Its options (A, B
and C) are a pure function of the world and the story so far, so they are the same whether they
come with the scenario (`/character/world/session/generate`), are asked for afterwards
(`/character/world/scenario/options/generate/sse`) or are needed at once because the user chose one
before asking: whichever comes first stores them with the scenario.

The user plays by choosing (`select_option` A, B or C: that option's text becomes the user's line;
D: their own words, `custom_content`), from the latest scenario or the one `last_scenario_id` names.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from typing import Any

import sqlite_utils

from generators.fake import Turn, options, translate
from server.apis.character.content import chat, store
from server.apis.character.content.model import Kind
from server.apis.character.content.shape import Moment, answer
from server.call import Call

LETTERS = ("A", "B", "C")


def _scenario(call: Call, session_id: int, uniq_id: Any = None) -> dict[str, Any]:
    """The scenario named by ``uniq_id``, else the session's latest; not found when there is none."""
    if uniq_id:
        return store.find_message(call, session_id, uniq_id, roles=(store.AI,))
    row = call.db.one(
        "SELECT * FROM messages WHERE session_id = ? AND active = 1 AND role = ? ORDER BY idx DESC, uniq_id DESC",
        [session_id, store.AI],
    )
    if row is None:
        raise call.not_found(f"scenario of session {session_id}", uniq_id)
    return row


def _options(kind: Kind, content: dict[str, Any], turns: list[Turn]) -> dict[str, str]:
    texts = options(
        f"{kind.name}:{content['id']}",
        kind.persona(store.fields_of(content)),
        turns[-chat.HISTORY_TURNS :],
        3,
    )
    return {f"option{letter}": text for letter, text in zip(LETTERS, texts, strict=True)}


def options_of(call: Call, kind: Kind, content: dict[str, Any], row: dict[str, Any]) -> dict[str, str]:
    """A scenario's options: those stored with it, else those the generator gives it."""
    stored = store.extra_of(row).get("options")
    if isinstance(stored, dict) and all(stored.get(f"option{letter}") for letter in LETTERS):
        return {f"option{letter}": str(stored[f"option{letter}"]) for letter in LETTERS}
    earlier = [
        r
        for r in store.context(call, row["session_id"])
        if (r["idx"], r["uniq_id"]) <= (row["idx"], row["uniq_id"])
    ]
    return _options(kind, content, [chat.turn_of(r) for r in earlier])


def with_options(
    call: Call, kind: Kind, content: dict[str, Any], plan: chat.Plan, text: str
) -> dict[str, Any]:
    """What a scenario made by /character/world/session/generate keeps: its options, made with it."""
    said = [Turn("user", plan.request)] if plan.request else []
    return {"options": _options(kind, content, [*plan.history, *said, Turn("assistant", text)])}


async def chosen(call: Call, kind: Kind, session: dict[str, Any]) -> chat.Line | None:
    """The user's line in a world session: the option chosen (`select_option`), or their own words."""
    choice = str(call.get("select_option") or "").strip().upper().removeprefix("OPTION")
    if not choice:
        return None
    if choice == "D":
        custom = str(call.get("custom_content") or "").strip()
        if not custom:
            raise call.fail("custom_content is required when select_option is D")
        return chat.Line(custom, extra={"select_option": "D"})
    if choice not in LETTERS:
        raise call.not_found("option (A, B, C or D)", call.get("select_option"))
    row = _scenario(call, session["id"], call.get("last_scenario_id"))
    content = call.db.one("SELECT * FROM content WHERE id = ?", [session["content_id"]]) or {
        "id": 0,
        "fields": "{}",
    }
    found = options_of(call, kind, content, row)
    if store.extra_of(row).get("options") != found:
        # Chosen before they were shown: the scenario keeps the options its choice was one of.
        await call.db.write(lambda db: _store_options(db, row["uniq_id"], {"options": found}))
    return chat.Line(found[f"option{choice}"], extra={"select_option": choice, "scenario_id": row["uniq_id"]})


async def generate_options(call: Call, kind: Kind) -> Any:
    """The latest scenario's options, streamed as `##optionA:...` lines (each option filled in as its
    line completes) and stored with the scenario once complete."""
    session, content = await chat.locate(call, kind, "id")
    row = _scenario(call, session["id"])
    found = options_of(call, kind, content, row)
    lang = str(call.get("lang") or json.loads(session["profile"] or "{}").get("lang") or "")
    text = "\n".join(f"##{name}:{value}" for name, value in found.items())
    targets = {name: translate(value, lang) if lang else "" for name, value in found.items()}
    base = {
        "idx": row["idx"],
        "uniq_id": row["uniq_id"],
        "target_lang": lang,
        "timestamp": Moment(row["created_at"]),
    }
    blank = dict.fromkeys(found, "")

    def so_far(produced: str) -> dict[str, str]:
        # An option counts once its line is complete: followed by the next line, or the last one whole.
        lines = produced.split("\n")
        complete = lines if produced == text else lines[:-1]
        named = dict(line[2:].split(":", 1) for line in complete if line.startswith("##") and ":" in line)
        return {**blank, **{name: value for name, value in named.items() if name in blank}}

    async def items() -> Any:
        produced = ""
        finished = False
        try:
            async for produced in chat.typed(call, text):
                record = {**base, "content": produced, "options": so_far(produced), "target_options": blank}
                yield call.wrap(answer(call, {**record, "done": False}))
            finished = True
            yield call.wrap(
                answer(
                    call,
                    {**base, "content": produced, "options": found, "target_options": targets, "done": True},
                )
            )
        finally:
            if finished:
                _keep(call, row["uniq_id"], found, targets)

    return call.stream(items())


def _store_options(db: sqlite_utils.Database, uniq_id: int, kept: dict[str, Any]) -> None:
    current = db.execute("SELECT extra FROM messages WHERE uniq_id = ?", [uniq_id]).fetchone()
    if current is not None:  # else deleted meanwhile
        extra = {**store.extra_of({"extra": current[0]}), **kept}
        db.execute("UPDATE messages SET extra = ? WHERE uniq_id = ?", [store.dump(extra), uniq_id])


def _keep(call: Call, uniq_id: int, found: dict[str, str], targets: dict[str, str]) -> None:
    # As chat's replies: written as the stream ends, without awaiting.
    with contextlib.suppress(sqlite3.OperationalError):
        call.db.write_now(
            lambda db: _store_options(db, uniq_id, {"options": found, "target_options": targets})
        )
