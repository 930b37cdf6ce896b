"""Drafts a creator starts from: a world (its name, summary, opening and cover description) or the
characters who live in it, written by the fake generator and streamed as the model would write them.

Nothing is stored: the creator edits the draft and saves it with /character/world/definition/put.
Each stream's `content` is the draft's text so far, ending in the `gen_done_` mark the doc's samples
show; the structured part (`world_info`, `characters`) holds every section whose text is complete.
The same request gets the same draft; it is written in the language of what the creator gave.
"""

from __future__ import annotations

from typing import Any

from generators.fake import Persona, detect_language, names, reply
from generators.fake.core import Draw
from server.apis.character.content.chat import typed
from server.apis.character.content.model import Kind
from server.apis.character.content.shape import Moment, answer
from server.call import Call
from server.storage import now_ms

DONE_MARK = "\n\ngen_done_"  # what the doc's streams end their text with
WORKING, FINISHED = "svr_send_to_dispatcher", "finish"  # `req_state`, as the samples show it
DEFAULT_CAST, MAX_CAST = 3, 5  # a world has 3 to 5 characters (/character/world/definition/put)
GENDERS = ("Female", "Male")


def _lang(*texts: Any) -> str:
    return next((found for found in (detect_language(str(t or "")) for t in texts) if found), "en")


def _world(call: Call) -> list[tuple[str, str, str]]:
    """(field, label, text) of a world draft, from what the creator gave (`world_name`, `world_summary`,
    `plot`): given parts are kept as they are, the rest is written to fit them."""
    plot = str(call.get("plot") or "").strip()
    given_name = str(call.get("world_name") or "").strip()
    given_summary = str(call.get("world_summary") or "").strip()
    lang = _lang(plot, given_summary, given_name)
    seed = f"world:{given_name}:{given_summary}:{plot}"
    name = given_name or names(seed, 1, lang=lang)[0]
    persona = Persona(name, "", f"{given_summary} {plot}".strip())
    summary = given_summary or reply(seed, persona, [], plot, style="description", lang=lang)
    opening = reply(seed, Persona(name, "", summary), [], plot, style="scenario", lang=lang)
    cover = reply(f"cover:{seed}", Persona(name, "", summary), [], "", style="narration", lang=lang)
    zh = lang == "zh"
    return [
        ("world_name", "世界" if zh else "World", name),
        ("world_summary", "简介" if zh else "Summary", summary),
        ("world_opening", "开场" if zh else "Opening", opening),
        ("world_cover", "封面" if zh else "Cover", cover),
    ]


def _characters(call: Call) -> list[dict[str, str]]:
    """Characters who fit the world `world_summary` and `world_opening` describe."""
    summary = str(call.get("world_summary") or "")
    opening = str(call.get("world_opening") or "")
    wanted = call.get("character_count")
    count = min(max(wanted, 1), MAX_CAST) if isinstance(wanted, int) and wanted > 0 else DEFAULT_CAST
    lang = _lang(summary, opening)
    seed = f"characters:{summary}:{opening}"
    draw = Draw("genders", seed)
    cast = []
    for name in names(seed, count, lang=lang):
        persona = Persona(name, "", summary)
        details = reply(f"{seed}:{name}", persona, [], opening, style="description", lang=lang)
        cast.append(
            {
                "name": name,
                "gender": draw.pick(GENDERS),
                "details": details,
                "appearance": reply(f"{seed}:{name}:looks", persona, [], "", style="narration", lang=lang),
                "greeting": reply(f"{seed}:{name}", persona, [], opening, style="greeting", lang=lang),
            }
        )
    return cast


def _sections(cast: list[dict[str, str]]) -> list[str]:
    return ["\n".join(f"{key}: {value}" for key, value in member.items()) for member in cast]


async def draft(call: Call, kind: Kind, part: str) -> Any:
    """A draft of a world (``part`` "world": `world_info`) or of its characters ("characters")."""
    started = Moment(now_ms())
    if part == "world":
        world = _world(call)
        sections = [f"{label}: {text}" for _, label, text in world]
    else:
        cast = _characters(call)
        sections = _sections(cast)
    text = "\n\n".join(sections) + DONE_MARK
    # Where each section's text ends: a section is complete once the stream has passed it.
    ends = []
    position = 0
    for section in sections:
        position += len(section)
        ends.append(position)
        position += 2

    def record(produced: str, done: bool) -> dict[str, Any]:
        complete = sum(1 for end in ends if len(produced) >= end)
        base = {
            "content": produced,
            "timestamp": started,
            "req_state": FINISHED if done else WORKING,
            "done": done,
        }
        if part == "world":
            return {**base, "world_info": {field: value for field, _, value in world[:complete]}}
        return {**base, "characters": cast[:complete]}

    async def items() -> Any:
        produced = ""
        async for produced in typed(call, text):
            yield call.wrap(answer(call, record(produced, False)))
        yield call.wrap(answer(call, record(produced, True)))

    return call.stream(items())
