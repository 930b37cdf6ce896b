"""Each recognizer reads its clue from a small doc of its own (issue 10, "the importer on real docs").

The fixtures in `tests/fixtures/variants/` paraphrase the styles met in real public API docs; every
expected value below was worked out by hand from the fixture text. Lines are found with
`line_of(text, needle)`, so a fixture can be edited without renumbering.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest
from helpers import (
    diagnostics,
    example_values,
    line_of,
    operation,
    operations,
    parameters,
    request_content,
    request_schema,
    response_content,
    response_schema,
)

from generators.importer import import_markdown
from generators.importer import recognizers as registry

VARIANTS = Path(__file__).parent / "fixtures" / "variants"

# The doc that shows each recognizer's clue (several recognizers meet in the older fixtures).
RECOGNIZER_FIXTURES = {
    "heading_request_line": "heading_title_request_line.md",
    "heading_bracket": "api_blueprint.md",
    "heading_path": "path_heading_zh.md",
    "heading_method": "method_headings.md",
    "heading_label": "label_headings_zh.md",
    "endpoint_table": "endpoint_table.md",
    "kv_table": "kv_table_headers.md",
    "status_table": "status_table_zh.md",
    "params_table": "params_location_column.md",
    "curl_command": "curl_examples.md",
    "status_line": "status_lines.md",
    "raw_http_response": "raw_http.md",
    "proto_messages": "protobuf.md",
    "code_table": "label_headings_zh.md",
    "code_label_value": "label_headings_zh.md",
    "code_request_line": "code_blocks.md",
    "example_url": "example_url.md",
    "header_lines": "request_headers_block.md",
    "code_sample": "kv_lines_zh.md",
    "label_value": "labels_without_colon_zh.md",
    "request_line_text": "method_heading_bullet_quote.md",
    "bare_url_line": "quoted_url_zh.md",
    "bare_method_line": "bare_method_line.md",
    "title_line": "bold_titles.md",
    "location_bullets": "location_bullets.md",
    "param_bullets": "param_bullets.md",
    "status_bullets": "status_bullets.md",
    "raw_json_text": "raw_json_text_zh.md",
    "prose_params": "prose_params.md",
    "prose_response": "prose_response.md",
    "reference_line": "bold_titles.md",
    "label_line": "prose_captions.md",
    "note_line": "method_headings.md",
    "gitbook_api_blocks": "gitbook_blocks.md",
    "html_table": "html_table_zh.md",
}


@functools.cache
def imported(name: str) -> tuple[str, Any]:
    text = (VARIANTS / name).read_text(encoding="utf-8")
    return text, import_markdown(text, file=name)


def props(schema: dict[str, Any]) -> dict[str, Any]:
    return schema.get("properties") or {}


def param(spec: dict[str, Any], method: str, path: str, name: str) -> dict[str, Any]:
    found = parameters(spec, method, path)
    assert name in found, f"{method} {path} has no parameter {name!r}: {sorted(found)}"
    return found[name]


# --- the registry -----------------------------------------------------------------------------------


def test_every_recognizer_has_a_fixture_of_its_own():
    names = [r.name for r in registry.RECOGNIZERS]
    assert len(names) == len(set(names))
    assert set(names) == set(RECOGNIZER_FIXTURES)
    for name in RECOGNIZER_FIXTURES.values():
        assert (VARIANTS / name).is_file(), name


def _claims(name: str) -> bool:
    module = __import__(f"generators.importer.recognizers.{name}", fromlist=["read"])
    return getattr(module, "CLAIMS", True) is not False


# Recognizers that read sentences without claiming them are left out: their fixture tests check
# what they read.
@pytest.mark.parametrize("name", sorted(n for n in RECOGNIZER_FIXTURES if _claims(n)))
def test_each_recognizer_reads_its_clue_in_its_fixture(name):
    """The fixture really exercises the recognizer: it claims a block or a line of it."""
    position = next(i for i, r in enumerate(registry.RECOGNIZERS) if r.name == name)
    original = registry.RECOGNIZERS[position]
    claims = []

    def spy(ctx: Any, item: Any) -> Any:
        result = original.read(ctx, item)
        if result:
            claims.append(result)
        return result

    registry.RECOGNIZERS[position] = registry.Recognizer(name, original.kinds, spy)
    try:
        text = (VARIANTS / RECOGNIZER_FIXTURES[name]).read_text(encoding="utf-8")
        import_markdown(text, file=RECOGNIZER_FIXTURES[name])
    finally:
        registry.RECOGNIZERS[position] = original
    assert claims, f"{name} read nothing in {RECOGNIZER_FIXTURES[name]}"


# --- tables of endpoints ------------------------------------------------------------------------------


def test_endpoint_table_one_operation_per_row_and_alternatives_split():
    text, r = imported("endpoint_table.md")
    got = [(m, p) for m, p, _ in operations(r.spec)]
    assert got == [
        ("POST", "/paste"),
        ("GET", "/{PASTE}/raw"),
        ("GET", "/r/{SHORT-ID}"),
        ("DELETE", "/{PASTE}"),
        ("GET", "/{PASTE}/meta"),
        ("GET", "/latest"),
    ]
    raw = operation(r.spec, "GET", "/{PASTE}/raw")
    assert raw["summary"] == "Returns the paste as plain text"
    assert raw["x-source"]["line"] == line_of(text, "`/<PASTE>/raw` or")
    assert raw["tags"] == ["Pastes"]
    # the bold lead is the title, the rest the description, and the description says what comes back
    assert list(response_content(r.spec, raw)) == ["text/plain"]
    assert list(response_content(r.spec, operation(r.spec, "GET", "/{PASTE}/meta"))) == ["application/json"]
    assert "302" in operation(r.spec, "GET", "/latest")["responses"]
    assert param(r.spec, "GET", "/latest", "limit")["in"] == "query"


def test_endpoint_table_prose_cells_give_request_bodies():
    _, r = imported("endpoint_table.md")
    # "send `Content-Type: text/plain`" is the request's type, not the answer's
    post = operation(r.spec, "POST", "/paste")
    assert list(request_content(r.spec, post)) == ["text/plain"]
    assert "content" not in post["responses"]["200"]
    delete = operation(r.spec, "DELETE", "/{PASTE}")
    assert list(props(request_schema(r.spec, delete, "application/x-www-form-urlencoded"))) == ["token"]


def test_endpoint_table_zh_two_columns_with_one_row_is_the_sections_operation():
    text, r = imported("endpoint_table_zh.md")
    post = operation(r.spec, "POST", "/books")
    assert post["summary"] == "新增图书"
    assert post["x-source"]["line"] == line_of(text, "### 1.1 新增图书")
    body = request_schema(r.spec, post)
    assert body["required"] == ["title"]
    assert props(body)["isbn"]["description"] == "ISBN编号"
    assert set(props(response_schema(r.spec, post))) == {"id", "title", "isbn"}
    delete = operation(r.spec, "DELETE", "/books/{id}")
    assert "批量删除" in delete["description"]


def test_kv_table_header_rows_method_alias_and_a_label_glued_under_it():
    text, r = imported("kv_table_headers.md")
    add = operation(r.spec, "POST", "/api/marks")
    session = param(r.spec, "POST", "/api/marks", "X-Session-Id")
    assert session["in"] == "header" and session["example"] == "sessionId"
    # `Body:` right under the table is read as the label it is
    assert set(props(request_schema(r.spec, add))) == {"url", "tags"}
    assert [d.line for d in diagnostics(r, "params-columns")] == [text.split("\n").index("Body:") + 1]
    remove = operation(r.spec, "DELETE", "/api/marks")
    assert [d.line for d in diagnostics(r, "method-alias")] == [line_of(text, "|Method|`DEL`|")]
    # a bare JSON array is the body itself
    assert request_schema(r.spec, remove) == {"type": "array", "items": {"type": "integer"}}


def test_status_table_in_an_operations_section():
    _, r = imported("status_table_zh.md")
    op = operation(r.spec, "GET", "/api/orders/{orderNo}")
    assert op["responses"]["404"]["description"] == "订单不存在"
    assert op["responses"]["500"]["description"] == "服务器错误"
    assert set(props(response_schema(r.spec, op))) == {"orderNo", "state"}


def test_params_table_location_column():
    _, r = imported("params_location_column.md")
    op = operation(r.spec, "PATCH", "/invoices/{invoiceId}")
    found = parameters(r.spec, "PATCH", "/invoices/{invoiceId}")
    assert {n: p["in"] for n, p in found.items()} == {
        "invoiceId": "path",
        "X-Request-Id": "header",
        "dryRun": "query",
    }
    assert found["dryRun"]["schema"]["type"] == "boolean"
    body = request_schema(r.spec, op)
    assert list(props(body)) == ["amount", "note"] and body["required"] == ["amount"]


# --- headings ----------------------------------------------------------------------------------------


def test_heading_title_followed_by_its_request_line():
    text, r = imported("heading_title_request_line.md")
    items = operation(r.spec, "GET", "/api/items")
    assert items["summary"] == "获取商品列表"
    assert param(r.spec, "GET", "/api/items", "page")["in"] == "query"
    restock = operation(r.spec, "POST", "/api/items/{id}/restock")
    assert restock["summary"] == "Restock an item"
    assert restock["x-source"]["line"] == line_of(text, "(POST /api/items/{id}/restock)")
    assert list(props(request_schema(r.spec, restock))) == ["amount"]


def test_api_blueprint_resources_actions_statuses_and_headers():
    _, r = imported("api_blueprint.md")
    assert [(m, p) for m, p, _ in operations(r.spec)] == [
        ("GET", "/questions"),
        ("POST", "/questions"),
        ("GET", "/questions/{question_id}"),
        ("DELETE", "/questions/{question_id}"),
    ]
    create = operation(r.spec, "POST", "/questions")
    assert create["summary"] == "Create a New Question"
    assert create["tags"] == ["Questions Collection"]
    assert set(props(request_schema(r.spec, create))) == {"question", "choices"}
    # `+ Response 201` then `+ Headers` and `+ Body`: one 201 answer with its Location header
    assert set(create["responses"]) == {"201"}
    assert create["responses"]["201"]["headers"]["Location"]["example"] == "/questions/2"
    assert set(props(response_schema(r.spec, create, "201"))) == {"question", "url"}
    delete = operation(r.spec, "DELETE", "/questions/{question_id}")
    assert list(delete["responses"]) == ["204"] and "content" not in delete["responses"]["204"]


def test_path_heading_with_the_method_on_a_line_of_its_own():
    text, r = imported("path_heading_zh.md")
    feed = operation(r.spec, "GET", "/v2/clips/")
    assert feed["summary"] == "拉取视频流"
    assert feed["x-source"]["line"] == line_of(text, "## /v2/clips/ - 拉取视频流")
    like = operation(r.spec, "POST", "/v2/clips/like/")
    assert like["summary"] == "点赞"


def test_protobuf_messages_are_parameters_and_answer():
    _, r = imported("path_heading_zh.md")
    before = param(r.spec, "GET", "/v2/clips/", "before")
    assert before["in"] == "query" and before["required"] is False
    assert before["schema"]["type"] == "integer"
    assert before["description"] == "只返回这个时间之前发布的视频"
    answer = response_schema(r.spec, operation(r.spec, "GET", "/v2/clips/"))
    assert set(props(answer)) == {"status_code", "status_msg", "clip_list"}
    clip = props(answer)["clip_list"]
    assert clip["type"] == "array" and set(props(clip["items"])) == {"id", "play_url"}
    like = request_schema(r.spec, operation(r.spec, "POST", "/v2/clips/like/"))
    assert like["required"] == ["token", "clip_id"]


def test_protobuf_proto3_fields_are_optional():
    _, r = imported("protobuf.md")
    op = operation(r.spec, "POST", "/chat/send")
    body = request_schema(r.spec, op)
    assert list(props(body)) == ["token", "to_user_id", "content"] and "required" not in body
    assert not diagnostics(r, "required-unknown")
    message = props(response_schema(r.spec, op))["message"]
    assert props(message)["created_at"]["description"] == "unix seconds"


def test_method_headings_under_a_path_heading():
    text, r = imported("method_headings.md")
    assert [(m, p) for m, p, _ in operations(r.spec)] == [
        ("GET", "/api/workouts"),
        ("POST", "/api/workouts"),
        ("DELETE", "/api/workouts"),
    ]
    post = operation(r.spec, "POST", "/api/workouts")
    assert post["summary"] == "Logs a workout"
    assert post["x-source"]["line"] == line_of(text, "### POST method")
    assert set(props(request_schema(r.spec, post))) == {"kind", "minutes"}
    assert props(request_schema(r.spec, post))["minutes"]["type"] == "number"
    delete = operation(r.spec, "DELETE", "/api/workouts")
    assert list(props(request_schema(r.spec, delete))) == ["id"]
    assert set(parameters(r.spec, "GET", "/api/workouts")) == {"user", "since"}


def test_label_headings_indented_values_and_tables():
    _, r = imported("label_headings_zh.md")
    assert r.spec["servers"] == [{"url": "http://localhost:5000"}]
    address = operation(r.spec, "GET", "/address/{point}")
    assert address["summary"] == "根据坐标获取地址"
    point = param(r.spec, "GET", "/address/{point}", "point")
    assert point["in"] == "path" and point["description"] == "经纬度"
    assert set(props(props(response_schema(r.spec, address))["data"])) == {"city", "street"}
    login = operation(r.spec, "POST", "/login")
    assert request_schema(r.spec, login)["required"] == ["name", "pwd"]


def test_success_and_failure_in_one_block_are_separate_answers():
    _, r = imported("label_headings_zh.md")
    login = operation(r.spec, "POST", "/login")
    assert set(props(response_schema(r.spec, login))) == {"code", "data"}
    failure = response_schema(r.spec, login, "default")
    assert set(props(failure)) == {"code", "msg"}
    assert login["responses"]["default"]["description"] == "登录失败"


# --- code blocks -------------------------------------------------------------------------------------


def test_curl_gives_query_parameters_and_names_an_operation_without_a_request_line():
    _, r = imported("curl_examples.md")
    read = parameters(r.spec, "GET", "/api/sensors/{sensor_id}")
    assert read["unit"]["in"] == "query" and read["unit"]["example"] == "celsius"
    assert read["window"]["example"] == "5m"
    # the only clue of "Set a sensor" is its curl call
    create = operation(r.spec, "POST", "/api/sensors")
    assert r.spec["servers"] == [{"url": "https://iot.example.com"}]
    assert example_values(r.spec, request_content(r.spec, create)["application/json"]) == [
        {"name": "attic", "kind": "humidity"}
    ]
    rename = operation(r.spec, "PUT", "/api/sensors/{sensor_id}/name")
    assert list(props(request_schema(r.spec, rename, "application/x-www-form-urlencoded"))) == ["name"]


def test_status_lines_before_samples():
    _, r = imported("status_lines.md")
    create = operation(r.spec, "POST", "/user/repos")
    assert list(create["responses"]) == ["201"]
    assert set(props(response_schema(r.spec, create, "201"))) == {"id", "name", "private"}
    body = request_schema(r.spec, create)
    assert body["required"] == ["name"]  # **Required**; "Ignore this field" is optional
    delete = operation(r.spec, "DELETE", "/repos/{owner}/{repo}")
    assert list(delete["responses"]) == ["204"] and delete["responses"]["204"]["description"] == "No Content"


def test_raw_http_answers_keep_status_headers_and_body_apart():
    _, r = imported("raw_http.md")
    op = operation(r.spec, "GET", "/tickets/{id}")
    assert set(op["responses"]) == {"200", "404"}
    assert op["responses"]["200"]["headers"]["ETag"]["example"] == '"t-3"'
    assert set(props(response_schema(r.spec, op))) == {"id", "title", "open"}
    # the 404 body never joins the 200 answer
    assert set(props(response_schema(r.spec, op, "404"))) == {"error"}


def test_request_headers_block_and_relative_request_line():
    text, r = imported("request_headers_block.md")
    token = param(r.spec, "GET", "/v1/market/time", "API-TOKEN")
    assert token["in"] == "header"
    op = operation(r.spec, "GET", "/v1/market/time")
    assert props(response_schema(r.spec, op))["data"]["description"] == "毫秒时间戳"
    assert [d.line for d in diagnostics(r, "path-leading-slash")] == [line_of(text, "GET:v1/market/time")]


def test_example_url_gives_query_parameters():
    _, r = imported("example_url.md")
    found = parameters(r.spec, "GET", "/v1/kline/{symbol}")
    assert found["period"]["example"] == "1min"
    assert found["size"]["example"] == 200 or found["size"]["example"] == "200"


def test_key_value_lines_loose_headings_and_redirects():
    text, r = imported("kv_lines_zh.md")
    assert [(m, p) for m, p, _ in operations(r.spec)] == [
        ("GET", "/buyer/menu"),
        ("POST", "/buyer/order"),
        ("GET", "/pay/start"),
    ]
    # `###菜单` (no space) is still a heading
    assert operation(r.spec, "GET", "/buyer/menu")["summary"] == "菜单"
    assert "requestBody" not in operation(r.spec, "GET", "/buyer/menu")  # 参数: 无
    order = request_schema(r.spec, operation(r.spec, "POST", "/buyer/order"))
    assert set(props(order)) == {"name", "phone", "openid", "items"}
    assert props(order)["openid"]["description"] == "用户的openid"
    assert set(props(props(order)["items"]["items"])) == {"foodId", "count"}
    # `重定向 /pay/start`: a browser redirect, no method written (GET assumed and said so)
    pay = operation(r.spec, "GET", "/pay/start")
    assert param(r.spec, "GET", "/pay/start", "returnUrl")["required"] is True
    assert pay["responses"]["302"]["headers"]["Location"]["example"] == "http://shop.example.com/done?paid=1"
    assert [d.line for d in diagnostics(r, "missing-method")] == [line_of(text, "重定向 /pay/start")]


# --- lines of text -----------------------------------------------------------------------------------


def test_labels_without_colon_and_values_on_the_next_line():
    _, r = imported("labels_without_colon_zh.md")
    post = operation(r.spec, "POST", "/forum/api/post.php")
    assert r.spec["servers"] == [{"url": "http://10.0.0.8"}]
    assert post["summary"] == "发帖" and post["tags"] == ["帖子"]
    assert set(props(request_schema(r.spec, post))) == {"title", "text", "captcha"}
    assert set(props(response_schema(r.spec, post))) == {"code", "error", "id"}
    assert param(r.spec, "DELETE", "/forum/api/post.php", "id")["in"] == "query"


def test_doc_wide_status_list_applies_to_the_methods_it_names():
    _, r = imported("labels_without_colon_zh.md")
    post = operation(r.spec, "POST", "/forum/api/post.php")
    delete = operation(r.spec, "DELETE", "/forum/api/post.php")
    assert {"401", "422"} <= set(post["responses"])  # [*] and [POST/PUT/PATCH]
    assert "401" in delete["responses"] and "422" not in delete["responses"]


def test_url_alone_in_a_blockquote_and_form_body():
    _, r = imported("quoted_url_zh.md")
    assert r.spec["servers"] == [{"url": "https://api.example.cn"}]
    op = operation(r.spec, "POST", "/x/fav/folder/add")
    body = request_schema(r.spec, op, "application/x-www-form-urlencoded")
    assert body["required"] == ["title"]  # 必要; 非必要 is optional, `Cookie方式必要` is conditional
    assert props(body)["ids"]["type"] == "array"
    answer = response_schema(r.spec, op)
    assert props(answer)["message"]["description"] == "错误信息"
    assert set(props(props(answer)["data"])) == {"id", "title"}
    # a URL alone in a quote with nothing else about an operation is a link, not an operation
    assert [p for _, p, _ in operations(r.spec)] == ["/x/fav/folder/add"]


def test_bold_titles_start_operations_within_one_section():
    text, r = imported("bold_titles.md")
    assert r.spec["info"]["title"] == "Notes API"  # from the front matter
    got = [(m, p, o["summary"]) for m, p, o in operations(r.spec)]
    assert got == [
        ("GET", "/api/notes/", "List"),
        ("GET", "/api/notes/archived/", "Archived"),
        ("GET", "/api/notes/{id}/", "Show"),
        ("PUT", "/api/notes/{id}/", "Edit"),
        ("PATCH", "/api/notes/{id}/", "Edit"),
    ]
    assert operation(r.spec, "GET", "/api/notes/{id}/")["x-source"]["line"] == line_of(text, "**Show**")
    assert all(o["tags"] == ["Notes"] for _, _, o in operations(r.spec))
    # PUT and PATCH written together share the payload that follows them
    for method in ("PUT", "PATCH"):
        body = request_schema(r.spec, operation(r.spec, method, "/api/notes/{id}/"))
        assert set(props(body)) == {"text", "pinned"}


def test_same_as_reference_copies_parameters_and_answer():
    _, r = imported("bold_titles.md")
    archived = operation(r.spec, "GET", "/api/notes/archived/")
    assert set(parameters(r.spec, "GET", "/api/notes/archived/")) == {"search", "page"}
    assert set(props(response_schema(r.spec, archived))) == {"count", "results"}
    assert "as documented for GET /api/notes/" in archived["description"]


def test_location_bullets():
    _, r = imported("location_bullets.md")
    op = operation(r.spec, "POST", "/api/recipes")
    assert param(r.spec, "POST", "/api/recipes", "X-Api-Key")["in"] == "header"
    draft = param(r.spec, "POST", "/api/recipes", "draft")
    assert draft["in"] == "query" and draft["required"] is False
    body = request_schema(r.spec, op)
    assert {n: s["type"] for n, s in props(body).items()} == {"title": "string", "steps": "array"}


def test_param_bullets_in_several_spellings():
    _, r = imported("param_bullets.md")
    found = parameters(r.spec, "GET", "/forecast")
    assert set(found) == {"city", "days", "units"}
    assert found["city"]["required"] is False  # "the following optional GET parameters"
    assert found["units"]["required"] is True and found["units"]["schema"]["type"] == "string"
    region = parameters(r.spec, "GET", "/alerts/{region}")
    assert region["region"]["in"] == "path" and region["severity"]["in"] == "query"
    assert region["severity"]["schema"]["type"] in ("number", "integer")


def test_status_bullets_for_the_doc_and_for_one_operation():
    _, r = imported("status_bullets.md")
    cart = operation(r.spec, "GET", "/api/cart")
    assert {"200", "401", "429"} == set(cart["responses"])
    delete = operation(r.spec, "DELETE", "/api/cart")
    assert {"204", "401", "409", "429"} == set(delete["responses"])
    assert delete["responses"]["409"]["description"] == "the cart is being checked out"


def test_parameters_and_media_named_in_prose():
    _, r = imported("prose_params.md")
    upload = operation(r.spec, "POST", "/api/uploads/")
    body = request_schema(r.spec, upload, "multipart/form-data")
    assert (
        props(body)["file"] == {"type": "string", "format": "binary"}
        or props(body)["file"]["format"] == "binary"
    )
    assert param(r.spec, "POST", "/api/uploads/", "overwrite")["in"] == "query"
    text_import = operation(r.spec, "POST", "/api/import/")
    assert list(request_content(r.spec, text_import)) == ["text/markdown"]


def test_what_prose_says_about_the_answer():
    _, r = imported("prose_response.md")
    assert list(response_content(r.spec, operation(r.spec, "GET", "/api/log"))) == ["text/plain"]
    assert list(response_content(r.spec, operation(r.spec, "GET", "/api/stream"))) == ["text/event-stream"]
    archive = response_content(r.spec, operation(r.spec, "GET", "/api/archive"))
    assert list(archive) == ["application/octet-stream"]
    assert list(operation(r.spec, "GET", "/api/go/{id}")["responses"]) == ["302"]
    delete = operation(r.spec, "DELETE", "/api/log")
    assert list(delete["responses"]) == ["200"] and "content" not in delete["responses"]["200"]
    assert list(response_content(r.spec, operation(r.spec, "GET", "/api/summary"))) == ["application/json"]
    assert not diagnostics(r, "no-response")


def test_sentences_before_samples_say_which_is_the_request():
    text, r = imported("prose_captions.md")
    scene = operation(r.spec, "POST", "/api/scenes/{scene_id}")
    assert list(props(request_schema(r.spec, scene))) == ["transition"]
    assert response_schema(r.spec, scene)["type"] == "array"
    render = operation(r.spec, "POST", "/api/render")
    assert list(props(request_schema(r.spec, render))) == ["template"]
    assert example_values(r.spec, response_content(r.spec, render)["text/plain"]) == ["It is 10:00"]
    assert [d.line for d in diagnostics(r, "sample-repaired")] == [line_of(text, '"transition": 2,')]


def test_a_method_alone_on_its_line_after_an_unknown_label():
    _, r = imported("bare_method_line.md")
    op = operation(r.spec, "GET", "/api/ping")
    assert op["summary"] == "Health check"
    assert not diagnostics(r, "missing-method")
    assert props(response_schema(r.spec, op)) == {"ok": {"type": "boolean"}}


def test_json_written_as_plain_text_after_a_label():
    _, r = imported("raw_json_text_zh.md")
    op = operation(r.spec, "POST", "/points/balance")
    assert request_schema(r.spec, op)["required"] == ["memberId"]
    answer = response_schema(r.spec, op)
    # the envelope's fields keep the descriptions the field table gives them
    assert props(answer)["code"]["description"] == "状态码"
    assert props(answer)["msg"]["description"] == "提示信息"
    assert props(props(answer)["data"])["points"]["description"] == "当前积分"
    assert example_values(r.spec, response_content(r.spec, op)["application/json"]) == [
        {"code": 200, "msg": "SUCCESS", "data": {"memberId": 7, "points": 1250}}
    ]


def test_slate_style_sub_headings_belong_to_the_operation():
    text, r = imported("slate_style.md")
    assert [(m, p) for m, p, _ in operations(r.spec)] == [
        ("GET", "/api/plants"),
        ("DELETE", "/api/plants/{ID}"),
    ]
    listing = operation(r.spec, "GET", "/api/plants")
    assert listing["summary"] == "List Plants"
    assert listing["x-source"]["line"] == line_of(text, "## List Plants")
    # the curl call named the operation first; `### HTTP Request` says better, and its siblings add to it
    thirsty = param(r.spec, "GET", "/api/plants", "thirsty")
    assert thirsty["in"] == "query" and thirsty["description"] == "Only plants that need water today."
    assert response_schema(r.spec, listing)["type"] == "array"
    remove = operation(r.spec, "DELETE", "/api/plants/{ID}")
    assert param(r.spec, "DELETE", "/api/plants/{ID}", "ID")["description"] == "The plant to remove"
    assert set(props(response_schema(r.spec, remove))) == {"id", "removed"}
    assert r.spec["servers"] == [{"url": "https://garden.example.com"}]


def test_label_headings_without_colon_and_values_in_blockquotes():
    _, r = imported("label_template_zh.md")
    assert [(m, p) for m, p, _ in operations(r.spec)] == [("GET", "/today.json")]
    op = operation(r.spec, "GET", "/today.json")
    assert op["summary"] == "查询城市天气"
    found = parameters(r.spec, "GET", "/today.json")
    assert found["city"]["required"] is True and found["lang"]["required"] is False
    # the example address adds the query parameter the table does not list
    assert found["days"]["in"] == "query"
    answer = response_schema(r.spec, op)
    assert props(answer)["temp"]["description"] == "气温" and props(answer)["temp"]["type"] == "number"
    assert not diagnostics(r, "duplicate-operation")


def test_an_overview_table_and_the_sections_that_document_its_rows():
    _, r = imported("overview_table.md")
    got = [(m, p, o["summary"], o["tags"]) for m, p, o in operations(r.spec)]
    assert got == [
        ("GET", "/todos", "List todos", ["API"]),
        ("POST", "/todos", "Create a todo", ["API"]),
        ("DELETE", "/todos/{id}", "Delete a todo", ["API"]),
    ]
    assert not diagnostics(r, "duplicate-operation")  # a row and its section are one operation
    post = operation(r.spec, "POST", "/todos")
    assert list(post["responses"]) == ["201"]
    assert list(props(request_schema(r.spec, post))) == ["title"]
    get = operation(r.spec, "GET", "/todos")
    assert "Returns all todos, newest first." in get["description"]


def test_readme_template_with_code_and_content_lines():
    _, r = imported("readme_template.md")
    assert [(m, p, o["summary"]) for m, p, o in operations(r.spec)] == [
        ("GET", "/books/{id}", "Show Book"),
        ("POST", "/books", "Add Book"),
    ]
    show = operation(r.spec, "GET", "/books/{id}")
    assert set(show["responses"]) == {"200", "404"}
    assert example_values(r.spec, response_content(r.spec, show)["application/json"]) == [
        {"id": 3, "title": "Dune"}
    ]
    assert set(props(response_schema(r.spec, show, "404"))) == {"error"}
    assert param(r.spec, "GET", "/books/{id}", "id")["schema"]["type"] == "integer"
    # the `$.ajax(...)` call shows how to call, it is no answer
    assert set(show["responses"]["200"]["content"]) == {"application/json"}
    add = operation(r.spec, "POST", "/books")
    body = request_schema(r.spec, add)
    assert {n: s["type"] for n, s in props(body).items()} == {"title": "string", "year": "integer"}
    assert body["required"] == ["title"]  # under `Required:`; `year` under `Optional:`
    assert list(add["responses"]) == ["201"]


def test_status_captions_before_samples():
    _, r = imported("status_captions.md")
    op = operation(r.spec, "GET", "/accounts/{id}")
    assert set(props(response_schema(r.spec, op))) == {"id", "balance"}
    assert set(props(response_schema(r.spec, op, "404"))) == {"error"}
    assert op["summary"] == "GET /accounts/{id}"  # the caption is no title


def test_a_table_under_a_response_label_describes_the_answer():
    _, r = imported("response_fields_table.md")
    op = operation(r.spec, "GET", "/users/{id}")
    assert set(parameters(r.spec, "GET", "/users/{id}")) == {"id"}  # not query parameters
    answer = response_schema(r.spec, op)
    assert {n: s["type"] for n, s in props(answer).items()} == {
        "id": "integer",
        "name": "string",
        "roles": "array",
    }
    assert props(answer)["name"]["description"] == "Display name"


def test_gitbook_api_blocks():
    _, r = imported("gitbook_blocks.md")
    assert r.spec["servers"] == [{"url": "https://api.pets.example"}]
    find = operation(r.spec, "GET", "/v2/pets/{petId}")
    assert find["summary"] == "Find a pet"
    pet_id = param(r.spec, "GET", "/v2/pets/{petId}", "petId")
    assert pet_id["in"] == "path" and pet_id["description"] == "The pet to find."
    key = param(r.spec, "GET", "/v2/pets/{petId}", "X-Api-Key")
    assert key["in"] == "header" and key["required"] is True
    assert set(props(response_schema(r.spec, find))) == {"id", "name"}
    assert set(props(response_schema(r.spec, find, "404"))) == {"message"}
    add = operation(r.spec, "POST", "/v2/pets")
    assert add["summary"] == "Add a pet" and list(add["responses"]) == ["201"]
    assert request_schema(r.spec, add)["required"] == ["name"]


def test_a_table_written_in_html():
    _, r = imported("html_table_zh.md")
    found = parameters(r.spec, "GET", "/api/user/info")
    assert found["uid"]["required"] is True and found["uid"]["schema"]["type"] == "integer"
    assert found["fields"]["description"] == "返回哪些字段&顺序"


def test_postman_exported_docs():
    _, r = imported("postman_export.md")
    assert [(m, p) for m, p, _ in operations(r.spec)] == [("GET", "/users/{id}"), ("POST", "/users")]
    found = parameters(r.spec, "GET", "/users/{id}")
    assert found["id"]["in"] == "path" and found["id"]["description"] == "The user"
    assert found["fields"]["in"] == "query" and found["fields"]["example"] == "name,email"
    create = operation(r.spec, "POST", "/users")
    assert "parameters" not in create  # Content-Type is the body's media type, not a parameter
    assert set(props(request_schema(r.spec, create, "application/json"))) == {"name", "email"}


def test_bold_labels_without_colons():
    _, r = imported("bold_labels_zh.md")
    op = operation(r.spec, "POST", "/api/order/cancel")
    assert op["summary"] == "取消订单"
    assert request_schema(r.spec, op)["required"] == ["orderNo"]
    assert set(props(response_schema(r.spec, op))) == {"code", "msg"}


def test_yapi_export():
    text, r = imported("yapi_export_zh.md")
    assert [(m, p, o["summary"]) for m, p, o in operations(r.spec)] == [
        ("GET", "/api/user/info", "查询账户"),
        ("POST", "/api/user/update", "修改账户"),
    ]
    # `**Query**` right under the headers table is the next table's label, not a row of it
    found = parameters(r.spec, "GET", "/api/user/info")
    assert set(found) == {"uid"} and found["uid"]["in"] == "query" and found["uid"]["required"] is True
    assert line_of(text, "**Query**") in [d.line for d in diagnostics(r, "params-columns")]
    # the answer's fields come from an HTML table, nesting marked with ├─
    answer = response_schema(r.spec, operation(r.spec, "GET", "/api/user/info"))
    assert props(answer)["code"]["description"] == "0成功"
    assert props(props(answer)["data"])["name"]["description"] == "昵称"
    body = request_schema(r.spec, operation(r.spec, "POST", "/api/user/update"))
    assert body["required"] == ["uid"] and props(body)["nick"]["description"] == "昵称"


def test_methods_written_in_brackets():
    _, r = imported("bracketed_methods_zh.md")
    assert [(m, p) for m, p, _ in operations(r.spec)] == [
        ("POST", "/api/photos"),
        ("DELETE", "/api/photos/{photoId}"),
    ]
    assert request_schema(r.spec, operation(r.spec, "POST", "/api/photos"))["required"] == ["albumId"]
    assert not diagnostics(r, "missing-method")
