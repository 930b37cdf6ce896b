"""The four real documents: what a user of each generated spec relies on, checked by hand against the docs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import lookup, operations, resolve
from helpers import operation as op

from generators.commands import import_file
from generators.jsonschema import errors as schema_errors

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "spec" / "sources"


@pytest.fixture(scope="module")
def imported():
    return {
        api: import_file(SOURCES / f"{api}.md", ROOT / "spec" / "overlays")
        for api in ("character", "session-store", "aichat", "yike")
    }


def ops(spec):
    return [(m.upper(), p) for m, p, _ in operations(spec)]


def deref(spec, node):
    return lookup(spec, node["$ref"]) if "$ref" in node else node


def flat(spec, schema):
    """Properties and required of a schema, following $ref and merging allOf."""
    resolved = resolve(spec, schema)
    return resolved.get("properties", {}), resolved.get("required", [])


def diags(result, rule):
    return [d for d in result.diagnostics if d.rule == rule]


def test_operation_counts(imported):
    counts = {api: len(ops(r.spec)) for api, r in imported.items()}
    # aichat: the doc's /chatList, and the login its error codes 610/620 imply (added by its overlay)
    assert counts == {"character": 269, "session-store": 7, "aichat": 2, "yike": 8}
    assert sum(counts.values()) == 286


def test_no_errors_and_every_operation_traceable(imported):
    for api, r in imported.items():
        assert not r.has_errors, [d.text() for d in r.diagnostics if d.severity == "error"]
        ids = [o["operationId"] for item in r.spec["paths"].values() for o in item.values()]
        assert len(ids) == len(set(ids)), f"{api}: operationIds are not unique"
        for item in r.spec["paths"].values():
            for o in item.values():
                assert o["x-source"]["file"] == f"{api}.md"
                assert o["x-source"]["line"] >= 1
                assert o["summary"]


def test_operations_in_document_order(imported):
    lines = [
        o["x-source"]["line"] for item in imported["character"].spec["paths"].values() for o in item.values()
    ]
    assert lines == sorted(lines)


# --- character ------------------------------------------------------------------------------------


def test_character_get_parameters_are_query_with_integer_ids(imported):
    spec = imported["character"].spec
    o = op(spec, "GET", "/tags/complete/list")
    params = {p["name"]: p for p in o["parameters"]}
    assert params["user_id"]["in"] == "query" and params["user_id"]["required"] is True
    assert params["user_id"]["schema"]["type"] == "integer"
    assert params["lang"]["required"] is False and params["lang"]["schema"]["type"] == "string"
    assert o["summary"] == "get all character tag list"
    assert o["tags"] == ["base interface"]
    assert o["x-source"]["line"] == 39


def test_character_upload_is_multipart_with_a_binary_file(imported):
    o = op(imported["character"].spec, "POST", "/user/uploadAudio")
    media = o["requestBody"]["content"]["multipart/form-data"]
    assert media["schema"]["properties"]["audio"] == {"type": "string", "format": "binary"}
    assert media["schema"]["required"] == ["user_id", "audio"]
    assert "application/json" not in o["requestBody"]["content"]


def test_character_deprecated_sections(imported):
    spec = imported["character"].spec
    assert op(spec, "GET", "/tags/list")["deprecated"] is True  # "### 0.0.0 ... // deprecated"
    assert op(spec, "POST", "/api/apple/order")["deprecated"] is True  # "### 7.1 buy tokens (deprecated)"
    assert op(spec, "POST", "/api/apple/order")["summary"] == "buy tokens"
    assert "deprecated" not in op(spec, "GET", "/tags/listAvailableTags")
    assert sum(1 for item in spec["paths"].values() for o in item.values() if o.get("deprecated")) == 14


def test_character_typo_path_kept_as_written_with_a_diagnostic(imported):
    r = imported["character"]
    assert "/novell/doCollect" in r.spec["paths"]
    typo = [d for d in diags(r, "path-typo") if "/novell/doCollect" in d.message]
    assert typo and typo[0].line == 2999 and "'novel'" in typo[0].message


def test_character_ndjson_stream_keeps_every_line_in_order(imported):
    spec = imported["character"].spec
    media = op(spec, "POST", "/character/genChat")["responses"]["200"]["content"]
    assert list(media) == ["application/x-ndjson"]
    ex = media["application/x-ndjson"]["examples"]["default"]
    lines = ex["x-oai-serializedValue"].splitlines()
    assert len(lines) == 3
    contents = [json.loads(line)["result"]["content"] for line in lines]
    assert contents == ["\n\n", "\n\n*我向Tom发出了疲衣表", "\n\n*我向Tom发出了疲衣表眼*"]
    assert ex["value"]["result"]["done"] is True
    props, _ = flat(spec, media["application/x-ndjson"]["schema"])
    result, _ = flat(spec, props["result"])
    assert result["done"] == {"type": "boolean"} and result["uniqId"] == {"type": "integer"}


def test_character_repaired_stream_is_reported_at_each_line(imported):
    r = imported["character"]
    lines = [d.line for d in diags(r, "sample-repaired") if "stray quote" in d.message]
    assert 947 in lines and 948 in lines  # 1.13 reGenerate: `""content"` twice


def test_character_sse_endpoint_and_conditional_examples(imported):
    o = op(imported["character"].spec, "GET", "/character/group/generate/sse")
    media = o["responses"]["200"]["content"]["text/event-stream"]
    examples = media["examples"]
    assert set(examples) == {"default", "speaker_eq_USER"}
    assert examples["speaker_eq_USER"]["x-when"] == {"speaker": {"enum": ["USER"]}}
    frames = examples["default"]["x-oai-serializedValue"].split("\n\n")
    assert frames[0].startswith("data: {") and frames[-1] == ""
    assert len(frames) == 4


def test_character_two_conditional_stream_samples(imported):
    o = op(imported["character"].spec, "POST", "/character/genUserChat")
    examples = o["responses"]["200"]["content"]["application/x-ndjson"]["examples"]
    assert examples["batch_size_le_1"]["x-when"] == {"batch_size": {"maximum": 1}}
    assert examples["batch_size_gt_1"]["x-when"] == {"batch_size": {"exclusiveMinimum": 1}}


def test_character_login_documents_the_token_headers(imported):
    o = op(imported["character"].spec, "POST", "/user/loginByEmail")
    headers = o["responses"]["200"]["headers"]
    assert headers["session-token"]["schema"] == {"type": "string"}
    assert headers["session-token"]["required"] is True
    assert headers["expireTs"]["schema"] == {"type": "integer"}
    assert o["security"] == [], "login is public (overlay)"
    assert "401" not in o["responses"]


def test_character_envelope_and_error_codes(imported):
    spec = imported["character"].spec
    env = spec["components"]["schemas"]["Envelope"]
    assert list(env["properties"]) == ["code", "msg", "result"]
    assert env["required"] == ["code", "msg"]
    errors = spec["components"]["responses"]["Error"]["content"]["application/json"]["examples"]
    assert {e["value"]["code"] for e in errors.values()} == {1, 2, 3, 4}
    assert spec["x-envelope"]["codeField"] == "code" and spec["x-envelope"]["successCode"] == 0
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert spec["security"] == [{"bearerAuth": []}]


def test_character_alternative_streams_become_separate_examples(imported):
    r = imported["character"]
    media = op(r.spec, "POST", "/character/world/scenario/last")["responses"]["200"]["content"][
        "application/x-ndjson"
    ]
    assert list(media["examples"]) == ["alternative_1", "alternative_2", "alternative_3"]
    assert len(media["examples"]["alternative_1"]["x-oai-serializedValue"].splitlines()) == 2
    assert len(media["examples"]["alternative_3"]["x-oai-serializedValue"].splitlines()) == 1
    assert [d.line for d in diags(r, "stream-order")] == [7209]  # 11.12: a line after `done: true`


def test_character_sections_with_defects_are_reported(imported):
    r = imported["character"]
    # both sections of a number used twice: 3.51, 8.2, 9.0.3
    assert [d.line for d in diags(r, "duplicate-section-number")] == [5083, 5111, 6267, 6295, 6458, 6515]
    assert [d.line for d in diags(r, "commented-section")] == [2966]
    assert "/novel/report" in r.spec["paths"]  # from 2.27; 2.21 is commented out
    assert op(r.spec, "POST", "/novel/report")["x-source"]["line"] == 3168
    mismatch = {d.line for d in diags(r, "heading-table-mismatch")}
    assert 5919 in mismatch  # 5.6 cancel subscription, table says 'capture subscription'
    assert [d.line for d in diags(r, "duplicate-key")] == [3440]
    assert "first at line 3438" in diags(r, "duplicate-key")[0].message  # a file line, not a sample line
    assert 3288 in [d.line for d in diags(r, "sample-repaired")]  # missing comma before expireTs


def test_character_defects_that_only_show_across_sections(imported):
    r = imported["character"]
    # 2.27 repeats the method and path of the commented-out 2.21
    repeated = [d for d in diags(r, "duplicate-operation") if "commented-out" in d.message]
    assert [d.line for d in repeated] == [3168] and "line 2966" in repeated[0].message
    # JSON lines with a few bare keys (1.30, 1.44, 4.9, 13.6, 13.9, and the group chat's 14.x copy)
    # or a single-quoted string (11.12): each line a JSON parser rejects, at its file line
    assert [d.line for d in diags(r, "mixed-quoting")] == [
        1592, 1593, 1594,  # 1.30
        2013, 2014,  # 1.44
        5478, 5479, 5480,  # 4.9
        7209,  # 11.12: "iv":'xxxxx'
        8108, 8109, 8110,  # 13.6
        8184, 8185,  # 13.9
        8699, 8700, 8701,  # 14.x group generate
    ]  # fmt: skip
    assert "unquoted key target_message" in diags(r, "mixed-quoting")[0].message
    # javascript-fenced samples are JS literals: bare keys there are the doc's dialect, not reported
    assert 4340 not in [d.line for d in diags(r, "mixed-quoting")]


def test_operations_that_document_no_answer_are_reported(imported):
    assert [d.line for d in diags(imported["yike"], "no-response")] == [84, 182]  # 创建对话, 发布消息
    assert [d.line for d in diags(imported["session-store"], "no-response")] == [5]  # add_user
    assert not diags(imported["character"], "no-response")


def test_character_numbering_off_reported_once_per_table(imported):
    lines = [d.line for d in diags(imported["character"], "params-numbering")]
    assert 54 in lines  # 0.0: rows numbered 1, 2, 2 (the second 2 is at line 54)
    assert len(lines) == len(set(lines))


# --- session-store --------------------------------------------------------------------------------


def test_session_store_add_chat_merged_with_two_named_examples(imported):
    r = imported["session-store"]
    o = op(r.spec, "POST", "/add_chat")
    req = o["requestBody"]["content"]["application/json"]
    assert set(req["examples"]) == {"role_user", "role_ai"}
    assert req["examples"]["role_ai"]["value"]["role"] == "ai"
    res = o["responses"]["200"]["content"]["application/json"]["examples"]
    assert res["role_ai"]["x-when"] == {"role": {"enum": ["ai"]}}
    assert [d.line for d in diags(r, "duplicate-operation")] == [151]
    # the overlay supplies the session the doc forgot
    assert "session_id" in req["schema"]["properties"]
    assert req["examples"]["role_user"]["value"]["session_id"] == "abc"


def test_session_store_fields_from_comments_and_unknown_required(imported):
    r = imported["session-store"]
    o = op(r.spec, "POST", "/query_session_info")
    props = o["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert props["user_id"] == {"type": "string", "description": "微信用户id"}
    # The doc never says what is required (reported at the request sample); the overlay decides it.
    assert 106 in [d.line for d in diags(r, "required-unknown")]
    assert o["requestBody"]["content"]["application/json"]["schema"]["required"] == ["user_id", "session_id"]
    resp, _ = flat(r.spec, o["responses"]["200"]["content"]["application/json"]["schema"])
    assert resp["chats"]["items"]["properties"]["role"]["type"] == "string"
    assert r.spec["servers"][0] == {
        "url": "http://localhost:8000"
    }  # the doc's own, then the mock's (overlay)
    assert r.spec["servers"][1]["url"] == "http://127.0.0.1:8000/session-store"


def test_session_store_envelope_mismatch(imported):
    r = imported["session-store"]
    assert [d.line for d in diags(r, "envelope-mismatch")] == [29]  # query_user_info has no ok/failed
    schema = op(r.spec, "POST", "/query_user_info")["responses"]["200"]["content"]["application/json"][
        "schema"
    ]
    assert "allOf" not in schema and "ok" not in schema["properties"]


# --- aichat ---------------------------------------------------------------------------------------


def test_aichat_showdoc_operation(imported):
    r = imported["aichat"]
    o = op(r.spec, "POST", "/chatList")
    assert o["summary"] == "会话列表"
    body = o["requestBody"]["content"]["application/json"]["schema"]
    assert body["properties"]["page"]["type"] == "integer"
    assert "required" not in body  # 必选: 否
    schema = o["responses"]["200"]["content"]["application/json"]["schema"]
    props, _ = flat(r.spec, schema)
    item = props["data"]["items"]["properties"]
    assert item["lastActiveAt"]["description"] == "最近会话时间"
    assert item["roleInfo"]["properties"]["level"]["description"] == "亲密度"
    assert r.spec["x-envelope"]["successCode"] == 200
    errors = r.spec["components"]["responses"]["Error"]["content"]["application/json"]["examples"]
    assert {e["value"]["code"] for e in errors.values()} == {510, 610, 620}


def test_aichat_login_decided_in_the_overlay_is_public_and_traced_to_the_error_codes(imported):
    r = imported["aichat"]
    login = op(r.spec, "POST", "/login")
    assert login["security"] == []
    assert op(r.spec, "POST", "/chatList")["responses"]["401"] == {
        "$ref": "#/components/responses/Unauthorized"
    }
    assert r.spec["security"] == [{"bearerAuth": []}]
    line = login["x-source"]["line"]
    assert "610 邮箱未注册 620 账号或密码错误" in (SOURCES / "aichat.md").read_text().splitlines()[line - 1]
    body = login["requestBody"]["content"]["application/json"]["schema"]
    assert sorted(body["required"]) == ["email", "password"]


# --- yike -----------------------------------------------------------------------------------------


def test_yike_text_stream_and_leading_slash(imported):
    r = imported["yike"]
    o = op(r.spec, "POST", "/chat/conversations/{id}/completions")
    media = o["responses"]["200"]["content"]["text/plain"]
    assert media["schema"]["type"] == "string"
    assert media["examples"]["default"]["x-oai-serializedValue"] == "嗨，欢迎来到一刻，你想聊点什么？"
    assert [d.line for d in diags(r, "path-leading-slash")] == [200]
    assert o["parameters"][0] == {
        "name": "id",
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
        "example": "1",
    }


def test_yike_unclosed_fence_repaired_and_body_read(imported):
    r = imported["yike"]
    assert [d.line for d in diags(r, "unclosed-fence")] == [86]
    o = op(r.spec, "POST", "/api/chat/conversations")
    body = o["requestBody"]["content"]["application/json"]
    assert body["examples"]["default"]["value"] == {"title": "新的对话", "prompt_id": "0"}
    assert body["schema"]["properties"]["prompt_id"]["description"].startswith("可选")


def test_yike_query_in_path_and_nullable(imported):
    spec = imported["yike"].spec
    o = op(spec, "GET", "/api/prompts")
    assert o["parameters"][0]["name"] == "page" and o["parameters"][0]["in"] == "query"
    assert o["parameters"][0]["schema"] == {"type": "integer"}
    user = op(spec, "GET", "/api/user")["responses"]["200"]["content"]["application/json"]["schema"]
    # null in every sample and no other field tells its type: left untyped (which admits null), said so
    assert user["properties"]["email"] == {
        "description": "null in every documented sample; the type is not documented"
    }
    # typed like the other `_at` fields of the doc (created_at: "2023-04-26T09:03:14.000000Z")
    assert user["properties"]["deleted_at"] == {"type": "string", "nullable": True}
    assert spec["security"] == [{"bearerAuth": []}]


def test_every_example_validates_against_its_schema(imported):
    for r in imported.values():
        spec = r.spec
        for path, item in spec["paths"].items():
            for o in item.values():
                for resp in o["responses"].values():
                    resp = deref(spec, resp)
                    for media in (resp.get("content") or {}).values():
                        for name, ex in (media.get("examples") or {}).items():
                            assert not schema_errors(media["schema"], spec, ex["value"]), (path, name)


def test_character_headerless_params_table_read_with_the_usual_columns(imported):
    r = imported["character"]
    body = op(r.spec, "POST", "/api/appsflyer/send")["requestBody"]["content"]["application/json"]["schema"]
    assert list(body["properties"]) == ["user_id", "app_id", "data"]
    assert body["properties"]["data"]["type"] == "object"  # `json` in the doc
    assert body["required"] == ["user_id", "app_id", "data"]
    assert 6567 in [d.line for d in diags(r, "params-columns")]


def _closed_empty_objects(node, where="$"):
    """Schemas a TypeScript generator types as `Record<string, never>`: an object that admits no field."""
    found = []
    if isinstance(node, dict):
        if (
            node.get("type") == "object"
            and not node.get("properties")
            and node.get("additionalProperties") in (None, False)
            and not any(k in node for k in ("allOf", "anyOf", "oneOf", "$ref"))
        ):
            found.append(where)
        for key, value in node.items():
            if key not in ("example", "examples", "x-oai-serializedValue"):
                found += _closed_empty_objects(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _closed_empty_objects(value, f"{where}[{i}]")
    return found


def test_objects_the_doc_shows_no_fields_of_accept_any_fields(imported):
    """character's `receipt` (a `json` param) and `{}` samples: real data must still type-check."""
    for api, r in imported.items():
        assert _closed_empty_objects(r.spec) == [], api
    spec = imported["character"].spec
    receipt = op(spec, "POST", "/api/apple/order")["requestBody"]["content"]["application/json"]["schema"]
    assert receipt["properties"]["receipt"] == {
        "type": "object",
        "additionalProperties": True,
        "description": "receipt",
    }


