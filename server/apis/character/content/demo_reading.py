"""`--seed demo`: released novels and stories, in English and Chinese, and one released chat memory,
by the demo studio (user 3) like the demo characters. Fixed ids, by the doc's chapter numbers so
that other kinds' demo data never takes them (novels 201.., memories 1201.., stories 1301..), and
fixed times: the same every start."""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from server.apis.character.content import store
from server.apis.character.content.demo import STUDIO
from server.apis.character.content.media_files import png
from server.apis.character.content.model import CHARACTER, MEMORY, NOVEL, STORY
from server.auth import DAY_MS


def _cast(*people: tuple[str, str]) -> str:
    """A novel's `characters`, as the doc writes them: a JSON list of {name, desc}."""
    return json.dumps([{"name": name, "desc": desc} for name, desc in people], ensure_ascii=False)


# (id, title, world view, scene, foreword, characters, lang, tags, uses)
NOVELS: tuple[tuple[Any, ...], ...] = (
    (
        201,
        "The Lighthouse Keeper's Letters",
        "A foggy fishing town on the northern coast, where the lighthouse still runs on oil and rumours.",
        "Autumn. A storm is three days out, and the last ferry of the season has just left.",
        "Every morning for forty years, Margaret climbed the hundred steps of the lighthouse. This morning, "
        "a letter was waiting on the top step, addressed to her in her own handwriting.",
        _cast(
            ("Margaret Hale", "the keeper, stubborn and kind"),
            ("Tom Reyes", "the postman who never misses a day"),
        ),
        "en",
        ("Mystery", "Romance"),
        64,
    ),
    (
        202,
        "Ashes of the Ninth Realm",
        "Nine realms hang from the branches of a dying world tree; the eighth fell a hundred years ago.",
        "The border fortress of Greyhold, the night the sky turned red.",
        "The bells of Greyhold had not rung in a century. When they rang at midnight, Kaelen was the only "
        "guard awake to hear them.",
        _cast(
            ("Kaelen", "a young guard with a borrowed sword"),
            ("Seren", "a mage exiled from the fallen realm"),
        ),
        "en",
        ("Fantasy",),
        41,
    ),
    (
        203,
        "长安夜雨",
        "盛唐长安，百万人口的都城，坊市之间藏着说不尽的秘密。",
        "天宝年间的一个雨夜，西市的灯笼一盏接一盏熄灭。",
        "雨下到第三更时，大理寺少卿沈砚推开了那扇虚掩的门。屋里只有一盏将熄的油灯，和一封没有署名的信。",
        _cast(("沈砚", "大理寺少卿，心思缜密"), ("苏小婉", "西市胡商之女，消息灵通")),
        "zh",
        ("Mystery", "Wuxia"),
        57,
    ),
    (
        204,
        "星海拾光",
        "公元2300年，人类在银河边缘建立了第一座星港。",
        "星港“拾光号”接到一段来自三百年前的求救信号。",
        "警报响起的时候，林遥正在观景舱里数星星。那段信号只有七个字：“我们还在这里。”",
        _cast(("林遥", "星港最年轻的领航员"), ("阿尔法", "星港的人工智能")),
        "zh",
        ("Sci-Fi",),
        23,
    ),
)

# (id, character id, title, scene, greeting, uses): stories told by the demo characters.
STORIES: tuple[tuple[Any, ...], ...] = (
    (
        1301,
        1,
        "Last Order Before the Storm",
        "The harbor café at closing time; the storm has cut the power and Lily lights candles on every table.",
        "*sets a candle between you* Power's out, but the espresso machine runs on stubbornness. Stay until "
        "the rain stops?",
        30,
    ),
    (
        1302,
        2,
        "The Map Nobody Can Read",
        "The airship Starling, drifting above a sea of clouds; a stolen map glows on the chart table.",
        "*spreads the map out and taps a blank corner* Everyone says there's nothing here. I say that's "
        "exactly where we're going.",
        18,
    ),
    (
        1303,
        5,
        "雨夜琴声",
        "江南小镇的琴馆，窗外细雨绵绵，檐下挂着一盏小小的灯笼。",
        "*停下指尖，抬眼望向门口* 这样的雨夜还有客人来，想必是为了这曲《潇湘水云》吧？",
        12,
    ),
)

# A released memory of a chat with Lily (character 1), as /character/memory/save would keep it.
MEMORY_ID = 1201
MEMORY_LINES = (
    (
        "ai",
        "*looks up from the espresso machine and smiles* Hi~ Rainy day again. The usual, or something new?",
    ),
    ("user", "Surprise me. Something that tastes like a holiday."),
    ("ai", "*grins and reaches for the cinnamon* One harbor sunrise, coming up. Don't tell the regulars."),
)


def seed_reading(seed: Any) -> None:
    files = seed.api.files

    def cover(name: str) -> str:
        return store.FILE_PREFIX + files.put(png(f"cover:{name}"), "image/png")

    def write(db: sqlite_utils.Database) -> None:
        for number, (ident, title, world, scene, foreword, cast, lang, tags, uses) in enumerate(NOVELS):
            fields = {
                "cover": cover(title),
                "title": title,
                "world_view": world,
                "scene": scene,
                "foreword": foreword,
                "characters": cast,
                "lang": lang,
            }
            store.insert_content(
                db,
                NOVEL,
                STUDIO,
                fields,
                tags=tags,
                visibility=store.PUBLIC,
                uses=uses,
                created_at=seed.epoch_ms - (len(NOVELS) - number) * DAY_MS,
                content_id=ident,
            )
        for number, (ident, character_id, title, scene, greeting, uses) in enumerate(STORIES):
            # Told by a demo character (seeded before), kept with the story as /character/story/create does.
            row = db.execute("SELECT fields FROM content WHERE id = ?", [character_id]).fetchone()
            teller = CHARACTER.persona(json.loads(row[0]) if row else {})
            fields = {
                "character_id": character_id,
                "teller": [{"name": teller.name, "desc": teller.description}],
                "title": title,
                "cover": cover(title),
                "background": store.FILE_PREFIX + files.put(png(f"background:{title}"), "image/png"),
                "scene": scene,
                "greeting": greeting,
            }
            store.insert_content(
                db,
                STORY,
                STUDIO,
                fields,
                visibility=store.PUBLIC,
                uses=uses,
                created_at=seed.epoch_ms - (len(STORIES) - number) * DAY_MS,
                content_id=ident,
            )
        lines = [
            {
                "uniq_id": 0,
                "idx": idx,
                "role": role,
                "speaker": "",
                "content": text,
                "image": "",
                "created_at": seed.epoch_ms,
            }
            for idx, (role, text) in enumerate(MEMORY_LINES, start=1)
        ]
        memory = {
            "title": "A holiday in a cup",
            "type": "character",
            "character_id": 1,
            "uniq_ids": [],
            "messages": lines,
            "is_anonymity": False,
            "is_publicize_image": True,
        }
        store.insert_content(
            db,
            MEMORY,
            STUDIO,
            memory,
            visibility=store.PUBLIC,
            uses=5,
            created_at=seed.epoch_ms,
            content_id=MEMORY_ID,
        )

    seed.db.write_now(write)
    seed.say(
        f"character: {len(NOVELS)} released demo novels, {len(STORIES)} stories and 1 chat memory"
        f" ({MEMORY_ID}) by the demo studio"
    )
