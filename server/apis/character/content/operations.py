"""The content model's configuration: which operation of the character API is which shared
behaviour, for which kind, with which options. Adding a kind's operation is adding a line here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from server.apis.character import users
from server.apis.character.content import (
    authors,
    cast,
    catalog,
    chat,
    demo,
    demo_reading,
    demo_worlds,
    drafts,
    media,
    memories,
    scenario,
    store,
    tellings,
)
from server.apis.character.content.model import (
    CHARACTER,
    GROUP,
    MEMORY,
    NOVEL,
    STORY,
    WORLD,
    Kind,
)
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


# What one telling of a novel may change for itself (/novel/updateSessionProfile).
NOVEL_SESSION_FIELDS = ("foreword", "characters", "scene", "lang")

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
    op("post_character_new_genGif", media.task, target="idx", media="gif", free="gif"),
    op("post_character_new_createAvatar", media.task, target="prompt", media="image", free="avatar"),
    op("post_character_getImageOrGif", media.query),
    op("post_character_generateAudio_2", media.voice, by="idx", free="audio"),
    op("post_character_generateVideo", media.task, target="content", media="video"),
    op("post_character_queryVideo", media.query, pending="Prepare"),
    # --- base interface: media tasks -----------------------------------------------------------------
    op("post_character_generate_image", media.task, target="last"),
    op("post_character_generate_audio", media.voice, by="uniq_id", free="audio"),
    op("post_character_query", media.query),
    # --- novel related interface: novels are written in narration, a session is one telling -----------
    op("post_novel_getProfile", catalog.profile, NOVEL),
    op("post_novel_createOrEdit", catalog.create_or_edit, NOVEL),
    op("post_novel_delete", catalog.delete, NOVEL),
    op("post_novel_release", catalog.release, NOVEL, public=True),
    op("post_novel_unrelease", catalog.release, NOVEL, public=False),
    op("post_novel_clone", catalog.clone, NOVEL),
    op("post_novel_getNovelsByTag", catalog.listing, NOVEL, by="tag"),
    op("post_novel_search", catalog.listing, NOVEL, by="search"),
    op("post_novel_getRecentlyNovelSessions", catalog.recent, NOVEL),
    op("post_novell_doCollect", catalog.toggle_mark, NOVEL, mark="collect"),
    op("post_novel_getCollectedNovels", catalog.listing, NOVEL, by="collected"),
    op("post_novel_report", catalog.report, NOVEL),
    op("post_novel_getReportededNovels", catalog.reported, NOVEL),
    op("post_novel_setRoleStar", catalog.rate, NOVEL),
    op("get_novel_getRoleStarDetail", catalog.rating_detail, NOVEL),
    op("get_novel_getRoleStarComments", catalog.rating_comments, NOVEL),
    op("post_novel_reportRoleStarComment", catalog.report_rating, NOVEL),
    op("post_novel_createSession", chat.open_session, NOVEL, mode="new"),
    op("post_novel_continue", chat.open_session, NOVEL, mode="continue"),
    op("post_novel_getHistoryByNovel", chat.history, NOVEL),
    op("post_novel_delNovelSessions", chat.delete_sessions, NOVEL),
    op("post_novel_updateSessionProfile", tellings.session_fields, NOVEL, fields=NOVEL_SESSION_FIELDS),
    op("post_novel_generate", chat.generate, NOVEL),
    op("post_novel_reGenerate", chat.generate, NOVEL, regenerate=True),
    op("post_novel_getLastContent", chat.last, NOVEL),
    op("post_novel_delContentFromIdx", chat.delete_from, NOVEL),
    op("post_novel_commitContent", chat.edit_message, NOVEL),
    op("post_novel_genSceneImage", media.task, NOVEL, target="prompt", media="image"),
    # --- story related interface: a character's story, told in role-play by that character -------------
    op("post_character_story_create", catalog.create_or_edit, STORY, compose=tellings.teller),
    op("post_character_story_delete", catalog.delete, STORY),
    op("get_character_story_example_scene", catalog.scene_examples, STORY, by="page"),
    op("get_character_story_example_greeting", catalog.scene_examples, STORY, by="id"),
    op("post_character_story_session_open", tellings.open_or_create, STORY),
    op("post_character_story_session_update", chat.session_profile, STORY),
    op("post_character_story_generate", chat.generate, STORY),
    op("post_character_story_regenerate", chat.generate, STORY, regenerate=True),
    op("post_character_story_generate_user", chat.user_turns, STORY),
    op("post_character_story_latest_content", chat.last, STORY),
    op("post_character_story_content_delete", chat.delete_from, STORY),
    op("post_character_story_summary_status_get", chat.summary_status, STORY),
    op("post_character_story_summary_generate", chat.summary_generate, STORY),
    op("post_character_story_summary_edit", chat.summary_edit, STORY),
    op("post_character_story_draw", media.task, STORY, target="last"),
    op("post_character_story_audio_generate", media.voice, STORY, by="uniq_id"),
    # --- chat memory related interface: lines of a chat, saved, shared and liked ------------------------
    op("post_character_memory_save", catalog.create_or_edit, MEMORY, compose=memories.saved),
    op("post_character_memory_view", catalog.profile, MEMORY, view=True),
    op("post_character_memory_release", catalog.release, MEMORY, public=None),
    op("post_character_memory_set", catalog.settings, MEMORY, fields=("is_anonymity", "is_publicize_image")),
    op("post_character_memory_doLike", catalog.toggle_mark, MEMORY, mark="like"),
    op("post_character_memory_list", catalog.listing, MEMORY, by="tag"),
    op("post_character_memory_getSaved", catalog.listing, MEMORY, by="created", narrow=("character_id",)),
    op("post_character_memory_getLikedMemories", catalog.listing, MEMORY, by="liked"),
    op("post_character_memory_remove", catalog.delete_many, MEMORY, field="memory_ids"),
    # --- author related interface: the users who released content ---------------------------------------
    op("post_user_author_follow", authors.follow, None),
    op("get_user_author_info", authors.info, None),
    op("get_user_author_followed_list", authors.followed, None),
    op("post_user_author_report", authors.report, None),
    op("get_user_author_characters_list", catalog.listing, CHARACTER, by="author"),
    op("get_user_author_groups_list", catalog.listing, GROUP, by="author"),
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
    # --- world related interface ----------------------------------------------------------------------
    op("post_character_world_create_permission", catalog.permission, WORLD),
    op("post_character_world_generate", drafts.draft, WORLD, part="world"),
    op("post_character_world_chars_generate", drafts.draft, WORLD, part="characters"),
    op("post_character_world_image_generate", media.task, WORLD, target="prompt", media="image"),
    op("post_character_world_definition_put", catalog.create_or_edit, WORLD),
    op("post_character_world_profile", catalog.profile, WORLD),
    op("post_character_world_detail", catalog.profile, WORLD),
    op("post_character_world_release", catalog.release, WORLD, public=None),
    op("post_character_world_delete", catalog.delete, WORLD),
    op("post_character_world_like", catalog.like, WORLD),
    op("post_character_world_report", catalog.report, WORLD),
    op("post_character_world_list", catalog.listing, WORLD, by="tag"),
    op("post_character_world_chatted_list", catalog.recent, WORLD),
    op("post_character_world_session_create", chat.open_session, WORLD, mode="new"),
    op("post_character_world_session_open", chat.open_session, WORLD, mode="continue"),
    op("post_character_world_session_delete", chat.delete_sessions, WORLD),
    op("post_character_world_session_edit", chat.edit_message, WORLD),
    # Scenarios with their options in one stream (the first mode) ...
    op(
        "post_character_world_session_generate",
        chat.generate,
        WORLD,
        says=scenario.chosen,
        afterwards=scenario.with_options,
    ),
    op(
        "post_character_world_session_regenerate",
        chat.generate,
        WORLD,
        regenerate=True,
        afterwards=scenario.with_options,
    ),
    op("post_character_world_session_last", chat.last, WORLD),
    # ... or the scenario first and its options when asked for (the SSE mode).
    op("post_character_world_scenario_generate_sse", chat.generate, WORLD, says=scenario.chosen),
    op("post_character_world_scenario_regenerate_sse", chat.generate, WORLD, regenerate=True),
    op("post_character_world_scenario_options_generate_sse", scenario.generate_options, WORLD),
    op("post_character_world_scenario_last", chat.last, WORLD),
    # --- group chat related interface ------------------------------------------------------------------
    op("post_character_group_craft", catalog.create_or_edit, GROUP),
    op("post_character_group_profile", catalog.profile, GROUP),
    op("post_character_group_delete", catalog.delete, GROUP),
    op("post_character_group_release", catalog.release, GROUP, public=None),
    op("post_character_group_report", catalog.report, GROUP),
    op("post_character_group_list", catalog.listing, GROUP, by="tag"),
    op("post_character_group_user_list", catalog.by_type, GROUP),
    op("post_character_group_session_open", chat.open_session, GROUP, mode="continue"),
    op("post_character_group_session_update", chat.session_profile, GROUP, named_by="personal_id"),
    op("post_character_group_session_delete", chat.delete_sessions, GROUP),
    op("post_character_group_user_commit", chat.commit, GROUP),
    op("get_character_group_generate_sse", cast.generate, GROUP),
    op("get_character_group_regenerate_sse", cast.regenerate, GROUP),
    op("get_character_group_latest_content_sse", chat.last, GROUP),
    op("post_character_group_chat_edit", chat.edit_message, GROUP),
    op("post_character_group_content_delete", chat.delete_from, GROUP),
    op("post_character_group_migrate", cast.migrate, GROUP),
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
handlers.schema(store.add_message_extras)
# What the accounts area does to a user reaches their chats and content (in the same write).
users.ON_DELETE.append(store.forget_user)
users.ON_CLEAR_RECORDS.append(store.clear_history)
users.ON_GUEST_MERGED.append(store.adopt_guest)
handlers.seeder(demo.seed_characters)
handlers.seeder(demo_worlds.seed_worlds_and_groups)
for _entry in OPERATIONS:
    handlers(_entry.operation_id)(bind(_entry))
# Authors' follows and reports; the demo novels, stories and memory.
handlers.schema(authors.create_tables)
users.ON_DELETE.append(authors.forget_user)
handlers.seeder(demo_reading.seed_reading)