def test_envelope_fields_keep_the_descriptions_the_doc_gives_them(imported):
    aichat = imported["aichat"].spec["components"]["schemas"]["Envelope"]["properties"]
    assert aichat["code"]["description"] == "状态码" and aichat["msg"]["description"] == "提示信息"
    store = imported["session-store"].spec["components"]["schemas"]["Envelope"]["properties"]
    assert store["request_id"]["description"] == "请求id"  # from the samples' comments


def test_operation_ids_stay_distinct_in_generated_clients():
    """openapi-python-client and openapi-generator rename operationIds to snake_case or camelCase:
    `/media/generateAudio` and `/media/generate/audio` must not become one name there (the second
    operation was left out of the generated client)."""
    from generators.importer import import_markdown

    text = "# Media\n\n## Audio\n\n`POST /media/generate/audio`\n\n## Audio again\n\n`POST /media/generateAudio`\n"
    spec = import_markdown(text, file="media.md").spec
    ids = [op["operationId"] for item in spec["paths"].values() for op in item.values()]
    assert len(ids) == 2
    folded = {i.replace("_", "").lower() for i in ids}
    assert len(folded) == 2, ids


def test_character_operation_ids_are_unique_case_and_separator_blind(imported):
    ids = [op["operationId"] for _, _, op in operations(imported["character"].spec)]
    assert len({i.replace("_", "").lower() for i in ids}) == len(ids) == 269
