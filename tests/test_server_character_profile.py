"""A user's own things on the character API's reference server (profile, letters, feedback, custom
profiles, photo walls) and the platform's catalogue (tags, voices, uploads, images, translate)."""

from __future__ import annotations

import hashlib
import io
import wave
import zipfile
from typing import Any

import pytest
from character_server import ALICE, BOB, Client

from server.apis.character import media
from server.files import SUFFIXES, sniff


@pytest.fixture
def demo() -> Any:
    client = Client(demo=True)
    yield client
    client.close()


# --- profile --------------------------------------------------------------------------------


def test_what_a_user_sets_is_what_their_base_info_shows(demo):
    demo.ok("POST", "/user/setUsername", BOB, user_id=2, username="Bobby")
    demo.ok("POST", "/user/setAvatar", BOB, user_id=2, url="https://img.example/bob.png")
    info = demo.ok("POST", "/user/getUserBaseInfo", BOB, user_id=2)
    assert (info["username"], info["avatar"]) == ("Bobby", "https://img.example/bob.png")
    # Every sign-in answers with the same name and avatar.
    login = demo.ok("POST", "/user/loginByEmail", email="bob@example.com", password="demo-password")
    assert (login["username"], login["avatar"]) == ("Bobby", "https://img.example/bob.png")


def test_the_default_avatar_is_an_image_the_server_serves(demo):
    avatar = demo.ok("POST", "/user/getUserBaseInfo", BOB, user_id=2)["avatar"]
    image = demo.fetch(avatar)
    assert image.status == 200 and image.headers["content-type"] == "image/png"
    assert sniff(image.body) == "image/png"


def test_profile_fields_are_age_and_sex(demo):
    assert demo.ok("POST", "/user/setProfile", BOB, user_id=2, field="sex", value="Female") == {"status": 0}
    assert demo.api.db.value("SELECT sex FROM users WHERE id = 2") == "Female"
    other = demo.post("/user/setProfile", BOB, user_id=2, field="height", value="2m")
    assert (other.status, other.json()["code"]) == (404, 6)


def test_interest_tags_set_are_the_interest_of_the_complete_tag_list(demo):
    assert demo.ok("POST", "/user/tags/set", BOB, user_id=2, tags=["Anime", "Romance", "Anime"]) == {
        "exist": True
    }
    tags = demo.ok("GET", "/tags/complete/list?user_id=2&from_app=0")
    assert tags["interest"] == ["Anime", "Romance"]
    assert demo.ok("POST", "/user/tags/set", BOB, user_id=2, tags=["NULL"]) == {"exist": False}
    assert demo.ok("GET", "/tags/complete/list?user_id=2&from_app=0")["interest"] == []


def test_an_inviter_is_set_once_within_a_day_of_registering(demo):
    app = demo
    app.ok("POST", "/user/sendEmailCode", email="new@example.com")
    new = app.post(
        "/user/registByEmail",
        email="new@example.com",
        email_valid_code=app.code_for("new@example.com"),
        password="pw",
        invitation_code="",
    )
    token, user_id = new.headers["session-token"], new.json()["result"]["user_id"]
    alice_code = app.ok("POST", "/user/getUserBaseInfo", ALICE, user_id=1)["invite_code"]
    own_code = app.ok("POST", "/user/getUserBaseInfo", token, user_id=user_id)["invite_code"]
    assert (
        app.ok("POST", "/user/setInviter", token, user_id=user_id, invitation_code=own_code)["success"]
        is False
    )
    assert app.ok("POST", "/user/setInviter", token, user_id=user_id, invitation_code=alice_code) == {
        "status": 0,
        "success": True,
    }
    assert (
        app.ok("POST", "/user/setInviter", token, user_id=user_id, invitation_code=alice_code)["success"]
        is False
    )
    # bob registered long ago (the demo's 2025): too late for him.
    assert app.ok("POST", "/user/setInviter", BOB, user_id=2, invitation_code=alice_code)["success"] is False
    unknown = app.post("/user/setInviter", token, user_id=user_id, invitation_code="NOPE0000")
    assert unknown.status == 404


def test_clearing_records_answers_with_a_fresh_session(demo):
    answer = demo.post("/user/clearRecords", BOB, user_id=2)
    assert answer.status == 200 and answer.json()["result"]["status"] == 0
    fresh = answer.headers["session-token"]
    assert fresh != BOB
    assert demo.ok("POST", "/user/getUserBaseInfo", fresh, user_id=2)["username"] == "bob"
    assert demo.ok("POST", "/user/getUserBaseInfo", BOB, user_id=2)["username"] == "bob"


