"""The importer reads the common hand-written doc styles, not only the four docs we ship (issue 2, "Generality").

Each fixture in `tests/fixtures/variants/` is a small doc written in ONE style. Every expected value
below was worked out by hand from the fixture text, never copied from the importer's output. Lines
are found with `line_of(text, needle)` so that the fixture can be edited without renumbering.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import re
import string
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import (
    diagnostics,
    example_values,
    line_of,
    media_examples,
    operation,
    operations,
    parameters,
    request_content,
    request_schema,
    resolve,
    response_content,
    response_schema,
    sse_items,
)
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import OpenAPIV30SpecValidator, validate

from generators import commands
from generators.importer import import_markdown

VARIANTS = Path(__file__).parent / "fixtures" / "variants"
FIXTURES = sorted(p.name for p in VARIANTS.glob("*.md"))

RULE_ID = re.compile(r"^[a-z]+(-[a-z]+)*$")


@functools.cache
def imported(name: str) -> tuple[str, Any]:
    """(fixture text, import result); the import runs once per fixture."""
    text = (VARIANTS / name).read_text(encoding="utf-8")
    return text, import_markdown(text, file=name)


def fields(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return schema.get("properties") or {}


def assert_types(schema: dict[str, Any], expected: dict[str, str]) -> None:
    """Each named property exists and has the given type."""
    props = fields(schema)
    for name, type_ in expected.items():
        assert name in props, f"no field {name!r}; fields are {sorted(props)}"
        assert props[name].get("type") == type_, f"{name}: {props[name]}"


def accepts_null(schema: dict[str, Any]) -> bool:
    """A field seen only as null: `nullable: true`, or no type at all (which already admits null)."""
    return schema.get("nullable") is True or ("type" not in schema and "enum" not in schema)


def required(schema: dict[str, Any]) -> set[str]:
    return set(schema.get("required") or [])


def assert_source(text: str, op: dict[str, Any], file: str, heading: str) -> None:
    """`x-source` points at the section heading."""
    assert op["x-source"] == {"file": file, "line": line_of(text, heading)}


# --- every fixture -------------------------------------------------------------------------------

# (rules that must be reported, rules that may also be reported); anything else is a false alarm
# a user would have to read past. `required-unknown` is allowed where a request is documented only
# by a sample (which does not say what is required); `sample-repaired` where samples are JS literals.
EXPECTED_RULES: dict[str, tuple[set[str], set[str]]] = {
    "showdoc_zh.md": ({"required-unknown"}, set()),
    "method_heading_bullet_quote.md": (set(), {"required-unknown"}),
    "kv_tables.md": (set(), set()),
    "code_blocks.md": ({"no-response"}, {"required-unknown"}),
    "js_literal.md": (set(), {"required-unknown", "sample-repaired"}),
    "path_params.md": ({"path-leading-slash"}, {"required-unknown", "no-response"}),
    "sse.md": (set(), {"required-unknown"}),
    "missing_method.md": ({"missing-method"}, {"no-endpoint"}),
    "unclosed_fence.md": ({"unclosed-fence"}, {"required-unknown", "no-response"}),
    # the styles of real public docs (tests/test_recognizers.py checks what each imports); `no-response`
    # where an operation documents no answer at all, as those docs often do
    "api_blueprint.md": (set(), {"required-unknown"}),
    "bare_method_line.md": (set(), set()),
    "bold_titles.md": ({"no-response"}, {"required-unknown"}),
    "curl_examples.md": ({"no-response"}, {"required-unknown"}),
    "endpoint_table.md": ({"no-response"}, {"required-unknown"}),
    "endpoint_table_zh.md": (set(), set()),
    "example_url.md": (set(), {"required-unknown"}),
    "heading_title_request_line.md": (set(), {"required-unknown"}),
    "kv_lines_zh.md": ({"missing-method"}, {"required-unknown"}),
    "kv_table_headers.md": ({"method-alias", "params-columns"}, {"no-response", "required-unknown"}),
    "label_headings_zh.md": (set(), set()),
    "labels_without_colon_zh.md": (set(), {"required-unknown"}),
    "location_bullets.md": (set(), {"required-unknown"}),
    "method_headings.md": ({"no-response"}, {"required-unknown"}),
    "param_bullets.md": (set(), {"required-unknown"}),
    "params_location_column.md": (set(), set()),
    "path_heading_zh.md": (set(), set()),
    "prose_captions.md": ({"sample-repaired"}, {"required-unknown"}),
    "prose_params.md": ({"no-response"}, {"required-unknown"}),
    "prose_response.md": (set(), set()),
    "protobuf.md": (set(), set()),
    "quoted_url_zh.md": (set(), {"required-unknown"}),
    "raw_http.md": (set(), set()),
    "raw_json_text_zh.md": (set(), set()),
    "request_headers_block.md": ({"path-leading-slash"}, {"required-unknown"}),
    "status_bullets.md": (set(), set()),
    "status_lines.md": (set(), set()),
    "status_table_zh.md": (set(), set()),
    "slate_style.md": (set(), {"required-unknown"}),
    "label_template_zh.md": (set(), {"required-unknown"}),
    "overview_table.md": ({"no-response"}, {"required-unknown"}),
    "readme_template.md": (set(), set()),
    "status_captions.md": (set(), set()),
    "response_fields_table.md": (set(), set()),
    "gitbook_blocks.md": (set(), set()),
    "html_table_zh.md": (set(), set()),
    "postman_export.md": ({"no-response"}, {"required-unknown"}),
    "bold_labels_zh.md": (set(), set()),
    "yapi_export_zh.md": ({"params-columns"}, set()),
    "bracketed_methods_zh.md": ({"no-response"}, set()),
}


def test_every_fixture_has_its_expectations():
    assert set(FIXTURES) == set(EXPECTED_RULES)


@pytest.mark.parametrize("name", FIXTURES)
def test_reports_the_defects_of_the_fixture_and_no_others(name):
    _, result = imported(name)
    rules = {d.rule for d in result.diagnostics}
    must, may = EXPECTED_RULES[name]
    assert must <= rules, result.diagnostics
    assert rules <= must | may, [d for d in result.diagnostics if d.rule not in must | may]


@pytest.mark.parametrize("name", FIXTURES)
def test_spec_is_valid_openapi_3_0(name):
    _, result = imported(name)
    assert result.spec["openapi"] == "3.0.3"
    validate(result.spec, cls=OpenAPIV30SpecValidator)


@pytest.mark.parametrize("name", FIXTURES)
def test_every_operation_has_summary_source_and_unique_language_neutral_id(name):
    text, result = imported(name)
    lines = text.split("\n")
    ops = operations(result.spec)
    assert ops, "nothing imported"
    ids = [op.get("operationId") for _, _, op in ops]
    assert len(set(ids)) == len(ids), ids
    for method, path, op in ops:
        where = f"{method} {path}"
        assert isinstance(op.get("summary"), str) and op["summary"].strip(), where
        assert isinstance(op["operationId"], str) and op["operationId"].isascii(), where
        assert not re.search(r"\s", op["operationId"]), where
        source = op["x-source"]
        assert source["file"] == name, where
        # the heading of its section, or the line that starts it within a section of several
        # (a bold title, a table row, a request line, an example call)
        at = lines[source["line"] - 1].strip()
        names_it = (
            at.startswith(("#", "**", "|"))
            or re.sub(r"[{}<>:]", "", path.split("/")[-1] or path) in re.sub(r"[{}<>:]", "", at)
            or "curl" in at
            or at in ("```", "```bash")
            or (source["line"] == 1 and not any(ln.startswith("#") for ln in lines))  # a doc with no heading
        )
        assert names_it, f"{where}: x-source line {source['line']} ({at!r}) does not start the operation"
        assert op.get("tags") or not any(ln.startswith("#") for ln in lines), where  # chapters are tags


@pytest.mark.parametrize("name", FIXTURES)
def test_path_templates_and_path_parameters_agree(name):
    _, result = imported(name)
    for method, path, _ in operations(result.spec):
        assert path.startswith("/"), path
        assert not re.search(r"[$<>:?]", path), f"{path} keeps a doc-style parameter or a query string"
        in_template = set(re.findall(r"\{([^}]+)\}", path))
        in_path = {n for n, p in parameters(result.spec, method, path).items() if p["in"] == "path"}
        assert in_path == in_template, f"{method} {path}"
        for p in parameters(result.spec, method, path).values():
            if p["in"] == "path":
                assert p["required"] is True


@pytest.mark.parametrize("name", FIXTURES)
def test_import_is_deterministic(name):
    text, result = imported(name)
    again = import_markdown(text, file=name)
    assert json.dumps(again.spec, sort_keys=False, ensure_ascii=False) == json.dumps(
        result.spec, sort_keys=False, ensure_ascii=False
    )
    assert [(d.line, d.rule, d.message) for d in again.diagnostics] == [
        (d.line, d.rule, d.message) for d in result.diagnostics
    ]


# --- showdoc-style Chinese doc -------------------------------------------------------------------

SHOWDOC = "showdoc_zh.md"


def test_showdoc_url_and_method_under_bold_labels_with_fullwidth_colons():
    text, result = imported(SHOWDOC)
    # `**请求URL：**` then a bullet with a full URL in backticks: the path is the URL's path.
    op = operation(result.spec, "POST", "/api/user/register")
    assert op["summary"] == "用户注册"
    assert "用户模块" in op["tags"]
    assert_source(text, op, SHOWDOC, "## 用户注册")


def test_showdoc_four_column_params_table_becomes_json_body():
    _, result = imported(SHOWDOC)
    op = operation(result.spec, "POST", "/api/user/register")
    assert list(request_content(result.spec, op)) == ["application/json"]
    body = request_schema(result.spec, op)
    assert_types(
        body, {"username": "string", "password": "string", "nickname": "string", "invite_code": "integer"}
    )
    assert required(body) == {"username", "password"}
    assert fields(body)["username"]["description"] == "用户名，4-20位字母或数字"
    assert fields(body)["invite_code"]["description"] == "邀请码"


def test_showdoc_untagged_sample_becomes_response_schema_and_example():
    _, result = imported(SHOWDOC)
    op = operation(result.spec, "POST", "/api/user/register")
    schema = response_schema(result.spec, op)
    assert_types(schema, {"error_code": "integer", "data": "object"})
    assert_types(
        fields(schema)["data"],
        {"uid": "integer", "username": "string", "token": "string", "expire_at": "integer"},
    )
    media = response_content(result.spec, op)["application/json"]
    sample = {
        "error_code": 0,
        "data": {"uid": 10086, "username": "lihua2024", "token": "3f2a9c7e", "expire_at": 1735660800},
    }
    assert sample in example_values(result.spec, media)


def test_showdoc_flat_field_table_describes_nested_sample_fields():
    # showdoc's own template lists the fields of `data` without `-` prefixes; the names are unique
    # in the sample, so the descriptions belong to data.uid and data.token.
    _, result = imported(SHOWDOC)
    op = operation(result.spec, "POST", "/api/user/register")
    data = fields(response_schema(result.spec, op))["data"]
    assert fields(data)["uid"]["description"] == "用户ID"
    assert fields(data)["token"]["description"] == "登录凭证，放在请求头 X-Token 中"


def test_showdoc_flat_field_table_invents_no_top_level_fields():
    # uid and token exist only inside `data` in the sample: the response must not grow top-level ones
    _, result = imported(SHOWDOC)
    schema = response_schema(result.spec, operation(result.spec, "POST", "/api/user/register"))
    assert set(fields(schema)) == {"error_code", "data"}


def test_showdoc_colon_outside_bold_and_five_column_params_become_query_parameters():
    text, result = imported(SHOWDOC)
    # `**请求URL:**` (ASCII colon) and `**请求方式**：GET` (full-width colon after the bold label).
    op = operation(result.spec, "GET", "/api/user/info")
    assert op["summary"] == "用户详情"
    assert_source(text, op, SHOWDOC, "## 用户详情")
    assert "requestBody" not in op
    params = parameters(result.spec, "GET", "/api/user/info")
    assert set(params) == {"uid", "lang", "with_stats"}
    assert {p["in"] for p in params.values()} == {"query"}
    assert params["uid"]["schema"]["type"] == "integer"
    assert params["uid"]["required"] is True
    # the 说明 column, not the 默认值 column, is the description
    assert params["uid"]["description"] == "用户ID"
    assert params["lang"]["schema"]["type"] == "string"
    assert params["lang"].get("required", False) is False
    assert params["lang"]["description"] == "返回文案的语言"
    assert params["with_stats"]["schema"]["type"] == "integer"


def test_showdoc_default_column_becomes_schema_default():
    _, result = imported(SHOWDOC)
    params = parameters(result.spec, "GET", "/api/user/info")
    assert params["lang"]["schema"].get("default") == "zh"
    assert params["with_stats"]["schema"].get("default") == 0
    assert "default" not in params["uid"]["schema"]  # `-` means no default


def test_showdoc_blank_required_cell_is_not_required_with_a_diagnostic_at_its_row():
    text, result = imported(SHOWDOC)
    params = parameters(result.spec, "GET", "/api/user/info")
    assert params["with_stats"].get("required", False) is False
    found = diagnostics(result, "required-unknown")
    assert [d.line for d in found] == [line_of(text, "| with_stats |")]
    assert all(d.file == SHOWDOC for d in found)


def test_showdoc_response_described_only_by_a_nested_field_table():
    _, result = imported(SHOWDOC)
    op = operation(result.spec, "GET", "/api/user/info")
    assert list(response_content(result.spec, op)) == ["application/json"]
    schema = response_schema(result.spec, op)
    assert_types(schema, {"error_code": "integer", "data": "object"})
    assert fields(schema)["error_code"]["description"] == "错误码，0 表示成功"
    data = fields(schema)["data"]
    # `-x` rows are fields of data, `--x` rows fields of the `-` row above them
    assert set(fields(data)) == {"uid", "nickname", "profile", "stats"}
    assert_types(data, {"uid": "integer", "nickname": "string", "profile": "object", "stats": "object"})
    assert fields(data)["uid"]["description"] == "用户ID"
    profile = fields(data)["profile"]
    assert set(fields(profile)) == {"avatar", "score"}
    assert_types(profile, {"avatar": "string", "score": "number"})
    assert fields(profile)["avatar"]["description"] == "头像地址"
    stats = fields(data)["stats"]
    assert set(fields(stats)) == {"followers"}
    assert_types(stats, {"followers": "integer"})
    assert "avatar" not in fields(schema)


# --- method and path in a heading, a bullet, a blockquote ----------------------------------------

HBQ = "method_heading_bullet_quote.md"


def test_method_and_path_in_heading():
    text, result = imported(HBQ)
    op = operation(result.spec, "GET", "/customers/{id}")
    assert_source(text, op, HBQ, "## GET /customers/{id}")
    assert "Customers" in op["tags"]
    params = parameters(result.spec, "GET", "/customers/{id}")
    assert params["id"]["in"] == "path"
    assert params["id"]["schema"]["type"] == "integer"
    assert params["id"]["description"] == "Customer id"
    assert params["expand"]["in"] == "query"
    assert params["expand"]["schema"]["type"] == "string"
    assert params["expand"].get("required", False) is False
    assert "requestBody" not in op


def test_table_cell_with_inline_code_keeps_its_text():
    _, result = imported(HBQ)
    expand = parameters(result.spec, "GET", "/customers/{id}")["expand"]
    # the cell is "`orders` to embed the recent orders": keep the markdown, or drop both backticks
    assert expand["description"] in {
        "`orders` to embed the recent orders",
        "orders to embed the recent orders",
    }


def test_heading_section_response_types_nullable_and_example():
    _, result = imported(HBQ)
    op = operation(result.spec, "GET", "/customers/{id}")
    schema = response_schema(result.spec, op)
    assert_types(
        schema,
        {"id": "integer", "name": "string", "email": "string", "vip": "boolean", "credit": "number"},
    )
    assert accepts_null(fields(schema)["last_order_id"])
    sample = {
        "id": 42,
        "name": "Grace Hopper",
        "email": "grace@example.com",
        "vip": True,
        "credit": 150.75,
        "last_order_id": None,
    }
    assert sample in example_values(result.spec, response_content(result.spec, op)["application/json"])


def test_method_and_path_in_bullet():
    text, result = imported(HBQ)
    op = operation(result.spec, "POST", "/orders")
    assert op["summary"] == "Create an order"
    assert_source(text, op, HBQ, "## Create an order")
    assert "Orders" in op["tags"]
    body = request_schema(result.spec, op)
    assert_types(body, {"customer_id": "integer", "items": "array", "coupon": "string"})
    assert_types(fields(body)["items"]["items"], {"sku": "string", "qty": "integer"})
    schema = response_schema(result.spec, op)
    assert_types(schema, {"id": "integer", "status": "string", "total": "number"})
    media = response_content(result.spec, op)["application/json"]
    assert {"id": 9001, "status": "pending", "total": 39.5} in example_values(result.spec, media)


def test_method_and_path_in_blockquote_with_colon_parameter():
    text, result = imported(HBQ)
    op = operation(result.spec, "DELETE", "/orders/{id}")
    assert op["summary"] == "Cancel an order"
    assert_source(text, op, HBQ, "## Cancel an order")
    assert "Orders" in op["tags"]
    params = parameters(result.spec, "DELETE", "/orders/{id}")
    assert params["id"]["in"] == "path" and params["id"]["required"] is True
    assert_types(response_schema(result.spec, op), {"id": "integer", "status": "string"})


def test_heading_bullet_quote_doc_has_exactly_its_three_operations():
    _, result = imported(HBQ)
    assert {(m, p) for m, p, _ in operations(result.spec)} == {
        ("GET", "/customers/{id}"),
        ("POST", "/orders"),
        ("DELETE", "/orders/{id}"),
    }


# --- key/value tables with Chinese and English labels --------------------------------------------

KV = "kv_tables.md"


def test_kv_table_chinese_labels_get_with_query_parameters():
    text, result = imported(KV)
    op = operation(result.spec, "GET", "/api/goods/list")
    assert "商品列表" in op["summary"]
    assert "商品管理" in op["tags"]
    assert_source(text, op, KV, "## 2.1 商品列表")
    params = parameters(result.spec, "GET", "/api/goods/list")
    assert set(params) == {"category_id", "page", "keyword"}
    assert {p["in"] for p in params.values()} == {"query"}
    assert params["category_id"]["schema"]["type"] == "integer"
    assert params["category_id"]["required"] is True
    assert params["category_id"]["description"] == "分类ID"
    assert params["page"]["schema"]["type"] == "integer"
    assert params["page"].get("required", False) is False
    assert params["keyword"]["schema"]["type"] == "string"


def test_kv_table_response_sample_with_array_of_objects():
    _, result = imported(KV)
    op = operation(result.spec, "GET", "/api/goods/list")
    schema = response_schema(result.spec, op)
    assert_types(schema, {"code": "integer", "message": "string", "data": "object"})
    data = fields(schema)["data"]
    assert_types(data, {"total": "integer", "list": "array"})
    assert_types(
        fields(data)["list"]["items"],
        {"goods_id": "integer", "title": "string", "price": "number", "stock": "integer"},
    )
    sample = {
        "code": 0,
        "message": "ok",
        "data": {"total": 1, "list": [{"goods_id": 301, "title": "保温杯", "price": 59.9, "stock": 120}]},
    }
    assert sample in example_values(result.spec, response_content(result.spec, op)["application/json"])


def test_kv_table_request_type_row_and_json_body():
    text, result = imported(KV)
    op = operation(result.spec, "POST", "/api/goods/create")
    assert "新增商品" in op["summary"]
    assert_source(text, op, KV, "## 2.2 新增商品")
    assert list(request_content(result.spec, op)) == ["application/json"]
    body = request_schema(result.spec, op)
    assert_types(body, {"title": "string", "price": "number", "stock": "integer"})
    assert required(body) == {"title", "price"}
    assert fields(body)["price"]["description"] == "售价，单位元"
    data = fields(response_schema(result.spec, op))["data"]
    assert_types(data, {"goods_id": "integer"})


def test_kv_table_english_labels_and_file_upload():
    text, result = imported(KV)
    path = "/api/goods/{goods_id}/image"
    op = operation(result.spec, "POST", path)
    assert_source(text, op, KV, "## 2.3 Upload goods image")
    params = parameters(result.spec, "POST", path)
    assert params["goods_id"]["in"] == "path"
    assert params["goods_id"]["schema"]["type"] == "integer"
    assert list(request_content(result.spec, op)) == ["multipart/form-data"]
    body = request_schema(result.spec, op)
    assert set(fields(body)) == {"image", "alt"}  # the path parameter is not a form field
    assert fields(body)["image"]["type"] == "string"
    assert fields(body)["image"]["format"] == "binary"
    assert fields(body)["alt"]["type"] == "string"
    assert required(body) == {"image"}
    data = fields(response_schema(result.spec, op))["data"]
    assert_types(data, {"url": "string"})


# --- METHOD /path inside code blocks -------------------------------------------------------------

CODE = "code_blocks.md"


def test_http_fence_with_query_string():
    text, result = imported(CODE)
    op = operation(result.spec, "GET", "/v1/notes")
    assert op["summary"] == "List notes"
    assert "Notes" in op["tags"]
    assert_source(text, op, CODE, "## List notes")
    params = parameters(result.spec, "GET", "/v1/notes")
    assert params["page"]["in"] == "query"
    assert params["limit"]["in"] == "query"
    schema = response_schema(result.spec, op)
    assert_types(schema, {"items": "array"})
    assert_types(
        fields(schema)["items"]["items"], {"note_id": "integer", "title": "string", "pinned": "boolean"}
    )
    assert accepts_null(fields(schema)["next_cursor"])


def test_untagged_fence_with_method_colon_path():
    text, result = imported(CODE)
    op = operation(result.spec, "GET", "/v1/notes/{note_id}")
    assert op["summary"] == "Get a note"
    assert_source(text, op, CODE, "## Get a note")
    assert parameters(result.spec, "GET", "/v1/notes/{note_id}")["note_id"]["in"] == "path"
    schema = response_schema(result.spec, op)
    assert_types(
        schema,
        {
            "note_id": "integer",
            "title": "string",
            "body": "string",
            "pinned": "boolean",
            "updated_at": "string",
        },
    )
    sample = {
        "note_id": 7,
        "title": "Groceries",
        "body": "eggs, milk",
        "pinned": False,
        "updated_at": "2024-03-01T08:00:00Z",
    }
    assert sample in example_values(result.spec, response_content(result.spec, op)["application/json"])


def test_indented_code_block_with_request_line_and_header():
    text, result = imported(CODE)
    op = operation(result.spec, "PUT", "/v1/notes/{note_id}")
    assert op["summary"] == "Update a note"
    assert_source(text, op, CODE, "## Update a note")
    assert list(request_content(result.spec, op)) == ["application/json"]
    body = request_schema(result.spec, op)
    assert set(fields(body)) == {"title", "pinned"}
    assert_types(body, {"title": "string", "pinned": "boolean"})
    media = request_content(result.spec, op)["application/json"]
    assert {"title": "Groceries (Sat)", "pinned": True} in example_values(result.spec, media)
    assert_types(response_schema(result.spec, op), {"note_id": "integer", "pinned": "boolean"})


def test_text_fence_with_method_colon_path_and_no_samples():
    text, result = imported(CODE)
    op = operation(result.spec, "POST", "/v1/notes/{note_id}/archive")
    assert op["summary"] == "Archive a note"
    assert_source(text, op, CODE, "## Archive a note")
    assert "200" in op["responses"]


def test_code_block_doc_has_exactly_its_four_operations():
    _, result = imported(CODE)
    assert {(m, p) for m, p, _ in operations(result.spec)} == {
        ("GET", "/v1/notes"),
        ("GET", "/v1/notes/{note_id}"),
        ("PUT", "/v1/notes/{note_id}"),
        ("POST", "/v1/notes/{note_id}/archive"),
    }


# --- JS-literal samples --------------------------------------------------------------------------

JS = "js_literal.md"

MEMBER_REQUEST = {
    "name": "Ada Lovelace",
    "age": 36,
    "theme": "#ff8800",
    "homepage": "https://ada.example.org/about",
    "tags": ["vip", "beta"],
    "address": {"city": "London", "zip": "N1 7AA"},
}

MEMBER_RESPONSE = {
    "code": 0,
    "msg": "ok",
    "data": {"id": 88, "balance": 12.5, "coupons": [{"code": "NEW10", "off": 10}], "referrer": None},
}


def test_js_literal_request_with_comments_quotes_trailing_commas_and_ellipsis():
    text, result = imported(JS)
    op = operation(result.spec, "POST", "/members")
    assert_source(text, op, JS, "## Create member")
    body = request_schema(result.spec, op)
    assert set(fields(body)) == set(MEMBER_REQUEST)
    assert_types(
        body,
        {
            "name": "string",
            "age": "integer",
            "theme": "string",
            "homepage": "string",
            "tags": "array",
            "address": "object",
        },
    )
    assert fields(body)["tags"]["items"]["type"] == "string"
    assert_types(fields(body)["address"], {"city": "string", "zip": "string"})
    # `#` and `//` inside strings are data, not comments; `...` is a placeholder, not a value
    media = request_content(result.spec, op)["application/json"]
    assert MEMBER_REQUEST in example_values(result.spec, media)


def test_js_literal_response_with_placeholder_in_array_and_null():
    _, result = imported(JS)
    op = operation(result.spec, "POST", "/members")
    schema = response_schema(result.spec, op)
    assert_types(schema, {"code": "integer", "msg": "string", "data": "object"})
    data = fields(schema)["data"]
    assert_types(data, {"id": "integer", "balance": "number", "coupons": "array"})
    assert_types(fields(data)["coupons"]["items"], {"code": "string", "off": "integer"})
    assert accepts_null(fields(data)["referrer"])
    media = response_content(result.spec, op)["application/json"]
    assert MEMBER_RESPONSE in example_values(result.spec, media)


def test_js_literal_samples_are_readable():
    _, result = imported(JS)
    assert not diagnostics(result, "sample-unreadable")
    assert not [d for d in result.diagnostics if d.severity == "error"]


def test_js_literal_comments_become_descriptions():
    _, result = imported(JS)
    body = request_schema(result.spec, operation(result.spec, "POST", "/members"))
    assert fields(body)["name"]["description"] == "display name"
    assert fields(body)["age"]["description"] == "whole years"


def test_js_literal_get_request_becomes_query_parameters():
    text, result = imported(JS)
    op = operation(result.spec, "GET", "/members")
    assert_source(text, op, JS, "## List members")
    assert "requestBody" not in op
    params = parameters(result.spec, "GET", "/members")
    assert set(params) == {"page", "page_size", "keyword"}
    assert {p["in"] for p in params.values()} == {"query"}
    assert params["page"]["schema"]["type"] == "integer"
    assert params["page_size"]["schema"]["type"] == "integer"
    assert params["keyword"]["schema"]["type"] == "string"
    data = fields(response_schema(result.spec, op))["data"]
    item = fields(data)["list"]["items"]
    assert_types(item, {"id": "integer", "name": "string", "nickname": "string", "level": "integer"})
    # a string in one item and null in the other: a nullable string
    assert fields(item)["nickname"].get("nullable") is True
    sample = {
        "code": 0,
        "msg": "ok",
        "data": {
            "total": 2,
            "list": [
                {"id": 88, "name": "Ada Lovelace", "nickname": "ada", "level": 3},
                {"id": 89, "name": "Charles Babbage", "nickname": None, "level": 1},
            ],
        },
    }
    assert sample in example_values(result.spec, response_content(result.spec, op)["application/json"])


# --- path parameter spellings and a missing leading slash ----------------------------------------

PATHS = "path_params.md"


def test_path_parameter_spellings_all_become_braces():
    _, result = imported(PATHS)
    assert set(result.spec["paths"]) == {
        "/books/{book_id}",  # {$book_id}
        "/books/{book_id}/chapters/{chapter_no}",  # <book_id>, <chapter_no>
        "/shelves/{shelf_id}/books/{book_id}",  # :shelf_id, :book_id and {$shelf_id}, <book_id>
        "/shelves/{shelf_id}",  # no leading slash
    }


def test_dollar_brace_parameter_typed_by_the_params_table():
    text, result = imported(PATHS)
    op = operation(result.spec, "GET", "/books/{book_id}")
    assert_source(text, op, PATHS, "## Get a book")
    params = parameters(result.spec, "GET", "/books/{book_id}")
    assert set(params) == {"book_id"}
    assert params["book_id"]["in"] == "path"
    assert params["book_id"]["required"] is True
    assert params["book_id"]["schema"]["type"] == "integer"
    assert params["book_id"]["description"] == "book id"
    assert_types(
        response_schema(result.spec, op), {"book_id": "integer", "title": "string", "pages": "integer"}
    )


def test_angle_bracket_parameters():
    _, result = imported(PATHS)
    path = "/books/{book_id}/chapters/{chapter_no}"
    operation(result.spec, "GET", path)
    params = parameters(result.spec, "GET", path)
    assert {n for n, p in params.items() if p["in"] == "path"} == {"book_id", "chapter_no"}
    # `...` inside a string is text, not a placeholder
    sample = {"book_id": 3, "chapter_no": 1, "text": "A beginning is the time..."}
    media = response_content(result.spec, operation(result.spec, "GET", path))["application/json"]
    assert sample in example_values(result.spec, media)


def test_colon_parameters_stay_out_of_the_body():
    text, result = imported(PATHS)
    path = "/shelves/{shelf_id}/books/{book_id}"
    op = operation(result.spec, "PATCH", path)
    assert_source(text, op, PATHS, "## Move a book on a shelf")
    params = parameters(result.spec, "PATCH", path)
    assert {n for n, p in params.items() if p["in"] == "path"} == {"shelf_id", "book_id"}
    body = request_schema(result.spec, op)
    assert set(fields(body)) == {"position"}
    assert_types(body, {"position": "integer"})


def test_mixed_parameter_spellings_in_one_path():
    text, result = imported(PATHS)
    op = operation(result.spec, "DELETE", "/shelves/{shelf_id}/books/{book_id}")
    assert_source(text, op, PATHS, "## Take a book off a shelf")


def test_path_without_leading_slash_gets_one_with_a_diagnostic_at_its_line():
    text, result = imported(PATHS)
    op = operation(result.spec, "GET", "/shelves/{shelf_id}")
    assert_source(text, op, PATHS, "## Shelf details")
    assert_types(
        response_schema(result.spec, op), {"shelf_id": "integer", "label": "string", "capacity": "integer"}
    )
    found = diagnostics(result, "path-leading-slash")
    assert [(d.file, d.line) for d in found] == [(PATHS, line_of(text, "GET shelves/{shelf_id}"))]


# --- streams: SSE and, for contrast, JSON lines --------------------------------------------------

SSE = "sse.md"

CHAT_EVENTS = [
    {"conversation_id": 12, "delta": "Hel", "done": False},
    {"conversation_id": 12, "delta": "lo!", "done": False},
    {"conversation_id": 12, "delta": "", "done": True, "usage": {"prompt_tokens": 3, "completion_tokens": 2}},
]


def stream_example(spec: dict[str, Any], media: dict[str, Any], last: Any) -> dict[str, Any]:
    """The example whose value is the stream's last item (README: "example of a stream")."""
    matching = [ex for ex in media_examples(spec, media) if ex.get("value") == last]
    assert matching, f"no example with the last item as value: {media_examples(spec, media)}"
    return matching[0]


