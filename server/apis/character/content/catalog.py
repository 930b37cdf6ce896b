"""What users do with content itself, written once for every kind: create and edit it (only while
private), read its profile, delete it, release it, collect, report, rate and buy it, and find it
(by tag, by text, recently chatted, created, collected, purchased).

Each behaviour is ``async def behaviour(call, kind, **options) -> answer``; which operation uses
which behaviour, for which kind and with which options, is the table in :mod:`.operations`.
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from typing import Any

import sqlite_utils

from generators.fake import Persona, names, reply, suggestions, translate
from server.apis.character import ledger
from server.apis.character.content import store
from server.apis.character.content.media_files import png
from server.apis.character.content.model import CHARACTER, KINDS, Kind
from server.apis.character.content.shape import Entries, answer, documented
from server.call import Call
from server.storage import now_ms

# Makes the fields of content from the request (``create_or_edit``'s ``compose``).
Compose = Callable[[Call, Kind], Awaitable[dict[str, Any]]]
# The doc's success answers of changes, in all three of its spellings.
STATUS_OK = {"status": 0, "statue": 0, "statsu": 0}
DEFAULT_PARAMS = {"temperature": 1, "top_x": 1}
# A search or tag list never answers more than this many rows (pages are smaller).
LIST_LIMIT = 100
PHOTOS = 6  # pictures on a character's photo wall
# Chinese names of the usual tags, for a server without the platform's tag table.
TAG_NAMES_ZH = {
    "Female": "女性",
    "Male": "男性",
    "Non-Binary": "非二元",
    "Anime": "动漫",
    "Romance": "恋爱",
    "Fantasy": "奇幻",
    "Adventure": "冒险",
    "Game": "游戏",
    "Sci-Fi": "科幻",
    "Horror": "恐怖",
    "Helper": "助手",
}
# Words a chat message may not carry (`/character/message/valid`): a short list, as a stand-in for
# the real service's moderation.
BLOCKED_WORDS = ("kill yourself", "suicide", "child porn", "自杀")


def _clean_tags(raw: Any) -> list[str]:
    tags: dict[str, None] = {}
    for tag in raw if isinstance(raw, list) else []:
        text = str(tag).strip() if not isinstance(tag, dict) else str(tag.get("name") or "").strip()
        if text:
            tags[text[:40]] = None
    return list(tags)


# --- create, edit, profile, delete, release -------------------------------------------------------


async def create_or_edit(call: Call, kind: Kind, compose: Compose | None = None) -> Any:
    """No id: a new private piece of content. An id: an edit of one's own, only while private.
    ``compose`` makes fields the request does not carry as they are (a memory's saved lines)."""
    user_id = store.user_id_of(call)
    if user_id is None:
        raise call.forbidden("guests cannot create content: log in first")
    body = call.body if isinstance(call.body, dict) else {}
    given = {name: body[name] for name in kind.fields if name in body}
    tags = _clean_tags(body["tags"]) if "tags" in body else None
    charge = body.get("charge")
    content_id = body.get(kind.id_field)
    store.check_cast(call, kind, given)
    existing = None
    if content_id is not None:
        existing = store.find_own(call, kind, content_id, "edit")
        if existing["visibility"] == store.PUBLIC:
            raise call.forbidden(
                f"only a private {kind.name} can be edited: unrelease {kind.name} {content_id} first"
            )
    if compose is not None:
        given.update(await compose(call, kind))

    def write(db: sqlite_utils.Database) -> int:
        now = now_ms()
        if existing is None:
            price = max(store.sql_number(charge or 0), 0)
            return store.insert_content(
                db, kind, user_id, given, tags=tags or (), charge=price, created_at=now
            )
        new_id = existing["id"]
        fields = {**store.fields_of(existing), **given}
        price = existing["charge"] if charge is None else max(store.sql_number(charge), 0)
        db.execute(
            "UPDATE content SET title = ?, fields = ?, charge = ?, updated_at = ? WHERE id = ?",
            [str(fields.get(kind.title) or ""), store.dump(fields), price, now, new_id],
        )
        if tags is not None:
            db.execute("DELETE FROM content_tags WHERE content_id = ?", [new_id])
            store.insert_tags(db, new_id, tags)
        return new_id

    new_id = await call.db.write(write)
    return answer(call, {kind.id_field: new_id, "id": new_id})


async def profile(call: Call, kind: Kind, view: bool = False) -> Any:
    """``view``: reading it counts as a view (`uses`) when the reader is not its owner."""
    row = store.find(call, kind, call.require(kind.id_field))
    if view and row["owner_id"] != store.user_id_of(call):
        await call.db.write(
            lambda db: db.execute("UPDATE content SET uses = uses + 1 WHERE id = ?", [row["id"]])
        )
        row = {**row, "uses": row["uses"] + 1}
    record = store.item(call, kind, row)
    if kind is CHARACTER:
        record["params"] = {**DEFAULT_PARAMS, **(record.get("params") or {})}
    return answer(call, record)


async def delete(call: Call, kind: Kind) -> Any:
    """Deletes really delete: its sessions, ratings and marks go with it, and its id stays unused."""
    row = store.find_own(call, kind, call.get(kind.id_field), "delete")
    await call.db.write(lambda db: db.execute("DELETE FROM content WHERE id = ?", [row["id"]]))
    return answer(call, STATUS_OK)


async def release(call: Call, kind: Kind, public: bool | None) -> Any:
    """Released content is visible to everyone and no longer editable; ``public`` None toggles."""
    row = store.find_own(call, kind, call.require(kind.id_field), "release")
    now_public = (row["visibility"] != store.PUBLIC) if public is None else public
    visibility = store.PUBLIC if now_public else store.PRIVATE
    await call.db.write(
        lambda db: db.execute(
            "UPDATE content SET visibility = ?, updated_at = ? WHERE id = ?",
            [visibility, now_ms(), row["id"]],
        )
    )
    return answer(call, {**STATUS_OK, "is_released": now_public, "success": True})


# --- marks: collect, like, report -------------------------------------------------------------------


async def toggle_mark(call: Call, kind: Kind, mark: str) -> Any:
    """Collect (or like) when not yet, uncollect when already: the answer says which it is now."""
    row = store.find(call, kind, call.require(kind.id_field))
    user_id = store.signed_in(call)

    def write(db: sqlite_utils.Database) -> bool:
        key = [row["id"], user_id, mark]
        if db.execute(
            "SELECT 1 FROM content_marks WHERE content_id = ? AND user_id = ? AND mark = ?", key
        ).fetchone():
            db.execute("DELETE FROM content_marks WHERE content_id = ? AND user_id = ? AND mark = ?", key)
            return False
        db.execute(
            "INSERT INTO content_marks (content_id, user_id, mark, created_at) VALUES (?, ?, ?, ?)",
            [*key, now_ms()],
        )
        return True

    on = await call.db.write(write)
    return answer(call, {f"is_{mark}": on, **STATUS_OK, "success": True})


async def report(call: Call, kind: Kind) -> Any:
    row = store.find(call, kind, call.require(kind.id_field))
    user_id = store.signed_in(call)
    await call.db.write(
        lambda db: db.execute(
            "INSERT OR IGNORE INTO content_marks (content_id, user_id, mark, created_at) VALUES (?, ?, 'report', ?)",
            [row["id"], user_id, now_ms()],
        )
    )
    return answer(call, STATUS_OK)


async def reported(call: Call, kind: Kind | None) -> Any:
    """Ids of what the user reported, of ``kind`` or of the request's `type` (`comment`: ratings)."""
    user_id = store.signed_in(call)
    if kind is None:
        wanted = str(call.get("type") or "").strip().lower()
        wanted = wanted[:-1] if wanted.endswith("s") and wanted[:-1] in KINDS else wanted
        if wanted in ("comment", "rating", "role_star", "rolestar"):
            rows = call.db.query(
                "SELECT rating_id AS id FROM rating_reports WHERE user_id = ? ORDER BY created_at, rowid",
                [user_id],
            )
            return answer(call, [row["id"] for row in rows])
        kind = KINDS.get(wanted)
        if kind is None:
            return answer(call, [])
    rows = call.db.query(
        "SELECT m.content_id AS id FROM content_marks m JOIN content c ON c.id = m.content_id"
        " WHERE m.user_id = ? AND m.mark = 'report' AND c.kind = ? ORDER BY m.created_at, m.rowid",
        [user_id, kind.name],
    )
    return answer(call, [row["id"] for row in rows])


# --- ratings ------------------------------------------------------------------------------------------


async def rate(call: Call, kind: Kind) -> Any:
    """One rating per user and content, 1 to 5 stars (out-of-range counts as the nearest)."""
    row = store.find(call, kind, call.require(kind.id_field))
    user_id = store.signed_in(call)
    star = min(max(int(call.require("star_count")), 1), 5)
    comment = str(call.get("comment") or "")

    def write(db: sqlite_utils.Database) -> None:
        db.execute(
            "INSERT INTO ratings (content_id, user_id, star, comment, created_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (content_id, user_id) DO UPDATE SET star = excluded.star, comment = excluded.comment,"
            " created_at = excluded.created_at",
            [row["id"], user_id, star, comment, now_ms()],
        )

    await call.db.write(write)
    return answer(call, STATUS_OK)


async def rating_detail(call: Call, kind: Kind) -> Any:
    row = store.find(call, kind, call.require(kind.id_field))
    counts = {str(star): 0 for star in range(1, 6)}
    for r in call.db.query(
        "SELECT star, COUNT(*) AS n FROM ratings WHERE content_id = ? GROUP BY star", [row["id"]]
    ):
        counts[str(r["star"])] = r["n"]
    return answer(call, {"roleStarDetail": counts})


async def rating_comments(call: Call, kind: Kind) -> Any:
    """The ratings with what their authors wrote, newest first, without those the reader reported."""
    row = store.find(call, kind, call.require(kind.id_field))
    limit, offset = store.page(call)
    rows = call.db.query(
        "SELECT * FROM ratings r WHERE r.content_id = ? AND NOT EXISTS (SELECT 1 FROM rating_reports p"
        " WHERE p.rating_id = r.id AND p.user_id = ?) ORDER BY r.created_at DESC, r.id DESC LIMIT ? OFFSET ?",
        [row["id"], store.user_id_of(call) or -1, limit, offset],
    )
    records = [
        {
            "id": r["id"],
            "star": r["star"],
            "comment": r["comment"],
            "timestamp": store.Moment(r["created_at"]),
            "username": store.user_info(call, r["user_id"])["name"],
        }
        for r in rows
    ]
    return answer(call, records)


async def report_rating(call: Call, kind: Kind) -> Any:
    rating_id = store.sql_id(call.require("id"))
    rating = call.db.one(
        "SELECT r.id, r.content_id FROM ratings r JOIN content c ON c.id = r.content_id WHERE r.id = ? AND c.kind = ?",
        [rating_id, kind.name],
    )
    if rating is None:
        raise call.not_found("rating", rating_id)
    store.find(call, kind, rating["content_id"])  # a comment on content the user cannot see is not there
    user_id = store.signed_in(call)
    await call.db.write(
        lambda db: db.execute(
            "INSERT OR IGNORE INTO rating_reports (rating_id, user_id, created_at) VALUES (?, ?, ?)",
            [rating["id"], user_id, now_ms()],
        )
    )
    return answer(call, STATUS_OK)


# --- finding content ------------------------------------------------------------------------------


async def listing(call: Call, kind: Kind, by: str, narrow: tuple[str, ...] = ()) -> Any:
    """Content of ``kind`` found ``by`` tag, text (`search`, `search_tags`: and all selected tags),
    the user's own (`created`), their marks (`collected`, `purchased`, `liked`), or what an author
    released (`author`). ``narrow``: fields the request may give to list only what has that value."""
    viewer = store.user_id_of(call)
    where = ["c.kind = ?"]
    params: list[Any] = [kind.name]
    joins = ""
    order = "c.uses DESC, c.id DESC"
    limit, offset = store.page(call, default_limit=LIST_LIMIT)
    visible = "(c.visibility = 'public' OR c.owner_id = ?)"
    if by == "created":
        where.append("c.owner_id = ?")
        params.append(store.signed_in(call))
        order = "c.id DESC"
    elif by == "author":
        author = call.require("author_id")
        if not store.is_author(call, author):
            raise call.not_found("author", author)
        where.append("c.owner_id = ? AND c.visibility = 'public'")
        params.append(store.sql_id(author))
        order = "c.id DESC"
    elif by in ("collected", "purchased", "liked"):
        mark = {"collected": "collect", "purchased": "purchase", "liked": "like"}[by]
        joins = "JOIN content_marks m ON m.content_id = c.id AND m.user_id = ? AND m.mark = ?"
        params = [store.signed_in(call), mark, *params]
        where.append(visible)
        params.append(viewer)
        order = "m.created_at DESC, c.id DESC"
    else:
        where.append("c.visibility = 'public'" if by == "tag" else visible)
        if by != "tag":
            params.append(viewer if viewer is not None else -1)
        if by == "tag":
            tag = str(call.get("tag") or "").strip()
            # The platform's fixed tags are orders, not labels content carries.
            if tag.lower() in ("newest", "最新"):
                order = "c.created_at DESC, c.id DESC"
            elif tag.lower() in ("popular", "热门"):
                order = "c.uses DESC, c.id DESC"
            elif tag and tag.lower() not in ("all", "全部"):
                where.append(
                    "EXISTS (SELECT 1 FROM content_tags t WHERE t.content_id = c.id AND t.tag = ? COLLATE NOCASE)"
                )
                params.append(tag)
        else:
            text = str(call.get("index_name") or "").strip().lower()
            if text:
                columns = ["lower(c.title)"] + [
                    "lower(COALESCE(json_extract(c.fields, ?), ''))" for _ in kind.search
                ]
                params_text = [f"$.{name}" for name in kind.search]
                matches = " OR ".join(f"instr({column}, ?) > 0" for column in columns)
                tag_match = "EXISTS (SELECT 1 FROM content_tags t WHERE t.content_id = c.id AND instr(lower(t.tag), ?) > 0)"
                where.append(f"({matches} OR {tag_match})")
                # instr(column, ?) pairs: the JSON path of each searched field, then the text.
                params.append(text)
                for path in params_text:
                    params += [path, text]
                params.append(text)
            if by == "search_tags":
                for tag in _clean_tags(str(call.get("select_tags") or "").split(",")):
                    where.append(
                        "EXISTS (SELECT 1 FROM content_tags t WHERE t.content_id = c.id AND t.tag = ? COLLATE NOCASE)"
                    )
                    params.append(tag)
    for name in narrow:
        if call.get(name) is not None:
            where.append("json_extract(c.fields, ?) = ?")
            params += [f"$.{name}", call.get(name)]
    sql = f"SELECT c.* FROM content c {joins} WHERE {' AND '.join(where)} ORDER BY {order} LIMIT ? OFFSET ?"
    rows = call.db.query(sql, [*params, limit, offset])
    latest = store.newest(call, kind)
    records = [store.item(call, kind, row, latest) for row in rows]
    if documented(call).schema.get("type") == "object" or "properties" in documented(call).schema:
        return answer(call, _with_tags(call, kind, records))
    return answer(call, records)


def _with_tags(call: Call, kind: Kind, records: list[dict[str, Any]]) -> dict[str, Any]:
    """A list answered as an object (`/character/new/search`): the items under the kind's plural,
    every tag a search can be narrowed by (`searchWithTag`), and one object naming each tag in the
    reader's language, as the platform's tag lists do."""
    tags: dict[str, None] = {}
    if store.has_table(call.db.conn, "tags"):
        rows = call.db.query(
            "SELECT name FROM tags WHERE kind = ? AND fixed = 0 ORDER BY position, id", [kind.name]
        )
        tags.update(dict.fromkeys(row["name"] for row in rows))
    else:
        tags.update(dict.fromkeys(TAG_NAMES_ZH))
    for row in call.db.query(
        "SELECT DISTINCT t.tag FROM content_tags t JOIN content c ON c.id = t.content_id"
        " WHERE c.kind = ? AND c.visibility = 'public' ORDER BY t.tag",
        [kind.name],
    ):
        tags[row["tag"]] = None
    lang = str(call.get("lang") or "en")
    return {
        kind.plural: records,
        "allTags": list(tags),
        "all_tags_trans": [Entries({tag: _tag_name(call, kind, tag, lang) for tag in tags})] if tags else [],
    }


def _tag_name(call: Call, kind: Kind, tag: str, lang: str) -> str:
    """A tag as readers of ``lang`` see it: the platform's label when it has one."""
    if not lang.lower().startswith("zh"):
        return tag
    if store.has_table(call.db.conn, "tags"):
        label = call.db.value("SELECT label_zh FROM tags WHERE kind = ? AND name = ?", [kind.name, tag])
        if label:
            return str(label)
    return TAG_NAMES_ZH.get(tag) or translate(tag, "zh").removeprefix("[en:").removesuffix("]")


async def recent(call: Call, kind: Kind) -> Any:
    """The content the caller chatted with, most recent first, each with its latest session."""
    limit, offset = store.page(call)
    # SQLite answers the bare `id` from the row holding MAX(updated_at): the latest session.
    rows = call.db.query(
        "SELECT id AS session_id, content_id, MAX(updated_at) AS last FROM sessions WHERE owner = ? AND kind = ?"
        " GROUP BY content_id ORDER BY last DESC, session_id DESC LIMIT ? OFFSET ?",
        [store.owner_of(call), kind.name, limit, offset],
    )
    viewer = store.user_id_of(call)
    latest = store.newest(call, kind)
    records = []
    for row in rows:
        content = store.visible(call, kind.name, row["content_id"])
        if content is None:
            continue
        record = {
            **store.item(call, kind, content, latest),
            "session_id": row["session_id"],
            "timestamp": store.Moment(row["last"]),
            "user_id": viewer,
        }
        if kind.roster:
            session = call.db.one("SELECT * FROM sessions WHERE id = ?", [row["session_id"]])
            fields = store.session_fields(kind, content, session) if session else store.fields_of(content)
            record["personal"] = store.personal(call, kind, session, fields) if session else {}
        records.append(record)
    return answer(call, records)


# --- buying ---------------------------------------------------------------------------------------


async def purchase(call: Call, kind: Kind) -> Any:
    """Tokens for content, booked once: `status` 0 bought (or owned already: nothing is booked
    twice), 1 the balance is too low, 2 the price is not the one offered (nothing booked)."""
    row = store.find(call, kind, call.require(kind.id_field))
    user_id = store.signed_in(call)
    offered = call.get("charge")
    if row["owner_id"] == user_id or "purchase" in store.marks_of(call, row["id"]):
        return answer(call, {"status": 0})
    if offered is not None and int(offered) != row["charge"]:
        return answer(call, {"status": 2})

    def write(db: sqlite_utils.Database) -> int:
        key = f"purchase:{kind.name}:{row['id']}:user:{user_id}"
        if row["charge"] > 0:
            try:
                ledger.book(
                    db, user_id, -row["charge"], kind="purchase", ref=f"{kind.name}:{row['id']}", once=key
                )
            except ledger.InsufficientBalance:
                return 1
            except ledger.AlreadyBooked:
                pass
            else:
                if row["owner_id"] is not None:
                    ledger.book(
                        db,
                        row["owner_id"],
                        row["charge"],
                        kind="sale",
                        account="earnings",
                        ref=f"{kind.name}:{row['id']}",
                        once=f"sale:{key}",
                    )
        db.execute(
            "INSERT OR IGNORE INTO content_marks (content_id, user_id, mark, created_at) VALUES (?, ?, 'purchase', ?)",
            [row["id"], user_id, now_ms()],
        )
        return 0

    return answer(call, {"status": await call.db.write(write)})


async def paid_record(call: Call, kind: Kind) -> Any:
    """A purchase paid through an app store: the content is the user's, its creator earns its price,
    once per user, content, platform and product however often the app reports it."""
    row = store.find(call, kind, call.require(kind.id_field))
    world_id = call.get("world_id")
    if world_id is not None:
        store.find(call, KINDS["world"], world_id)
    user_id = store.signed_in(call)
    platform, product = str(call.require("platform")), str(call.require("product_id"))

    def write(db: sqlite_utils.Database) -> None:
        cursor = db.execute(
            "INSERT OR IGNORE INTO paid_records (user_id, content_id, platform, product_id, is_subscription, system,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                user_id,
                row["id"],
                platform,
                product,
                1 if call.get("is_subscription") else 0,
                str(call.get("system") or ""),
                now_ms(),
            ],
        )
        if (
            cursor.rowcount
            and row["charge"] > 0
            and row["owner_id"] is not None
            and row["owner_id"] != user_id
        ):
            ledger.book(
                db,
                row["owner_id"],
                row["charge"],
                kind="sale",
                account="earnings",
                ref=f"{kind.name}:{row['id']}",
                once=f"paid:{platform}:{product}:{kind.name}:{row['id']}:user:{user_id}",
            )
        db.execute(
            "INSERT OR IGNORE INTO content_marks (content_id, user_id, mark, created_at) VALUES (?, ?, 'purchase', ?)",
            [row["id"], user_id, now_ms()],
        )

    await call.db.write(write)
    return answer(call, STATUS_OK)