def test_adjust_ids_are_kept_per_system(demo):
    empty = demo.ok("POST", "/user/adjust/get", BOB, user_id=2, system="ios")
    assert empty == {"user_id": 2, "system": "ios", "adjust_id": "", "app_device": "", "app_mall": ""}
    assert demo.ok(
        "POST", "/user/adjust/set", BOB, user_id=2, adjust_id="adj-1", system="ios", app_mall="appstore"
    )
    kept = demo.ok("POST", "/user/adjust/get", BOB, user_id=2, system="ios")
    assert (kept["adjust_id"], kept["app_mall"]) == ("adj-1", "appstore")
    assert demo.ok("POST", "/user/adjust/get", BOB, user_id=2, system="android")["adjust_id"] == ""


# --- letters and feedback -------------------------------------------------------------------


def letters(app: Client, token: str, user_id: int, kind: int) -> list[dict[str, Any]]:
    return app.ok("POST", "/user/getLetters", token, user_id=user_id, type=kind, limit=10, page_no=1)


def test_letters_are_read_and_deleted_per_user(demo):
    assert [letter["id"] for letter in letters(demo, ALICE, 1, 0)] == [2, 1]
    assert [letter["id"] for letter in letters(demo, ALICE, 1, 1)] == [3]
    demo.ok("POST", "/user/readLetters", ALICE, user_id=1, ids="1,3")
    assert [letter["is_read"] for letter in letters(demo, ALICE, 1, 0)] == [0, 1]
    demo.ok("POST", "/user/delLetters", ALICE, user_id=1, ids="2, 3")
    assert [letter["id"] for letter in letters(demo, ALICE, 1, 0)] == [1]
    assert letters(demo, ALICE, 1, 1) == []
    # A public letter alice deleted, and one she read, are bob's as they were.
    assert [(letter["id"], letter["is_read"]) for letter in letters(demo, BOB, 2, 0)] == [(2, 0), (1, 0)]


def test_letters_come_in_pages(demo):
    first = demo.ok("POST", "/user/getLetters", ALICE, user_id=1, type=0, limit=1, page_no=1)
    second = demo.ok("POST", "/user/getLetters", ALICE, user_id=1, type=0, limit=1, page_no=2)
    assert [first[0]["id"], second[0]["id"]] == [2, 1]


def test_another_users_private_letter_is_not_found(demo):
    for path in ("/user/readLetters", "/user/delLetters"):
        answer = demo.post(path, BOB, user_id=2, ids="3")
        assert (answer.status, answer.json()["code"]) == (404, 6), path
    assert [letter["id"] for letter in letters(demo, ALICE, 1, 1)] == [3]
    assert [letter["id"] for letter in letters(demo, BOB, 2, 1)] == [4]


def test_feedback_gets_a_reply_that_is_new_until_the_thread_is_opened(demo):
    demo.ok(
        "POST", "/user/feedback/send", BOB, user_id=2, message="The app crashes", urls=["https://img/1.png"]
    )
    threads = demo.ok("POST", "/user/feedback/get", BOB, user_id=2, limit=10, page_no=1)
    assert [(t["message"], t["has_new_reply"]) for t in threads] == [("The app crashes", True)]
    thread_id = threads[0]["id"]
    detail = demo.ok("POST", "/user/feedback/detail", BOB, user_id=2, id=thread_id)
    assert detail["urls"] == ["https://img/1.png"]
    assert len(detail["replys"]) == 1 and f"#{thread_id}" in detail["replys"][0]["message"]
    assert (
        demo.ok("POST", "/user/feedback/get", BOB, user_id=2, limit=10, page_no=1)[0]["has_new_reply"]
        is False
    )
    demo.ok("POST", "/user/feedback/send", BOB, user_id=2, message="Still crashing", reply_id=thread_id)
    replies = demo.ok("POST", "/user/feedback/detail", BOB, user_id=2, id=thread_id)["replys"]
    assert [r["message"] for r in replies][1] == "Still crashing"
    assert len(demo.ok("POST", "/user/feedback/get", BOB, user_id=2, limit=10, page_no=1)) == 1


def test_feedback_is_its_authors_only(demo):
    for path in ("/user/feedback/detail", "/user/feedback/delete"):
        answer = demo.post(path, BOB, user_id=2, id=1)
        assert (answer.status, answer.json()["code"]) == (404, 6), path
    reply = demo.post("/user/feedback/send", BOB, user_id=2, message="me too", reply_id=1)
    assert reply.status == 404
    assert demo.ok("POST", "/user/feedback/get", BOB, user_id=2, limit=10, page_no=1) == []
    assert demo.ok("POST", "/user/feedback/detail", ALICE, user_id=1, id=1)["message"].startswith("The voice")


