"""`--seed demo`: a released world to play and a released group chat of demo characters, by the demo
studio (user 3) like the demo characters. Fixed ids and times: the same every start."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from server.apis.character.content import store
from server.apis.character.content.demo import STUDIO
from server.apis.character.content.media_files import png
from server.apis.character.content.model import GROUP, WORLD
from server.auth import DAY_MS

# Far from the demo characters' ids (1-9) and other kinds' demo content.
WORLD_ID, GROUP_ID = 1001, 1002

ARCANA = {
    "world_name": "Arcana",
    "world_summary": "A realm of floating islands held aloft by old magic, where the last cartographers chart "
    "skies that change every night.",
    "world_opening": "The bell of the Sky Archive rings thrice: the eastern isles have drifted again, and the "
    "map you drew yesterday now shows open air. Lyra waits at the gate with a lantern and an unfinished chart.",
    "world_cover": "floating islands at dusk, lanterns on rope bridges, a cartographer's tower in the clouds",
    "characters": [
        {
            "name": "Lyra",
            "details": "Luminous spirit, harbinger of hope in times of darkness; gifted healer and skilled cartographer.",
        },
        {
            "name": "Kaelin Darkhaven",
            "details": "Bastion of courage, wielder of ancient magic; fearless warrior with unyielding conviction.",
        },
        {
            "name": "Old Maro",
            "details": "The archive's keeper, who remembers every island that ever fell and will not say why.",
        },
    ],
}

HARBOR_NIGHT = {
    "title": "Harbor Café Night",
    "cover_prompt": "a small café by a rainy harbor at night, warm windows, an airship overhead",
    "scenario": "A storm has grounded every airship, so Captain Rowan Vale and Professor Ada Quill wait it out "
    "in Lily's café. The power flickers; someone left a coded letter on the counter.",
    "character_ids": [1, 2, 3],
    "relationship": [
        {
            "char1_id": 1,
            "char2_id": 2,
            "detail": "Lily keeps the captain's tab and pretends not to worry about him.",
        },
        {
            "char1_id": 2,
            "char2_id": 3,
            "detail": "Old rivals over a map neither will admit they cannot read.",
        },
    ],
    "greetings": [
        {
            "character_id": 1,
            "greeting": "*sets three cups on the counter* Nobody's flying tonight. Coffee's on me.",
        },
        {"character_id": 2, "greeting": "*shakes rain off his coat* Grounded by a drizzle. Embarrassing."},
        {
            "character_id": 3,
            "greeting": "*taps the letter* Before anyone asks: no, I did not write this. Yet.",
        },
    ],
}


def seed_worlds_and_groups(seed: Any) -> None:
    files = seed.api.files

    def picture(name: str) -> str:
        return store.FILE_PREFIX + files.put(png(name), "image/png")

    world = {
        **ARCANA,
        "cover": picture("cover:world:arcana"),
        "characters": [
            {**member, "avatar": picture(f"avatar:world:arcana:{member['name']}")}
            for member in ARCANA["characters"]
        ],
    }
    group = {
        **HARBOR_NIGHT,
        "cover": picture("cover:group:harbor"),
        "background": picture("background:group:harbor"),
    }
    created = seed.epoch_ms - DAY_MS

    def write(db: sqlite_utils.Database) -> None:
        for content_id, kind, fields, tags in (
            (WORLD_ID, WORLD, world, ("Fantasy", "Adventure")),
            (GROUP_ID, GROUP, group, ("Romance",)),
        ):
            store.insert_content(
                db,
                kind,
                STUDIO,
                fields,
                tags=tags,
                visibility=store.PUBLIC,
                uses=12,
                created_at=created,
                content_id=content_id,
            )

    seed.db.write_now(write)
    seed.say(
        f"character: the released world {ARCANA['world_name']!r} (world_id {WORLD_ID}) and group chat "
        f"{HARBOR_NIGHT['title']!r} (group_id {GROUP_ID}) by the demo studio"
    )