# --- copies, settings, removals and examples (novels, stories, memories) -----------------------------


async def clone(call: Call, kind: Kind) -> Any:
    """A private copy of content the caller may see, theirs to edit: its fields and tags, none of
    its ratings, marks or sessions, and no price (the copy is the caller's own)."""
    row = store.find(call, kind, call.require(kind.id_field))
    user_id = store.signed_in(call)
    fields, tags = store.fields_of(row), store.tags_of(call, row["id"])
    new_id = await call.db.write(
        lambda db: store.insert_content(db, kind, user_id, fields, tags=tags, created_at=now_ms())
    )
    copy = call.db.one("SELECT * FROM content WHERE id = ?", [new_id])
    return answer(call, store.item(call, kind, copy))


async def delete_many(call: Call, kind: Kind, field: str) -> Any:
    """Deletes the content the request's list ``field`` names (as :func:`delete` does), all of it when
    every one is the caller's own, else none. An empty list names nothing, never "all of them"."""
    wanted = call.require(field)
    wanted = wanted if isinstance(wanted, list) else [wanted]
    if not wanted:
        raise call.not_found(kind.plural, wanted)
    rows = [store.find_own(call, kind, ident, "delete") for ident in wanted]

    def write(db: sqlite_utils.Database) -> None:
        for row in rows:
            db.execute("DELETE FROM content WHERE id = ?", [row["id"]])

    await call.db.write(write)
    return answer(call, STATUS_OK)