def test_deleted_feedback_stays_deleted(demo):
    demo.ok("POST", "/user/feedback/delete", ALICE, user_id=1, id=1)
    assert demo.post("/user/feedback/detail", ALICE, user_id=1, id=1).status == 404
    assert demo.ok("POST", "/user/feedback/get", ALICE, user_id=1, limit=10, page_no=1) == []


# --- custom profiles and photo walls --------------------------------------------------------


def profile_body(**extra: Any) -> dict[str, Any]:
    return {
        "username": "Knight",
        "age": 30,
        "sex": "Male",
        "appearance": "armour",
        "infomation": "brave",
        "avatar": "",
        **extra,
    }


def test_custom_profiles_are_created_changed_made_default_and_deleted(demo):
    first = demo.ok("POST", "/user/custom/profile/set", BOB, user_id=2, **profile_body())["id"]
    second = demo.ok(
        "POST", "/user/custom/profile/set", BOB, user_id=2, **profile_body(username="Mage", age=10**20)
    )["id"]
    listed = demo.ok("POST", "/user/custom/profile/list", BOB, user_id=2)["profiles"]
    assert [(p["id"], p["username"], p["age"], p["is_default"]) for p in listed] == [
        (first, "Knight", 30, 1),
        (second, "Mage", 10**20, 0),
    ]
    demo.ok(
        "POST",
        "/user/custom/profile/set",
        BOB,
        user_id=2,
        **profile_body(id=second, username="Archmage", is_default=1),
    )
    listed = demo.ok("POST", "/user/custom/profile/list", BOB, user_id=2)["profiles"]
    assert [(p["username"], p["is_default"]) for p in listed] == [("Knight", 0), ("Archmage", 1)]
    deleted = demo.ok(
        "POST", "/user/custom/profile/set", BOB, user_id=2, **profile_body(id=first, **{"del": 1})
    )
    assert deleted == {"user_id": 2, "id": 0}
    assert [p["id"] for p in demo.ok("POST", "/user/custom/profile/list", BOB, user_id=2)["profiles"]] == [
        second
    ]


def test_another_users_custom_profile_is_not_found(demo):
    bobs = demo.ok("POST", "/user/custom/profile/set", BOB, user_id=2, **profile_body())["id"]
    for extra in ({"id": bobs}, {"id": bobs, "del": 1}):
        answer = demo.post("/user/custom/profile/set", ALICE, user_id=1, **profile_body(**extra))
        assert answer.status == 404
    assert demo.ok("POST", "/user/custom/profile/list", ALICE, user_id=1) == {"profiles": []}


def test_a_photo_wall_is_its_users_own(demo):
    photo = demo.ok("POST", "/user/photowall/add", ALICE, user_id=1, character_id=7, url="https://img/a.png")[
        "id"
    ]
    assert demo.ok("GET", "/user/photowall/list?user_id=1&character_id=7", ALICE) == [
        {"id": photo, "url": "https://img/a.png", "review_level": 1}
    ]
    assert demo.ok("GET", "/user/photowall/list?user_id=2&character_id=7", BOB) == []
    assert demo.post("/user/photowall/del", BOB, user_id=2, id=photo).status == 404
    demo.ok("POST", "/user/photowall/del", ALICE, user_id=1, id=photo)
    assert demo.ok("GET", "/user/photowall/list?user_id=1&character_id=7", ALICE) == []


# --- the catalogue --------------------------------------------------------------------------


def test_tags_of_characters_and_novels(demo):
    assert demo.ok("GET", "/tags/list")[:3] == ["Newest", "Popular", "Female"]
    assert "Newest" not in demo.ok("GET", "/tags/listAvailableTags")
    assert "Wuxia" in demo.ok("GET", "/novel/listTags") and "Wuxia" in demo.ok(
        "GET", "/novel/listAvailableTags"
    )
    complete = demo.ok("GET", "/tags/complete/list?user_id=1&from_app=0&lang=zh")
    assert complete["freeze"] == [{"Newest": "最新", "Popular": "热门"}]
    assert complete["choose"][0]["Female"] == "女性"
    english = demo.ok("GET", "/tags/complete/list?user_id=1&from_app=0&lang=en")
    assert english["display"][0]["Newest"] == "Newest"


