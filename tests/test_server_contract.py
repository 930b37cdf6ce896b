"""`mdcontract test` against `mdcontract serve --memory --seed demo`, from the shell, as a backend team runs
it: every phase (stateful included) with the demo users' tokens, for each API the server implements."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from server.apis.character import accounts, mailbox, payments, platform, profile, wallet
from server.apis.character.content.operations import OPERATIONS as CONTENT_OPERATIONS

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "generators.cli"]

# character operations that run on their own terms (below), not in the accounts run:
NOT_RUN = {
    # It deletes the run's user: run as carol, the demo user there to be deleted, so that alice's
    # token still works for everything else.
    "post_user_delete": "runs as carol",
    # An upload must be an image or an audio by its first bytes (415 otherwise, by design); the spec
    # can only say `format: binary`, so schemathesis sends random bytes as valid input and counts the
    # refusal against the server. Every other check runs.
    "post_user_uploadImage": "runs without positive_data_acceptance",
    "post_user_uploadAudio": "runs without positive_data_acceptance",
    # The avatar upload is judged like an image too (its upload rule, server/apis/character/platform.py).
    "post_character_uploadAvatar": "runs without positive_data_acceptance",
}
CHARACTER_ACCOUNTS = sorted(
    operation
    for area in (accounts, mailbox, platform, profile, wallet)
    for operation in area.handlers.operations
    if operation not in NOT_RUN
)
CHARACTER_USERS = [
    *("--token", "demo-character-alice", "--token-b", "demo-character-bob"),
    *("--user-id", "1", "--user-id-b", "2"),
]

# Per run (`<api>` or `<api>:<part>`): the `mdcontract test` options that name its users (the demo
# dataset's, README "Demo data") and, for an API implemented in parts, the operations of the part.
RUNS: dict[str, list[str]] = {
    "session-store": ["--user-id", "demo", "--user-id-b", "demo-b"],
    "aichat": ["--token", "demo-aichat-alice", "--token-b", "demo-aichat-bob"],
    "yike": ["--token", "demo-yike-alice", "--token-b", "demo-yike-bob"],
    "character:accounts": [
        *CHARACTER_USERS,
        *[option for operation in CHARACTER_ACCOUNTS for option in ("--operation", operation)],
    ],
    # PayPal, Stripe, App Store, Google Play, NowPayments and the web front's payment settings.
    "character:payments": [
        *CHARACTER_USERS,
        *[
            option
            for operation in sorted(payments.handlers.operations)
            for option in ("--operation", operation)
        ],
    ],
    "character:delete-user": [
        *("--token", "demo-character-carol", "--token-b", "demo-character-bob"),
        *("--user-id", "4", "--user-id-b", "2", "--operation", "post_user_delete"),
        *("--phases", "examples,coverage,fuzzing"),  # one operation: no link for a stateful phase to follow
    ],
    "character:uploads": [
        *CHARACTER_USERS,
        *("--operation", "post_user_uploadImage", "--operation", "post_user_uploadAudio"),
        *("--operation", "post_character_uploadAvatar"),
        *("--exclude-check", "positive_data_acceptance"),
        *("--phases", "examples,coverage,fuzzing"),  # no link between the two for a stateful phase
    ],
    # The shared content model's operations (characters, their chats, guests' chats, media, the user's lists).
    "character:content": [
        *CHARACTER_USERS,
        *[
            option
            for operation in CONTENT_OPERATIONS
            if operation.operation_id not in NOT_RUN
            for option in ("--operation", operation.operation_id)
        ],
    ],
}
# Runs of one or two unlinked operations: stateful is not among their phases.
SINGLE = {"character:delete-user", "character:uploads"}
# APIs with nothing for the stateful phase to chain: no operation takes an id another one answers
# (aichat's /chatList pages by a timestamp and its login gives a token), so schemathesis has no link to
# follow and reports the phase as not applicable. Its tests/test_server_<api>.py covers the state.
NOTHING_TO_CHAIN = {"aichat"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Any:
    port = _free_port()
    command = [*CLI, "serve", "--memory", "--seed", "demo", "--ttft-ms", "0", "--tokens-per-s", "0"]
    process = subprocess.Popen(
        [*command, "--quiet", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/", timeout=1).read()
            break
        except OSError:
            if process.poll() is not None:
                pytest.fail(f"mdcontract serve exited: {process.stdout.read() if process.stdout else ''}")
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("mdcontract serve did not answer within 60 s")
    yield base
    process.terminate()
    process.wait(timeout=10)


def test_every_character_operation_is_in_a_run():
    """Issue 9: green for every operation. The runs together cover the whole character spec."""
    import yaml

    spec = yaml.safe_load((ROOT / "spec" / "character.yaml").read_text(encoding="utf-8"))
    every = {
        op["operationId"] for item in spec["paths"].values() for op in item.values() if "operationId" in op
    }
    named = {
        options[i + 1]
        for run, options in RUNS.items()
        if run.startswith("character")
        for i, option in enumerate(options)
        if option == "--operation"
    }
    assert every - named == set()


@pytest.mark.parametrize("run", sorted(RUNS))
def test_the_reference_server_keeps_the_contract(server, run, tmp_path):
    api = run.partition(":")[0]
    command = [
        *CLI,
        "test",
        "--spec",
        f"spec/{api}.yaml",
        "--base-url",
        f"{server}/{api}",
        "--seed",
        "1",
        "--max-examples",
        "10",
        "--junit",
        str(tmp_path / "junit.xml"),
        *RUNS[run],
    ]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env, timeout=1500)
    summary = result.stdout[result.stdout.rfind("mdcontract test: summary") :]
    assert result.returncode == 0, summary or result.stdout[-5000:] + result.stderr[-3000:]
    if run not in SINGLE:
        assert ("stateful skipped" if api in NOTHING_TO_CHAIN else "stateful ok") in summary, summary
    assert "examples ok  coverage ok  fuzzing ok" in summary, summary
    assert "failures  none" in summary, summary