async def settings(call: Call, kind: Kind, fields: tuple[str, ...]) -> Any:
    """The owner changes how their content is shown (a memory's anonymity): allowed released or not,
    as it changes nothing of what it says. Fields the request leaves out keep their value."""
    row = store.find_own(call, kind, call.require(kind.id_field), "change")
    given = {name: call.get(name) for name in fields if call.get(name) is not None}
    merged = {**store.fields_of(row), **given}
    await call.db.write(
        lambda db: db.execute(
            "UPDATE content SET fields = ?, updated_at = ? WHERE id = ?",
            [store.dump(merged), now_ms(), row["id"]],
        )
    )
    return answer(call, store.item(call, kind, {**row, "fields": store.dump(merged)}))


EXAMPLE_GREETINGS = 3  # greetings offered with each scene example


async def scene_examples(call: Call, kind: Kind, by: str) -> Any:
    """Scenes and greetings to start creating from: those of the released content of ``kind``, each
    with greetings its speaker could open with. `by` "page": a page of them (`limit`, `page_no`) and
    their number; "id": the greetings of one (`id`)."""
    if by == "id":
        row = store.find(call, kind, call.require("id"))
        return answer(call, _greetings(call, kind, row))
    limit, offset = store.page(call)
    total = call.db.value(
        "SELECT COUNT(*) FROM content WHERE kind = ? AND visibility = 'public'", [kind.name]
    )
    rows = call.db.query(
        "SELECT * FROM content WHERE kind = ? AND visibility = 'public' ORDER BY id LIMIT ? OFFSET ?",
        [kind.name, limit, offset],
    )
    scenes = [
        {
            "id": row["id"],
            "scene": str(store.fields_of(row).get("scene") or ""),
            "greetings": _greetings(call, kind, row),
        }
        for row in rows
    ]
    return answer(call, {"total_count": total, "scenes": scenes})


