"""The platform's catalogue and utilities: tags, voices, uploads, payment-page images, link records,
translation, the web front's error reports, and custom voice training.

Tags and voices are rows (``tags(id, name, kind, ...)`` with kind ``character`` or ``novel``, and
``voices``), written by ``--seed demo``, so the content model checks and shows the same ones. Every
URL handed out points at a real file this server serves: uploads as stored, voice previews and
payment images made by ``media.py``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from typing import Any

import sqlite_utils

from generators.fake import translate
from server.apis.character import media
from server.apis.character.users import ON_DELETE, me, sqlite_int
from server.call import Call
from server.files import sniff
from server.registry import Handlers
from server.storage import now_ms

log = logging.getLogger("mdcontract.server")

handlers = Handlers()

IMAGE_LIMIT = 5 * 1024 * 1024
AUDIO_LIMIT = 10 * 1024 * 1024


@handlers.schema
def create_tables(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE IF NOT EXISTS tags (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            kind TEXT NOT NULL,
            label_zh TEXT NOT NULL DEFAULT '',
            fixed INTEGER NOT NULL DEFAULT 0,
            position INTEGER NOT NULL DEFAULT 0,
            UNIQUE (kind, name)
        )"""
    )
    db.execute(
        """CREATE TABLE IF NOT EXISTS voices (
            voice_id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            lang TEXT NOT NULL,
            sex TEXT NOT NULL,
            feature TEXT NOT NULL DEFAULT '',
            position INTEGER NOT NULL DEFAULT 0
        )"""
    )
    db.execute(
        """CREATE TABLE IF NOT EXISTS url_records (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL,
            org_url TEXT NOT NULL,
            created_at INTEGER NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE IF NOT EXISTS busy_errors (
            id INTEGER PRIMARY KEY,
            code TEXT NOT NULL,
            message TEXT NOT NULL,
            created_at INTEGER NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE IF NOT EXISTS custom_voices (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL,
            name TEXT NOT NULL,
            prompt TEXT NOT NULL,
            source_url TEXT NOT NULL,
            created_at INTEGER NOT NULL
        )"""
    )


ON_DELETE.append(lambda db, user_id: db.execute("DELETE FROM custom_voices WHERE user_id = ?", [user_id]))


# --- tags -----------------------------------------------------------------------------------


def _zh(call: Call) -> bool:
    return str(call.get("lang") or "").lower().startswith("zh")


def tag_rows(call: Call, kind: str, *, choosable: bool = False) -> list[dict[str, Any]]:
    """Tags of a kind, the fixed ones (Newest, Popular) first; `choosable`: those a creator may pick."""
    where = " AND fixed = 0" if choosable else ""
    return call.db.query(
        f"SELECT name, label_zh, fixed FROM tags WHERE kind = ?{where} ORDER BY fixed DESC, position, id",
        [kind],
    )


def _names(rows: list[dict[str, Any]]) -> list[str]:
    return [row["name"] for row in rows]


