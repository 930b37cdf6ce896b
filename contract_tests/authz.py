"""User B must not read or change what user A owns.

Before each request user A (`--token`) sends that names an owned resource (a session, a character, a
conversation ...), the same request goes out first with user B's token (`--token-b`): first, because a
delete by A would otherwise leave B nothing to delete. Once A's answer is in, `judge` compares the two.

- A private resource (session, conversation, chat, memory ...): B succeeding on a read that gave A the same
  data, or on any change of something A owns, is a leak.
- A shared resource (character, group, world ...): others may read it, so only B changing it counts, and
  B reading it counts only when A's answer marks it private (`visibility: private`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from contract_tests.credentials import credential_for
from contract_tests.http import Reading, fetch
from contract_tests.resources import (
    content_type,
    is_positive,
    json_body,
    memory_of,
    model_of,
    named_resources,
    operation_of,
    pin_user,
    principal,
    request_for,
    settings_of,
    succeeded,
)
from generators.specmodel import PRIVATE_KINDS


def second_user_notices(model: Any, token_b: str | None) -> list[str]:
    """What the summary says about the user-against-user checks, in this spec's own words: the kinds
    of resources its operations name (none: the checks have nothing to look at here)."""
    kinds = sorted({kind for operation in model.operations() for kind in operation.owned_inputs.values()})
    if not kinds:
        if token_b:
            return [
                "--token-b was not used: no operation of this spec names a resource the user-against-user "
                "checks know (a session, conversation, character ...)"
            ]
        return []
    if token_b:
        return []
    return [
        "user against user not checked (one user's credentials given): add --token-b with a second user's "
        f"token to check that user B cannot read or change user A's {_listed([_plural(k) for k in kinds])}"
    ]


def _plural(word: str) -> str:
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    return word if word.endswith("s") else word + "s"


def _listed(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


@dataclass(frozen=True)
class Probe:
    resources: list[tuple[str, str, str]]
    reading: Reading


def probe_as_user_b(case: Any, kwargs: dict[str, Any]) -> None:
    """Send `case` with user B's token before user A's request goes out (a `before_call` hook)."""
    settings = settings_of(case)
    if settings is None or not settings.token_b or settings.stateless:
        return
    operation = operation_of(case)
    if operation is None or not operation.requires_auth:
        return
    resources = named_resources(case, operation)
    if not resources:
        return
    if not _private(resources) and operation.action != "read" and not _owner_only(operation, resources):
        return  # rating, reporting or chatting with someone's public character is what characters are for
    if not is_positive(case):
        return  # invalid input fails for both users and says nothing about ownership
    as_b = case.derive(keep_auth=False)
    if settings.user_id_b:
        # B names itself: a server that checks the user but not who owns the session must still refuse.
        pin_user(as_b, operation, settings.user_id_b)
    credential = credential_for(model_of(case).raw, settings.token_b)
    request = request_for(as_b, credential, base_url=kwargs.get("base_url"), headers=kwargs.get("headers"))
    reading = fetch(request, app=case.operation.app, limits=settings.stream_limits)
    state = memory_of(case)
    with state.lock:
        state.probes[case.id] = Probe(resources, reading)
        state.probes_sent += 1


def judge(case: Any, response: Any) -> str | None:
    """A failure message when user B got at user A's resource in the probe sent before `case`."""
    state = memory_of(case)
    with state.lock:
        probe = state.probes.pop(case.id, None)
    operation = operation_of(case)
    if probe is None or operation is None:
        return None
    model = model_of(case)
    reading = probe.reading
    if not succeeded(model, reading.status, reading.body, reading.content_type):
        return None
    media_type = content_type(response.headers)
    a_succeeded = succeeded(model, response.status_code, response.content, media_type)
    described = ", ".join(f"{kind} {value}" for _, kind, value in probe.resources)
    private = _private(probe.resources)
    if operation.action == "read":
        a_body = _data(model, response.content, media_type)
        if not a_succeeded or a_body in (None, {}, [], ""):
            return None
        if not private and not _marked_private(a_body):
            return None
        if a_body != _data(model, reading.body, reading.content_type):
            return None
        return f"user B read user A's {described}: {operation.label} answered the second token (--token-b) with A's data"
    if not private and not _owner_only(operation, probe.resources):
        return None
    owner = principal(model, response.request, case.body)
    owned = a_succeeded or any((owner, kind, value) in state.owned for _, kind, value in probe.resources)
    if not owned:
        return None
    return (
        f"user B changed user A's {described}: {operation.label} succeeded with the second token (--token-b)"
    )


def _private(resources: list[tuple[str, str, str]]) -> bool:
    return any(kind in PRIVATE_KINDS for _, kind, _ in resources)


def _owner_only(operation: Any, resources: list[tuple[str, str, str]]) -> bool:
    """A change only the owner may make, of the shared resource the request names (edit/delete a character)."""
    return operation.owner_only and operation.object_kind in {kind for _, kind, _ in resources}


def _data(model: Any, content: bytes, media_type: str) -> Any:
    body = json_body(content, media_type)
    if body is None:
        return content.decode("utf-8", errors="replace")
    return model.envelope.data(body) if model.envelope is not None else body


def _marked_private(data: Any) -> bool:
    if not isinstance(data, dict):
        return False
    return (
        data.get("visibility") == "private"
        or data.get("is_public") in (False, 0)
        or data.get("public") is False
    )