def _greetings(call: Call, kind: Kind, row: dict[str, Any]) -> list[str]:
    """The content's own greeting first, then others written for the same speaker and scene."""
    persona = kind.persona(store.fields_of(row))
    seed = f"greetings:{kind.name}:{row['id']}"
    found = dict.fromkeys([persona.greeting] if persona.greeting else [])
    for number in range(EXAMPLE_GREETINGS * 2):
        if len(found) >= EXAMPLE_GREETINGS:
            break
        found[reply(seed, persona, [], "", number, style="greeting")] = None
    return list(found)


# --- pictures -------------------------------------------------------------------------------------


def _photo_urls(call: Call, content_id: int, *, blur: bool) -> list[str]:
    """The photo wall of one piece of content: small generated pictures (a blurred teaser of each
    for `randomImage`), stored once by content digest."""
    urls = []
    for number in range(PHOTOS):
        data = png(f"photo:{content_id}:{number}", blur=blur)
        urls.append(call.file_url(call.api.files.put(data, "image/png")))
    return urls


async def photo_wall(call: Call, kind: Kind) -> Any:
    row = store.find(call, kind, call.require(kind.id_field))
    limit, offset = store.page(call)
    photos = _photo_urls(call, row["id"], blur=False)
    return answer(
        call,
        {kind.id_field: row["id"], "total_count": len(photos), "photos": photos[offset : offset + limit]},
    )


