"""One operation of a spec, compiled once: its checks and the choice of the answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generators.refs import pointer_get
from mocks.context import SpecContext
from mocks.examples import Response, ResponseExample, build_responses
from mocks.prefer import ControlError
from mocks.validation import Body, Param, compile_body, compile_params, compile_security, request_examples_of

_MISSING = object()


@dataclass
class Operation:
    method: str
    path: str
    label: str
    params: tuple[Param, ...]
    body: Body | None
    security: tuple[tuple[tuple[str, str], ...], ...]
    responses: list[Response]
    success: Response | None
    # Named request examples, flattened ({"/role": "ai", "?speaker": "USER"}), for the ones
    # that have a same-named response example; and the keys on which they differ.
    request_examples: dict[str, dict[str, Any]]
    discriminators: tuple[str, ...]
    content_based: bool  # some choice depends on the request's content

    def response_for(self, status: int) -> tuple[Response, list[ResponseExample]] | None:
        """The response documented for ``status``: exact, then ``4XX``, then ``default``."""
        by_key = {r.key.upper(): r for r in self.responses}
        for key in (str(status), f"{status // 100}XX"):
            if key in by_key:
                return by_key[key], by_key[key].examples
        if "DEFAULT" in by_key:
            return by_key["DEFAULT"], by_key["DEFAULT"].with_status(status)
        return None

    def find_example(self, name: str, status: int | None) -> ResponseExample:
        """``Prefer: example=name``: among the responses for ``status``, or all of them."""
        if status is not None:
            found = self.response_for(status)
            pool = found[1] if found else []
        else:
            pool = [e for r in self._by_preference() for e in r.examples]
        for example in pool:
            if example.documented and example.name == name:
                return example
        known = ", ".join(
            f"{e.name} ({r.key})" for r in self.responses for e in r.examples if e.documented and e.name
        )
        raise ControlError(
            404, f"{self.label} has no example named {name!r}" + (f"; documented: {known}" if known else "")
        )

    def _by_preference(self) -> list[Response]:
        return sorted(self.responses, key=lambda r: (not 200 <= r.status < 300, self.responses.index(r)))


def compile_operation(
    ctx: SpecContext, path: str, method: str, path_item: dict[str, Any], operation: dict[str, Any]
) -> Operation:
    op_id = operation.get("operationId")
    label = f"{method} {path}" + (f" ({op_id})" if op_id else "")
    raw_params = [*(path_item.get("parameters") or []), *(operation.get("parameters") or [])]
    params = compile_params(ctx, raw_params, label)
    body = compile_body(ctx, operation.get("requestBody"), label)
    responses = build_responses(ctx, operation, label)
    request_examples = _request_examples(ctx, operation, responses, label)
    discriminators = _discriminators(request_examples)
    content_based = bool(discriminators) or any(e.when for r in responses for e in r.examples)
    return Operation(
        method=method,
        path=path,
        label=label,
        params=params,
        body=body,
        security=compile_security(ctx, operation),
        responses=responses,
        success=_success(responses),
        request_examples=request_examples,
        discriminators=discriminators,
        content_based=content_based,
    )


def _success(responses: list[Response]) -> Response | None:
    """The answer by default: the lowest 2xx, else `default`, else the first documented."""
    ok = sorted((r for r in responses if 200 <= r.status < 300), key=lambda r: r.status)
    if ok:
        return ok[0]
    fallback = next((r for r in responses if r.key.lower() == "default"), None)
    if fallback is not None:
        fallback.status = 200
        fallback.examples = fallback.with_status(200)
        return fallback
    return responses[0] if responses else None


def _request_examples(
    ctx: SpecContext, operation: dict[str, Any], responses: list[Response], label: str
) -> dict[str, dict[str, Any]]:
    answered = {e.name for r in responses for e in r.examples if e.documented}
    found: dict[str, dict[str, Any]] = {}
    body = ctx.resolve(operation.get("requestBody"), label)
    content = body.get("content") if isinstance(body, dict) else None
    for media in (content or {}).values():
        media = ctx.resolve(media, label)
        if isinstance(media, dict):
            for name, value in request_examples_of(ctx, media, label).items():
                flatten(value, "", found.setdefault(name, {}))
    for raw in operation.get("parameters") or []:
        param = ctx.resolve(raw, label)
        if isinstance(param, dict) and isinstance(param.get("examples"), dict):
            for name, example in param["examples"].items():
                example = ctx.resolve(example, label)
                if isinstance(example, dict) and "value" in example:
                    found.setdefault(str(name), {})["?" + str(param.get("name"))] = example["value"]
    return {name: flat for name, flat in found.items() if name in answered}


def _discriminators(examples: dict[str, dict[str, Any]]) -> tuple[str, ...]:
    if len(examples) < 2:
        return ()
    keys = {key for flat in examples.values() for key in flat}
    differing = [
        key for key in sorted(keys) if len({repr(flat.get(key, _MISSING)) for flat in examples.values()}) > 1
    ]
    return tuple(differing)


def flatten(value: Any, prefix: str, out: dict[str, Any]) -> dict[str, Any]:
    """Leaves of a JSON value by JSON pointer: {"a": {"b": 1}} -> {"/a/b": 1}."""
    if isinstance(value, dict) and value:
        for key, sub in value.items():
            flatten(sub, f"{prefix}/{key}", out)
    elif isinstance(value, list) and value:
        for index, sub in enumerate(value):
            flatten(sub, f"{prefix}/{index}", out)
    else:
        out[prefix or "/"] = value
    return out


def pick(
    op: Operation, candidates: list[ResponseExample], params: dict[str, Any], body: Any
) -> ResponseExample:
    """The example answering this request: x-when match, then same-named request example, then
    the first example without x-when."""
    if op.content_based:
        for example in candidates:
            if example.when and all(_matches(name, check, params, body) for name, check in example.when):
                return example
        named = _closest_request_example(op, params, body)
        if named is not None:
            for example in candidates:
                if example.name == named:
                    return example
    return next((e for e in candidates if not e.when), candidates[0])


def _matches(name: str, check: Any, params: dict[str, Any], body: Any) -> bool:
    if name.startswith("/"):
        try:
            value = pointer_get(body, name)
        except (KeyError, IndexError, ValueError, TypeError):
            return False
    elif isinstance(body, dict) and name in body:
        value = body[name]
    elif name in params:
        value = params[name]
    else:
        return False
    return bool(check.is_valid(value))


def _closest_request_example(op: Operation, params: dict[str, Any], body: Any) -> str | None:
    if not op.discriminators:
        return None
    incoming = flatten(body, "", {}) if body is not None else {}
    for name, value in params.items():
        incoming["?" + name] = value
    best, best_score = None, 0
    for name, flat in op.request_examples.items():
        score = sum(
            1 for key in op.discriminators if key in incoming and incoming[key] == flat.get(key, _MISSING)
        )
        if score > best_score:
            best, best_score = name, score
    return best
