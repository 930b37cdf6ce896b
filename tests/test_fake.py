"""The fake text generator: deterministic, in the user's language, in character, streamable."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generators.fake import (
    STYLES,
    Persona,
    Turn,
    chunks,
    names,
    options,
    paced,
    reply,
    suggestions,
    translate,
)
from generators.fake.text import MAX_PIECE

ROOT = Path(__file__).resolve().parent.parent
TOM = Persona("Tom", "Hi there, stranger!", "A cheerful barista who runs a small café by the sea.")
XUE = Persona("林若雪", "你好呀，今天想喝点什么？", "她是一位温柔的咖啡师，喜欢下雨天。")
EN_HISTORY = (Turn("user", "Do you like dragons?"), Turn("assistant", "*Tom laughs* Who doesn't?"))
ZH_HISTORY = (Turn("user", "你喜欢猫咪吗？"), Turn("assistant", "*林若雪笑了笑*当然喜欢。"))
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")
LATIN = re.compile(r"[A-Za-z]")
SEEDS = range(200)


def cjk_share(text: str) -> float:
    cjk, latin = len(CJK.findall(text)), len(LATIN.findall(text))
    return cjk / (cjk + latin) if cjk + latin else 0.0


# A fixed workload whose digest must not depend on the process: every public function, both
# languages, every style.
DIGEST_SCRIPT = """
import hashlib, json
from generators.fake import Persona, Turn, reply, suggestions, options, names, translate, chunks, STYLES
tom = Persona("Tom", "Hi there, stranger!", "A cheerful barista who runs a small café by the sea.")
xue = Persona("林若雪", "你好呀，今天想喝点什么？", "她是一位温柔的咖啡师，喜欢下雨天。")
history = [Turn("user", "Do you like dragons?"), Turn("assistant", "*Tom laughs*"), Turn("Ann", "我也在")]
out = []
for seed in (0, 1, "demo", 2**40):
    for persona, request in ((tom, "Tell me about your coffee"), (xue, "今天天气怎么样？")):
        for style in STYLES:
            for regeneration in (0, 1):
                out.append(reply(seed, persona, history, request, regeneration, style=style))
        out += suggestions(seed, persona, history, 4) + options(seed, persona, history, 3)
        out.append(chunks(out[-1]))
    out += names(seed, 5) + names(seed, 5, lang="zh")
