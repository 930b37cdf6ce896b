"""Streams are replayed item by item, in documented order, with their true framing."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from mocks.app import build_app
from mocks.streams import parse_items, split_frames
from mocks.testing import call

FIXTURE = Path(__file__).parent / "fixtures" / "mock" / "petstore-like.yaml"


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