async def random_image(call: Call, kind: Kind) -> Any:
    """A blurred picture of the content, the next one each call; with `blur_url` (one of those
    teasers) the picture itself."""
    row = store.find(call, kind, call.require(kind.id_field))
    blurred = _photo_urls(call, row["id"], blur=True)
    blur_url = str(call.get("blur_url") or "")
    if blur_url:
        names = [url.rsplit("/", 1)[-1] for url in blurred]
        wanted = blur_url.rsplit("/", 1)[-1]
        if wanted not in names:
            raise call.not_found("blurred picture", blur_url)
        return answer(call, {"url": _photo_urls(call, row["id"], blur=False)[names.index(wanted)]})
    counter = f"random-image:{row['id']}"
    owner = store.owner_of(call)

    def write(db: sqlite_utils.Database) -> int:
        db.execute(
            "INSERT INTO content_counters (owner, type, count) VALUES (?, ?, 1)"
            " ON CONFLICT (owner, type) DO UPDATE SET count = count + 1",
            [owner, counter],
        )
        return int(
            db.execute(
                "SELECT count FROM content_counters WHERE owner = ? AND type = ?", [owner, counter]
            ).fetchone()[0]
        )

    shown = await call.db.write(write)
    return answer(call, {"url": blurred[(shown - 1) % len(blurred)]})


