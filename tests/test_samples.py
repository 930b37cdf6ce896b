"""The tolerant sample reader: every dialect it reads, every repair it reports."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from generators.importer.samples import read_sample


def messages(sample):
    return [r.message for r in sample.repairs]


def test_reads_plain_json_without_repairs():
    s = read_sample('{"a": 1, "b": [true, null, 2.5], "c": {"d": "x"}}')
    assert s.ok and s.value == {"a": 1, "b": [True, None, 2.5], "c": {"d": "x"}}
    assert s.repairs == []


def test_reads_javascript_literals_silently():
    text = """{
        code: 0,            // status
        msg: 'success',     # also a comment
        result: { tags: [ "a", 'b', ], },
    }"""
    s = read_sample(text)
    assert s.value == {"code": 0, "msg": "success", "result": {"tags": ["a", "b"]}}
    assert s.repairs == [], "JS-isms are the doc's dialect, not defects"


def test_trailing_comma_is_a_repair_in_a_json_block():
    s = read_sample('{\n  "title": "x",\n}', strict_json=True)
    assert s.value == {"title": "x"}
    assert messages(s) == ["trailing comma removed"]
    assert s.repairs[0].line == 1


def test_placeholders_are_dropped():
    s = read_sample('{\n "a": 1,\n ...\n "list": [ {"x": 1},\n ...\n ]\n}')
    assert s.value == {"a": 1, "list": [{"x": 1}]}


def test_missing_comma_between_members_is_added_and_reported_at_its_line():
    s = read_sample('{\n  "session-token": "t"\n  "expireTs": 1680747764247 // ms\n}')
    assert s.value == {"session-token": "t", "expireTs": 1680747764247}
    assert messages(s) == ["missing comma before key 'expireTs' added"]
    assert s.repairs[0].line == 2


def test_stray_quote_before_a_key_is_removed():
    s = read_sample('{"done":false,""content":"x"}')
    assert s.value == {"done": False, "content": "x"}
    assert messages(s) == ["stray quote before key 'content' removed"]


def test_duplicate_key_keeps_the_last_value_and_says_so():
    s = read_sample("{\n a: 1,\n b: 2,\n a: 3\n}")
    assert s.value == {"a": 3, "b": 2}
    assert [r.rule for r in s.repairs] == ["duplicate-key"]
    assert s.repairs[0].line == 3
    # the first use is named by its file line once the sample's place in the file is known
    assert "first at line 11" in s.repairs[0].text(first_line=10)


def test_members_written_straight_inside_an_array_become_one_object():
    s = read_sample("{ result: [\n  group_id: 1,\n  title: 'x'\n ] }")
    assert s.value == {"result": [{"group_id": 1, "title": "x"}]}
    assert "read as one object" in messages(s)[0]


def test_unclosed_object_is_closed():
    s = read_sample('{"a": {"b": 1}')
    assert s.value == {"a": {"b": 1}}
    assert messages(s) == ["object not closed: `}` added at the end"]


def test_json_lines_are_a_stream_in_order():
    s = read_sample('{"i":1,"done":false}\n{"i":2,"done":false}\n{"i":3,"done":true}')
    assert s.framing == "ndjson"
    assert [x["i"] for x in s.items] == [1, 2, 3]
    assert s.value == {"i": 3, "done": True}, "the value of a stream is its last (complete) item"


def test_server_sent_events_are_a_stream():
    s = read_sample('data: {"n": 1}\n\ndata: {"n": 2}\n\n')
    assert s.framing == "sse"
    assert s.items == [{"n": 1}, {"n": 2}]


def test_trailing_comments_become_field_descriptions():
    s = read_sample('{\n "user_id": "123", //微信用户id\n "chats": [ {"role": "user" // 角色\n } ]\n}')
    assert s.comments[("user_id",)] == "微信用户id"
    assert s.comments[("chats", "[]", "role")] == "角色"


def test_garbage_is_unreadable_not_an_exception():
    s = read_sample("{ : : }")
    assert not s.ok
    assert s.repairs and s.repairs[-1].rule == "sample-unreadable"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=15,
)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_any_json_reads_back_exactly_without_repairs(value):
    text = json.dumps(value, ensure_ascii=False, indent=2)
    s = read_sample(text)
    assert s.ok, s.error
    assert s.value == value
    assert s.repairs == []


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_never_raises_on_any_text(text):
    s = read_sample(text)
    assert isinstance(s.ok, bool)
    for r in s.repairs:
        assert 0 <= r.line <= text.count("\n") + 1