def test_sse_from_data_lines():
    text, result = imported(SSE)
    op = operation(result.spec, "POST", "/assistant/chat")
    assert_source(text, op, SSE, "## Chat (streaming)")
    content = response_content(result.spec, op)
    assert list(content) == ["text/event-stream"]
    item = response_schema(result.spec, op, media_type="text/event-stream")
    assert_types(
        item,
        {"conversation_id": "integer", "delta": "string", "done": "boolean", "usage": "object"},
    )
    assert_types(fields(item)["usage"], {"prompt_tokens": "integer", "completion_tokens": "integer"})
    example = stream_example(result.spec, content["text/event-stream"], CHAT_EVENTS[-1])
    assert sse_items(example["x-oai-serializedValue"]) == CHAT_EVENTS
    body = request_schema(result.spec, op)
    assert set(fields(body)) == {"conversation_id", "message"}  # the events are not request fields
    assert_types(body, {"conversation_id": "integer", "message": "string"})


def test_sse_from_path_ending_in_sse():
    text, result = imported(SSE)
    op = operation(result.spec, "GET", "/jobs/{job_id}/progress/sse")
    assert_source(text, op, SSE, "## Job progress")
    content = response_content(result.spec, op)
    assert list(content) == ["text/event-stream"]
    item = response_schema(result.spec, op, media_type="text/event-stream")
    # 40.5 in one item and 100 in the other: the field is a number
    assert_types(
        item, {"job_id": "integer", "percent": "number", "eta_seconds": "integer", "done": "boolean"}
    )
    assert fields(item)["eta_seconds"].get("nullable") is True  # 30, then null when done
    items = [
        {"job_id": 5, "percent": 40.5, "eta_seconds": 30, "done": False},
        {"job_id": 5, "percent": 100, "eta_seconds": None, "done": True},
    ]
    example = stream_example(result.spec, content["text/event-stream"], items[-1])
    serialized = example["x-oai-serializedValue"]
    assert serialized.startswith("data: ")
    assert sse_items(serialized) == items


