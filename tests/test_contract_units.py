"""The pieces of the contract suite on their own: stream rules, the spec model, links, the stream reader."""

from __future__ import annotations

import asyncio
import copy
import json
from pathlib import Path

import pytest
import yaml
from broken_servers import character
from broken_servers.base import FIXTURES, serve
from openapi_spec_validator import validate
from openapi_spec_validator.validation import OpenAPIV30SpecValidator

from contract_tests.http import Limits, Request, fetch
from contract_tests.state import Memory
from contract_tests.streams import NDJSON, SSE, TEXT, problems, sse_items
from contract_tests.summary import FailureRow, Outcome, render
from generators.importer.links import add_links
from generators.specmodel import SpecModel, resource_kind


def _spec(name: str) -> dict:
    return yaml.safe_load((FIXTURES / name).read_text(encoding="utf-8"))


CHARACTER = SpecModel(_spec("character.yaml"))
CHUNK = {"$ref": "#/components/schemas/ChatChunk"}


def _line(content: str, *, done: bool = False, code: int = 0) -> str:
    return json.dumps(
        {
            "code": code,
            "msg": "success",
            "result": {"session_id": 1, "idx": 2, "done": done, "content": content},
        }
    )


def _ndjson(*lines: str) -> bytes:
    return "".join(line + "\n" for line in lines).encode()


class TestStreamRules:
    def test_a_cumulative_stream_that_ends_with_one_done_keeps_the_rules(self):
        body = _ndjson(_line(""), _line("Hi"), _line("Hi there", done=True))
        assert problems(NDJSON, body, CHUNK, CHARACTER) == []

    def test_a_line_that_is_not_json(self):
        body = _ndjson(_line("Hi"), '{"code": 0, "msg": "success"', _line("Hi!", done=True))
        assert problems(NDJSON, body, CHUNK, CHARACTER)[0].startswith("line 2 is not JSON")

    def test_a_line_that_does_not_match_the_item_schema(self):
        body = _ndjson(json.dumps({"code": 0, "msg": "success", "result": {"done": True}}))
        assert problems(NDJSON, body, CHUNK, CHARACTER)[0].startswith(
            "line 1 does not match the item schema at result:"
        )

    def test_content_that_shrinks(self):
        body = _ndjson(_line("Hello"), _line("He", done=True))
        assert problems(NDJSON, body, CHUNK, CHARACTER) == [
            "content shrank from 5 to 2 characters between line 1 and line 2; each chunk carries everything "
            "generated so far"
        ]

    def test_done_twice_or_too_early_or_never(self):
        assert problems(NDJSON, _ndjson(_line("a", done=True), _line("ab", done=True)), CHUNK, CHARACTER) == [
            "2 lines say done: true (lines 1, 2); exactly one, the last, does"
        ]
        assert problems(NDJSON, _ndjson(_line("a", done=True), _line("ab")), CHUNK, CHARACTER) == [
            "line 1 says done: true but more lines follow it (the last is line 2)"
        ]
        assert problems(NDJSON, _ndjson(_line("a"), _line("ab")), CHUNK, CHARACTER) == [
            "no line says done: true; the last line of a finished stream does"
        ]

    def test_an_error_code_inside_a_successful_stream(self):
        body = _ndjson(_line("a"), _line("ab", done=True, code=1))
        assert "line 2 carries code=1 in a successful stream; success is 0" in problems(
            NDJSON, body, CHUNK, CHARACTER
        )

    def test_an_unterminated_last_line(self):
        body = _ndjson(_line("a")) + _line("ab", done=True).encode()
        assert problems(NDJSON, body, CHUNK, CHARACTER)[0].startswith(
            "the last line is not terminated by a newline"
        )

    def test_sse_events_are_read_from_data_lines(self):
        body = f"data: {_line('a')}\n\n: a comment\n\nevent: message\ndata: {_line('ab', done=True)}\n\n".encode()
        assert [item.number for item in sse_items(body)] == [1, 2]
        assert problems(SSE, body, CHUNK, CHARACTER) == []

    def test_an_sse_event_without_its_blank_line_is_dropped_and_reported(self):
        body = f"data: {_line('a')}\n\ndata: {_line('ab', done=True)}\n".encode()
        assert "the last event is not terminated by a blank line, so clients drop it" in problems(
            SSE, body, CHUNK, CHARACTER
        )

    def test_a_text_stream_must_not_be_empty(self):
        assert problems(TEXT, b"", {"type": "string"}, CHARACTER) == [
            "the text stream ended without any text"
        ]
        assert problems(TEXT, "你好".encode(), {"type": "string"}, CHARACTER) == []


class TestSpecModel:
    def test_envelope_and_documented_error_codes(self):
        envelope = CHARACTER.envelope
        assert (envelope.code_field, envelope.success_code, envelope.data_field) == ("code", 0, "result")
        assert envelope.error_codes == frozenset({1, 2, 3})
        assert not envelope.empty_message_on_success

    def test_session_store_messages_are_empty_exactly_on_success(self):
        envelope = SpecModel(_spec("session-store.yaml")).envelope
        assert envelope.message_pointer == "/failed"
        assert envelope.empty_message_on_success

    def test_an_api_without_envelope(self):
        model = SpecModel(_spec("yike.yaml"))
        assert model.envelope is None
        assert model.invalid_input.status == 422
        assert model.invalid_input.message_pointer == "/message"

    @pytest.mark.parametrize(
        ("path", "action", "kind"),
        [
            ("/character/delete", "delete", "character"),
            ("/character/delChat", "delete", "chat"),
            ("/novel/delNovelSessions", "delete", "session"),
            ("/character/new/createOrEdit", "create", "character"),
            ("/character/createChat", "create", "chat"),
            ("/character/getChatHistory", "read", "chat"),
            ("/delete_specific_session", "delete", "session"),
            ("/api/chat/conversations", "create", "conversation"),
        ],
    )
    def test_what_an_operation_does_and_to_what(self, path, action, kind):
        raw = {"openapi": "3.0.3", "paths": {path: {"post": {"responses": {}}}}}
        operation = SpecModel(raw).operation("POST", path)
        assert (operation.action, operation.object_kind) == (action, kind)

    def test_resource_kinds(self):
        assert resource_kind("session_id") == "session"
        assert resource_kind("characterId") == "character"
        assert resource_kind("user_id") is None
        assert resource_kind("id", "/api/chat/conversations/{id}/messages") == "conversation"