out += [translate("Hello, my friend! I love dragons.", "zh"), translate("你好，朋友！我喜欢麒麟。", "en")]
print(hashlib.sha256(json.dumps(out, ensure_ascii=False).encode()).hexdigest())
"""


def test_the_same_inputs_give_the_same_bytes():
    for style in STYLES:
        for persona, request in ((TOM, "Tell me about your coffee"), (XUE, "今天天气怎么样？")):
            first = reply(7, persona, EN_HISTORY, request, 2, style=style)
            assert first == reply(7, persona, list(EN_HISTORY), request, 2, style=style)
    assert suggestions(3, TOM, EN_HISTORY, 5) == suggestions(3, TOM, EN_HISTORY, 5)
    assert options(3, XUE, ZH_HISTORY, 5) == options(3, XUE, ZH_HISTORY, 5)
    assert names("cast", 8) == names("cast", 8)


def test_other_processes_with_other_hash_seeds_give_the_same_bytes():
    local = {}
    exec(DIGEST_SCRIPT.replace("print(", "local['digest'] = ("), {"local": local})
    for hash_seed in ("0", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run(
            [sys.executable, "-c", DIGEST_SCRIPT],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        assert done.stdout.strip() == local["digest"]


def test_the_seed_and_the_inputs_change_the_text():
    base = reply(1, TOM, EN_HISTORY, "Tell me about your coffee")
    others = {reply(seed, TOM, EN_HISTORY, "Tell me about your coffee") for seed in range(2, 12)}
    assert len(others - {base}) >= 8
    assert reply(1, TOM, EN_HISTORY, "Tell me about your tea") != base


@pytest.mark.parametrize("style", STYLES)
def test_a_chinese_request_gets_a_chinese_answer(style):
    for seed in range(40):
        text = reply(seed, XUE, ZH_HISTORY, "今天天气怎么样？我想聊聊猫咪", style=style)
        assert cjk_share(text) > 0.8, text


@pytest.mark.parametrize("style", STYLES)
def test_an_english_request_gets_no_chinese(style):
    for seed in range(40):
        text = reply(seed, TOM, EN_HISTORY, "Can you tell me about your coffee recipes?", style=style)
        assert not CJK.search(text), text
        assert LATIN.search(text)


def test_the_language_of_the_request_wins_over_the_persona():
    for seed in range(20):
        assert cjk_share(reply(seed, TOM, EN_HISTORY, "你好，你是谁？")) > 0.5
        # the persona keeps its Chinese name in an English reply; nothing else is Chinese
        assert not CJK.search(reply(seed, XUE, ZH_HISTORY, "Hello, who are you?").replace(XUE.name, ""))


def test_without_a_request_the_language_comes_from_history_then_persona():
    assert cjk_share(reply(1, TOM, ZH_HISTORY, "")) > 0.5  # the last user turn is Chinese
    assert cjk_share(reply(1, XUE, (), "")) > 0.5  # nothing said: the persona is Chinese
    assert not CJK.search(reply(1, None, (), ""))  # nothing at all: English


def test_an_explicit_language_wins():
    assert cjk_share(reply(1, TOM, EN_HISTORY, "Hello there", lang="zh-TW")) > 0.5
    assert not CJK.search(reply(1, XUE, ZH_HISTORY, "你好", lang="en").replace(XUE.name, ""))
    # other languages fall back to English
    assert not CJK.search(reply(1, XUE, ZH_HISTORY, "你好", lang="fr").replace(XUE.name, ""))


def test_role_play_replies_name_the_persona_most_of_the_time():
    for persona, request in ((TOM, "What are you doing?"), (XUE, "你在做什么？")):
        named = sum(persona.name in reply(seed, persona, (), request) for seed in SEEDS)
        assert named >= 0.6 * len(SEEDS)


def test_role_play_replies_have_actions_in_asterisks():
    texts = [reply(seed, TOM, EN_HISTORY, "What are you doing?") for seed in SEEDS]
    with_action = [t for t in texts if re.search(r"\*[^*\n]+\*", t)]
    assert len(with_action) >= 0.6 * len(texts)
    assert all(t.count("*") % 2 == 0 for t in texts)  # never a dangling asterisk


def test_replies_pick_up_words_of_the_users_message_and_of_the_description():
    en = [reply(seed, TOM, (), "Tell me about the lighthouse keeper") for seed in SEEDS]
    assert sum("lighthouse" in t or "keeper" in t for t in en) >= 0.25 * len(SEEDS)
    assert sum("barista" in t for t in en) >= 0.1 * len(SEEDS)
    zh = [reply(seed, XUE, (), "我想聊聊猫咪") for seed in SEEDS]
    assert sum("猫咪" in t for t in zh) >= 0.25 * len(SEEDS)
    assert sum("咖啡师" in t for t in zh) >= 0.1 * len(SEEDS)


def test_reply_length_varies_from_one_to_several_sentences():
    lengths = [len(reply(seed, TOM, EN_HISTORY, "How are you today?")) for seed in SEEDS]
    assert min(lengths) < 40 < 120 < max(lengths)
    assert max(lengths) < 600


def test_a_character_with_only_a_greeting_opens_with_it():
    assert "Hi there, stranger!" in reply(1, TOM, (), "")


def test_a_group_chat_reply_can_address_the_last_speaker():
    history = (Turn("user", "hello all"), Turn("Ann", "Hi Tom, what are you brewing?"))
    texts = [reply(seed, TOM, history, "") for seed in SEEDS]
    assert any("Ann" in t for t in texts)


def test_a_group_chat_of_named_speakers_is_answered_in_its_language():
    history = (Turn("Ann", "嗨，大家好"), Turn("Bob", "你好，今天去哪儿玩？"))
    assert all(cjk_share(reply(seed, None, history, "")) > 0.5 for seed in range(20))


def test_regenerating_gives_a_different_text_each_time_deterministically():
    for seed in range(100):
        takes = [reply(seed, TOM, EN_HISTORY, "How are you?", regeneration) for regeneration in range(3)]
        assert len(set(takes)) == 3, takes
        assert takes[2] == reply(seed, TOM, EN_HISTORY, "How are you?", 2)
    # even where the template space is small: a greeting-only opening
    takes = [reply(5, TOM, (), "", regeneration) for regeneration in range(4)]
    assert takes[0] != takes[1] and takes[1] != takes[2]


def test_each_style_writes_its_own_kind_of_text():
    texts = {style: reply(3, TOM, EN_HISTORY, "Tell me about the sea", style=style) for style in STYLES}
    assert len(set(texts.values())) == len(STYLES)
    assert all(texts.values())
    assert "Tom" in texts["greeting"] and "Tom" in texts["description"]
    assert "*" not in texts["assistant"]


def test_a_summary_is_about_the_conversation():
    history = (Turn("user", "Let's talk about volcanoes"), Turn("assistant", "*Tom nods* Volcanoes, sure."))
    summaries = [reply(seed, TOM, history, "", style="summary") for seed in range(30)]
    assert sum("volcanoes" in s.lower() for s in summaries) >= 10


def test_an_unknown_style_says_which_exist():
    with pytest.raises(ValueError, match="roleplay"):
        reply(1, TOM, (), "hi", style="poem")


def test_a_huge_request_is_still_fast():
    request = "dragons and coffee " * 50_000
    started = time.perf_counter()
    reply(1, TOM, (), request)
    assert time.perf_counter() - started < 2.0  # generous: scanning stops early, this takes ~1 ms


# --- suggestions, options, names ----------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 3, 10, 60])
@pytest.mark.parametrize(("persona", "history"), [(TOM, EN_HISTORY), (XUE, ZH_HISTORY), (None, ())])
def test_suggestions_options_and_names_give_count_distinct_items(count, persona, history):
    for items in (
        suggestions(2, persona, history, count),
        options(2, persona, history, count),
        names(2, count),
        names(2, count, lang="zh"),
    ):
        assert len(items) == count
        assert len(set(items)) == count
        assert all(item.strip() for item in items)


def test_a_count_of_zero_gives_nothing():
    assert suggestions(1, TOM, (), 0) == options(1, TOM, (), 0) == names(1, 0) == []


def test_hints_and_options_follow_the_language():
    assert all(cjk_share(s) > 0.5 for s in suggestions(1, XUE, ZH_HISTORY, 8))
    assert all(cjk_share(o) > 0.5 for o in options(1, XUE, ZH_HISTORY, 8))
    assert not any(CJK.search(s) for s in suggestions(1, TOM, EN_HISTORY, 8) + options(1, TOM, EN_HISTORY, 8))
    assert all(CJK.search(n) for n in names(1, 5, lang="zh"))
    assert not any(CJK.search(n) for n in names(1, 5))


def test_different_seeds_give_different_casts():
    assert names(1, 5) != names(2, 5)


# --- translate ----------------------------------------------------------------------------------


def test_translate_turns_common_english_into_chinese_and_back():
    chinese = translate("Hello, my friend! I love cats.", "zh")
    assert chinese == translate("Hello, my friend! I love cats.", "zh")
    assert not LATIN.search(chinese) and CJK.search(chinese)
    assert "，" in chinese and "！" in chinese
    english = translate("你好，朋友！我喜欢猫。", "en")
    assert not CJK.search(english)
    assert english.startswith("Hello") and "friend" in english


def test_translate_marks_what_it_cannot_translate_and_a_round_trip_keeps_it():
    chinese = translate("I love dragons", "zh")
    assert "[en:dragons]" in chinese and chinese.startswith("我")
    assert translate(chinese, "en") == "I love dragons"
    english = translate("我喜欢麒麟", "en")
    assert "[zh:麒麟]" in english
    assert translate(english, "zh") == "我喜欢麒麟"


def test_translate_to_the_language_the_text_is_in_changes_nothing():
    assert translate("hello there", "en") == "hello there"
    assert translate("你好", "zh-TW") == "你好"


def test_translate_to_another_language_prefixes_its_code_once():
    assert translate("hello", "ja") == "[ja] hello"
    assert translate(translate("hello", "ja"), "fr") == "[fr] hello"


def test_translate_keeps_empty_text_empty():
    assert translate("", "zh") == "" and translate("", "ja") == ""


# --- chunks -------------------------------------------------------------------------------------


@given(st.text())
def test_chunks_join_back_to_the_text_in_small_non_empty_pieces(text):
    pieces = chunks(text)
    assert "".join(pieces) == text
    assert all(0 < len(piece) <= MAX_PIECE for piece in pieces)


def test_chunks_are_token_like():
    assert chunks("\n\n*smiles* Hello there, friend.") == [
        "\n\n",
        "*smiles* ",
        "Hello ",
        "there, ",
        "friend.",
    ]
    assert chunks("*我向Tom眨了眨眼*") == ["*", "我向", "Tom", "眨了", "眨眼", "*"]
    assert chunks("你好，世界！") == ["你好，", "世界！"]


def test_a_generated_reply_streams_in_many_pieces():
    text = reply(4, XUE, ZH_HISTORY, "今天天气怎么样？")
    pieces = chunks(text)
    assert len(pieces) >= len(text) / 3
    assert all(len(CJK.findall(piece)) <= 2 for piece in pieces)


# --- paced --------------------------------------------------------------------------------------


async def _collect(pieces, **pace):
    started = time.perf_counter()
    arrivals = []
    out = []
    async for piece in paced(pieces, **pace):
        arrivals.append(time.perf_counter() - started)
        out.append(piece)
    return out, arrivals


def test_paced_waits_the_time_to_first_token_then_paces_the_rest():
    pieces = ["a ", "b ", "c ", "d ", "e"]
    out, arrivals = asyncio.run(_collect(pieces, ttft_ms=150, tokens_per_s=20))
    assert out == pieces
    assert arrivals[0] >= 0.14
    # four gaps of 50 ms after the first token (lower bounds only: a loaded machine is slower)
    assert arrivals[-1] >= 0.14 + 4 * 0.05 - 0.02


def test_zero_pacing_never_sleeps(monkeypatch):
    slept = []

    async def recording_sleep(delay, *args):
        slept.append(delay)

    monkeypatch.setattr(asyncio, "sleep", recording_sleep)
    out, _ = asyncio.run(_collect(iter(["x", "y", "z"]), ttft_ms=0, tokens_per_s=0))
    assert out == ["x", "y", "z"]
    assert slept == []


def test_paced_lets_other_tasks_run_while_it_waits():
    async def main():
        ticks = 0

        async def ticker():
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.01)

        task = asyncio.create_task(ticker())
        await _collect(["a", "b", "c"], ttft_ms=100, tokens_per_s=20)
        task.cancel()
        return ticks

    assert asyncio.run(main()) >= 5


def test_cancelling_a_paced_stream_just_stops_it():
    received = []

    async def consume():
        async for piece in paced(["a", "b", "c", "d"], ttft_ms=0, tokens_per_s=10):
            received.append(piece)

    async def main():
        task = asyncio.create_task(consume())
        await asyncio.sleep(0.15)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert 1 <= len(received) < 4
    assert received == ["a", "b", "c", "d"][: len(received)]