def test_json_lines_without_sse_path_are_ndjson():
    text, result = imported(SSE)
    op = operation(result.spec, "GET", "/jobs/{job_id}/log")
    assert_source(text, op, SSE, "## Job log")
    content = response_content(result.spec, op)
    assert list(content) == ["application/x-ndjson"]
    item = response_schema(result.spec, op, media_type="application/x-ndjson")
    assert_types(item, {"ts": "integer", "level": "string", "line": "string"})
    items = [
        {"ts": 1717000000, "level": "info", "line": "started"},
        {"ts": 1717000003, "level": "info", "line": "finished"},
    ]
    example = stream_example(result.spec, content["application/x-ndjson"], items[-1])
    serialized = example["x-oai-serializedValue"]
    assert serialized.endswith("\n")
    assert [json.loads(line) for line in serialized.splitlines()] == items


# --- a section without a method ------------------------------------------------------------------

MISSING = "missing_method.md"


def test_section_without_method_is_reported_and_the_rest_imports():
    text, result = imported(MISSING)
    found = diagnostics(result, "missing-method")
    assert len(found) == 1
    # the defect is the section's: its heading or the URL row that has no method next to it
    assert found[0].line in {line_of(text, "## 3.1 Daily report"), line_of(text, "| URL | /reports/daily |")}
    assert found[0].severity == "warning"
    assert found[0].file == MISSING
    op = operation(result.spec, "GET", "/reports/monthly")
    assert_source(text, op, MISSING, "## 3.2 Monthly report")
    assert_types(response_schema(result.spec, op), {"month": "string", "orders": "integer"})


