"""Overlay 1.0: a human's decisions applied on top of what the doc says."""

from pathlib import Path

import pytest
import yaml

from generators.importer import import_markdown
from generators.overlay import OverlayError, apply_overlay, load_overlay

DOC = """# Shop

## Orders

### 1. list orders

```http
GET /orders
```

### 2. create order

```http
POST /orders
```

#### 请求体

```json
{"item": "book", "count": 1}
```
"""


def overlay(*actions):
    return {"overlay": "1.0.0", "info": {"title": "t", "version": "1"}, "actions": list(actions)}


def test_update_merges_objects_and_appends_to_arrays():
    spec = {"info": {"title": "a"}, "tags": [{"name": "x"}]}
    out, unmatched = apply_overlay(
        spec,
        overlay(
            {"target": "$.info", "description": "why", "update": {"version": "2"}},
            {"target": "$.tags", "description": "why", "update": [{"name": "y"}]},
        ),
    )
    assert out["info"] == {"title": "a", "version": "2"}
    assert out["tags"] == [{"name": "x"}, {"name": "y"}]
    assert unmatched == []


def test_remove_and_wildcards_and_filters():
    spec = {
        "paths": {"/a": {"get": {"operationId": "a", "x": 1}}, "/b": {"get": {"operationId": "b", "x": 1}}}
    }
    out, _ = apply_overlay(
        spec,
        overlay(
            {"target": "$.paths.*.get", "description": "all", "update": {"deprecated": True}},
            {
                "target": "$.paths.*[?(@.operationId == 'b')]",
                "description": "only b",
                "update": {"security": []},
            },
            {"target": "$.paths['/a'].get.x", "description": "drop", "remove": True},
        ),
    )
    assert out["paths"]["/a"]["get"] == {"operationId": "a", "deprecated": True}
    assert out["paths"]["/b"]["get"]["security"] == []
    assert "security" not in out["paths"]["/a"]["get"]


def test_an_action_that_matches_nothing_is_a_diagnostic():
    result = import_markdown(
        DOC,
        "shop.md",
        overlay(
            {
                "target": "$.paths['/nope'].get",
                "description": "stale decision",
                "update": {"deprecated": True},
            }
        ),
    )
    hits = [d for d in result.diagnostics if d.rule == "overlay-unmatched"]
    assert hits and "stale decision" in hits[0].message


def test_overlay_decisions_reach_the_spec_and_imply_error_responses():
    decisions = overlay(
        {
            "target": "$.paths['/orders'].post.requestBody.content['application/json'].schema",
            "description": "an order needs an item",
            "update": {"required": ["item"]},
        },
        {
            "target": "$",
            "description": "invalid input answer",
            "update": {
                "x-invalid-input": {
                    "status": 422,
                    "response": "#/components/responses/Bad",
                    "messagePointer": "/m",
                },
                "components": {"responses": {"Bad": {"description": "bad"}}},
            },
        },
    )
    spec = import_markdown(DOC, "shop.md", decisions).spec
    post = spec["paths"]["/orders"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"]["required"] == ["item"]
    assert post["responses"]["422"] == {"$ref": "#/components/responses/Bad"}
    assert "422" not in spec["paths"]["/orders"]["get"]["responses"], "no input, no invalid-input response"


def test_every_action_must_say_why(tmp_path: Path):
    p = tmp_path / "o.yaml"
    p.write_text(yaml.safe_dump(overlay({"target": "$.info", "update": {"version": "2"}})))
    with pytest.raises(OverlayError, match="no description"):
        load_overlay(p)


def test_the_project_overlays_all_explain_themselves():
    for p in sorted(Path(__file__).resolve().parent.parent.joinpath("spec", "overlays").glob("*.yaml")):
        data = load_overlay(p)
        assert data["actions"], p
        assert all(len(a["description"]) > 20 for a in data["actions"]), p