def _labelled(call: Call, rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The doc's shape: a list holding one object of tag name -> the name shown (Chinese for a zh
    `lang`); empty when there are no tags."""
    zh = _zh(call)
    labels = {row["name"]: (row["label_zh"] or row["name"]) if zh else row["name"] for row in rows}
    return [labels] if labels else []


@handlers("get_tags_complete_list")
async def complete_tags(call: Call) -> Any:
    """`display`: every character tag in order; `choose`: those a creator picks from; `freeze`: the
    fixed ones; `interest`: the interest tags of user `user_id` (set with /user/tags/set)."""
    rows = tag_rows(call, "character")
    user = call.db.one(
        "SELECT interest_tags FROM users WHERE id = ? AND deleted_at IS NULL",
        [sqlite_int(call.require("user_id"))],
    )
    return {
        "display": _labelled(call, rows),
        "choose": _labelled(call, [row for row in rows if not row["fixed"]]),
        "interest": json.loads(user["interest_tags"]) if user else [],
        "freeze": _labelled(call, [row for row in rows if row["fixed"]]),
    }


@handlers("get_tags_list")
async def character_tags(call: Call) -> Any:
    return _names(tag_rows(call, "character"))


@handlers("get_tags_listAvailableTags")
async def character_available_tags(call: Call) -> Any:
    return _names(tag_rows(call, "character", choosable=True))


@handlers("get_novel_listTags")
async def novel_tags(call: Call) -> Any:
    return _names(tag_rows(call, "novel"))


@handlers("get_novel_listAvailableTags")
async def novel_available_tags(call: Call) -> Any:
    return _names(tag_rows(call, "novel", choosable=True))


# --- voices ---------------------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _preview(position: int, sex: str) -> bytes:
    base = 140.0 if sex == "male" else 240.0
    return media.wav(base + 20 * position)


@handlers("get_character_listVoices")
async def voices(call: Call) -> Any:
    """The voices of language `lang` (`en`, `zh` ...; all without it), each with a preview to play."""
    lang = str(call.get("lang") or "").lower().replace("_", "-").split("-")[0]
    rows = call.db.query(
        "SELECT * FROM voices WHERE (? = '' OR lang = ?) ORDER BY lang, position, voice_id", [lang, lang]
    )
    return [
        {
            "name": row["name"],
            "voice_id": row["voice_id"],
            "preview_url": call.file_url(
                media.stored(call.api, _preview(row["position"], row["sex"]), "audio/wav")
            ),
            "meta_info": {"sex": row["sex"], "feature": row["feature"]},
        }
        for row in rows
    ]


# --- uploads --------------------------------------------------------------------------------


def _upload(call: Call, field: str) -> Any:
    """Store the file part `field`, as the media type its bytes are. The upload rules below have
    judged it already (server.bodies, while the body arrived): too big is a 413, and bytes or a
    claimed media type of another kind a 415, before this runs."""
    me(call)
    part = call.files.get(field)
    if part is None:
        raise call.fail(f"{field} must be a file part of the multipart body")
    found = sniff(part.data)
    assert found is not None  # the rule took only bytes of a format it knows
    return {"url": call.file_url(call.api.files.put(part.data, found))}


# What each upload takes, enforced while the body arrives (server.bodies): a 50 MB upload or an HTML
# page named photo.png is refused from its headers and first bytes, before the rest is read.
handlers.upload("post_user_uploadImage", "img", types=("image/",), max_bytes=IMAGE_LIMIT)
handlers.upload("post_user_uploadAudio", "audio", types=("audio/",), max_bytes=AUDIO_LIMIT)
# The content area's avatar upload takes the same pictures.
handlers.upload("post_character_uploadAvatar", "img", types=("image/",), max_bytes=IMAGE_LIMIT)


@handlers("post_user_uploadImage")
async def upload_image(call: Call) -> Any:
    """PNG, JPEG, GIF or WebP, up to 5 MB."""
    return _upload(call, "img")


@handlers("post_user_uploadAudio")
async def upload_audio(call: Call) -> Any:
    """WAV, MP3, OGG, M4A or FLAC, up to 10 MB."""
    return _upload(call, "audio")


# --- payment page, link records, translate, error reports -----------------------------------

PAYMENT_COLOURS = ((255, 196, 0), (120, 80, 255))


@handlers("get_api_getPaymentImages")
async def payment_images(call: Call) -> Any:
    return [
        call.file_url(media.stored(call.api, media.gif(colour), "image/gif")) for colour in PAYMENT_COLOURS
    ]


@handlers("get_notif_record_url")
async def record_url(call: Call) -> Any:
    """A link followed from an email or notification (`url`, and `org_url` it was made from)."""
    values = [str(call.require("url")), str(call.require("org_url")), now_ms()]
    await call.db.write(
        lambda db: db.execute("INSERT INTO url_records (url, org_url, created_at) VALUES (?, ?, ?)", values)
    )
    return {"status": 0}


@handlers("post_api_translate")
async def translate_message(call: Call) -> Any:
    """The fake generator's deterministic translation: same text and language, same result."""
    message = str(call.require("message"))
    target = str(call.require("target_lang"))
    return {
        "src_lang": str(call.require("src_lang")),
        "target_lang": target,
        "message": message,
        "target_msg": translate(message, target),
    }


