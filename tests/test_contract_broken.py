"""Deliberately broken servers: the contract suite catches each defect, and passes the same server unbroken.

Each test plants one defect in a small fixture server (tests/broken_servers/) and runs `mdcontract test`
against it on a free 127.0.0.1 port, narrowed with --operation/--phases to where the defect shows, so the
run is quick and does not depend on luck.
"""

from __future__ import annotations

import pytest
from broken_servers import character, session_store, yike
from broken_servers.harness import TWO_USERS, run_suite
from schemathesis.core.failures import FailureGroup

from contract_tests.http import Limits, Request, fetch
from contract_tests.state import Settings
from contract_tests.streams import count_items
from contract_tests.suite import load, validate


@pytest.mark.parametrize(
    ("module", "spec", "options"),
    [
        (character, "character.yaml", TWO_USERS),
        (session_store, "session-store.yaml", ("--user-id", "123")),
        (yike, "yike.yaml", TWO_USERS[:4]),
    ],
    ids=["character", "session-store", "yike"],
)
def test_a_correct_server_passes_every_check(module, spec, options):
    run = run_suite(module.build_app(), spec, *options)
    assert run.code == 0, run.output
    assert run.failures == []


def test_a_server_error_on_some_input_is_caught():
    app = session_store.build_app({"server_error"})
    run = run_suite(
        app, "session-store.yaml", "--operation", "post_add_user", "--phases", "examples,coverage"
    )
    assert run.code == 1
    assert "not_a_server_error" in run.checks


def test_another_users_data_leaking_is_caught():
    app = character.build_app({"leak"})
    run = run_suite(
        app,
        "character.yaml",
        *TWO_USERS,
        "--operation",
        "post_character_getChatHistory",
        "--phases",
        "examples",
    )
    assert run.code == 1
    assert run.messages("authorization_boundary") == [
        "user B read user A's session 1: POST /character/getChatHistory answered the second token (--token-b) "
        "with A's data"
    ]


def test_another_user_changing_data_is_caught():
    app = character.build_app({"leak"})
    run = run_suite(
        app, "character.yaml", *TWO_USERS, "--operation", "post_character_release", "--phases", "examples"
    )
    assert run.code == 1
    assert any(
        "user B changed user A's character 1" in text for text in run.messages("authorization_boundary")
    )


def test_a_broken_ndjson_line_is_caught():
    app = character.build_app({"broken_ndjson_line"})
    run = run_suite(
        app, "character.yaml", *TWO_USERS, "--operation", "post_character_genChat", "--phases", "examples"
    )
    assert run.code == 1
    assert any(text.startswith("line 2 is not JSON") for text in run.messages("stream_conformance"))


def test_content_that_shrinks_between_chunks_is_caught():
    app = character.build_app({"shrinking_content"})
    run = run_suite(
        app, "character.yaml", *TWO_USERS, "--operation", "post_character_genChat", "--phases", "examples"
    )
    assert run.code == 1
    assert any("content shrank from 9 to 3 characters" in text for text in run.messages("stream_conformance"))


def test_a_deleted_resource_still_served_is_caught():
    app = session_store.build_app({"keeps_deleted"})
    run = run_suite(
        app, "session-store.yaml", "--operation", "post_delete_specific_session", "--phases", "examples"
    )
    assert run.code == 1
    assert run.messages("deleted_stays_deleted") == [
        "session abc was deleted by POST /delete_specific_session, yet POST /query_session_info still answers "
        "it with 200"
    ]


def test_a_wrong_envelope_code_on_success_is_caught():
    app = session_store.build_app({"wrong_success_code"})
    run = run_suite(app, "session-store.yaml", "--operation", "post_add_chat", "--phases", "examples")
    assert run.code == 1
    assert run.messages("envelope_code") == ["a 200 answer carries ok=1; a successful answer carries ok=0"]


def test_a_wrong_envelope_code_on_success_is_caught_in_a_result_envelope():
    app = character.build_app({"wrong_success_code"})
    run = run_suite(
        app, "character.yaml", *TWO_USERS, "--operation", "post_character_getProfile", "--phases", "examples"
    )
    assert run.code == 1
    assert "envelope_code" in run.checks


