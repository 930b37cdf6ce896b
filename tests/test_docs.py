"""`mdcontract docs` (issue 5): docs regenerated from the spec, in each source's own style, that
read back into the same contract.

"The same contract" is defined in `generators/docs/compare.py`: the regenerated doc is imported
with no overlay, the overlay's API-wide policy (servers, public operations, invalid-input and
unauthorized answers: nothing a source style has a notation for) is applied as `mdcontract import`
would, and the result must equal spec/<api>.yaml except for provenance (`x-source` lines, the file
named in `info.description`) and example summaries (labels the importer derives from titles).
"""

from __future__ import annotations

import functools
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from helpers import line_of, operations, rendered_docs
from markdown_it import MarkdownIt

from generators.docs.cli import main
from generators.docs.compare import read_back
from generators.docs.render import load_spec, render_all, render_markdown, stale_docs
from generators.docs.samples import strip_comments
from generators.docs.styles import Style, detect_style
from generators.importer import import_markdown
from generators.overlay import load_overlay

SPEC = Path(__file__).resolve().parent.parent / "spec"
APIS = ["character", "session-store", "aichat", "yike"]

# Diagnostics a regenerated doc may still get, and why each is not a defect of the doc:
ALLOWED_DIAGNOSTICS = {
    # yike's two POSTs and session-store's add_user document no answer, as their sources do not
    "no-response",
    # typo'd paths are the paths the backend serves: they stay, and the importer still says so
    "path-typo",
    # session-store documents add_chat's two requests in two sections, as its source does
    "duplicate-operation",
    # session-store's query_user_info answers without the usual envelope: that is the contract
    "envelope-mismatch",
    # character's world scenario stream documents a line after its `done: true` one: the sample is the contract
    "stream-order",
}


def docs() -> dict[str, str]:
    return rendered_docs()


@functools.cache
def spec(api: str) -> dict[str, Any]:
    return load_spec(SPEC / f"{api}.yaml")


@functools.cache
def overlay(api: str) -> dict[str, Any] | None:
    path = SPEC / "overlays" / f"{api}.yaml"
    return load_overlay(path) if path.is_file() else None


@functools.cache
def reread(api: str) -> tuple[Any, dict[str, Any]]:
    """(import result with no overlay, spec read back with the overlay's policy) of docs/<api>.md."""
    return read_back(docs()[f"{api}.md"], api, overlay(api))


def fences(text: str) -> list[tuple[str, str]]:
    """(info, content) of every fenced code block."""
    return [(t.info.strip(), t.content) for t in MarkdownIt("commonmark").parse(text) if t.type == "fence"]


# --- style ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("api", "style", "lang", "clue"),
    [
        ("character", "table", "en", "| URL | /character/genUserChat |"),
        ("session-store", "codeblock", "zh", 'url: "http://localhost:8000/add_chat"'),
        ("aichat", "showdoc", "zh", "请求URL:\n\n- `/chatList`"),
        ("yike", "http", "zh", "```http\nPOST /chat/conversations/:id/completions\n```"),
    ],
    ids=APIS,
)
def test_each_api_is_written_in_the_style_and_language_of_its_source(api, style, lang, clue):
    source = (SPEC / "sources" / f"{api}.md").read_text(encoding="utf-8")
    assert detect_style(source) == Style(style, lang)
    assert clue in docs()[f"{api}.md"]


def test_index_lists_every_api_with_its_style_and_both_references():
    index = docs()["index.md"]
    for api in APIS:
        assert f"[{api}.md]({api}.md)" in index and f"[{api}.html]({api}.html)" in index
    assert "| `character` | Character Interfaces | 0.1 | 269 | table (en) |" in index


# --- round trip -----------------------------------------------------------------------------


@pytest.mark.parametrize("api", APIS)
def test_importing_the_regenerated_doc_gives_back_the_spec(api):
    from generators.docs.compare import differences

    _, back = reread(api)
    found = [d.message() for d in differences(spec(api), back)]
    assert found == [], f"docs/{api}.md reads back differently from spec/{api}.yaml:\n" + "\n".join(found)


@pytest.mark.parametrize("api", APIS)
def test_the_round_trip_covers_every_operation_example_and_deprecation(api):
    """A guard against an empty comparison: the read-back spec has the spec's operations, with
    the same examples, deprecations and response headers."""
    _, back = reread(api)
    expected = {(m, p): op for m, p, op in operations(spec(api))}
    got = {(m, p): op for m, p, op in operations(back)}
    assert got.keys() == expected.keys()
    for key, op in expected.items():
        assert bool(got[key].get("deprecated")) == bool(op.get("deprecated")), key
        for status, resp in op["responses"].items():
            for media, mt in (resp.get("content") or {}).items():
                back_mt = got[key]["responses"][status]["content"][media]
                assert back_mt.get("examples", {}).keys() == mt.get("examples", {}).keys(), key
            assert got[key]["responses"][status].get("headers") == resp.get("headers"), key


