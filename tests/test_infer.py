"""Schema inference from samples and tables."""

from hypothesis import given, settings
from hypothesis import strategies as st

from generators.importer.infer import example_for, infer, merge, schema_for_type, table_type
from generators.jsonschema import errors


def test_infer_types_and_required_keys():
    s = infer({"id": 1, "price": 2.5, "name": "x", "ok": True, "tags": ["a"], "parent": None})
    assert s["properties"]["id"] == {"type": "integer"}
    assert s["properties"]["price"] == {"type": "number"}
    assert s["properties"]["tags"] == {"type": "array", "items": {"type": "string"}}
    assert s["properties"]["parent"] == {"nullable": True}
    assert s["required"] == ["id", "price", "name", "ok", "tags", "parent"]


def test_merge_widens_integer_to_number_and_keeps_nullability():
    assert merge({"type": "integer"}, {"type": "number"}) == {"type": "number"}
    assert merge({"nullable": True}, {"type": "string"}) == {"type": "string", "nullable": True}
    assert merge({"type": "string"}, {"nullable": True}) == {"type": "string", "nullable": True}


def test_merge_of_objects_requires_only_keys_present_in_both():
    a = infer({"session_id": 1, "done": False})
    b = infer({"session_id": 1, "done": True, "uniqId": 12})
    m = merge(a, b)
    assert list(m["properties"]) == ["session_id", "done", "uniqId"]
    assert m["required"] == ["session_id", "done"]


def test_array_items_merge_every_element():
    s = infer([{"a": 1}, {"a": 2, "b": "x"}])
    assert s["items"]["required"] == ["a"]
    assert s["items"]["properties"]["b"] == {"type": "string"}


def test_table_types_in_english_and_chinese():
    assert table_type("number") == "number"
    assert table_type("int64") == "integer"
    assert table_type("struct") == "object"
    assert table_type("string[]") == "array"
    assert table_type("字符串") == "string"
    assert table_type("javascript") == "any"
    assert table_type("file") == "file"


def test_number_becomes_integer_from_samples_or_names():
    assert schema_for_type("number", "temperature") == {"type": "number"}
    assert schema_for_type("number", "user_id") == {"type": "integer"}
    assert schema_for_type("number", "page_no") == {"type": "integer"}
    assert schema_for_type("number", "temperature", {"type": "integer"}) == {"type": "integer"}
    assert schema_for_type("array", "tags", {"type": "array", "items": {"type": "string"}}) == {
        "type": "array",
        "items": {"type": "string"},
    }


def test_request_example_values_follow_the_docs_hints():
    assert example_for({"type": "string"}, "type", "chat/group chat") == "chat"
    assert example_for({"type": "integer"}, "is_gif", "0/1") == 0
    assert example_for({"type": "string"}, "sex", "`Male`, `Female`") == "Male"
    assert example_for({"type": "integer"}, "level", "1: month pro, 2: month pro+") == 1
    assert example_for({"type": "string"}, "email") == "user@example.com"
    assert example_for({"type": "string"}, "lang", "", "zh") == "zh"


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=4), c, max_size=3),
    max_leaves=10,
)


@settings(max_examples=200, deadline=None)
@given(json_values, json_values)
def test_every_sample_validates_against_the_merged_schema(a, b):
    schema = merge(infer(a), infer(b))
    assert errors(schema, {}, a) == []
    assert errors(schema, {}, b) == []