async def upload_picture(call: Call, kind: Kind, field: str) -> Any:
    uploaded = call.files.get(field)
    if uploaded is None:
        raise call.fail(f"{field} is required: send the picture as a multipart file part named {field!r}")
    media_type = (
        uploaded.content_type if uploaded.content_type.startswith("image/") else "application/octet-stream"
    )
    return answer(call, {"url": call.file_url(call.api.files.put(uploaded.data, media_type))})


# --- ideas for creating and chatting --------------------------------------------------------------


async def sample(call: Call, kind: Kind) -> Any:
    """An example to start creating from, for the chosen `sex`: a name, greeting and description
    written by the generator (the same sex, the same example)."""
    sex = str(call.get("sex") or "Female")
    seed = f"sample:{kind.name}:{sex}"
    name = names(seed, 1)[0]
    persona = Persona(name)
    greeting = reply(seed, persona, [], "", style="greeting")
    description = reply(seed, persona, [], sex, style="description")
    picture = call.file_url(call.api.files.put(png(seed), "image/png"))
    tags = [sex] if sex in TAG_NAMES_ZH else []
    return answer(
        call,
        {
            "avatar": picture,
            "cover": picture,
            kind.title: name,
            "name": name,
            "greeting": greeting,
            "visibility": store.PRIVATE,
            "definitior_visibility": store.PRIVATE,
            "long_description": description,
            "short_description": description.split(". ")[0].rstrip(".") + ".",
            "tags": tags,
            "voices": [],
            "image_generation": {"enable": True, "hide": False, "style": ""},
            "context": [f"AI: {greeting}"],
            "params": DEFAULT_PARAMS,
        },
    )


