"""The `mdcontract import / lint / check` commands as a user runs them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from openapi_spec_validator import OpenAPIV30SpecValidator, validate

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generators.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )


def test_lint_prints_compiler_style_diagnostics():
    r = run("lint", "spec/sources/yike.md")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert (
        "spec/sources/yike.md:86: warning: code fence is not closed before the fence at line 89; closed there [unclosed-fence]"
        in lines
    )
    assert any(
        line.startswith("spec/sources/yike.md:200: warning: ") and line.endswith("[path-leading-slash]")
        for line in lines
    )


def test_lint_json_format():
    r = run("lint", "spec/sources/session-store.md", "--format", "json")
    items = json.loads(r.stdout)
    assert {"file", "line", "severity", "rule", "message"} == set(items[0])
    assert any(i["rule"] == "duplicate-operation" and i["line"] == 151 for i in items)


def test_lint_exits_1_on_an_error(tmp_path: Path):
    bad = tmp_path / "bad.md"
    bad.write_text(
        "## broken\n\n```http\nPOST /x\n```\n\n#### 返回值\n\n```json\n{ : : }\n```\n", encoding="utf-8"
    )
    r = run("lint", str(bad))
    assert r.returncode == 1
    assert "error:" in r.stdout and "[sample-unreadable]" in r.stdout


def test_import_writes_both_renditions_byte_for_byte_reproducibly(tmp_path: Path):
    out1, out2 = tmp_path / "a", tmp_path / "b"
    for out in (out1, out2):
        r = run("import", "spec/sources/character.md", "spec/sources/yike.md", "--out", str(out))
        assert r.returncode == 0, r.stderr
    for name in ("character.yaml", "yike.yaml", "3.2/character.yaml", "3.2/yike.yaml"):
        assert (out1 / name).read_bytes() == (out2 / name).read_bytes()
    assert (out1 / "character.yaml").read_bytes() == (ROOT / "spec" / "character.yaml").read_bytes()
    assert "itemSchema:" in (out1 / "3.2" / "character.yaml").read_text(encoding="utf-8")


def test_check_is_clean_on_the_repo_and_fails_when_a_spec_is_stale(tmp_path: Path):
    assert run("check").returncode == 0
    copy = tmp_path / "repo"
    shutil.copytree(ROOT / "spec", copy / "spec")
    (copy / "spec" / "yike.yaml").write_text(
        (copy / "spec" / "yike.yaml").read_text(encoding="utf-8") + "# edited\n", encoding="utf-8"
    )
    r = run("check", cwd=copy)
    assert r.returncode == 1
    assert "spec/yike.yaml is not what `mdcontract import` writes now" in r.stderr


def test_unknown_command_and_missing_file_are_usage_errors():
    assert run("frobnicate").returncode == 2
    r = run("import", "nope.md")
    assert r.returncode == 2 and "no such file" in r.stderr


def test_a_bad_overlay_is_a_clear_error_not_a_traceback(tmp_path: Path):
    (tmp_path / "spec" / "overlays").mkdir(parents=True)
    doc = tmp_path / "shop.md"
    doc.write_text("## list\n\n```http\nGET /items\n```\n", encoding="utf-8")
    (tmp_path / "spec" / "overlays" / "shop.yaml").write_text(
        "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n- target: $.info\n  update: {version: '2'}\n",
        encoding="utf-8",
    )
    for command in ("lint", "import"):
        r = run(command, str(doc), cwd=tmp_path)
        assert r.returncode == 1
        assert "has no description saying why" in r.stderr
        assert "Traceback" not in r.stderr


def test_lint_json_of_several_files_is_one_array():
    r = run("lint", "spec/sources/yike.md", "spec/sources/aichat.md", "--format", "json")
    items = json.loads(r.stdout)
    assert {i["file"] for i in items} == {"spec/sources/yike.md", "spec/sources/aichat.md"}


# --- never give up on a whole doc (issue 10) ---------------------------------------------------------

BROKEN = """# Shop

## List items

```http
GET /items
```

Response:

```json
{"items": [{"id": 1, "name": "mug"}], "total": 1}
```

## Create an item

```http
POST /items
```

Request:

```json
{"name": "mug", "price": 9.5}
```

Response:

```json
{ "id": : 7 }
```

## Delete an item

```http
DELETE /items/{id}
```

Response:

```bash
curl -X DELETE https://shop.example.com/items/7
```
"""


def test_import_writes_what_it_can_read_and_exits_1_on_errors(tmp_path: Path):
    doc = tmp_path / "shop.md"
    doc.write_text(BROKEN, encoding="utf-8")
    r = run("import", str(doc), "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr
    lines = BROKEN.split("\n")
    unreadable = lines.index('{ "id": : 7 }') + 1
    curl = lines.index("curl -X DELETE https://shop.example.com/items/7") + 1
    assert f"{doc}:{unreadable}: error: " in r.stdout and "[sample-unreadable]" in r.stdout
    assert f"{doc}:{curl}: error: " in r.stdout and "[curl-as-response]" in r.stdout
    spec = yaml.safe_load((tmp_path / "out" / "shop.yaml").read_text(encoding="utf-8"))
    validate(spec, cls=OpenAPIV30SpecValidator)
    # everything else is there: three operations, the readable samples, the request of the broken one
    assert set(spec["paths"]) == {"/items", "/items/{id}"}
    create = spec["paths"]["/items"]["post"]
    assert "requestBody" in create
    assert "content" not in create["responses"]["200"]  # the unreadable answer is left out
    listed = spec["paths"]["/items"]["get"]["responses"]["200"]["content"]["application/json"]
    assert listed["examples"]["default"]["value"]["total"] == 1
    assert "content" not in spec["paths"]["/items/{id}"]["delete"]["responses"]["200"]


def test_an_example_that_does_not_fit_its_schema_is_left_out_and_reported(tmp_path: Path):
    (tmp_path / "overlays").mkdir()
    doc = tmp_path / "shop.md"
    doc.write_text(BROKEN.split("## Create an item")[0], encoding="utf-8")
    # a human decision that contradicts the doc's sample: `total` is a string
    (tmp_path / "overlays" / "shop.yaml").write_text(
        "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n"
        "- target: $.paths['/items'].get.responses['200'].content['application/json'].schema.properties.total\n"
        "  description: totals are decimal strings\n  update: {type: string}\n",
        encoding="utf-8",
    )
    r = run("import", str(doc), "--out", str(tmp_path / "out"), "--overlays", str(tmp_path / "overlays"))
    assert r.returncode == 1
    sample_line = BROKEN.split("\n").index('{"items": [{"id": 1, "name": "mug"}], "total": 1}') + 1
    assert (
        f"{doc}:{sample_line}: error: GET /items response 200 application/json example 'default'" in r.stdout
    )
    assert "left out of the spec" in r.stdout
    spec = yaml.safe_load((tmp_path / "out" / "shop.yaml").read_text(encoding="utf-8"))
    media = spec["paths"]["/items"]["get"]["responses"]["200"]["content"]["application/json"]
    assert "examples" not in media and media["schema"]["properties"]["total"]["type"] == "string"


def test_every_real_doc_in_the_repo_imports_and_lints_without_a_traceback(tmp_path: Path):
    docs = sorted((ROOT / "tests" / "fixtures").rglob("*.md")) + sorted(
        (ROOT / "spec" / "sources").glob("*.md")
    )
    docs += sorted((ROOT / "docs").glob("*.md"))
    corpus = ROOT.parent / "shared" / "corpus" / "docs"
    docs += sorted(corpus.glob("*.md")) if corpus.is_dir() else []
    for command in ("import", "lint"):
        extra = ["--out", str(tmp_path / "out")] if command == "import" else []
        r = run(command, *map(str, docs), *extra, cwd=tmp_path)
        assert "Traceback" not in r.stderr + r.stdout, r.stderr[-3000:]
        assert r.returncode in (0, 1), r.stderr[-2000:]
    assert {p.stem for p in (tmp_path / "out").glob("*.yaml")} == {p.stem for p in docs}


def test_docs_read_back_from_the_cli(tmp_path: Path):
    """`mdcontract docs --out D && mdcontract import D/*.md` works for all four APIs."""
    docs = tmp_path / "docs"
    assert run("docs", "--out", str(docs)).returncode == 0
    sources = sorted(str(p) for p in docs.glob("*.md"))
    r = run("import", *sources, "--out", str(tmp_path / "spec"))
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    for api in ("character", "session-store", "aichat", "yike"):
        again = yaml.safe_load((tmp_path / "spec" / f"{api}.yaml").read_text(encoding="utf-8"))
        original = yaml.safe_load((ROOT / "spec" / f"{api}.yaml").read_text(encoding="utf-8"))
        ops = {(m, p) for p, item in original["paths"].items() for m in item}
        assert {(m, p) for p, item in again["paths"].items() for m in item} == ops, api


# --- lint as people use linters -----------------------------------------------------------------------

LINTED = """# Notes

