"""`mdcontract test` as a user runs it: options, exit status, summary, reports, and a live mock."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from broken_servers import nonsense, session_store, yike
from broken_servers.base import FIXTURES, free_port, serve
from broken_servers.harness import run_suite

from contract_tests import cli

ROOT = Path(__file__).resolve().parent.parent
SESSION_STORE = FIXTURES / "session-store.yaml"


def test_help_exits_0(capsys):
    assert cli.main(["test", "--help"]) == 0
    assert "--token-b" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "the following arguments are required: --spec, --base-url"),
        (["--spec", "spec/nope.yaml", "--base-url", "http://127.0.0.1:1"], "spec/nope.yaml: no such file"),
        (["--spec", str(SESSION_STORE), "--base-url", "localhost:8000"], "give an http(s) URL"),
        (
            ["--spec", str(SESSION_STORE), "--base-url", "http://x", "--phases", "smoke"],
            "unknown phase(s) smoke",
        ),
        (
            ["--spec", str(SESSION_STORE), "--base-url", "http://x", "--operation", "nope"],
            "matches no operation",
        ),
        (
            ["--spec", str(SESSION_STORE), "--base-url", "http://x", "--include-tag", "nope"],
            "no operation has it",
        ),
        (
            ["--spec", str(SESSION_STORE), "--base-url", "http://x", "--token-b", "b"],
            "--token-b needs --token",
        ),
        (["--spec", str(SESSION_STORE), "--base-url", "http://x", "--workers", "0"], "must be at least 1"),
        (
            ["--spec", str(SESSION_STORE), "--base-url", "http://x", "--stateless", "--phases", "stateful"],
            "contradict",
        ),
        (
            ["--spec", str(SESSION_STORE), "--base-url", "http://x", "--junit", "/no/such/dir/out.xml"],
            "does not exist",
        ),
    ],
)
def test_usage_errors_exit_2_and_say_what_is_wrong(argv, message, capsys):
    assert cli.main(["test", *argv]) == 2
    assert message in capsys.readouterr().err


def test_an_unreachable_server_exits_2_before_testing(capsys):
    port = free_port()  # nothing listens there
    assert cli.main(["test", "--spec", str(SESSION_STORE), "--base-url", f"http://127.0.0.1:{port}"]) == 2
    assert "cannot reach" in capsys.readouterr().err


def test_operation_accepts_method_and_path_as_well_as_an_operation_id():
    run = run_suite(
        session_store.build_app(),
        "session-store.yaml",
        "--operation",
        "POST /add_user",
        "--phases",
        "examples",
    )
    assert run.code == 0, run.output
    assert "tested    1 operations" in run.output


def test_the_summary_fits_one_screen_and_names_each_failure():
    run = run_suite(session_store.build_app({"wrong_success_code", "server_error"}), "session-store.yaml")
    assert run.code == 1
    summary = run.output[run.output.index("mdcontract test: summary") :].splitlines()
    assert len(summary) <= 30
    assert any("POST /add_chat" in line and "envelope_code" in line for line in summary)
    assert any("POST /add_user" in line and "not_a_server_error" in line for line in summary)
    assert summary[-2].startswith("result    FAILED (exit 1)")


def test_a_single_token_gets_a_notice_that_user_against_user_was_not_checked():
    run = run_suite(yike.build_app(), "yike.yaml", "--token", "token-a", "--phases", "examples")
    assert run.code == 0, run.output
    # in this spec's words: yike's users own conversations, not sessions or characters
    assert (
        "notice    user against user not checked (one user's credentials given): add --token-b with a second "
        "user's token to check that user B cannot read or change user A's conversations"
    ) in run.output


# --- our own mock, with and without a token --------------------------------------------------------


@pytest.fixture(scope="module")
def yike_mock():
    from mocks.app import build_app

    return build_app(ROOT / "spec" / "yike.yaml")


@pytest.mark.parametrize("token", [None, "mock-token"])
def test_our_mock_is_green_with_or_without_a_token(yike_mock, token):
    # issue 12: without --token, schemathesis's made-up tokens got 200 from the mock (8 x ignored_auth)
    options = ("--token", token) if token else ()
    run = run_suite(yike_mock, ROOT / "spec" / "yike.yaml", *options, "--max-examples", "3")
    assert run.code == 0, run.output[-3000:]
    summary = run.output[run.output.index("mdcontract test: summary") :]
    assert "tested    8 operations" in summary and "result    PASSED (exit 0)" in summary
    if token:
        assert "notice" not in summary.replace("notice    the target is the mdcontract mock", "")
    else:
        assert "no credentials given" in summary and "one token given" not in summary


def test_a_token_the_mock_does_not_accept_is_green_and_says_what_it_accepts(yike_mock):
    run = run_suite(
        yike_mock, ROOT / "spec" / "yike.yaml", "--token", "my-own", "--phases", "examples,coverage"
    )
    assert run.code == 0, run.output[-3000:]
    assert (
        "operations answered only 401/403: the credentials given were refused (the mdcontract mock accepts "
        "mock-token and the tokens its spec documents"
    ) in run.output


def test_junit_and_html_reports_are_written(tmp_path):
    junit, html = tmp_path / "out.xml", tmp_path / "report.html"
    run = run_suite(
        yike.build_app({"empty_completion"}),
        "yike.yaml",
        "--token",
        "token-a",
        "--phases",
        "examples",
        "--junit",
        str(junit),
        "--html",
        str(html),
    )
    assert run.code == 1
    suite = ElementTree.parse(junit).getroot()
    assert int(suite.get("failures", "0")) >= 1
    properties = {prop.get("name"): prop.get("value") for prop in suite.iter("property")}
    assert "time to first chunk: POST /chat/conversations/{id}/completions" in properties
    page = html.read_text(encoding="utf-8")
    assert "stream_conformance" in page
    assert "curl -X POST" in page  # a reproducer for the failure


def test_a_server_answering_nonsense_is_red():
    run = run_suite(nonsense.app, SESSION_STORE, "--phases", "examples")
    assert run.code == 1
    assert "envelope_code" in run.checks or "response_schema_conformance" in run.checks


# The live test: the real mock in its own process, the real command line in another, 127.0.0.1 only.

SPEC = ROOT / "spec" / "session-store.yaml"
live = pytest.mark.skipif(
    not SPEC.is_file() or not (ROOT / "mocks" / "cli.py").is_file(),
    reason="needs spec/session-store.yaml and the mock",
)


def _mdcontract(*args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generators.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def _wait_for_port(port: int, process: subprocess.Popen[str], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"the mock exited with {process.returncode}: {process.stderr.read() if process.stderr else ''}"
            )
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the mock did not listen on port {port} within {timeout:g} s")


@live
def test_live_mock_is_green_and_writes_junit(tmp_path):
    port = free_port()
    mock = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "generators.cli",
            "mock",
            str(SPEC),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--quiet",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for_port(port, mock)
        junit = tmp_path / "out.xml"
        result = _mdcontract(
            "test",
            "--spec",
            "spec/session-store.yaml",
            "--base-url",
            f"http://127.0.0.1:{port}",
            "--max-examples",
            "10",
            "--junit",
            str(junit),
            timeout=300,
        )
    finally:
        mock.terminate()
        mock.wait(timeout=10)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "result    PASSED (exit 0)" in result.stdout
    cases = list(ElementTree.parse(junit).getroot().iter("testcase"))
    assert len(cases) == 7


@live
def test_live_server_answering_nonsense_is_red():
    with serve(nonsense.app) as url:
        result = _mdcontract(
            "test",
            "--spec",
            "spec/session-store.yaml",
            "--base-url",
            url,
            "--max-examples",
            "10",
            timeout=300,
        )
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-2000:]
    assert "result    FAILED (exit 1)" in result.stdout


# --- --shard: a CI matrix of N jobs ------------------------------------------------------------------


def _shard_labels(spec: Path, *options: str) -> list[str]:
    """The operations `mdcontract test` would run with these options ([] for an empty shard)."""
    args = cli.parser().parse_args(["--spec", str(spec), "--base-url", "http://x", *options])
    try:
        plan = cli._plan(args)
    except cli.EmptyShard:
        return []
    assert plan.filters[::2] == ["--include-name"] * (len(plan.filters) // 2)
    return plan.filters[1::2]


@pytest.mark.parametrize("api", ["character", "session-store", "aichat", "yike"])
def test_the_shards_together_run_every_operation_of_the_spec_once(api):
    spec = ROOT / "spec" / f"{api}.yaml"
    everything = list(cli._operations(cli.yaml.safe_load(spec.read_text(encoding="utf-8"))))
    for count in (1, 2, 3, 4, 7):
        shards = [_shard_labels(spec, "--shard", f"{index}/{count}") for index in range(1, count + 1)]
        union = [label for shard in shards for label in shard]
        assert sorted(union) == sorted(everything), f"{api} in {count} shards"  # all, none twice
        assert max(map(len, shards)) - min(map(len, shards)) <= 1, f"{api} in {count} shards: unbalanced"
        # The same split at every run (each CI job computes its own part).
        assert shards[0] == _shard_labels(spec, "--shard", f"1/{count}")


def test_a_shard_splits_what_the_other_options_select():
    spec = ROOT / "spec" / "character.yaml"
    tag = "base interface"
    first = _shard_labels(spec, "--include-tag", tag, "--shard", "1/2")
    second = _shard_labels(spec, "--include-tag", tag, "--shard", "2/2")
    raw = cli.yaml.safe_load(spec.read_text(encoding="utf-8"))
    tagged = [label for label, op in cli._labelled(raw) if tag in op.get("tags", [])]
    assert first + second == tagged


@pytest.mark.parametrize("text", ["0/4", "5/4", "2", "a/b", "1/0"])
def test_a_shard_that_is_not_i_of_n_is_a_usage_error(text, capsys):
    assert cli.main(["test", "--spec", str(SESSION_STORE), "--base-url", "http://x", "--shard", text]) == 2
    assert "expected I/N" in capsys.readouterr().err


def test_a_shard_with_nothing_to_run_exits_0_and_says_so(capsys):
    argv = ["test", "--spec", str(ROOT / "spec" / "aichat.yaml"), "--base-url", "http://x", "--shard", "1/5"]
    assert cli.main(argv) == 0
    assert "shard 1/5 has no operations: 2 are selected" in capsys.readouterr().err


def test_three_shards_run_against_a_server_test_each_operation_once(tmp_path, yike_mock):
    tested: list[str] = []
    for index in (1, 2, 3):
        junit = tmp_path / f"shard-{index}.xml"
        run = run_suite(
            yike_mock,
            ROOT / "spec" / "yike.yaml",
            "--shard",
            f"{index}/3",
            "--phases",
            "examples",
            "--junit",
            str(junit),
        )
        assert run.code == 0, run.output[-3000:]
        assert f"shard {index}/3" in run.output
        tested += [case.get("name") for case in ElementTree.parse(junit).getroot().iter("testcase")]
    assert len(tested) == 8 and len(set(tested)) == 8, tested