def test_voices_have_previews_that_play(demo):
    voices = demo.ok("GET", "/character/listVoices?lang=zh")
    assert [v["voice_id"] for v in voices] == ["zh_0", "zh_1"]
    assert voices[0]["meta_info"] == {"sex": "male", "feature": "沉稳"}
    preview = demo.fetch(voices[0]["preview_url"])
    with wave.open(io.BytesIO(preview.body)) as audio:
        assert audio.getnframes() > 0
    assert len(demo.ok("GET", "/character/listVoices")) == 6


def test_payment_images_are_served_gifs(demo):
    urls = demo.ok("GET", "/api/getPaymentImages")
    assert len(urls) == 2
    assert all(demo.fetch(url).body.startswith(b"GIF89a") for url in urls)


def test_an_uploaded_image_is_stored_and_served_back(demo):
    picture = media.png(3, 2, (10, 20, 30))
    answer = demo.upload("/user/uploadImage", ALICE, "img", picture, "application/octet-stream", user_id=1)
    assert answer.status == 200, answer.text
    url = answer.json()["result"]["url"]
    assert url.endswith(".png")
    assert demo.fetch(url).body == picture


def test_an_uploaded_audio_is_stored_and_served_back(demo):
    sound = media.wav(440)
    answer = demo.upload("/user/uploadAudio", ALICE, "audio", sound, "audio/wav", user_id=1)
    assert answer.status == 200, answer.text
    assert demo.fetch(answer.json()["result"]["url"]).body == sound


@pytest.mark.parametrize(
    ("path", "field", "data", "content_type", "status"),
    [
        ("/user/uploadImage", "img", b"<html>not a picture</html>", "image/png", 415),
        ("/user/uploadImage", "img", media.png(1, 1, (0, 0, 0)), "audio/mpeg", 415),
        ("/user/uploadImage", "img", media.wav(440), "application/octet-stream", 415),
        ("/user/uploadAudio", "audio", media.png(1, 1, (0, 0, 0)), "audio/wav", 415),
        ("/user/uploadImage", "img", media.gif((0, 0, 0)) + b"\0" * (5 * 1024 * 1024), "image/gif", 413),
    ],
)
def test_an_upload_that_is_not_what_it_should_be_is_refused(demo, path, field, data, content_type, status):
    answer = demo.upload(path, ALICE, field, data, content_type, user_id=1)
    assert (answer.status, answer.json()["code"]) == (status, 5), answer.text
    digest = hashlib.sha256(data).hexdigest()
    assert not any(demo.api.files.get(digest + suffix) for suffix in set(SUFFIXES.values()))


def test_translate_is_deterministic_and_speaks_chinese(demo):
    body = {"user_id": 1, "src_lang": "en", "target_lang": "zh-TW", "message": "hello friend"}
    first = demo.ok("POST", "/api/translate", ALICE, **body)
    assert first == demo.ok("POST", "/api/translate", ALICE, **body)
    assert first["target_msg"] == "你好朋友" and first["message"] == "hello friend"


def test_url_records_and_busy_errors_are_kept(demo):
    assert demo.ok(
        "GET", "/notif/record/url?url=https%3A%2F%2Fa.example%2Fx&org_url=https%3A%2F%2Fb.example"
    ) == {"status": 0}
    assert demo.api.db.value("SELECT url FROM url_records") == "https://a.example/x"
    assert demo.ok("POST", "/user/getBusyErrMsg", code="429", message="busy") == {"status": 0}
    assert demo.api.db.value("SELECT message FROM busy_errors") == "busy"


def test_clicks_are_counted(demo):
    for _ in range(2):
        demo.ok("POST", "/user/click", BOB, user_id=2, type="blur_image")
    assert demo.api.db.value("SELECT count FROM clicks WHERE user_id = 2 AND type = 'blur_image'") == 2


def test_a_trained_custom_voice_comes_with_a_sample_and_a_model(demo):
    body = {"user_id": 2, "source_url": "https://a.example/me.wav", "prompt": "hello", "name": "mine"}
    trained = demo.ok("POST", "/user/trainingCustomAudio", BOB, **body)
    assert trained["url"].endswith(".wav") and trained["npzUrl"].endswith(".npz")
    with zipfile.ZipFile(io.BytesIO(demo.fetch(trained["npzUrl"]).body)) as model:
        assert model.namelist() == ["semantic_prompt.npy", "coarse_prompt.npy"]
    again = demo.ok("POST", "/user/trainingCustomAudio", BOB, **body)
    assert again["model_id"] == trained["model_id"] + 1 and again["url"] == trained["url"]
