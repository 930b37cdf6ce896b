"""What novels and stories add to the shared sessions: a telling of a novel may change the novel's
scene and people for itself, a story session may be asked for anew, and a story is told by the
character it was written for.
"""

from __future__ import annotations

import json
from typing import Any

from server.apis.character.content import chat, store
from server.apis.character.content.model import CHARACTER, Kind
from server.apis.character.content.shape import answer
from server.call import Call


async def session_fields(call: Call, kind: Kind, fields: tuple[str, ...]) -> Any:
    """Change ``fields`` of the content for this session only (a novel's scene for one telling): the
    session's answers show them and what is generated in it from then on follows them (see
    :func:`.store.seen_in`); the content and its other sessions stay as they are."""
    session, content = await chat.locate(call, kind, "id")
    profile = json.loads(session["profile"] or "{}")
    given = {name: str(call.get(name)) for name in fields if call.get(name) is not None}
    profile[store.SESSION_FIELDS] = {**store.overrides(session), **given}
    text = store.dump(profile)
    await call.db.write(
        lambda db: db.execute("UPDATE sessions SET profile = ? WHERE id = ?", [text, session["id"]])
    )
    return answer(call, chat.session_record(call, kind, {**session, "profile": text}, content))


async def open_or_create(call: Call, kind: Kind) -> Any:
    """The named session (`session_id`); else a new one when the request says `create`; else the
    latest, or a new one when there is none."""
    wanted_new = call.get("session_id") is None and bool(call.get("create"))
    return await chat.open_session(call, kind, mode="new" if wanted_new else "continue")


async def teller(call: Call, kind: Kind) -> dict[str, Any]:
    """Who tells a story being written: the character `character_id` (one the writer can see, else
    the not-found answer), kept with the story as it is now (`teller`, the kind's people), so the
    story's sessions speak as that character, in the story's scene."""
    character = store.find(call, CHARACTER, call.require("character_id"))
    persona = CHARACTER.persona(store.fields_of(character))
    return {"teller": [{"name": persona.name, "desc": persona.description}]}
