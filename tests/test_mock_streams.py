"""Streams are replayed item by item, in documented order, with their true framing."""

from __future__ import annotations

import json
import re
import time
from itertools import pairwise
from pathlib import Path

import pytest
import yaml

from mocks.app import build_app
from mocks.context import SpecContext
from mocks.streams import parse_items, split_frames
from mocks.testing import call

FIXTURE = Path(__file__).parent / "fixtures" / "mock" / "petstore-like.yaml"
TOKEN = {"authorization": "Bearer mock-token"}  # the token every mock accepts (README)


def load_yaml(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def app():
    return build_app(FIXTURE)


def test_ndjson_is_sent_one_line_per_chunk_in_documented_order(app):
    response = call(app, "POST", "/pets/1/chat", json_body={"content": "hi", "batch_size": 1})
    assert response.status == 200
    assert response.headers["content-type"] == "application/x-ndjson"
    assert [json.loads(chunk)["result"]["content"] for chunk in response.chunks] == [
        "Hi",
        "Hi there",
        "Hi there!",
    ]
    assert all(chunk.endswith(b"\n") and chunk.count(b"\n") == 1 for chunk in response.chunks)
    assert json.loads(response.chunks[-1])["result"]["done"] is True


def test_sse_is_sent_one_data_event_per_chunk(app):
    response = call(app, "GET", "/pets/1/story/sse")
    assert response.headers["content-type"] == "text/event-stream"
    assert response.headers["cache-control"] == "no-cache"
    assert len(response.chunks) == 3
    for chunk in response.chunks:
        text = chunk.decode()
        assert text.startswith("data: ") and text.endswith("\n\n") and text.count("\n\n") == 1
    items = [json.loads(chunk.decode()[len("data: ") :]) for chunk in response.chunks]
    assert [item["result"]["content"] for item in items] == ["Once", "Once upon", "Once upon a time."]


def test_a_text_stream_comes_in_several_chunks_that_join_to_the_documented_text(app):
    response = call(app, "POST", "/pets/1/completions", json_body={})
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert len(response.chunks) > 5
    assert response.text == "嗨，欢迎来到一刻，你想聊点什么？ Hello there, friend."
    # Every chunk is whole UTF-8: a client decoding chunk by chunk never sees half a character.
    assert "".join(chunk.decode() for chunk in response.chunks) == response.text


def test_chunk_delay_option_paces_the_items():
    paced = build_app(FIXTURE, chunk_delay_ms=60)
    started = time.perf_counter()
    response = call(paced, "POST", "/pets/1/chat", json_body={"content": "hi", "batch_size": 1})
    assert len(response.chunks) == 3
    assert time.perf_counter() - started >= 0.12  # two pauses between three items


def test_prefer_chunk_delay_paces_one_request(app):
    response = call(app, "GET", "/pets/1/story/sse", headers={"prefer": "chunk-delay=250"})
    assert len(response.arrivals) == 3
    gaps = [later - earlier for earlier, later in zip(response.arrivals, response.arrivals[1:], strict=False)]
    assert all(gap >= 0.24 for gap in gaps)
    # the first item is not held back (a generous bound: a loaded CI machine must not make this flaky)
    assert response.arrivals[0] < 0.2


def test_without_chunk_delay_a_stream_is_not_held_back(app):
    response = call(app, "GET", "/pets/1/story/sse")
    assert response.arrivals[-1] < 0.5  # no pacing by default (a paced stream of 3 would take far longer)


@pytest.mark.parametrize(
    ("kind", "wire", "frames"),
    [
        ("ndjson", '{"a":1}\n{"a":2}\n', ['{"a":1}\n', '{"a":2}\n']),
        ("ndjson", '{"a":"x\u2028y"}\n\n{"a":2}', ['{"a":"x\u2028y"}\n', '{"a":2}']),
        ("sse", 'data: {"a":1}\n\ndata: {"a":2}\n\n', ['data: {"a":1}\n\n', 'data: {"a":2}\n\n']),
        ("sse", 'data: {"a":1}\r\n\r\n', ['data: {"a":1}\n\n']),
        ("text", "你好 world", ["你", "好", " world"]),
    ],
)
def test_split_frames_keeps_every_item_whole(kind, wire, frames):
    assert split_frames(kind, wire) == frames


def test_sse_items_are_the_json_of_their_data_lines():
    frames = split_frames("sse", 'event: chunk\ndata: {"a":1}\n\n: comment\n\ndata: plain\n\n')
    assert parse_items("sse", frames) == [{"a": 1}, "plain"]


# --- Prefer: dynamic=true: generated text, streamed like the documented samples -----------------

DYNAMIC = {"prefer": "dynamic=true"}
SPEC_DIR = Path(__file__).parent.parent / "spec"
CJK = re.compile(r"[\u3400-\u9fff]")


def dynamic_chat(app, content: str, prefer: str = "dynamic=true", batch_size: int = 1):
    body = {"content": content, "batch_size": batch_size}
    return call(app, "POST", "/pets/1/chat", json_body=body, headers={"prefer": prefer})


def results(response) -> list[dict]:
    return [item["result"] for item in parse_items("ndjson", [c.decode() for c in response.chunks])]


@pytest.fixture(scope="module")
def character():
    return build_app(SPEC_DIR / "character.yaml")


def test_a_dynamic_stream_streams_generated_text_a_few_words_per_line(app):
    lines = results(dynamic_chat(app, "Tell me about the old lighthouse"))
    contents = [line["content"] for line in lines]
    assert len(lines) > 5
    # cumulative, as the documented sample is: each line the whole text so far
    assert all(later.startswith(earlier) for earlier, later in pairwise(contents))
    assert len(set(contents)) > 5
    assert "Hi there" not in contents[-1]  # not the documented sample
    assert [line["done"] for line in lines] == [False] * (len(lines) - 1) + [True]


def test_every_generated_item_validates_against_the_item_schema(character):
    doc = load_yaml(SPEC_DIR / "character.yaml")
    media = doc["paths"]["/character/genChat"]["post"]["responses"]["200"]["content"]["application/x-ndjson"]
    validator = SpecContext(doc, "character").validator(media["schema"], "genChat item")
    body = {"user_id": 1, "session_id": 1, "content": "How was your day?"}
    response = call(character, "POST", "/character/genChat", json_body=body, headers=DYNAMIC | TOKEN)
    items = parse_items("ndjson", [c.decode() for c in response.chunks])
    assert response.status == 200 and len(items) > 3
    for item in items:
        assert validator.first_error(item) is None


def test_a_generated_chat_stream_keeps_the_documented_framing(character):
    body = {"user_id": 1, "session_id": 1}
    lines = results(call(character, "POST", "/character/genChat", json_body=body, headers=DYNAMIC | TOKEN))
    # The sample opens with "\n\n" on a line of its own and gives uniqId on the last line only.
    assert lines[0]["content"] == "\n\n"
    assert ["uniqId" in line for line in lines] == [False] * (len(lines) - 1) + [True]
    # Nothing in the request says which language: the sample's (Chinese) is used.
    assert len(CJK.findall(lines[-1]["content"])) > 5


def test_hint_lists_grow_one_message_per_line(character):
    body = {
        "user_id": 1,
        "count": 1,
        "name": "Tom",
        "greeting": "Hi",
        "long_description": "A pilot",
        "tags": [],
    }
    body |= {"context": ["Where are we flying today?"], "params": {}}
    response = call(character, "POST", "/character/generatMsgs", json_body=body, headers=DYNAMIC | TOKEN)
    messages = [line["messages"] for line in results(response)]
    assert [len(m) for m in messages] == list(range(1, len(messages) + 1))
    assert len(messages) >= 2 and all(isinstance(m, str) and m for m in messages[-1])
    assert len(set(messages[-1])) == len(messages[-1])


def test_the_same_request_streams_the_same_bytes(app):
    first = dynamic_chat(app, "Tell me about the old lighthouse").body
    assert dynamic_chat(app, "Tell me about the old lighthouse").body == first
    assert dynamic_chat(app, "What is your favourite song?").body != first
    assert dynamic_chat(app, "Tell me about the old lighthouse", "dynamic=true, seed=5").body != first


def test_a_dynamic_stream_answers_in_the_language_of_the_request(app):
    chinese = results(dynamic_chat(app, "今天天气怎么样？我想聊聊猫咪"))[-1]["content"]
    english = results(dynamic_chat(app, "How is the weather today?"))[-1]["content"]
    assert len(CJK.findall(chinese)) > len(chinese) / 3
    assert not CJK.search(english)


def test_a_batch_of_alternatives_streams_different_texts(app):
    last = results(dynamic_chat(app, "Tell me a secret", batch_size=2))[-1]
    texts = [entry["content"] for entry in last.get("contents", [])]
    assert all(texts) and len(set(texts)) == len(texts)


def test_a_dynamic_sse_stream_frames_generated_text_as_events(app):
    response = call(app, "GET", "/pets/1/story/sse", headers=DYNAMIC)
    assert all(c.startswith(b"data: ") and c.endswith(b"\n\n") for c in response.chunks)
    contents = [
        item["result"]["content"] for item in parse_items("sse", [c.decode() for c in response.chunks])
    ]
    assert len(contents) > 3 and all(b.startswith(a) for a, b in pairwise(contents))


def test_a_dynamic_text_stream_is_generated_text_in_small_pieces(app):
    english = call(
        app, "POST", "/pets/1/completions", json_body={"content": "How do I bake bread?"}, headers=DYNAMIC
    )
    assert english.headers["content-type"] == "text/plain; charset=utf-8"
    assert len(english.chunks) > 5 and all(len(c.decode()) <= 16 for c in english.chunks)
    assert (
        not CJK.search(english.text)
        and english.text != "嗨，欢迎来到一刻，你想聊点什么？ Hello there, friend."
    )
    # An empty request: the language of the documented sample (here mostly Chinese).
    chinese = call(app, "POST", "/pets/1/completions", json_body={}, headers=DYNAMIC)
    assert len(CJK.findall(chinese.text)) > 5


def test_yikes_completion_streams_a_generated_chinese_answer():
    yike = build_app(SPEC_DIR / "yike.yaml")
    response = call(yike, "POST", "/chat/conversations/1/completions", headers=DYNAMIC | TOKEN)
    assert response.status == 200 and len(response.chunks) > 5
    assert response.text != "嗨，欢迎来到一刻，你想聊点什么？"
    assert len(CJK.findall(response.text)) > 10