## List notes

```http
GET /notes
```

Response:

```json
{"a": 1, "a": 2}
```

## Create a note

```http
POST /notes
```
"""


def test_lint_select_ignore_and_closing_count(tmp_path: Path):
    doc = tmp_path / "notes.md"
    doc.write_text(LINTED, encoding="utf-8")
    r = run("lint", str(doc), cwd=tmp_path)
    assert r.returncode == 0
    assert "[duplicate-key]" in r.stdout and "[no-response]" in r.stdout
    assert r.stdout.rstrip().endswith("Found 0 errors and 2 warnings:\n  1  duplicate-key\n  1  no-response")
    only = run("lint", str(doc), "--select", "no-response", cwd=tmp_path)
    assert "[duplicate-key]" not in only.stdout and "[no-response]" in only.stdout
    quiet = run("lint", str(doc), "--ignore", "no-response,duplicate-key", cwd=tmp_path)
    assert quiet.stdout.strip() == "No problems found."


def test_lint_reads_its_rules_from_pyproject_and_the_cli_adds_to_them(tmp_path: Path):
    doc = tmp_path / "notes.md"
    doc.write_text(LINTED, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.mdcontract.lint]\nignore = ["no-response"]\nper-file-ignores = {"other.md" = ["duplicate-key"]}\n',
        encoding="utf-8",
    )
    r = run("lint", str(doc), cwd=tmp_path)
    assert "[no-response]" not in r.stdout and "[duplicate-key]" in r.stdout
    r = run("lint", str(doc), "--ignore", "duplicate-key", cwd=tmp_path)
    assert r.stdout.strip() == "No problems found."
    (tmp_path / "pyproject.toml").write_text(
        '[tool.mdcontract.lint]\nper-file-ignores = {"notes.md" = ["duplicate-key"]}\n', encoding="utf-8"
    )
    r = run("lint", str(doc), cwd=tmp_path)
    assert "[duplicate-key]" not in r.stdout and "[no-response]" in r.stdout


def test_an_inline_comment_accepts_a_rule_for_the_rest_of_its_section(tmp_path: Path):
    doc = tmp_path / "notes.md"
    doc.write_text(
        LINTED.replace("## Create a note\n", "## Create a note\n\n<!-- mdcontract: ignore no-response -->\n"),
        encoding="utf-8",
    )
    r = run("lint", str(doc), cwd=tmp_path)
    assert "[no-response]" not in r.stdout and "[duplicate-key]" in r.stdout
    # the comment accepts the rule in its own section only
    doc.write_text(
        LINTED.replace("## List notes\n", "## List notes\n\n<!-- mdcontract: ignore duplicate-key -->\n"),
        encoding="utf-8",
    )
    r = run("lint", str(doc), cwd=tmp_path)
    assert "[duplicate-key]" not in r.stdout and "[no-response]" in r.stdout


def test_an_ignored_error_no_longer_fails_the_run(tmp_path: Path):
    doc = tmp_path / "shop.md"
    doc.write_text(BROKEN, encoding="utf-8")
    assert run("lint", str(doc), cwd=tmp_path).returncode == 1
    r = run("lint", str(doc), "--ignore", "sample-unreadable,curl-as-response", cwd=tmp_path)
    assert r.returncode == 0 and "error:" not in r.stdout


@pytest.mark.parametrize("command", ["mock", "serve"])
def test_serving_nothing_says_what_to_do_with_the_same_exit_codes(command, tmp_path):
    missing = run(command, "nowhere.yaml", cwd=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr.strip() == f"mdcontract {command}: no such spec file: nowhere.yaml"
    empty = run(command, cwd=tmp_path)  # no spec/ folder here: nothing to serve, not a usage error
    assert empty.returncode == 1
    assert "run `mdcontract import spec/sources/*.md` first" in empty.stderr
    assert f"`mdcontract {command} path/to/api.yaml`" in empty.stderr
