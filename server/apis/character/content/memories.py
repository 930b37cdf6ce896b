"""Chat memories: lines of a chat (or a story session) saved under a title, kept as they were when
saved, so deleting or regenerating the chat later changes nothing of the memory. Everything else a
memory does (release, like, views, settings, lists, removal) is the shared model's, configured in
:mod:`.operations`; here are only what a memory is made of and how it is shown.

A memory shows who saved it and the pictures of its lines; its owner may hide either from others
(`is_anonymity`, `is_publicize_image`), and always sees both.
"""

from __future__ import annotations

from typing import Any

from server.apis.character import users
from server.apis.character.content import store
from server.apis.character.content.model import CHARACTER, KINDS, MEMORY, Kind
from server.call import Call

ANONYMOUS = "Anonymous"


async def snapshot(call: Call, kind: Kind) -> dict[str, Any]:
    """The fields of a memory saved from the caller's session `session_id`: the lines `uniq_ids`
    names (the whole conversation when it names none), in their order. `type` (chat/story) is what
    the session is anyway: the session decides."""
    session = store.find_session(call, call.require("session_id"))
    session_kind = KINDS.get(session["kind"], CHARACTER)
    content = store.find(call, session_kind, session["content_id"])
    rows = store.context(call, session["id"])
    wanted = call.require("uniq_ids")
    wanted = wanted if isinstance(wanted, list) else [wanted]
    if wanted:
        by_id = {row["uniq_id"]: row for row in rows}
        for ident in wanted:
            if store.sql_id(ident) not in by_id:
                raise call.not_found(f"message of session {session['id']}", ident)
        chosen = {store.sql_id(ident) for ident in wanted}
        rows = [row for row in rows if row["uniq_id"] in chosen]
    # Who the memory is with: the character itself, or the character a story is told by.
    character_id = (
        content["id"] if session_kind is CHARACTER else store.fields_of(content).get("character_id")
    )
    return {
        "title": str(call.require("title")),
        "type": session_kind.name,
        "session_id": session["id"],
        f"{session_kind.name}_id": content["id"],
        "character_id": character_id,
        "uniq_ids": [row["uniq_id"] for row in rows],
        "messages": [
            {
                "uniq_id": row["uniq_id"],
                "idx": row["idx"],
                "role": row["role"],
                "speaker": row["speaker"],
                "content": row["content"],
                "image": row["image"],
                "created_at": row["created_at"],
            }
            for row in rows
        ],
    }


async def saved(call: Call, kind: Kind) -> dict[str, Any]:
    """A memory being saved: its lines, and the settings a new one starts with (name and pictures
    shown) or an edited one keeps."""
    fields = await snapshot(call, kind)
    ident = call.get(kind.id_field)
    existing = store.fields_of(store.find(call, kind, ident)) if ident is not None else {}
    fields["is_anonymity"] = bool(existing.get("is_anonymity", False))
    fields["is_publicize_image"] = bool(existing.get("is_publicize_image", True))
    return fields


def card(call: Call, row: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """What a memory shows besides the shared record: who saved it, its lines and their pictures,
    how often others viewed it."""
    mine = row["owner_id"] is not None and row["owner_id"] == store.user_id_of(call)
    named = store.user_info(call, row["owner_id"])
    user = {"name": named["name"], "avatar": users.avatar_url(call, named["avatar"])}
    if fields.get("is_anonymity") and not mine:
        user = {"name": ANONYMOUS, "avatar": ""}
    pictures = mine or fields.get("is_publicize_image", True)
    lines = []
    for saved_line in fields.get("messages") or []:
        if not isinstance(saved_line, dict):
            continue
        line = store.message(
            MEMORY,
            {
                "uniq_id": saved_line.get("uniq_id", 0),
                "idx": saved_line.get("idx", 0),
                "role": saved_line.get("role", store.AI),
                "speaker": saved_line.get("speaker", ""),
                "content": saved_line.get("content", ""),
                "state": store.DONE,
                "alternative": 0,
                "star": 0,
                "image": saved_line.get("image", "") if pictures else "",
                "audio": "",
                "create_id": "",
                "target_message": "",
                "target_lang": "",
                "created_at": saved_line.get("created_at", row["created_at"]),
            },
        )
        lines.append(line)
    character = store.visible(call, CHARACTER.name, fields.get("character_id"))
    shown = store.fields_of(character, call) if character is not None else {}
    return {
        "character": {"name": str(shown.get("name") or ""), "avatar": str(shown.get("avatar") or "")},
        "user": user,
        "memories": lines,
        "images": [line["image"] for line in lines if line["image"]],
        "view_count": row["uses"],
    }


store.RECORDS[MEMORY.name] = card