# --- unclosed code fences ------------------------------------------------------------------------

UNCLOSED = "unclosed_fence.md"


def test_unclosed_fences_are_reported_at_their_opening_lines():
    text, result = imported(UNCLOSED)
    http_fence = line_of(text, "POST /tags") - 1  # its ``` is missing; the ```json line follows
    last_fence = line_of(text, '{"name": "later"}') - 1  # never closed before the end of the file
    assert text.split("\n")[http_fence - 1] == "```http"
    assert text.split("\n")[last_fence - 1] == "```json"
    found = diagnostics(result, "unclosed-fence")
    assert sorted(d.line for d in found) == [http_fence, last_fence]
    assert all(d.file == UNCLOSED for d in found)


def test_unclosed_fence_still_yields_the_endpoint_and_its_sample():
    text, result = imported(UNCLOSED)
    op = operation(result.spec, "POST", "/tags")
    assert_source(text, op, UNCLOSED, "## Create a tag")
    body = request_schema(result.spec, op)
    assert set(fields(body)) == {"name", "color"}
    assert_types(body, {"name": "string", "color": "string"})


def test_sections_after_an_unclosed_fence_are_imported():
    text, result = imported(UNCLOSED)
    op = operation(result.spec, "GET", "/tags")
    assert_source(text, op, UNCLOSED, "## List tags")
    schema = response_schema(result.spec, op)
    assert schema["type"] == "array"
    assert_types(schema["items"], {"id": "integer", "name": "string", "color": "string"})
    media = response_content(result.spec, op)["application/json"]
    assert [{"id": 1, "name": "urgent", "color": "red"}] in example_values(result.spec, media)
    op = operation(result.spec, "PUT", "/tags/{tag_id}")
    assert_source(text, op, UNCLOSED, "## Rename a tag")
    assert_types(request_schema(result.spec, op), {"name": "string"})


