"""The mock, as a frontend developer sees it, on a small spec that uses every convention."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from mocks.app import build_app
from mocks.testing import call

FIXTURE = Path(__file__).parent / "fixtures" / "mock" / "petstore-like.yaml"
TOKEN = {"authorization": "Bearer tokenabcde"}


@pytest.fixture(scope="module")
def app():
    return build_app(FIXTURE)


# --- the documented answer ----------------------------------------------------------------------


def test_an_operation_answers_its_first_documented_example(app):
    response = call(app, "GET", "/pets")
    assert response.status == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "code": 0,
        "msg": "success",
        "result": [{"id": 1, "name": "Tom", "tag": "cat", "born": "2023-04-26", "owner": None}],
    }


def test_documented_response_headers_are_sent_and_readable_from_a_browser(app):
    response = call(
        app,
        "POST",
        "/login",
        body=b"email=a%40b.co&password=secret",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status == 200
    assert response.headers["session-token"] == "tokenabcde"
    assert response.headers["expirets"] == "1680747764247"
    exposed = response.headers["access-control-expose-headers"].lower()
    assert "session-token" in exposed


def test_a_response_without_body_has_none(app):
    response = call(app, "DELETE", "/pets/1")
    assert response.status == 204
    assert response.body == b""


def test_a_static_path_wins_over_a_templated_one(app):
    assert call(app, "GET", "/pets/search?q=tom").json() == {"code": 0, "msg": "success", "result": []}


def test_an_operation_without_example_answers_data_valid_for_its_schema(app):
    body = call(app, "GET", "/categories").json()
    assert isinstance(body["code"], int) and isinstance(body["msg"], str)
    assert isinstance(body["result"]["name"], str)
    assert len(body["result"].get("children", [])) <= 2


def test_head_sends_the_headers_of_get_without_the_body(app):
    response = call(app, "HEAD", "/pets")
    assert response.status == 200
    assert response.headers["content-type"] == "application/json"
    assert response.body == b""


# --- Prefer and its query fallbacks -------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "headers"),
    [("/pets", {"prefer": "example=second"}), ("/pets?__example=second", {})],
)
def test_prefer_example_and_its_query_fallback_pick_a_named_example(app, url, headers):
    response = call(app, "GET", url, headers=headers)
    assert response.status == 200
    assert response.json()["result"][0]["name"] == "Rex"


@pytest.mark.parametrize(("url", "headers"), [("/pets", {"prefer": "code=401"}), ("/pets?__code=401", {})])
def test_prefer_code_and_its_query_fallback_answer_the_documented_status(app, url, headers):
    response = call(app, "GET", url, headers=headers)
    assert response.status == 401
    assert response.json() == {"code": 2, "msg": "session missing"}


def test_prefer_code_with_example_picks_among_that_status(app):
    response = call(app, "GET", "/pets/7", headers={"prefer": "code=404, example=missing"})
    assert (response.status, response.json()) == (404, {"code": 4, "msg": "pet not found"})


def test_prefer_example_finds_an_error_example_and_answers_its_status(app):
    response = call(app, "GET", "/pets/7", headers={"prefer": "example=missing"})
    assert response.status == 404


def test_an_unknown_example_name_says_which_ones_exist(app):
    response = call(app, "GET", "/pets", headers={"prefer": "example=third"})
    assert response.status == 404
    message = response.json()["msg"]
    assert "third" in message and "first" in message and "second" in message


def test_an_undocumented_error_code_is_injected_in_the_api_envelope(app):
    response = call(app, "GET", "/pets", headers={"prefer": "code=503"})
    assert response.status == 503
    body = response.json()
    assert body["code"] == 1 and "503" in body["msg"]


def test_an_undocumented_success_code_is_refused(app):
    response = call(app, "GET", "/pets", headers={"prefer": "code=201"})
    assert response.status == 404
    assert "201" in response.json()["msg"]


@pytest.mark.parametrize("prefer", ["code=abc", "code=99", "delay=-1", "chunk-delay=soon", "seed=x"])
def test_a_malformed_prefer_value_is_a_400_saying_what_is_expected(app, prefer):
    response = call(app, "GET", "/pets", headers={"prefer": prefer})
    assert response.status == 400
    assert prefer.split("=")[0] in response.json()["msg"]


def test_prefer_dynamic_generates_data_from_the_schema(app):
    response = call(app, "GET", "/pets", headers={"prefer": "dynamic=true"})
    assert response.status == 200
    body = response.json()
    assert body != call(app, "GET", "/pets").json()
    assert isinstance(body["code"], int) and isinstance(body["msg"], str)
    for pet in body["result"]:
        assert isinstance(pet["id"], int) and isinstance(pet["name"], str)


@pytest.mark.parametrize("seed", range(5))
def test_generated_data_keeps_the_envelope_honest(app, seed):
    # A success carries the API's success code (a random code would read as an error), an
    # injected error another one.
    ok = call(app, "GET", "/pets", headers={"prefer": f"dynamic=true, seed={seed}"}).json()
    assert ok["code"] == 0
    failed = call(app, "GET", "/pets", headers={"prefer": f"dynamic=true, seed={seed}, code=500"})
    if failed.headers.get("content-type", "").startswith("application/json") and "code" in failed.json():
        assert failed.json()["code"] != 0


def test_dynamic_data_is_reproducible_from_its_seed(app):
    def dynamic(prefer: str) -> bytes:
        return call(app, "GET", "/pets", headers={"prefer": prefer}).body

    assert dynamic("dynamic=true, seed=7") == dynamic("dynamic=true, seed=7")
    assert dynamic("dynamic=true, seed=7") != dynamic("dynamic=true, seed=8")
    assert call(app, "GET", "/pets?__dynamic=true&__seed=7").body == dynamic("dynamic=true, seed=7")


def test_the_seed_option_seeds_dynamic_data():
    first = call(build_app(FIXTURE, seed=1), "GET", "/pets", headers={"prefer": "dynamic=true"}).body
    again = call(build_app(FIXTURE, seed=1), "GET", "/pets", headers={"prefer": "dynamic=true"}).body
    other = call(build_app(FIXTURE, seed=2), "GET", "/pets", headers={"prefer": "dynamic=true"}).body
    assert first == again != other


def test_prefer_dynamic_on_a_stream_generates_framed_items(app):
    response = call(
        app,
        "POST",
        "/pets/1/chat",
        json_body={"content": "hi", "batch_size": 1},
        headers={"prefer": "dynamic=true"},
    )
    assert response.headers["content-type"] == "application/x-ndjson"
    # generated text, a few words per line (tests/test_mock_streams.py has the details)
    assert len(response.chunks) > 3
    for chunk in response.chunks:
        assert chunk.endswith(b"\n") and isinstance(json.loads(chunk)["result"]["done"], bool)


def test_prefer_delay_holds_the_answer(app):
    started = time.perf_counter()
    call(app, "GET", "/pets", headers={"prefer": "delay=150"})
    assert time.perf_counter() - started >= 0.15


def test_the_delay_option_holds_every_answer():
    slow = build_app(FIXTURE, delay_ms=120)
    started = time.perf_counter()
    assert call(slow, "GET", "/pets").status == 200
    assert time.perf_counter() - started >= 0.12


# --- content-based selection --------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "name"), [("cat", "Tom"), ("dog", "Rex")])
def test_the_response_example_named_like_the_matching_request_example_answers(app, kind, name):
    response = call(app, "POST", "/pets", json_body={"name": "Whoever", "kind": kind}, headers=TOKEN)
    assert response.status == 200
    assert response.json()["result"]["name"] == name


@pytest.mark.parametrize(("batch_size", "expected_key"), [(1, "content"), (4, "contents")])
def test_x_when_picks_the_example_for_the_body_field(app, batch_size, expected_key):
    response = call(app, "POST", "/pets/1/chat", json_body={"content": "hi", "batch_size": batch_size})
    last = json.loads(response.chunks[-1])
    assert expected_key in last["result"]


@pytest.mark.parametrize(
    ("query", "expected_key"), [("", "content"), ("?speaker=AI_3", "content"), ("?speaker=USER", "contents")]
)
def test_x_when_picks_the_example_for_the_query_parameter(app, query, expected_key):
    response = call(app, "GET", f"/pets/1/story/sse{query}")
    last = json.loads(response.chunks[-1].decode().removeprefix("data: "))
    assert expected_key in last["result"]


def test_an_explicit_example_beats_content_based_selection(app):
    response = call(
        app,
        "POST",
        "/pets/1/chat",
        json_body={"content": "hi", "batch_size": 1},
        headers={"prefer": "example=batch"},
    )
    assert "contents" in json.loads(response.chunks[-1])["result"]


# --- credentials --------------------------------------------------------------------------------


def test_a_secured_operation_without_token_gets_the_documented_unauthorized_answer(app):
    response = call(app, "POST", "/pets", json_body={"name": "Tom", "kind": "cat"})
    assert (response.status, response.json()) == (401, {"code": 2, "msg": "session missing"})


def test_an_empty_bearer_token_is_no_token(app):
    response = call(
        app, "POST", "/pets", json_body={"name": "Tom", "kind": "cat"}, headers={"authorization": "Bearer "}
    )
    assert response.status == 401


# --- routing errors -----------------------------------------------------------------------------


def test_an_unknown_path_is_a_404_in_json(app):
    response = call(app, "GET", "/nowhere")
    assert response.status == 404
    assert "/nowhere" in response.json()["msg"]


def test_a_wrong_method_is_a_405_with_allow(app):
    response = call(app, "PUT", "/pets")
    assert response.status == 405
    assert set(response.headers["allow"].split(", ")) >= {"GET", "POST"}
    assert "PUT" in response.json()["msg"]


def test_a_trailing_slash_reaches_the_same_operation(app):
    assert call(app, "GET", "/pets/").status == 200


# --- CORS ---------------------------------------------------------------------------------------


def test_cors_preflight_allows_the_path_methods_and_requested_headers(app):
    response = call(
        app,
        "OPTIONS",
        "/pets",
        headers={
            "origin": "http://localhost:5173",
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization, content-type, prefer",
        },
    )
    assert response.status == 204
    assert response.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert "POST" in response.headers["access-control-allow-methods"]
    assert response.headers["access-control-allow-headers"] == "authorization, content-type, prefer"
    assert response.headers["access-control-allow-credentials"] == "true"


def test_cors_headers_are_on_every_answer(app):
    response = call(app, "GET", "/pets", headers={"origin": "http://localhost:5173"})
    assert response.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert call(app, "GET", "/pets").headers["access-control-allow-origin"] == "*"
    assert call(app, "GET", "/pets?page=0").headers["access-control-allow-origin"] == "*"


def test_without_cors_there_are_no_cors_headers_and_no_preflight():
    app = build_app(FIXTURE, cors=False)
    assert (
        "access-control-allow-origin" not in call(app, "GET", "/pets", headers={"origin": "http://x"}).headers
    )
    preflight = call(
        app, "OPTIONS", "/pets", headers={"origin": "http://x", "access-control-request-method": "GET"}
    )
    assert preflight.status == 405


# --- fault injection ----------------------------------------------------------------------------


def test_fail_rate_one_fails_every_request_in_the_api_envelope():
    app = build_app(FIXTURE, fail_rate=1.0)
    response = call(app, "GET", "/pets")
    assert response.status == 500
    assert response.json()["code"] == 1 and "injected" in response.json()["msg"]


def test_fail_rate_fails_a_reproducible_share_of_requests():
    def statuses(seed: int) -> list[int]:
        app = build_app(FIXTURE, fail_rate=0.5, seed=seed)
        return [call(app, "GET", "/pets").status for _ in range(40)]

    first = statuses(3)
    assert first == statuses(3)
    assert 5 <= first.count(500) <= 35 and first.count(200) == 40 - first.count(500)


def test_prefer_code_wins_over_fail_rate():
    app = build_app(FIXTURE, fail_rate=1.0)
    assert call(app, "GET", "/pets", headers={"prefer": "code=200"}).status == 200


@pytest.mark.parametrize("options", [{"fail_rate": 2.0}, {"delay_ms": -1}, {"chunk_delay_ms": -5}])
def test_out_of_range_options_are_refused(options):
    with pytest.raises(ValueError):
        build_app(FIXTURE, **options)


# --- several specs ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_apis(tmp_path_factory):
    folder = tmp_path_factory.mktemp("spec")
    for name in ("pets", "store"):
        (folder / f"{name}.yaml").write_bytes(FIXTURE.read_bytes())
    docs = folder.parent / "docs"
    docs.mkdir(exist_ok=True)
    (docs / "pets.md").write_text("# Pets\n\nThe pets API.\n", encoding="utf-8")
    return build_app([folder / "pets.yaml", folder / "store.yaml"])


def test_several_specs_are_each_served_under_their_name(two_apis):
    assert call(two_apis, "GET", "/pets/pets").json()["result"][0]["name"] == "Tom"
    assert call(two_apis, "GET", "/store/pets/search?q=x").status == 200
    assert call(two_apis, "GET", "/pets").status == 404  # /pets is the API, not an operation


def test_the_index_links_each_api_spec_and_docs(two_apis):
    index = call(two_apis, "GET", "/")
    assert index.headers["content-type"].startswith("text/html")
    assert 'href="/pets/openapi.yaml"' in index.text and 'href="/store/openapi.yaml"' in index.text
    assert 'href="/pets/docs"' in index.text and 'href="/store/docs"' in index.text
    assert call(two_apis, "GET", "/pets/openapi.yaml").body == FIXTURE.read_bytes()


@pytest.mark.parametrize("api", ["pets", "store"])
def test_each_api_serves_its_html_reference_even_without_generated_docs(two_apis, api):
    # pets has only a hand-written docs/pets.md and store nothing: both get the HTML reference,
    # rendered from the spec they serve
    docs = call(two_apis, "GET", f"/{api}/docs")
    assert docs.status == 200 and docs.headers["content-type"] == "text/html; charset=utf-8"
    assert "<title>Petstore-like (mock fixture) — API reference</title>" in docs.text
    assert 'id="pets_create"' in docs.text  # an operation of the spec, as an anchor to link to


def test_the_index_says_which_tokens_the_secured_operations_accept(two_apis):
    assert "<code>mock-token</code>, <code>tokenabcde</code>" in call(two_apis, "GET", "/").text


def test_an_unknown_api_lists_the_known_ones(two_apis):
    response = call(two_apis, "GET", "/nope/pets")
    assert response.status == 404
    assert set(response.json()["apis"]) == {"/pets", "/store"}


def test_an_error_under_an_api_uses_that_api_envelope(two_apis):
    response = call(two_apis, "GET", "/store/nowhere")
    assert response.status == 404
    assert response.json()["code"] == 1 and "/store/openapi.yaml" in response.json()["msg"]


# --- which tokens the mock accepts -----------------------------------------------------------------


def _add_pet(app, authorization: str):
    body = {"name": "Tom", "kind": "cat"}
    return call(app, "POST", "/pets", json_body=body, headers={"authorization": authorization})


@pytest.mark.parametrize("token", ["Bearer tokenabcde", "Bearer mock-token"])
def test_the_token_the_login_hands_out_and_mock_token_are_accepted(app, token):
    # tokenabcde is the session-token example the fixture's login answers with
    assert _add_pet(app, token).status == 200


@pytest.mark.parametrize(
    "token",
    ["Bearer x1", "Bearer 0qA9cWz", "Bearer invalid", "Bearer SCHEMATHESIS-INVALID-VALUE", "Basic dG9t"],
)
def test_a_token_nobody_was_given_is_refused(app, token):
    # what schemathesis makes up to see whether a server ignores credentials: the mock must not
    response = _add_pet(app, token)
    assert (response.status, response.json()) == (401, {"code": 2, "msg": "session missing"})


@pytest.fixture(scope="module")
def any_token_app():
    return build_app(FIXTURE, any_token=True)


def test_any_token_accepts_a_made_up_token(any_token_app):
    assert _add_pet(any_token_app, "Bearer x1").status == 200


@pytest.mark.parametrize("token", ["Bearer invalid", "Bearer SCHEMATHESIS-INVALID-VALUE", "Bearer "])
def test_any_token_still_refuses_a_token_that_says_it_is_invalid(any_token_app, token):
    assert _add_pet(any_token_app, token).status == 401


def test_prefer_code_still_picks_the_example_for_the_request_content(app):
    response = call(
        app,
        "POST",
        "/pets/1/chat",
        json_body={"content": "hi", "batch_size": 3},
        headers={"prefer": "code=200"},
    )
    assert "contents" in json.loads(response.chunks[-1])["result"]


def test_one_spec_at_the_root_has_its_index_and_spec_file(app):
    index = call(app, "GET", "/")
    assert index.status == 200 and 'href="/openapi.yaml"' in index.text
    assert call(app, "GET", "/openapi.yaml").body == FIXTURE.read_bytes()


def test_one_spec_at_the_root_serves_its_docs_at_docs_and_at_the_api_name(app):
    docs = call(app, "GET", "/docs")
    assert docs.status == 200 and "<title>Petstore-like (mock fixture) — API reference</title>" in docs.text
    # /<api>/docs, the address for several specs, leads there too (the page finds the API beside it)
    moved = call(app, "GET", "/petstore-like/docs")
    assert (moved.status, moved.headers["location"]) == (307, "/docs")
