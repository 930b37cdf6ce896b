"""The pet store of tests/fixtures/petstore.yaml, behind an API key: correct unless a defect is planted.

The key (`KEY`) is read where the spec given says: its `api_key` scheme may be moved to the query or a
cookie, or replaced by HTTP basic (user `me`, password `KEY`), so one server checks that `mdcontract test`
signs in wherever a spec wants it. The oauth2 scheme takes `Authorization: Bearer KEY`.
"""

from __future__ import annotations

import base64
import itertools
from pathlib import Path
from typing import Any

import yaml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse

from contract_tests.credentials import kind, schemes

from .base import Call, Reject, SpecServer

SPEC = Path(__file__).resolve().parent.parent / "fixtures" / "petstore.yaml"
KEY = "s3cret-key"
DEFECTS = frozenset({"inventory_ignores_the_key"})  # GET /store/inventory answers without a valid key


def spec_with_key_in(where: str, folder: Path) -> Path:
    """The pet store spec with its `api_key` scheme in the header (as written), the query, a cookie, or
    replaced by HTTP basic (`basic`)."""
    raw = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    scheme = raw["components"]["securitySchemes"]["api_key"]
    if where == "basic":
        raw["components"]["securitySchemes"]["api_key"] = {"type": "http", "scheme": "basic"}
    else:
        scheme["in"] = where
    target = folder / f"petstore-{where}.yaml"
    target.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return target


def build_app(spec: Path = SPEC, defects: frozenset[str] | set[str] = frozenset()) -> Starlette:
    unknown = set(defects) - DEFECTS
    assert not unknown, f"unknown defects: {unknown}"
    raw = yaml.safe_load(spec.read_text(encoding="utf-8"))
    defined = schemes(raw)
    pets: dict[int, dict[str, Any]] = {}
    orders: dict[int, dict[str, Any]] = {}
    users: dict[str, dict[str, Any]] = {}
    ids = itertools.count(1000)

    def carries(name: str, request: Request) -> bool:
        scheme = defined[name]
        what = kind(scheme)
        if what == "bearer":
            return request.headers.get("authorization", "") == f"Bearer {KEY}"
        if what == "basic":
            expected = base64.b64encode(f"me:{KEY}".encode()).decode()
            return request.headers.get("authorization", "") == f"Basic {expected}"
        where, key = scheme["in"], scheme["name"]
        sent = {"header": request.headers, "query": request.query_params, "cookie": request.cookies}[where]
        return sent.get(key) == KEY

    def signed_in(operation: Any, request: Request) -> int | None:
        if "inventory_ignores_the_key" in defects and operation.operation_id == "getInventory":
            return 1
        requirements = operation.raw.get("security", raw.get("security")) or []
        if any(all(carries(name, request) for name in requirement) for requirement in requirements):
            return 1
        return None

    def found(store: dict[Any, dict[str, Any]], key: Any, what: str) -> dict[str, Any]:
        if key not in store:
            raise Reject(404, f"{what} not found")
        return store[key]

    def add_pet(call: Call) -> Any:
        pet = {**call.body, "id": call.body.get("id", next(ids))}
        pets[pet["id"]] = pet
        return pet

    def update_pet(call: Call) -> Any:
        found(pets, call.body.get("id"), "Pet")
        pets[call.body["id"]] = call.body
        return call.body

    def by_status(call: Call) -> Any:
        status = call.query.get("status", "available")
        return [pet for pet in pets.values() if pet.get("status", "available") == status]

    def by_tags(call: Call) -> Any:
        wanted = set(call.request.query_params.getlist("tags"))
        return [pet for pet in pets.values() if wanted & {t.get("name") for t in pet.get("tags", [])}]

    def delete_pet(call: Call) -> Any:
        found(pets, call.query["petId"], "Pet")
        del pets[call.query["petId"]]
        return {"code": 200, "type": "ok", "message": "pet deleted"}

    def inventory(call: Call) -> Any:
        counts: dict[str, int] = {}
        for pet in pets.values():
            status = pet.get("status", "available")
            counts[status] = counts.get(status, 0) + 1
        return counts

    def place_order(call: Call) -> Any:
        order = {**call.body, "id": call.body.get("id", next(ids))}
        orders[order["id"]] = order
        return order

    def delete_order(call: Call) -> Any:
        found(orders, call.query["orderId"], "Order")
        del orders[call.query["orderId"]]
        return {"code": 200, "type": "ok", "message": "order deleted"}

    def create_user(call: Call) -> Any:
        users[str(call.body.get("username", ""))] = call.body
        return call.body

    def login(call: Call) -> Any:
        headers = {"X-Rate-Limit": "5000", "X-Expires-After": "2030-01-01T00:00:00Z"}
        return JSONResponse("logged in user session:1", headers=headers)

    handlers = {
        "addPet": add_pet,
        "updatePet": update_pet,
        "findPetsByStatus": by_status,
        "findPetsByTags": by_tags,
        "getPetById": lambda call: found(pets, call.query["petId"], "Pet"),
        "deletePet": delete_pet,
        "getInventory": inventory,
        "placeOrder": place_order,
        "getOrderById": lambda call: found(orders, call.query["orderId"], "Order"),
        "deleteOrder": delete_order,
        "createUser": create_user,
        "loginUser": login,
        "logoutUser": lambda call: {"code": 200, "type": "ok", "message": "logged out"},
        "getUserByName": lambda call: found(users, call.path["username"], "User"),
    }
    # what a test asks of the run: which operations were answered (signed in), with which headers
    answered: set[str] = set()
    headers: dict[str, set[str]] = {}

    def recorded(name: str, handler: Any) -> Any:
        def run(call: Call) -> Any:
            answered.add(name)
            for key, value in call.request.headers.items():
                headers.setdefault(key, set()).add(value)
            return handler(call)

        return run

    query_keys = {s["name"] for s in defined.values() if kind(s) == "apiKey" and s.get("in") == "query"}
    app = SpecServer(
        spec_file=spec,
        handlers={name: recorded(name, handler) for name, handler in handlers.items()},
        error_shape=lambda status, message, code: {"code": status, "message": message},
        principal_field=None,
        signed_in=signed_in,
        extra_query=frozenset(query_keys),
    ).app()
    app.state.answered = answered
    app.state.headers = headers
    return app
