"""`mdcontract test` on specs that are not ours, signing in wherever a spec says: an API key in a header,
the query or a cookie, HTTP basic, a bearer token; against the pet store behind a key, Prism, and our mock.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from broken_servers import petstore
from broken_servers.base import free_port
from broken_servers.harness import run_suite
from helpers import operations

from contract_tests import cli, credentials

ROOT = Path(__file__).resolve().parent.parent
PETSTORE = ROOT / "tests" / "fixtures" / "petstore.yaml"
PRISM = ROOT / "node_modules" / ".bin" / "prism"
KEY = petstore.KEY


def secured(spec: Path) -> set[str]:
    raw = yaml.safe_load(spec.read_text(encoding="utf-8"))
    return {op["operationId"] for _, _, op in operations(raw) if op.get("security", raw.get("security"))}


def summary_of(output: str) -> str:
    return output[output.index("mdcontract test: summary") :]


# --- where a credential goes ----------------------------------------------------------------------


def petstore_raw(where: str, tmp_path: Path) -> dict:
    spec = PETSTORE if where == "header" else petstore.spec_with_key_in(where, tmp_path)
    return yaml.safe_load(spec.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("header", credentials.Credential(headers={"api_key": "k"})),
        ("query", credentials.Credential(query={"api_key": "k"})),
        ("cookie", credentials.Credential(cookies={"api_key": "k"})),
    ],
)
def test_a_token_goes_where_the_api_key_scheme_says(where, expected, tmp_path):
    raw = petstore_raw(where, tmp_path)
    # GET /store/inventory needs the key alone; the first requirement the token satisfies
    inventory = {**raw, "paths": {"/store/inventory": raw["paths"]["/store/inventory"]}}
    assert credentials.credential_for(inventory, "k") == expected
    assert credentials.schemathesis_auth(raw, "k", None) == {
        "petstore_auth": {"bearer": "k"},
        "api_key": {"api_key": "k"},
    }


def test_basic_credentials_come_from_auth_and_a_spec_without_schemes_gets_a_bearer_token(tmp_path):
    raw = petstore_raw("basic", tmp_path)
    tables = credentials.schemathesis_auth(raw, "k", "me:pw")
    assert tables["api_key"] == {"username": "me", "password": "pw"}
    assert credentials.unmet(raw, "k", None) == [
        "security scheme 'api_key' is HTTP basic: give --auth USER:PASSWORD to sign in with it"
    ]
    assert credentials.credential_for({"paths": {}}, "t") == credentials.Credential(
        headers={"Authorization": "Bearer t"}
    )


def test_a_credential_is_written_to_the_config_as_text_not_as_a_variable():
    text = credentials.config_text({"api key": {"api_key": 'a"b${HOME}'}})
    assert text == '[auth.openapi."api key"]\napi_key = "a\\"b$${HOME}"\n'


# --- against the pet store behind a key -----------------------------------------------------------

SIGN_IN = {
    "header": ("--token", KEY),
    "query": ("--token", KEY),
    "cookie": ("--token", KEY),
    "basic": ("--token", KEY, "--auth", f"me:{KEY}"),
}


@pytest.mark.parametrize("where", list(SIGN_IN))
def test_the_key_is_sent_where_the_spec_says_and_the_run_is_green(where, tmp_path):
    spec = PETSTORE if where == "header" else petstore.spec_with_key_in(where, tmp_path)
    app = petstore.build_app(spec)
    run = run_suite(app, spec, *SIGN_IN[where], "--phases", "examples,coverage")
    assert run.code == 0, run.output[-3000:]
    # every operation behind the key was answered (a wrong place for the key gets 401s only)
    assert secured(spec) <= app.state.answered
    assert "refused" not in summary_of(run.output)
    assert "Traceback" not in run.output


def test_a_header_option_carries_the_key_too():
    app = petstore.build_app(PETSTORE)
    run = run_suite(
        app,
        PETSTORE,
        "-H",
        f"api_key: {KEY}",
        "--header",
        "X-Request-Source:contract-test",
        "--phases",
        "examples,coverage",
    )
    assert run.code == 0, run.output[-3000:]
    assert {"getInventory", "getPetById"} <= app.state.answered
    assert app.state.headers["x-request-source"] == {"contract-test"}
    assert "no credentials given" not in run.output


def test_a_server_that_ignores_its_key_is_red_and_the_summary_names_it():
    run = run_suite(petstore.build_app(PETSTORE, {"inventory_ignores_the_key"}), PETSTORE, "--token", KEY)
    assert run.code == 1
    assert {row.operation for row in run.failures} == {"GET /store/inventory"}
    assert "ignored_auth" in run.checks
    summary = summary_of(run.output)
    assert "result    FAILED (exit 1)" in summary and "GET /store/inventory  ignored_auth" in summary


def test_without_credentials_the_summary_says_so_in_words_true_for_this_spec():
    run = run_suite(petstore.build_app(PETSTORE), PETSTORE, "--phases", "examples")
    assert run.code == 0, run.output[-3000:]
    summary = summary_of(run.output)
    assert "no credentials given (--token, --auth or --header)" in summary
    # issue 12: "(one token given)" with no token, and our APIs' sessions and characters on a pet store
    for wrong in ("one token given", "session", "character", "conversation"):
        assert wrong not in summary


def test_every_option_the_output_suggests_exists():
    # schemathesis's own hints name `--auth` and `-H`; mdcontract test must have what it is told to use
    run = run_suite(petstore.build_app(PETSTORE), PETSTORE, "--phases", "examples")
    suggested = set(re.findall(r"`(--?[a-zA-Z][\w-]*)", run.output))
    assert {"--auth", "-H"} <= suggested
    known = {option for action in cli.parser()._actions for option in action.option_strings}
    assert suggested <= known


def test_auth_on_a_spec_without_a_basic_scheme_is_a_usage_error(capsys):
    argv = ["test", "--spec", str(ROOT / "spec" / "yike.yaml"), "--base-url", "http://x", "--auth", "a:b"]
    assert cli.main(argv) == 2
    assert "has no HTTP basic security scheme" in capsys.readouterr().err


@pytest.mark.parametrize("header", ["nocolon", ": value", "bad name: v"])
def test_a_malformed_header_is_a_usage_error(header, capsys):
    argv = ["test", "--spec", str(PETSTORE), "--base-url", "http://x", "-H", header]
    assert cli.main(argv) == 2
    assert "expected NAME:VALUE" in capsys.readouterr().err


def test_every_report_path_the_run_prints_exists_after_it(tmp_path):
    junit, html = tmp_path / "out.xml", tmp_path / "report.html"
    run = run_suite(
        petstore.build_app(PETSTORE), PETSTORE, "--token", KEY, "--phases", "examples",
        "--junit", str(junit), "--html", str(html),
    )  # fmt: skip
    assert run.code == 0, run.output[-3000:]
    printed = set(re.findall(r"(/\S+\.(?:html|xml|toml))", run.output))
    assert str(html) in printed and str(junit) in printed
    assert all(Path(path).is_file() for path in printed), printed


# --- the same spec, served by Prism --------------------------------------------------------------------


@pytest.fixture(scope="module")
def prism() -> Iterator[str]:
    assert PRISM.is_file(), "Prism is missing: run `npm ci` (it comes from package.json)"
    port = free_port()
    process = subprocess.Popen(
        [str(PRISM), "mock", str(PETSTORE), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, "Prism did not start"
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def mdcontract_test(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generators.cli", "test", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "160"},
    )


def test_a_spec_nobody_here_wrote_served_by_prism_gets_a_true_summary(prism):
    done = mdcontract_test(
        "--spec", str(PETSTORE), "--base-url", prism, "--token", KEY, "--max-examples", "5", "--seed", "1"
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert "Traceback" not in output
    assert done.returncode in (0, 1), output[-3000:]
    summary = summary_of(done.stdout)
    verdict = "PASSED (exit 0)" if done.returncode == 0 else "FAILED (exit 1)"
    assert f"result    {verdict}" in summary
    spec = yaml.safe_load(PETSTORE.read_text(encoding="utf-8"))
    labels = {f"{method} {path}" for method, path, _ in operations(spec)}
    assert f"tested    {len(labels)} operations" in summary
    rows = re.findall(r"^  (\S+ \S+)\s{2,}(\w+)\s{2,}", summary, re.MULTILINE)
    assert {label for label, _ in rows} <= labels
    # Prism checks that a key is there, not which: schemathesis's wrong key gets the pet store's answers
    assert ("GET /store/inventory", "ignored_auth") in rows
    # and the key is where the spec wants it: no operation answered 401 to everything
    assert "refused" not in summary
    for ours in ("session", "character", "conversation"):
        assert ours not in summary
