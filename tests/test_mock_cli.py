"""`mdcontract mock` from a terminal: start-up checks, usage errors, a real server, --watch."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
import yaml

from mocks.app import build_app
from mocks.cli import main
from mocks.spec import SpecError

FIXTURE = Path(__file__).parent / "fixtures" / "mock" / "petstore-like.yaml"
ROOT = Path(__file__).resolve().parent.parent


def spec_with_bad_example(folder: Path) -> Path:
    doc = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
    example = doc["paths"]["/pets/{petId}"]["get"]["responses"]["200"]["content"]["application/json"][
        "examples"
    ]
    example["tom"]["value"]["result"]["id"] = "one"
    path = folder / "broken.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def test_an_example_that_does_not_validate_refuses_start_naming_it(tmp_path):
    with pytest.raises(SpecError) as raised:
        build_app(spec_with_bad_example(tmp_path))
    [problem] = raised.value.problems
    assert "GET /pets/{petId} (pets_get)" in problem
    assert "example 'tom'" in problem and "/result/id" in problem


def test_a_stream_item_that_does_not_validate_refuses_start(tmp_path):
    doc = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
    media = doc["paths"]["/pets/{petId}/chat"]["post"]["responses"]["200"]["content"]["application/x-ndjson"]
    media["examples"]["single"]["x-oai-serializedValue"] = (
        '{"code":0,"msg":"success","result":{"idx":"two","done":false}}\n'
    )
    path = tmp_path / "stream.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(SpecError, match=r"example 'single' stream item 0.*/result/idx"):
        build_app(path)


def test_the_cli_refuses_to_start_with_exit_1_and_says_why(tmp_path, capsys):
    assert main(["mock", str(spec_with_bad_example(tmp_path))]) == 1
    err = capsys.readouterr().err
    assert "refusing to start" in err and "pets_get" in err and "'tom'" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["mock", "--bogus"],
        ["mock", "--port", "eighty"],
        ["mock", "--fail-rate", "2"],
        ["mock", "--delay-ms", "-1"],
    ],
)
def test_bad_usage_exits_2(argv, capsys):
    assert main(argv) == 2
    assert "usage: mdcontract mock" in capsys.readouterr().err


def test_a_missing_spec_file_exits_2(capsys):
    assert main(["mock", "no/such/spec.yaml"]) == 2
    assert "no/such/spec.yaml" in capsys.readouterr().err


def test_without_specs_it_says_how_to_make_them(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["mock"]) == 1
    assert "mdcontract import" in capsys.readouterr().err


def test_help_exits_0(capsys):
    assert main(["mock", "--help"]) == 0
    assert "--chunk-delay-ms" in capsys.readouterr().out


# --- a real server --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serving(args: list[str], cwd: Path = ROOT) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "mocks.cli", *args, "--port", str(port), "--quiet"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(command, cwd=cwd, env=env, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"the mock did not start: {process.stderr.read()}") from None
                time.sleep(0.05)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stderr.close()


def get_json(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_served_stream_arrives_item_by_item_at_the_given_pace():
    async def read_lines(base: str) -> list[tuple[float, bytes]]:
        async with aiohttp.ClientSession() as session:
            started = time.perf_counter()
            payload = {"content": "hi", "batch_size": 1}
            async with session.post(f"{base}/pets/1/chat", json=payload) as response:
                assert response.headers["content-type"] == "application/x-ndjson"
                return [(time.perf_counter() - started, line) async for line in response.content]

    with serving([str(FIXTURE), "--chunk-delay-ms", "150"]) as base:
        lines = asyncio.run(read_lines(base))
    assert [json.loads(line)["result"]["content"] for _, line in lines] == ["Hi", "Hi there", "Hi there!"]
    # The first line is there before the last is sent: the client reads the stream as it comes.
    assert lines[-1][0] - lines[0][0] >= 0.25


def test_mock_without_arguments_serves_every_spec_under_its_name(tmp_path):
    (tmp_path / "spec").mkdir()
    for name in ("pets", "zoo"):
        (tmp_path / "spec" / f"{name}.yaml").write_bytes(FIXTURE.read_bytes())
    with serving([], cwd=tmp_path) as base:
        assert get_json(f"{base}/zoo/pets/1")[1]["result"]["name"] == "Tom"
        assert get_json(f"{base}/pets/pets", {"Prefer": "code=401"}) == (
            401,
            {"code": 2, "msg": "session missing"},
        )
        with urllib.request.urlopen(f"{base}/", timeout=5) as index:
            assert b'href="/zoo/openapi.yaml"' in index.read()


def test_watch_reloads_a_changed_spec_and_keeps_serving_a_broken_one(tmp_path):
    spec = tmp_path / "pets.yaml"
    spec.write_bytes(FIXTURE.read_bytes())

    def name_of_pet(base: str) -> str:
        return get_json(f"{base}/pets/1")[1]["result"]["name"]

    def wait_for(base: str, expected: str) -> str:
        deadline = time.monotonic() + 10
        while (found := name_of_pet(base)) != expected and time.monotonic() < deadline:
            time.sleep(0.1)
        return found

    with serving([str(spec), "--watch"]) as base:
        assert name_of_pet(base) == "Tom"
        spec.write_text(
            FIXTURE.read_text(encoding="utf-8").replace("name: Tom, tag: cat}}", "name: Tim, tag: cat}}")
        )
        assert wait_for(base, "Tim") == "Tim"
        broken = spec_with_bad_example(tmp_path)
        spec.write_bytes(broken.read_bytes())
        time.sleep(1.0)
        assert name_of_pet(base) == "Tim"  # the last good spec is still served


def post_json(url: str, body: dict, headers: dict[str, str]) -> int:
    data = json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize(
    ("options", "token", "status"),
    [
        ([], "x1", 401),  # a made-up token: refused, as a real server would
        ([], "mock-token", 200),
        (["--any-token"], "x1", 200),
    ],
)
def test_the_tokens_the_mock_accepts(options, token, status):
    with serving([str(FIXTURE), *options]) as base:
        pet = {"name": "Tom", "kind": "cat"}
        assert post_json(f"{base}/pets", pet, {"Authorization": f"Bearer {token}"}) == status