def test_stray_brace_in_path_is_reported_at_its_line():
    # `{id` is a typo nobody can serve as written: the spec stays valid and the user hears about it
    text = "# Users\n\n## Get a user\n\n```http\nGET /users/{id\n```\n"
    result = import_markdown(text)
    validate(result.spec, cls=OpenAPIV30SpecValidator)
    assert line_of(text, "GET /users/{id") in {d.line for d in result.diagnostics}, result.diagnostics


# --- never raises ---------------------------------------------------------------------------------

KNOWN_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "get", "Post", "FETCH", "HEAD", "OPTIONS"]

path_like = st.text(alphabet=string.ascii_lowercase + "/{}<>:$_-?=&.0123456789 中", max_size=24)
label = st.sampled_from(
    [
        "**请求URL：**",
        "**请求URL:**",
        "**请求方式：**",
        "**请求方式**：POST",
        "**参数：**",
        "**返回示例**",
        "**返回参数说明**",
        "请求URL:",
        "请求方式:",
        "Request:",
        "Response:",
        "Params:",
        "* Sample returned successfully: ",
        "<!--",
        "-->",
        "---",
        "",
        "    ",
        "\t",
    ]
)
cell = st.one_of(
    st.sampled_from(
        [
            "参数名",
            "必选",
            "类型",
            "默认值",
            "说明",
            "URL",
            "Method",
            "接口地址",
            "请求方式",
            "请求类型",
            "是",
            "否",
            "Y",
            "N",
            "int",
            "string",
            "file",
            "object",
            "-id",
            "--name",
            "",
            "---",
        ]
    ),
    path_like,
    st.text(max_size=8),
)
table_row = st.lists(cell, max_size=6).map(lambda cells: "| " + " | ".join(cells) + " |")
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=6),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=10,
)
json_ish = st.builds(
    lambda value, cut, indent: json.dumps(value, ensure_ascii=False, indent=indent)[:cut],
    json_values,
    st.integers(0, 300),
    st.sampled_from([None, 2, 4]),
)
js_ish = st.text(alphabet="{}[]:,'\"#/.\n abcnul0123456789-", max_size=60)
# lines of the fixtures, shuffled: real clues in the wrong places
fixture_line = st.sampled_from(
    sorted({line for name in FIXTURES for line in (VARIANTS / name).read_text(encoding="utf-8").split("\n")})
)
fragment = st.one_of(
    fixture_line,
    st.builds(lambda level, title: "#" * level + " " + title, st.integers(1, 7), st.text(max_size=20)),
    st.builds(lambda m, p: f"{m} {p}", st.sampled_from(KNOWN_METHODS), path_like),
    st.builds(lambda m, p: f"{m}:{p}", st.sampled_from(KNOWN_METHODS), path_like),
    st.builds(lambda m, p: f"- {m} {p}", st.sampled_from(KNOWN_METHODS), path_like),
    st.builds(lambda m, p: f"> {m} {p}", st.sampled_from(KNOWN_METHODS), path_like),
    st.builds(lambda m, p: f"    {m} {p}", st.sampled_from(KNOWN_METHODS), path_like),
    st.sampled_from(["```", "```json", "```http", "```javascript", "```text", "~~~", "````"]),
    st.builds(lambda v: f"data: {json.dumps(v)}", json_values),
    table_row,
    st.just("|---|---|---|---|"),
    json_ish,
    js_ish,
    label,
    st.text(max_size=40),
)
markdownish = st.lists(fragment, max_size=40).map("\n".join)