async def generate_lines(call: Call, kind: Kind, who: str) -> Any:
    """Example lines for a character being created: what it would say (`who` "character") or what a
    user would say to it ("user"), streamed as a growing list."""
    from generators.fake import paced

    body = call.body if isinstance(call.body, dict) else {}
    count = min(max(int(body.get("count") or 1), 1), 5)
    persona = Persona(
        str(body.get("name") or ""), str(body.get("greeting") or ""), str(body.get("long_description") or "")
    )
    seed = f"lines:{persona.name}:{persona.greeting}"
    if who == "user":
        lines = suggestions(seed, persona, [], count)
    else:
        lines = [reply(seed, persona, [], "", regeneration) for regeneration in range(count)]

    async def items() -> Any:
        done: list[str] = []
        async for line in paced(lines, ttft_ms=call.options.ttft_ms, tokens_per_s=call.options.tokens_per_s):
            done.append(line)
            yield call.wrap(answer(call, {"messages": list(done), "done": len(done) == len(lines)}))

    return call.stream(items())


async def examples(call: Call, kind: Kind) -> Any:
    """Popular characters with things to say to them (hint examples)."""
    num = call.get("num")
    count = min(num if isinstance(num, int) and num > 0 else 3, 20)
    lang = call.get("lang") or None
    rows = call.db.query(
        "SELECT * FROM content WHERE kind = ? AND visibility = 'public' ORDER BY uses DESC, id LIMIT ?",
        [kind.name, count],
    )
    latest = store.newest(call, kind)
    records = []
    for row in rows:
        fields = store.fields_of(row)
        records.append(
            {
                **store.item(call, kind, row, latest),
                "replys": suggestions(f"{kind.name}:{row['id']}", kind.persona(fields), [], 3, lang=lang),
            }
        )
    return answer(call, records)