@pytest.mark.parametrize("api", APIS)
def test_regenerated_docs_import_without_defects(api):
    result, _ = reread(api)
    unexpected = [d.text() for d in result.diagnostics if d.rule not in ALLOWED_DIAGNOSTICS]
    assert unexpected == []
    assert not result.has_errors


def test_the_defects_of_the_sources_are_gone_from_the_regenerated_docs():
    fixed = {
        "sample-repaired",
        "params-numbering",
        "duplicate-section-number",
        "heading-table-mismatch",
        "unclosed-fence",
        "path-leading-slash",
        "required-unknown",
        "commented-section",
        "field-type-mismatch",
        "params-columns",
        "duplicate-key",
    }
    before: Counter[str] = Counter()
    after: Counter[str] = Counter()
    for api in APIS:
        source = (SPEC / "sources" / f"{api}.md").read_text(encoding="utf-8")
        before.update(d.rule for d in import_markdown(source, file=f"{api}.md", api=api).diagnostics)
        after.update(d.rule for d in reread(api)[0].diagnostics)
    assert set(before) & fixed, "the sources were expected to have defects to fix"
    assert not set(after) & fixed


# --- clean docs ------------------------------------------------------------------------------


def json_values(info: str, content: str) -> list[Any]:
    """The JSON a fenced sample holds: one value, NDJSON lines, or code-block segments after labels."""
    if info == "http":
        return []
    if info == "text":
        lines = [ln for ln in content.split("\n") if ln.strip()]
        return [json.loads(ln) for ln in lines] if lines and lines[0].lstrip().startswith("{") else []
    if info in ("json", "javascript"):
        return [json.loads(strip_comments(content))]
    # the code-block style: `url:` lines, then labelled samples
    values, segment = [], []
    for line in [*content.split("\n"), "end:"]:
        if re.match(r"^[a-z][\w-]*: \"|^[^\s{}\[\]\"].*:$", line):  # `url: "..."` or a label
            if "".join(segment).strip():
                values.append(json.loads(strip_comments("\n".join(segment))))
            segment = []
        else:
            segment.append(line)
    return values


@pytest.mark.parametrize("api", APIS)
def test_every_sample_is_valid_json_once_its_comments_are_stripped(api):
    count = 0
    for info, content in fences(docs()[f"{api}.md"]):
        count += len(json_values(info, content))  # json.loads: no `...`, no missing commas, no JS keys
    assert count > 0


def test_sections_and_params_are_numbered_in_order():
    text = docs()["character.md"]
    chapters = re.findall(r"^## (\d+)\. ", text, re.MULTILINE)
    assert chapters == [str(n) for n in range(len(chapters))] and len(chapters) == 16
    sections = re.findall(r"^### (\d+)\.(\d+) ", text, re.MULTILINE)
    for chapter in {c for c, _ in sections}:
        numbers = [int(n) for c, n in sections if c == chapter]
        assert numbers == list(range(len(numbers))), f"chapter {chapter}: {numbers}"
    for table in re.findall(r"^\| # \| Param .*?\n\n", text, re.MULTILINE | re.DOTALL):
        rows = [int(r) for r in re.findall(r"^\| (\d+) \|", table, re.MULTILINE)]
        assert rows == list(range(1, len(rows) + 1))


@pytest.mark.parametrize(("api", "mark"), [("character", "// deprecated"), ("yike", "（已废弃）")])
def test_deprecated_operations_are_marked_in_their_heading(api, mark):
    text = docs()[f"{api}.md"]
    deprecated = [op["summary"] for _, _, op in operations(spec(api)) if op.get("deprecated")]
    marked = [ln for ln in text.split("\n") if ln.startswith("#") and ln.endswith(mark)]
    assert len(marked) == len(deprecated)
    for summary in deprecated:
        assert any(summary in ln for ln in marked), summary


def test_typod_paths_stay_as_the_backend_serves_them():
    assert "| URL | /character/generatMsgs |" in docs()["character.md"]
    assert "| URL | /novell/doCollect |" in docs()["character.md"]
    # yike's doc forgot the leading slash; the spec (and so the regenerated doc) has it
    assert "POST /chat/conversations/:id/completions" in docs()["yike.md"]


def test_overlay_decisions_are_shown_to_readers():
    character = docs()["character.md"]
    public = [op for _, _, op in operations(spec("character")) if op.get("security") == []]
    assert character.count("| authentication | none (public) |") == len(public) > 0
    assert "* Invalid input (HTTP status 400)" in character
    assert "* No valid token (HTTP status 401)" in character
    session_store = docs()["session-store.md"]
    assert '"session_id": "abc" // 会话id（必填）' in session_store  # add_chat's missing field
    assert "* 参数错误 (HTTP 状态码 400)" in session_store
    assert "* 参数错误 (HTTP 状态码 422)" in docs()["yike.md"]


def test_output_is_deterministic():
    assert render_all(SPEC) == docs()


# --- every style renders every API -------------------------------------------------------------