def test_a_missing_session_token_header_is_caught():
    app = character.build_app({"missing_session_token"})
    run = run_suite(app, "character.yaml", "--operation", "post_user_registByEmail", "--phases", "examples")
    assert run.code == 1
    assert run.messages("documented_headers_sent") == [
        "a 200 answer lacks the documented header(s) session-token"
    ]


def test_errors_outside_the_apis_error_shape_are_caught():
    app = yike.build_app({"plain_text_errors"})
    run = run_suite(
        app, "yike.yaml", "--token", "token-a", "--operation", "get_api_user", "--phases", "coverage"
    )
    assert run.code == 1
    assert any(text.startswith("a 401 error answer is text/plain") for text in run.messages("error_envelope"))


def test_an_empty_text_stream_is_caught():
    app = yike.build_app({"empty_completion"})
    run = run_suite(
        app,
        "yike.yaml",
        "--token",
        "token-a",
        "--operation",
        "post_chat_conversations_id_completions",
        "--phases",
        "examples",
    )
    assert run.code == 1
    assert run.messages("stream_conformance") == ["the text stream ended without any text"]


def test_time_to_first_chunk_is_in_the_summary():
    app = yike.build_app({"slow_first_chunk"})
    run = run_suite(
        app,
        "yike.yaml",
        "--token",
        "token-a",
        "--operation",
        "post_chat_conversations_id_completions",
        "--phases",
        "examples",
    )
    assert run.code == 0, run.output
    line = next(
        line for line in run.output.splitlines() if "POST /chat/conversations/{id}/completions" in line
    )
    median_ms = float(line.split()[2])
    assert 900 <= median_ms < 5000, line


class TestInProcess:
    """The same checks run in the pytest path (`schema.app = <ASGI app>`), not only behind the CLI."""

    def test_a_broken_ndjson_line_is_caught(self):
        schema = load(
            "tests/fixtures/contract/character.yaml",
            app=character.build_app({"broken_ndjson_line"}),
            base_url="http://testserver",
            settings=Settings(token="token-a"),
        )
        case = schema["/character/genChat"]["POST"].Case(
            body={"user_id": 1, "session_id": 1}, media_type="application/json"
        )
        assert "line 2 is not JSON" in _failure_text(case)

    def test_another_users_data_leaking_is_caught(self):
        schema = load(
            "tests/fixtures/contract/character.yaml",
            app=character.build_app({"leak"}),
            base_url="http://testserver",
            settings=Settings(token="token-a", token_b="token-b", user_id="1", user_id_b="2"),
        )
        case = schema["/character/getChatHistory"]["POST"].Case(
            body={"user_id": 1, "session_id": 1}, media_type="application/json"
        )
        assert "user B read user A's session 1" in _failure_text(case)

    def test_a_correct_server_passes(self):
        schema = load(
            "tests/fixtures/contract/character.yaml",
            app=character.build_app(),
            base_url="http://testserver",
            settings=Settings(token="token-a", token_b="token-b", user_id="1", user_id_b="2"),
        )
        case = schema["/character/genChat"]["POST"].Case(
            body={"user_id": 1, "session_id": 1}, media_type="application/json"
        )
        validate(case)


def _failure_text(case) -> str:
    """What schemathesis reports when `validate(case)` fails (it raises a group of failures)."""
    with pytest.raises(FailureGroup) as caught:
        validate(case)
    return str(caught.value)


def test_an_endless_stream_stops_the_case_instead_of_hanging_the_run():
    app = character.build_app({"endless_stream"})
    run = run_suite(
        app,
        "character.yaml",
        *TWO_USERS,
        "--operation",
        "post_character_genChat",
        "--phases",
        "examples",
        "--stream-timeout",
        "1",
    )
    assert run.code == 1
    assert "the stream did not end (no end of stream within 1 s" in run.output


def test_the_stream_reader_stops_at_the_item_limit():
    headers = {"Authorization": "Bearer token-a", "Content-Type": "application/json"}
    reading = fetch(
        Request("POST", "http://testserver/character/genChat", headers, b'{"user_id": 1, "session_id": 1}'),
        app=character.build_app({"endless_stream"}),
        limits=Limits(max_items=5, max_seconds=10),
        count_items=count_items,
    )
    assert reading.status == 200
    assert reading.cut_short == "more than 5 items"