def assert_well_formed(text: str, result: Any, file: str) -> None:
    n_lines = len(re.split(r"\r\n|\r|\n", text))  # CommonMark's line endings, as an editor counts them
    assert isinstance(result.spec, dict)
    assert isinstance(result.spec.get("paths", {}), dict)
    for d in result.diagnostics:
        assert d.file == file
        assert isinstance(d.line, int) and 1 <= d.line <= n_lines, d
        assert d.severity in ("error", "warning"), d
        assert isinstance(d.rule, str) and RULE_ID.match(d.rule), d
        assert isinstance(d.message, str) and d.message.strip(), d
    for _, path, op in operations(result.spec):
        assert path.startswith("/"), path
        source = op.get("x-source") or {}
        assert source.get("file") == file
        assert isinstance(source.get("line"), int) and 1 <= source["line"] <= n_lines


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markdownish)
def test_never_raises_on_markdownish_garbage(text):
    assert_well_formed(text, import_markdown(text, file="fuzz.md"), "fuzz.md")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markdownish)
@example("## Get a user\n\n```http\nGET /users/{id\n```\n")  # a typo'd brace in a real doc
def test_spec_is_valid_openapi_whatever_the_input(text):
    # `import` writes whatever it read; a stray brace in a path must not make the spec invalid
    validate(import_markdown(text, file="fuzz.md").spec, cls=OpenAPIV30SpecValidator)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_never_raises_on_random_text(text):
    assert_well_formed(text, import_markdown(text), "doc.md")


