"""Done when: every operation of the four imported specs answers its documented example through
the mock, every named example can be asked for, and invalid or anonymous requests get the
answers the spec's root extensions describe.

The expectations are computed here from the spec with the `jsonschema` library, independently of
the mock's own selection code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import jsonschema
import pytest
import yaml

from mocks.app import build_app
from mocks.testing import MockResponse, call

SPEC_DIR = Path(__file__).resolve().parent.parent / "spec"
APIS = ("character", "session-store", "aichat", "yike")
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
STREAMS = {"application/x-ndjson": "ndjson", "text/event-stream": "sse", "text/plain": "text"}


def load(api: str) -> dict[str, Any]:
    return yaml.safe_load((SPEC_DIR / f"{api}.yaml").read_text(encoding="utf-8"))


DOCS = {api: load(api) for api in APIS if (SPEC_DIR / f"{api}.yaml").is_file()}


def test_the_four_specs_are_there():
    assert sorted(DOCS) == sorted(APIS)


@pytest.fixture(scope="module")
def mock():
    return build_app([SPEC_DIR / f"{api}.yaml" for api in APIS])


def deref(doc: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = doc
        for token in node["$ref"].removeprefix("#/").split("/"):
            target = target[token.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def operations() -> list[tuple[str, str, str]]:
    return [
        (api, path, method)
        for api, doc in DOCS.items()
        for path, item in doc["paths"].items()
        for method in METHODS
        if method in item
    ]


def named_examples(doc: dict[str, Any], media: dict[str, Any]) -> dict[str, dict[str, Any]]:
    if isinstance(media.get("examples"), dict):
        return {name: deref(doc, ex) for name, ex in media["examples"].items()}
    if "example" in media:
        return {"example": {"value": media["example"]}}
    return {}


# --- building a valid request from the documentation --------------------------------------------


def param_value(doc: dict[str, Any], param: dict[str, Any]) -> Any:
    schema = deref(doc, param.get("schema") or {})
    if "example" in param:
        return param["example"]
    for example in (param.get("examples") or {}).values():
        return deref(doc, example)["value"]
    if "example" in schema:
        return schema["example"]
    if "default" in schema:
        return schema["default"]
    if "enum" in schema:
        return schema["enum"][0]
    return {"integer": 1, "number": 1, "boolean": True, "array": []}.get(schema.get("type"), "x")


def as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def documented_request(
    api: str, path: str, method: str, overrides: dict[str, Any] | None = None
) -> tuple[str, dict[str, str], bytes, str | None, dict]:
    """(url, headers, body, request example name, values) as the docs show them, with
    ``overrides`` replacing parameters or body fields."""
    overrides = overrides or {}
    doc = DOCS[api]
    item = doc["paths"][path]
    operation = item[method]
    params = [deref(doc, p) for p in [*item.get("parameters", []), *operation.get("parameters", [])]]
    url_path, query, headers, values = path, [], {}, {}
    for param in params:
        documented = param.get("required") or "example" in param or "examples" in param
        if not documented and param["name"] not in overrides:
            continue
        value = overrides.pop(param["name"], None) if param["name"] in overrides else param_value(doc, param)
        values[param["name"]] = value
        if param["in"] == "path":
            url_path = url_path.replace("{" + param["name"] + "}", quote(as_text(value), safe=""))
        elif param["in"] == "query":
            items = value if isinstance(value, list) else [value]
            query += [(param["name"], as_text(v)) for v in items]
        elif param["in"] == "header":
            headers[param["name"]] = as_text(value)
    security = operation.get("security", doc.get("security"))
    if security and all(requirement for requirement in security):
        headers["authorization"] = "Bearer mock-token"  # the token every mock accepts
    body, name = b"", None
    request_body = deref(doc, operation.get("requestBody"))
    if request_body:
        media_type, media = next(iter(request_body["content"].items()))
        examples = named_examples(doc, media)
        if examples:
            name, example = next(iter(examples.items()))
            value = example["value"]
        else:
            value = {}
        if isinstance(value, dict):
            value = {**value, **overrides}
            values.update(value)
        body, content_type = encode_body(media_type, value)
        headers["content-type"] = content_type
    url = f"/{api}{url_path}" + (f"?{urlencode(query)}" if query else "")
    return url, headers, body, name, values


def encode_body(media_type: str, value: Any) -> tuple[bytes, str]:
    if media_type.startswith("multipart/"):
        boundary = "specboundary"
        parts = []
        for key, item in value.items():
            disposition = f'form-data; name="{key}"'
            if key in ("audio", "img", "file", "image", "video"):
                disposition += f'; filename="{item}"'
            parts.append(f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n{as_text(item)}\r\n")
        return ("".join(parts) + f"--{boundary}--\r\n").encode(), f"multipart/form-data; boundary={boundary}"
    if media_type == "application/x-www-form-urlencoded":
        return urlencode({k: as_text(v) for k, v in value.items()}).encode(), media_type
    return json.dumps(value).encode(), media_type


# --- what the docs say the answer is ------------------------------------------------------------


def success_response(doc: dict[str, Any], operation: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    codes = sorted(
        int(code) for code in operation["responses"] if str(code).isdigit() and str(code).startswith("2")
    )
    return codes[0], deref(doc, operation["responses"][str(codes[0])])


def expected_example(
    response: dict[str, Any], doc, name: str | None, values: dict
) -> tuple[str, dict] | None:
    content = response.get("content") or {}
    if not content:
        return None
    media_type, media = next(iter(content.items()))
    examples = named_examples(doc, media)
    if not examples:
        return media_type, {}
    for example in examples.values():
        when = example.get("x-when")
        if when and all(
            k in values and jsonschema.Draft202012Validator(s).is_valid(values[k]) for k, s in when.items()
        ):
            return media_type, example
    if name in examples:
        return media_type, examples[name]
    return media_type, next(
        (e for e in examples.values() if not e.get("x-when")), next(iter(examples.values()))
    )


def assert_documented(response: MockResponse, media_type: str, example: dict[str, Any]) -> None:
    """The answer equals the example as JSON; a stream, item by item in its own framing."""
    assert response.headers["content-type"].split(";")[0] == media_type
    kind = STREAMS.get(media_type)
    wire = example.get("x-oai-serializedValue")
    if kind == "ndjson":
        assert all(chunk.endswith(b"\n") and chunk.count(b"\n") == 1 for chunk in response.chunks)
        items = [json.loads(chunk) for chunk in response.chunks]
        documented = [json.loads(line) for line in (wire or "").split("\n") if line.strip()] or [
            example["value"]
        ]
        assert items == documented
        assert items[-1] == example["value"]
    elif kind == "sse":
        assert all(chunk.startswith(b"data: ") and chunk.endswith(b"\n\n") for chunk in response.chunks)
        items = [json.loads(chunk[len(b"data: ") :]) for chunk in response.chunks]
        documented = [
            json.loads(event[len("data: ") :]) for event in (wire or "").split("\n\n") if event.strip()
        ]
        assert items == (documented or [example["value"]])
        assert items[-1] == example["value"]
    elif kind == "text":
        assert response.text == (wire if wire is not None else example["value"])
    else:
        assert response.json() == example["value"]


@pytest.mark.parametrize(("api", "path", "method"), operations(), ids=lambda v: str(v))
def test_every_operation_answers_its_documented_example(mock, api, path, method):
    doc = DOCS[api]
    url, headers, body, name, values = documented_request(api, path, method)
    response = call(mock, method.upper(), url, headers=headers, body=body)
    status, documented = success_response(doc, doc["paths"][path][method])
    assert response.status == status, response.text
    expected = expected_example(documented, doc, name, values)
    if expected is None:
        assert response.body == b""
        return
    media_type, example = expected
    if example:
        assert_documented(response, media_type, example)
    else:  # nothing documented: data generated from the schema
        assert response.headers["content-type"].split(";")[0] == media_type
    for header, spec in (documented.get("headers") or {}).items():
        if "example" in spec:
            assert response.headers[header.lower()] == as_text(spec["example"])


def all_examples() -> list[tuple[str, str, str, str, str]]:
    found = []
    shared: set[tuple[str, str, str]] = set()  # a component response is tested once per API
    for api, path, method in operations():
        doc = DOCS[api]
        for code, raw in doc["paths"][path][method]["responses"].items():
            response = deref(doc, raw)
            for media in (response.get("content") or {}).values():
                for name in named_examples(doc, media):
                    if "$ref" in raw:
                        if (api, raw["$ref"], name) in shared:
                            continue
                        shared.add((api, raw["$ref"], name))
                    found.append((api, path, method, str(code), name))
    return found


def satisfying(schema: dict[str, Any]) -> Any:
    """A value an x-when schema accepts (the forms the importer writes)."""
    if "enum" in schema:
        return schema["enum"][0]
    if "exclusiveMinimum" in schema:
        return schema["exclusiveMinimum"] + 1
    if "minimum" in schema:
        return schema["minimum"]
    if "exclusiveMaximum" in schema:
        return schema["exclusiveMaximum"] - 1
    if "maximum" in schema:
        return schema["maximum"]
    raise AssertionError(f"no sample value for x-when schema {schema}")


def x_when_examples() -> list[tuple[str, str, str, str]]:
    found = []
    for api, path, method in operations():
        doc = DOCS[api]
        _, response = success_response(doc, doc["paths"][path][method])
        for media in (response.get("content") or {}).values():
            for name, example in named_examples(doc, media).items():
                if example.get("x-when"):
                    found.append((api, path, method, name))
    return found


@pytest.mark.parametrize(("api", "path", "method", "name"), x_when_examples(), ids=lambda v: str(v))
def test_every_x_when_example_answers_the_requests_it_describes(mock, api, path, method, name):
    doc = DOCS[api]
    status, response = success_response(doc, doc["paths"][path][method])
    media_type, media = next(iter(response["content"].items()))
    example = named_examples(doc, media)[name]
    overrides = {field: satisfying(schema) for field, schema in example["x-when"].items()}
    url, headers, body, _, _ = documented_request(api, path, method, overrides)
    response = call(mock, method.upper(), url, headers=headers, body=body)
    assert response.status == status
    assert_documented(response, media_type, example)


@pytest.mark.parametrize(("api", "path", "method", "code", "name"), all_examples(), ids=lambda v: str(v))
def test_every_named_example_can_be_asked_for(mock, api, path, method, code, name):
    doc = DOCS[api]
    url, headers, body, _, _ = documented_request(api, path, method)
    prefer = f"example={name}" + (f", code={code}" if code.isdigit() else "")
    response = call(mock, method.upper(), url, headers={**headers, "prefer": prefer}, body=body)
    assert response.status == (int(code) if code.isdigit() else 200)
    documented = deref(doc, doc["paths"][path][method]["responses"][code])
    media_type, media = next(iter(documented["content"].items()))
    assert_documented(response, media_type, named_examples(doc, media)[name])


def secured_operations() -> list[tuple[str, str, str]]:
    return [
        (api, path, method)
        for api, path, method in operations()
        if (security := DOCS[api]["paths"][path][method].get("security", DOCS[api].get("security")))
        and all(security)
    ]


@pytest.mark.parametrize(("api", "path", "method"), secured_operations(), ids=lambda v: str(v))
def test_a_secured_operation_without_token_answers_x_unauthorized(mock, api, path, method):
    doc = DOCS[api]
    rule = doc["x-unauthorized"]
    url, headers, body, _, _ = documented_request(api, path, method)
    headers.pop("authorization")
    response = call(mock, method.upper(), url, headers=headers, body=body)
    assert response.status == rule["status"]
    unauthorized = deref(doc, {"$ref": rule["response"]})
    media = next(iter(unauthorized["content"].values()))
    assert response.json() == next(iter(named_examples(doc, media).values()))["value"]


def operations_with_required_input() -> list[tuple[str, str, str]]:
    found = []
    for api, path, method in operations():
        doc = DOCS[api]
        operation = doc["paths"][path][method]
        body = deref(doc, operation.get("requestBody"))
        if body and body.get("required"):
            found.append((api, path, method))
    return found


@pytest.mark.parametrize(("api", "path", "method"), operations_with_required_input(), ids=lambda v: str(v))
def test_a_missing_body_answers_x_invalid_input_with_the_message(mock, api, path, method):
    doc = DOCS[api]
    rule = doc["x-invalid-input"]
    url, headers, _, _, _ = documented_request(api, path, method)
    response = call(mock, method.upper(), url, headers=headers, body=b"")
    assert response.status == rule["status"], response.text
    message = response.json()
    for token in rule["messagePointer"].split("/")[1:]:
        message = message[token]
    assert "request body is required" in message


def test_add_chat_answers_the_ai_example_for_any_ai_message(mock):
    request = {
        "request_id": "r1",
        "user_id": "123",
        "session_id": "s1",
        "role": "ai",
        "msg": "a message no doc mentions",
    }
    ai = call(mock, "POST", "/session-store/add_chat", json_body=request)
    user = call(mock, "POST", "/session-store/add_chat", json_body={**request, "role": "user"})
    assert ai.status == user.status == 200
    doc = DOCS["session-store"]
    examples = doc["paths"]["/add_chat"]["post"]["responses"]["200"]["content"]["application/json"][
        "examples"
    ]
    by_role = {ex["x-when"]["role"]["enum"][0]: ex["value"] for ex in examples.values()}
    assert (ai.json(), user.json()) == (by_role["ai"], by_role["user"])


def test_group_generate_answers_the_user_stream_for_speaker_user(mock):
    token = {"authorization": "Bearer tokenabcde"}
    base = "/character/character/group/generate/sse?user_id=1&session_id=1"
    user = call(mock, "GET", base + "&speaker=USER", headers=token)
    ai = call(mock, "GET", base + "&speaker=AI_2", headers=token)
    assert "contents" in json.loads(user.chunks[-1][len(b"data: ") :])["result"]
    assert "content" in json.loads(ai.chunks[-1][len(b"data: ") :])["result"]
    assert len(user.chunks) == len(ai.chunks) == 3