# Two combinations cannot round-trip, for reasons of the style, not of the generator: a code-block
# sample cannot say a field is an upload (character has three), and the http style's request
# samples give the importer name hints that type a null-only response field elsewhere in character.
CROSS = [
    (api, style, lang)
    for api in APIS
    for style in ("table", "codeblock", "showdoc", "http")
    for lang in ("en", "zh")
    if not (api == "character" and style in ("codeblock", "http"))
]


@pytest.mark.parametrize(("api", "style", "lang"), CROSS)
def test_templates_depend_on_the_spec_not_on_the_api(api, style, lang):
    from generators.docs.compare import differences

    text = render_markdown(spec(api), api, Style(style, lang))
    result, back = read_back(text, api, overlay(api))
    assert [d.message() for d in differences(spec(api), back)] == []
    assert {d.rule for d in result.diagnostics} <= ALLOWED_DIAGNOSTICS


# --- the command ---------------------------------------------------------------------------------


def test_docs_command_writes_every_file_and_check_sees_them_up_to_date(tmp_path, monkeypatch):
    out = tmp_path / "docs"
    assert main(["docs", "--spec", str(SPEC), "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(docs())
    assert stale_docs(SPEC, out) == []
    (out / "yike.md").write_text("edited by hand\n", encoding="utf-8")
    (out / "aichat.html").unlink()
    (out / "removed-api.md").write_text("# gone\n", encoding="utf-8")
    assert stale_docs(SPEC, out) == [
        f"{out / 'aichat.html'} is missing",
        f"{out / 'yike.md'} is not what `mdcontract docs` writes now",
        f"{out / 'removed-api.md'} documents no spec in {SPEC}/ (remove it)",
    ]


@pytest.mark.parametrize("api", APIS)
def test_regenerated_docs_have_no_drift(api, tmp_path, capsys):
    doc = tmp_path / f"{api}.md"
    doc.write_text(docs()[f"{api}.md"], encoding="utf-8")
    assert main(["docs", "--spec", str(SPEC), "--diff", str(doc)]) == 0
    assert capsys.readouterr().out == ""


def test_drift_of_a_hand_written_doc_is_reported_at_its_lines(capsys):
    source = SPEC / "sources" / "session-store.md"
    assert main(["docs", "--spec", str(SPEC), "--diff", str(source)]) == 1
    out = capsys.readouterr().out.strip().split("\n")
    assert all(re.fullmatch(rf"{re.escape(str(source))}:\d+: warning: .+ \[docs-drift\]", ln) for ln in out)
    add_chat = line_of(source.read_text(encoding="utf-8"), "插入单一会话内部-用户输入")
    # the overlay added session_id to add_chat; the hand-written doc never says so
    assert any(
        f":{add_chat}: warning: POST /add_chat: request body application/json field session_id" in ln
        for ln in out
    )
    # add_user documents no response in the doc; the spec (by the overlay) has one
    assert any("POST /add_user: response 200 content" in ln for ln in out)


def test_drift_points_at_the_edited_row_and_sample(tmp_path, capsys):
    text = docs()["character.md"]
    row = "| 2 | from_app | number | Y | 0/1 |  |"
    assert row in text
    edited = text.replace(row, "| 2 | from_app | string | N | 0/1 |  |", 1)
    edited = edited.replace('"create_id": "xxxxxxxxxxxxxxxxx"', '"create_id": 42', 1)
    doc = tmp_path / "character.md"
    doc.write_text(edited, encoding="utf-8")
    assert main(["docs", "--spec", str(SPEC), "--diff", str(doc)]) == 1
    out = capsys.readouterr().out
    row_line = line_of(edited, "| 2 | from_app | string | N |")
    sample_line = line_of(edited, '"create_id": 42')
    assert f"{doc}:{row_line}: warning: GET /tags/complete/list: parameter from_app (in query) type: " in out
    assert (
        f"{doc}:{row_line}: warning: GET /tags/complete/list: parameter from_app (in query) required: " in out
    )
    assert f"{doc}:{sample_line}: warning: POST /character/generate/image: response 200 " in out


def test_drift_needs_a_spec_for_the_doc(tmp_path, capsys):
    doc = tmp_path / "unknown.md"
    doc.write_text("# nothing\n", encoding="utf-8")
    assert main(["docs", "--spec", str(SPEC), "--diff", str(doc)]) == 2
    assert "--api" in capsys.readouterr().err


# --- the importer reads what the templates write ------------------------------------------------


def test_a_request_sample_comment_can_say_whether_a_field_is_required():
    text = """## 添加

```
url: "/add"
method: "POST"
request parameters:
{
    "user_id": "1", // 用户id（必填）
    "note": "x", // 备注（选填）
    "lang": "zh" // (optional)
}
```
"""
    result = import_markdown(text, file="t.md")
    schema = result.spec["paths"]["/add"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert schema["required"] == ["user_id"]
    assert schema["properties"]["user_id"]["description"] == "用户id"
    assert schema["properties"]["note"]["description"] == "备注"
    assert "description" not in schema["properties"]["lang"]
    assert [d for d in result.diagnostics if d.rule == "required-unknown"] == []
