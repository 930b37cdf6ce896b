"""The `mdcontract import / lint / check` commands as a user runs them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generators.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
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
