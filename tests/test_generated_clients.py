"""The specs as client generators read them: what a frontend (openapi-typescript) and a Python
consumer (openapi-python-client) get must cover every operation and type-check real data."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / "node_modules" / ".bin"
APIS = ("character", "session-store", "aichat", "yike")


def run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300)


def operation_count(api: str) -> int:
    from helpers import operations

    from mocks.spec import load_spec

    return len(operations(load_spec(ROOT / "spec" / f"{api}.yaml")))


# Real data a frontend sends or reads, typed by the generated declarations. `receipt` is documented
# as `{}`: an open object, so Apple's receipt fields must type-check (they did not when `{}` was
# read as an empty object: `Record<string, never>`).
USAGE = """
import type { operations as character } from "./character";
import type { operations as yike } from "./yike";

type AppleBody = character["post_api_apple_getRreceipts"]["requestBody"]["content"]["application/json"];
export const apple: AppleBody = { receipt: { "receipt-data": "test-apple-receipt:com.demo.tokens100:1" } };

type Login = character["post_user_loginByEmail"]["requestBody"]["content"]["application/json"];
export const login: Login = { email: "alice@example.com", password: "demo-password" };

type Prompts = yike["get_api_prompts"]["responses"][200]["content"]["application/json"];
export function names(page: Prompts): string[] {
  return page.data.map((p) => p.name);
}
"""


def test_openapi_typescript_declarations_compile_strict_and_accept_real_data(tmp_path):
    for api in APIS:
        result = run(
            [str(BIN / "openapi-typescript"), str(ROOT / "spec" / f"{api}.yaml"), "-o", f"{api}.d.ts"],
            tmp_path,
        )
        assert result.returncode == 0, result.stderr
    (tmp_path / "usage.ts").write_text(USAGE, encoding="utf-8")
    files = [f"{api}.d.ts" for api in APIS] + ["usage.ts"]
    result = run([str(BIN / "tsc"), "--noEmit", "--strict", *files], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    # the same usage with a wrong type is refused: the check above has teeth
    (tmp_path / "usage.ts").write_text(
        USAGE.replace('password: "demo-password"', "password: 7"), encoding="utf-8"
    )
    result = run([str(BIN / "tsc"), "--noEmit", "--strict", *files], tmp_path)
    assert result.returncode != 0 and "usage.ts" in result.stdout


@pytest.mark.parametrize("api", APIS)
def test_openapi_python_client_generates_every_operation(api, tmp_path, monkeypatch):
    (tmp_path / "config.yaml").write_text("post_hooks: []\n", encoding="utf-8")  # no formatter needed
    package = "client_" + api.replace("-", "_")
    generator = Path(sys.executable).with_name("openapi-python-client")
    result = run(
        [
            str(generator),
            "generate",
            "--path",
            str(ROOT / "spec" / f"{api}.yaml"),
            "--output-path",
            package,
            "--meta",
            "none",
            "--config",
            "config.yaml",
        ],
        tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # e.g. two operationIds that one snake_case name would merge: the second was left out
    assert "will not be generated" not in result.stdout + result.stderr, result.stdout
    monkeypatch.syspath_prepend(str(tmp_path))
    api_package = importlib.import_module(f"{package}.api")
    endpoints = [
        importlib.import_module(module.name)
        for module in pkgutil.walk_packages(api_package.__path__, prefix=f"{package}.api.")
        if not module.ispkg
    ]
    assert len(endpoints) == operation_count(api)
    assert all(hasattr(module, "sync_detailed") for module in endpoints)