@pytest.mark.parametrize("name", FIXTURES)
def test_never_raises_on_truncated_fixtures(name):
    # every prefix of a real-looking doc, cut at each line: half-written sections, open fences, tables
    text = (VARIANTS / name).read_text(encoding="utf-8")
    lines = text.split("\n")
    for n in range(len(lines) + 1):
        prefix = "\n".join(lines[:n])
        assert_well_formed(prefix, import_markdown(prefix, file=name), name)


def test_resolve_merges_envelope_and_data():
    # the helper itself: an allOf of an envelope $ref and a data part reads as one object
    spec = {
        "components": {
            "schemas": {
                "Envelope": {
                    "type": "object",
                    "properties": {"code": {"type": "integer"}, "data": {}},
                    "required": ["code"],
                }
            }
        }
    }
    schema = {
        "allOf": [
            {"$ref": "#/components/schemas/Envelope"},
            {
                "properties": {"data": {"type": "object", "properties": {"id": {"type": "integer"}}}},
                "required": ["data"],
            },
        ]
    }
    merged = resolve(spec, schema)
    assert merged["type"] == "object"
    assert merged["required"] == ["code", "data"]
    assert merged["properties"]["code"] == {"type": "integer"}
    assert merged["properties"]["data"]["properties"]["id"] == {"type": "integer"}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markdownish)
def test_lint_and_import_commands_never_raise_and_always_write_a_valid_spec(text):
    """What a user runs: whatever the doc, no traceback, exit 0 or 1, and a valid spec written."""
    with tempfile.TemporaryDirectory() as out:
        doc = Path(out) / "fuzz.md"
        doc.write_text(text, encoding="utf-8")
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            assert commands.main(["lint", str(doc)]) in (0, 1)
            assert commands.main(["import", str(doc), "--out", out]) in (0, 1)
        written = yaml.safe_load((Path(out) / "fuzz.yaml").read_text(encoding="utf-8"))
        validate(written, cls=OpenAPIV30SpecValidator)