@handlers("post_user_getBusyErrMsg")
async def busy_error(call: Call) -> Any:
    """The web front saw a "busy" error: kept, and logged for whoever runs the server."""
    code, message = str(call.require("code")), str(call.require("message"))
    log.warning("the web front reports busy error %s: %s", code, message[:200])
    values = [code, message, now_ms()]
    await call.db.write(
        lambda db: db.execute("INSERT INTO busy_errors (code, message, created_at) VALUES (?, ?, ?)", values)
    )
    return {"status": 0}


# --- custom voices (deprecated in the doc, still in the contract) ---------------------------


def _voice_files(name: str, prompt: str) -> tuple[bytes, bytes]:
    """A trained voice: a sample of it (WAV) and its model (a NumPy .npz), made from what it was
    trained on, so the same training gives the same files."""
    digest = hashlib.sha256(f"{name}\n{prompt}".encode()).digest()
    sample = media.wav(110.0 + digest[0])
    model = media.npz(
        semantic_prompt=[byte / 255 for byte in digest], coarse_prompt=[byte / 255 for byte in digest[::-1]]
    )
    return sample, model


@handlers("post_user_trainingCustomAudio")
async def train_custom_voice(call: Call) -> Any:
    user_id = me(call)["id"]
    name, prompt = str(call.require("name")), str(call.require("prompt"))
    values = [user_id, name, prompt, str(call.require("source_url")), now_ms()]
    model_id = await call.db.write(
        lambda db: (
            db.execute(
                "INSERT INTO custom_voices (user_id, name, prompt, source_url, created_at) VALUES (?, ?, ?, ?, ?)",
                values,
            ).lastrowid
        )
    )
    sample, model = _voice_files(name, prompt)
    return {
        "npzUrl": call.file_url(call.api.files.put(model, "application/x-npz")),
        "url": call.file_url(call.api.files.put(sample, "audio/wav")),
        "model_id": model_id,
    }


# --- demo -----------------------------------------------------------------------------------

CHARACTER_TAGS = (
    ("Newest", "最新", 1),
    ("Popular", "热门", 1),
    ("Female", "女性", 0),
    ("Male", "男性", 0),
    ("Anime", "动漫", 0),
    ("Romance", "恋爱", 0),
    ("Fantasy", "奇幻", 0),
    ("Adventure", "冒险", 0),
    ("Game", "游戏", 0),
    ("Sci-Fi", "科幻", 0),
    ("Horror", "恐怖", 0),
    ("Helper", "助手", 0),
)
NOVEL_TAGS = (
    ("Newest", "最新", 1),
    ("Popular", "热门", 1),
    ("Romance", "言情", 0),
    ("Fantasy", "玄幻", 0),
    ("Mystery", "悬疑", 0),
    ("Wuxia", "武侠", 0),
    ("Sci-Fi", "科幻", 0),
    ("Horror", "恐怖", 0),
)
VOICES = (
    ("en_0", "Arthur", "en", "male", "calm"),
    ("en_1", "Luna", "en", "female", "bright"),
    ("en_2", "Felix", "en", "male", "husky"),
    ("en_3", "Iris", "en", "female", "soft"),
    ("zh_0", "云飞", "zh", "male", "沉稳"),
    ("zh_1", "晓雪", "zh", "female", "温柔"),
)


@handlers.seeder
def demo(seed: Any) -> None:
    def write(db: sqlite_utils.Database) -> None:
        tag_id = 1
        for kind, tags in (("character", CHARACTER_TAGS), ("novel", NOVEL_TAGS)):
            for position, (name, label, fixed) in enumerate(tags):
                db.execute(
                    "INSERT OR IGNORE INTO tags (id, name, kind, label_zh, fixed, position) VALUES (?, ?, ?, ?, ?, ?)",
                    [tag_id, name, kind, label, fixed, position],
                )
                tag_id += 1
        for position, (voice_id, name, lang, sex, feature) in enumerate(VOICES):
            db.execute(
                "INSERT OR IGNORE INTO voices (voice_id, name, lang, sex, feature, position) VALUES (?, ?, ?, ?, ?, ?)",
                [voice_id, name, lang, sex, feature, position],
            )

    seed.db.write_now(write)
    seed.say(
        f"character: {len(CHARACTER_TAGS)} character tags, {len(NOVEL_TAGS)} novel tags, {len(VOICES)} voices"
    )
