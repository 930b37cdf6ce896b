"""The content model's configuration: which operation of the character API is which shared
behaviour, for which kind, with which options. Adding a kind's operation is adding a line here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from server.apis.character import users
from server.apis.character.content import catalog, chat, demo, media, store
from server.apis.character.content.model import CHARACTER, NOVEL, WORLD, Kind
from server.apis.character.content.store import NARRATOR
from server.call import Call
from server.envelope import unauthorized
from server.registry import Handlers

Behaviour = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class Op:
    operation_id: str
    behaviour: Behaviour
    kind: Kind | None
    options: dict[str, Any] = field(default_factory=dict)


def op(operation_id: str, behaviour: Behaviour, kind: Kind | None = CHARACTER, **options: Any) -> Op:
    return Op(operation_id, behaviour, kind, options)


OPERATIONS: tuple[Op, ...] = (
    # --- character chat related interface: the character itself -----------------------------------
    op("post_character_new_createOrEdit", catalog.create_or_edit),
    op("post_character_getProfile", catalog.profile),
    op("post_character_delete", catalog.delete),
    op("post_character_release", catalog.release, public=True),
    op("post_character_unrelease", catalog.release, public=False),
    op("post_character_report", catalog.report),
    op("post_character_setRoleStar", catalog.rate),
    op("get_character_getRoleStarDetail", catalog.rating_detail),
    op("get_character_getRoleStarComments", catalog.rating_comments),
    op("post_character_reportRoleStarComment", catalog.report_rating),
    op("post_character_getCharactersByTag", catalog.listing, by="tag"),
    op("post_character_search", catalog.listing, by="search"),
    op("post_character_new_search", catalog.listing, by="search"),
    op("post_character_searchWithTag", catalog.listing, by="search_tags"),
    op("post_character_getCharactersChatRecently", catalog.recent),
    op("post_character_purchase", catalog.purchase),
    op("post_character_paid_record", catalog.paid_record),
    op("post_character_getPhotoWall", catalog.photo_wall),
    op("post_character_randomImage", catalog.random_image),
    op("post_character_uploadAvatar", catalog.upload_picture, field="img"),
    op("post_character_sample", catalog.sample),
    op("post_character_generatMsgs", catalog.generate_lines, who="character"),
    op("post_character_generatUserDialogs", catalog.generate_lines, who="user"),
    op("get_character_getExamples", catalog.examples),
    op("get_character_listTopic", catalog.topics),
    op("post_character_message_valid", catalog.message_valid),
    # --- character chat related interface: sessions -------------------------------------------------
    op("post_character_createChat", chat.open_session, mode="new"),
    op("post_character_continueChat", chat.open_session, mode="continue"),
    op("post_character_getChatHistory", chat.history),
    op("post_character_delChat", chat.delete_sessions),
    op("post_character_genChat", chat.generate),
    op("post_character_reGenChat", chat.generate, regenerate=True),
    op("post_character_genNarratorChat", chat.generate, role=NARRATOR),
    op("post_character_reGenNarratorChat", chat.generate, role=NARRATOR, regenerate=True),
    op("post_character_getLastDialog", chat.last),
    op("post_character_genUserChat", chat.user_turns),
    op("post_character_delChatsFromIdx", chat.delete_from),
    op("post_character_chat_commit", chat.edit_message),
    op("post_character_editNarratorDialog", chat.edit_message),
    op("post_character_setStar", chat.star),
    op("post_character_updateSessionProfile", chat.session_profile),
    op("post_character_summary_status_get", chat.summary_status),
    op("post_character_summary_generate", chat.summary_generate),
    op("post_character_summary_edit", chat.summary_edit),
    op("get_character_getSharedDialogs", chat.shared_dialogs),
    op("post_character_memory_migrate", chat.migrate_memory),
    # --- character chat related interface: media ----------------------------------------------------
    op("post_character_new_genImage", media.task, target="idx", media="image"),
    op("post_character_new_genGif", media.task, target="idx", media="gif"),
    op("post_character_new_createAvatar", media.task, target="prompt", media="image"),
    op("post_character_getImageOrGif", media.query),
    op("post_character_generateAudio", media.voice, by="idx"),
    op("post_character_generateVideo", media.task, target="content", media="video"),
    op("post_character_queryVideo", media.query, pending="Prepare"),
    # --- base interface: media tasks -----------------------------------------------------------------
    op("post_character_generate_image", media.task, target="last"),
    op("post_character_generate_audio", media.voice, by="uniq_id"),
    op("post_character_query", media.query),
    # --- guest related interface: a guest's chats are found by the character, never by session id ----
    op("post_guest_chat", chat.open_session, mode="continue"),
    op("post_guest_getLastDialog", chat.last, by="content"),
    op("post_guest_genChat", chat.generate, by="content"),
    op("post_guest_reGenChat", chat.generate, regenerate=True, by="content"),
    op("post_guest_genNarratorChat", chat.generate, role=NARRATOR, by="content"),
    op("post_guest_reGenNarratorChat", chat.generate, role=NARRATOR, regenerate=True, by="content"),
    op("post_guest_genUserChat", chat.user_turns, by="content"),
    op("post_guest_randomImage", catalog.random_image),
    op("post_guest_click", media.click),
    # --- user related interface: the user's content ------------------------------------------------------
    op("post_user_getCreatedCharacters", catalog.listing, by="created"),
    op("post_user_doCollect", catalog.toggle_mark, mark="collect"),
    op("post_user_getCollectedCharacters", catalog.listing, by="collected"),
    op("post_user_getPurchasedCharacters", catalog.listing, by="purchased"),
    op("post_user_getReportededCharacters", catalog.reported),
    op("post_user_report_list", catalog.reported, None),
    op("post_user_getCreatedNovels", catalog.listing, NOVEL, by="created"),
    op("post_user_getCreatedWorlds", catalog.listing, WORLD, by="created"),
    op("post_user_getCollectedWorlds", catalog.listing, WORLD, by="collected"),
)


def _check_guest(call: Call) -> None:
    """A guest names itself in `guest_id`: like a `user_id`, it must be the token's own."""
    user = call.user
    named = call.get("guest_id")
    if user is not None and user.kind == "guest" and named is not None and str(named) != str(user.user_id):
        raise unauthorized(f"session invalid: guest_id {named} is not the token's guest", example="invalid")


def bind(entry: Op) -> Callable[[Call], Awaitable[Any]]:
    async def handler(call: Call) -> Any:
        _check_guest(call)
        return await entry.behaviour(call, entry.kind, **entry.options)

    handler.__name__ = f"{entry.behaviour.__name__}_{entry.operation_id}"
    return handler


handlers = Handlers()
handlers.schema(store.create_tables)
# What the accounts area does to a user reaches their chats and content (in the same write).
users.ON_DELETE.append(store.forget_user)
users.ON_CLEAR_RECORDS.append(store.clear_history)
users.ON_GUEST_MERGED.append(store.adopt_guest)
handlers.seeder(demo.seed_characters)
for _entry in OPERATIONS:
    handlers(_entry.operation_id)(bind(_entry))
