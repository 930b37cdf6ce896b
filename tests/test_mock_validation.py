"""Invalid requests get the API's own envelope with the documented 4xx and a useful message;
nothing a client sends makes the mock answer 5xx."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mocks.app import build_app
from mocks.testing import call

FIXTURE = Path(__file__).parent / "fixtures" / "mock" / "petstore-like.yaml"
TOKEN = {"authorization": "Bearer tokenabcde"}
JSON = {**TOKEN, "content-type": "application/json"}


@pytest.fixture(scope="module")
def app():
    return build_app(FIXTURE)


def invalid(response) -> str:
    """The message of an invalid-input answer, after checking it is one."""
    assert response.status == 400, response.text
    body = response.json()
    assert body["code"] == 1, body  # the documented InvalidInput envelope, message filled in
    return body["msg"]


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("/pets?page=0", ["page", "minimum"]),
        ("/pets?page=two", ["page", "integer"]),
        ("/pets?tag=bird", ["tag"]),
        ("/pets?ids=1&ids=x", ["ids"]),
        ("/pets/search", ["q", "required"]),
        ("/pets/abc", ["petId", "integer"]),
        ("/pets/0", ["petId", "minimum"]),
        ("/pets/1/story/sse?speaker=robot", ["speaker"]),
    ],
)
def test_invalid_parameters_are_named_in_the_message(app, url, words):
    message = invalid(call(app, "GET", url))
    for word in words:
        assert word in message


def test_valid_parameters_pass(app):
    assert call(app, "GET", "/pets?page=2&tag=dog&ids=1&ids=2").status == 200
    assert call(app, "GET", "/pets?ids=7&__example=first").status == 200


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"kind": "cat"}, ["name", "required"]),
        ({"name": "", "kind": "cat"}, ["/name"]),
        ({"name": "Tom", "kind": "bird"}, ["/kind"]),
        ({"name": "Tom", "kind": "cat", "age": -1}, ["/age", "minimum"]),
        ([1, 2], ["object"]),
    ],
)
def test_invalid_json_bodies_are_named_in_the_message(app, body, words):
    message = invalid(call(app, "POST", "/pets", json_body=body, headers=TOKEN))
    assert message.startswith("request body")
    for word in words:
        assert word in message


def test_nullable_fields_accept_null(app):
    response = call(
        app, "POST", "/pets", json_body={"name": "Tom", "kind": "cat", "age": None}, headers=TOKEN
    )
    assert response.status == 200


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b"{not json", ["not valid JSON"]),
        (b'{"name": "Tom", "kind": "cat", "age": NaN}', ["not valid JSON"]),
        (b"\xff\xfe{}", ["UTF-8"]),
        (b"[" * 100_000 + b"]" * 100_000, ["nested"]),
        (b"[" * 900 + b"]" * 900, ["nested"]),
        (b'{"name": "Tom", "kind": "cat", "age": ' + b"[" * 900 + b"]" * 900 + b"}", ["nested"]),
        (b"[" * 20 + b"]" * 20, ["object"]),
        (b'{"name": "Tom", "kind": "cat", "age": 1' + b"0" * 5000 + b"}", ["JSON"]),
    ],
)
def test_malformed_bodies_are_invalid_input_not_server_errors(app, raw, words):
    message = invalid(call(app, "POST", "/pets", body=raw, headers=JSON))
    for word in words:
        assert word in message


def test_huge_numbers_are_validated_like_any_other(app):
    body = {"name": "Tom", "kind": "cat", "age": 10**30}
    assert call(app, "POST", "/pets", json_body=body, headers=TOKEN).status == 200
    body["age"] = 1e308 * 10  # Infinity: not JSON, refused
    raw = json.dumps(body).encode()
    assert "JSON" in invalid(call(app, "POST", "/pets", body=raw, headers=JSON))


def test_a_missing_required_body_is_invalid(app):
    assert "required" in invalid(call(app, "POST", "/pets", headers=TOKEN))


def test_an_unsupported_content_type_names_the_accepted_one(app):
    message = invalid(
        call(app, "POST", "/pets", body=b"<pet/>", headers={**TOKEN, "content-type": "application/xml"})
    )
    assert "application/json" in message


def test_a_json_body_without_content_type_is_read_as_json(app):
    assert call(app, "POST", "/pets", body=b'{"name":"Tom","kind":"cat"}', headers=TOKEN).status == 200


def test_form_fields_are_coerced_to_their_schema_types(app):
    form = {"content-type": "application/x-www-form-urlencoded"}
    ok = call(app, "POST", "/login", body=b"email=a%40b.co&password=secret&remember=true", headers=form)
    assert ok.status == 200
    assert "remember" in invalid(
        call(app, "POST", "/login", body=b"email=a%40b.co&password=secret&remember=maybe", headers=form)
    )
    assert "email" in invalid(call(app, "POST", "/login", body=b"email=nope&password=secret", headers=form))


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, dict[str, str]]:
    boundary = "mockboundary42"
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, (filename, content) in files.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        parts.append(head.encode() + b"Content-Type: image/jpeg\r\n\r\n" + content + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, {"content-type": f"multipart/form-data; boundary={boundary}"}


def test_a_multipart_upload_is_validated_field_by_field(app):
    body, headers = multipart({"user_id": "1"}, {"img": ("cat.jpg", b"\xff\xd8\xff")})
    response = call(app, "POST", "/upload", body=body, headers=headers)
    assert response.json()["result"]["url"] == "https://example.com/1.jpg"
    body, headers = multipart({"user_id": "one"}, {"img": ("cat.jpg", b"\xff")})
    assert "user_id" in invalid(call(app, "POST", "/upload", body=body, headers=headers))
    body, headers = multipart({"user_id": "1"}, {})
    assert "img" in invalid(call(app, "POST", "/upload", body=body, headers=headers))


def test_a_broken_multipart_body_is_invalid_input(app):
    headers = {"content-type": "multipart/form-data; boundary=x"}
    invalid(call(app, "POST", "/upload", body=b"--x\r\nnonsense", headers=headers))
    invalid(call(app, "POST", "/upload", body=b"abc", headers={"content-type": "multipart/form-data"}))


def test_prefer_code_answers_even_an_invalid_request(app):
    # So a frontend can build its error screens without composing valid requests.
    response = call(app, "POST", "/pets", body=b"{", headers={**JSON, "prefer": "code=401"})
    assert response.status == 401


# --- nothing a client sends is a 5xx --------------------------------------------------------------

_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
_headers = st.dictionaries(
    st.sampled_from(["content-type", "prefer", "accept", "authorization", "origin", "cookie", "x-other"]),
    st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD", "PATCH"]),
    path=st.one_of(
        st.sampled_from(["/pets", "/pets/1", "/pets/1/chat", "/login", "/upload", "/pets/1/story/sse", "/"]),
        _text.map(lambda t: "/" + t),
    ),
    query=st.one_of(
        st.just(""), _text, st.sampled_from(["__code=abc", "__example=", "page=1e9999", "ids=,,"])
    ),
    headers=_headers,
    body=st.one_of(
        st.binary(max_size=200),
        st.recursive(
            st.none() | st.integers() | st.floats() | _text,
            lambda c: st.lists(c) | st.dictionaries(_text, c),
            max_leaves=10,
        ).map(lambda v: json.dumps(v).encode()),
    ),
)
def test_no_request_makes_the_mock_fail(app, method, path, query, headers, body):
    response = call(app, method, f"{path}?{query}" if query else path, headers=headers, body=body)
    assert 200 <= response.status < 500
    if response.status >= 400 and method != "HEAD":
        json.loads(response.body)  # errors are JSON, never a traceback