class TestLinks:
    def test_create_feeds_read_update_delete_and_delete_feeds_reads(self):
        linked = add_links(_spec("character.yaml"))
        paths = linked["paths"]
        created = paths["/character/createChat"]["post"]["responses"]["200"]["links"]
        assert created["post_character_genChat"]["requestBody"] == {
            "session_id": "$response.body#/result/session_id",
            "user_id": "$request.body#/user_id",
        }
        assert set(created) == {
            "get_character_group_generate_sse",
            "post_character_session_delete",
            "post_character_genChat",
            "post_character_getChatHistory",
        }
        after_delete = paths["/character/session/delete"]["post"]["responses"]["200"]["links"]
        assert (
            after_delete["post_character_getChatHistory"]["requestBody"]["session_id"]
            == "$request.body#/session_id"
        )

    def test_ids_from_a_list_when_nothing_creates_them(self):
        linked = add_links(_spec("session-store.yaml"))
        links = linked["paths"]["/query_session_names"]["post"]["responses"]["200"]["links"]
        assert (
            links["post_query_session_info"]["requestBody"]["session_id"]
            == "$response.body#/sessions/0/session_id"
        )

    def test_path_parameters_named_id(self):
        linked = add_links(_spec("yike.yaml"))
        links = linked["paths"]["/api/chat/conversations"]["post"]["responses"]["201"]["links"]
        assert links["get_api_chat_conversations_id"]["parameters"] == {"path.id": "$response.body#/id"}

    def test_valid_deterministic_idempotent_and_hand_written_links_kept(self):
        spec = _spec("character.yaml")
        response = spec["paths"]["/character/createChat"]["post"]["responses"]["200"]
        response["links"] = {
            "post_character_genChat": {"operationId": "post_character_genChat", "description": "mine"}
        }
        original = copy.deepcopy(spec)
        linked = add_links(spec)
        assert spec == original  # the argument is left as it was
        validate(linked, cls=OpenAPIV30SpecValidator)
        assert add_links(linked) == linked
        assert add_links(original) == linked
        kept = linked["paths"]["/character/createChat"]["post"]["responses"]["200"]["links"][
            "post_character_genChat"
        ]
        assert kept["description"] == "mine"

    @pytest.mark.parametrize("api", ["character", "session-store", "aichat", "yike"])
    def test_the_real_specs_stay_valid(self, api):
        path = Path(__file__).resolve().parent.parent / "spec" / f"{api}.yaml"
        if not path.is_file():
            pytest.skip(f"{path} is not there yet")
        validate(add_links(yaml.safe_load(path.read_text(encoding="utf-8"))), cls=OpenAPIV30SpecValidator)


class TestStreamReader:
    REQUEST = Request(
        "POST",
        "http://testserver/character/genChat",
        {"Authorization": "Bearer token-a", "Content-Type": "application/json"},
        b'{"user_id": 1, "session_id": 1}',
    )

    def test_in_process_chunks_arrive_one_by_one(self):
        reading = fetch(self.REQUEST, app=character.build_app())
        assert reading.status == 200
        assert len(reading.chunks) == 3
        assert reading.first_chunk_seconds is not None
        assert reading.cut_short is None

    def test_over_the_network(self):
        with serve(character.build_app()) as url:
            request = Request(
                self.REQUEST.method, url + "/character/genChat", self.REQUEST.headers, self.REQUEST.body
            )
            reading = fetch(request)
        assert reading.status == 200
        assert reading.body.count(b"\n") == 3

    def test_a_time_limit_ends_an_endless_stream(self):
        reading = fetch(
            self.REQUEST, app=character.build_app({"endless_stream"}), limits=Limits(max_seconds=0.3)
        )
        assert reading.cut_short == "no end of stream within 0.3 s"
        assert reading.chunks

    def test_works_from_inside_a_running_event_loop(self):
        async def inside() -> int:
            return fetch(self.REQUEST, app=character.build_app()).status

        assert asyncio.run(inside()) == 200


def test_the_summary_is_one_screen():
    outcome = Outcome(
        operations={f"POST /op{i}" for i in range(40)}, cases=999, phases={"examples": "success"}
    )
    outcome.failures = {
        (f"POST /op{i}", "envelope_code", "x"): FailureRow(
            f"POST /op{i}", "envelope_code", "a 200 answer carries code=1"
        )
        for i in range(25)
    }
    text = render(
        spec="spec/x.yaml",
        base_url="http://127.0.0.1:1",
        outcome=outcome,
        memory=Memory(),
        exit_code=1,
        seed=1,
        notices=["a notice"],
        reports=["JUnit out.xml"],
        width=100,
    )
    lines = text.splitlines()
    assert len(lines) <= 24
    assert "… and 15 more" in text
    assert all(len(line) <= 100 for line in lines if not line.startswith("notice"))
