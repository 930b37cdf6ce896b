"""The committed specs are valid for every tool that will read them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml
from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV32SpecValidator

ROOT = Path(__file__).resolve().parent.parent
APIS = ["character", "session-store", "aichat", "yike"]


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("api", APIS)
def test_openapi_30_valid(api):
    errors = [e.message for e in OpenAPIV30SpecValidator(load(ROOT / "spec" / f"{api}.yaml")).iter_errors()]
    assert errors == []


@pytest.mark.parametrize("api", APIS)
def test_openapi_32_valid_with_item_schemas(api):
    spec = load(ROOT / "spec" / "3.2" / f"{api}.yaml")
    assert spec["openapi"] == "3.2.0"
    assert [e.message for e in OpenAPIV32SpecValidator(spec).iter_errors()] == []
    text = json.dumps(spec)
    assert '"nullable"' not in text
    if api in ("character", "yike"):
        assert '"itemSchema"' in text and '"serializedValue"' in text


@pytest.mark.parametrize("api", APIS)
def test_loads_in_connexion(api):
    import connexion
    from connexion.resolver import Resolution, Resolver
    from starlette.testclient import TestClient

    def handler(*args, **kwargs):
        return {}

    class AnyHandler(Resolver):
        def resolve(self, operation):
            return Resolution(handler, operation.operation_id)

    spec = load(ROOT / "spec" / f"{api}.yaml")
    app = connexion.AsyncApp(__name__)
    app.add_api(spec, resolver=AnyHandler())
    base = urlparse(spec.get("servers", [{"url": ""}])[0]["url"]).path.rstrip("/")
    with TestClient(app) as client:
        served = client.get(f"{base}/openapi.json").json()
    assert len(served["paths"]) == len(spec["paths"])


def test_spectral_oas_has_no_errors():
    spectral = ROOT / "node_modules" / ".bin" / "spectral"
    assert spectral.exists(), "run `npm ci` (tox does) to install Spectral"
    files = [str(ROOT / "spec" / f"{api}.yaml") for api in APIS]
    r = subprocess.run(
        [str(spectral), "lint", "--ruleset", str(ROOT / ".spectral.yaml"), "-f", "json", "-q", *files],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    results = json.loads(r.stdout or "[]")
    errors = [
        f"{x['source']}:{x['range']['start']['line']}: {x['code']} {x['message']}"
        for x in results
        if x["severity"] == 0
    ]
    assert errors == []