async def topics(call: Call, kind: Kind) -> Any:
    """Conversation topics: the tags most released content carries, each with things to say."""
    rows = call.db.query(
        "SELECT t.tag, COUNT(*) AS n FROM content_tags t JOIN content c ON c.id = t.content_id"
        " WHERE c.kind = ? AND c.visibility = 'public' GROUP BY t.tag ORDER BY n DESC, t.tag LIMIT 5",
        [kind.name],
    )
    found = [
        {"title": row["tag"], "replys": suggestions(f"topic:{row['tag']}", Persona(row["tag"]), [], 3)}
        for row in rows
    ]
    return answer(call, {"topics": found})


async def message_valid(call: Call, kind: Kind) -> Any:
    """Whether a chat message may be sent: not blank and without blocked words (masked in the answer)."""
    text = str(call.require("message"))
    masked = text
    for word in BLOCKED_WORDS:
        start = masked.lower().find(word)
        while start >= 0:
            masked = masked[:start] + "*" * len(word) + masked[start + len(word) :]
            start = masked.lower().find(word)
    return answer(call, {"message": masked, "is_valid": bool(text.strip()) and masked == text})


def decode_share_key(key: str) -> tuple[int, list[int]] | None:
    """`k` of a shared dialog: base64 of 'session_id=1&idxs=1,2,3'; None when it is not."""
    try:
        text = base64.b64decode(
            key + "=" * (-len(key) % 4), altchars=b"-_" if "-" in key or "_" in key else None
        )
        parts = dict(part.split("=", 1) for part in text.decode().split("&") if "=" in part)
        session_id = int(parts["session_id"])
        idxs = [int(value) for value in parts.get("idxs", "").split(",") if value.strip()]
    except (ValueError, KeyError, UnicodeDecodeError):
        return None
    return session_id, idxs


# --- worlds and group chats -------------------------------------------------------------------------


async def permission(call: Call, kind: Kind) -> Any:
    """`status` 0: the caller may create content of this kind (every signed-in user may), 1: may not
    (a guest: guests create nothing)."""
    return answer(call, {"status": 0 if store.user_id_of(call) is not None else 1})


async def like(call: Call, kind: Kind) -> Any:
    """`state` 1 likes, -1 dislikes (each replacing the other), anything else takes both back; the
    counts and the caller's `like_state` in the content's answers follow."""
    row = store.find(call, kind, call.require(kind.id_field))
    user_id = store.signed_in(call)
    state = call.get("state")
    wanted = {1: "like", -1: "dislike"}.get(state if isinstance(state, int) else 0)

    def write(db: sqlite_utils.Database) -> None:
        db.execute(
            "DELETE FROM content_marks WHERE content_id = ? AND user_id = ? AND mark IN ('like', 'dislike')",
            [row["id"], user_id],
        )
        if wanted is not None:
            db.execute(
                "INSERT INTO content_marks (content_id, user_id, mark, created_at) VALUES (?, ?, ?, ?)",
                [row["id"], user_id, wanted, now_ms()],
            )

    await call.db.write(write)
    return answer(call, {**STATUS_OK, "success": True})


async def by_type(call: Call, kind: Kind) -> Any:
    """The caller's content by `type`: `create` (or `created`) what they made, `chatted` what they
    chatted with, most recent first; another type lists nothing."""
    wanted = str(call.get("type") or "").strip().lower()
    if wanted in ("create", "created"):
        return await listing(call, kind, by="created")
    if wanted == "chatted":
        return await recent(call, kind)
    return answer(call, [])
