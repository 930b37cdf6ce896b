"""A spec read through the project's conventions, once: what the importer's links and the contract checks need.

Everything here comes from the spec conventions in the README (`x-envelope`, `x-invalid-input`, stream
media types whose `schema` describes one item) plus plain OpenAPI (security, parameters, headers).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import jsonschema_rs

from contract_tests import credentials
from generators.jsonschema import convert as convert_schema  # one OpenAPI 3.0 -> JSON Schema translation

STREAM_MEDIA_TYPES = ("application/x-ndjson", "text/event-stream", "text/plain")
JSON_MEDIA_TYPE = re.compile(r"^application/([\w.+-]*\+)?json$")

# Names of the resources one user owns. Private ones no other user may read or touch; shared ones (a
# public character, a released memory) others may read, rate or chat with, but only the owner changes.
PRIVATE_KINDS = frozenset({"session", "conversation", "chat", "message", "letter", "feedback"})
SHARED_KINDS = frozenset({"character", "novel", "world", "story", "group", "memory", "dialog"})
OWNED_KINDS = PRIVATE_KINDS | SHARED_KINDS
_KIND_ID = re.compile(r"^(?P<kind>[a-z]+?)_?id$", re.IGNORECASE)
_ID_NAME = re.compile(r"(^id$|_id$|[a-z]Id$)")
# Identity and bookkeeping fields: an id, but not of something a user owns.
NOT_RESOURCE_IDS = frozenset(
    {"user_id", "userId", "request_id", "requestId", "uniqId", "uniq_id", "model_id"}
)

_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
DELETE_VERBS = frozenset({"delete", "del", "remove", "clear", "destroy", "unbind"})
CREATE_VERBS = frozenset(
    {"create", "add", "new", "open", "register", "regist", "login", "bind", "upload", "purchase"}
)
CHANGE_VERBS = frozenset(
    {
        "edit",
        "update",
        "set",
        "rename",
        "release",
        "unrelease",
        "commit",
        "modify",
        "save",
        "migrate",
        "share",
    }
)
READ_VERBS = frozenset(
    {
        "get",
        "query",
        "list",
        "search",
        "view",
        "profile",
        "detail",
        "details",
        "history",
        "last",
        "latest",
        "info",
    }
)
# What only a resource's owner may do to it (rating, reporting or chatting with it is for everyone).
OWNER_VERBS = frozenset(
    {"edit", "update", "delete", "del", "remove", "release", "unrelease", "rename", "modify"}
)
VERBS = DELETE_VERBS | CREATE_VERBS | CHANGE_VERBS | READ_VERBS
# Words that name no resource: skipped when looking for what a verb acts on.
FILLERS = frozenset(
    {"or", "and", "by", "from", "to", "of", "for", "in", "with", "all", "specific", "one", "idx", "api"}
)


def words(text: str) -> list[str]:
    """`/character/getChatHistory` -> ['character', 'get', 'chat', 'history']."""
    return [word.lower() for word in _WORDS.findall(text)]


def singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def is_id_name(name: str) -> bool:
    return bool(_ID_NAME.search(name)) and name not in NOT_RESOURCE_IDS


def pointer_get(document: Any, pointer: str | None) -> Any:
    """The value at a JSON pointer (`/result/session_id`), or None when the path does not exist."""
    if pointer is None:
        return None
    node = document
    for raw in pointer.lstrip("/").split("/") if pointer not in ("", "/") else []:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


@dataclass(frozen=True)
class Envelope:
    """The API's usual response envelope (root `x-envelope`), with what the spec says about its codes."""

    code_field: str | None
    success_code: Any
    data_field: str | None
    message_pointer: str | None
    # Documented non-success codes; None when the spec documents none (then any non-success code will do).
    error_codes: frozenset[Any] | None
    # session-store style: the message field is empty exactly when the call succeeded.
    empty_message_on_success: bool

    def code(self, body: Any) -> Any:
        return body.get(self.code_field) if isinstance(body, dict) and self.code_field else None

    def is_success(self, body: Any) -> bool:
        if self.code_field is None:
            return True
        return isinstance(body, dict) and self.code(body) == self.success_code

    def data(self, body: Any) -> Any:
        if not isinstance(body, dict):
            return body
        if self.data_field:
            return body.get(self.data_field)
        skip = {self.code_field, (self.message_pointer or "/").lstrip("/"), "request_id"}
        return {key: value for key, value in body.items() if key not in skip}


@dataclass(frozen=True)
class InvalidInput:
    """Root `x-invalid-input`: the status, response schema and message pointer of the API's errors."""

    status: int | None
    schema: Any
    message_pointer: str | None


@dataclass(frozen=True)
class Stream:
    media_type: str
    item_schema: Any


@dataclass
class Operation:
    spec: SpecModel
    method: str
    path: str
    raw: dict[str, Any]
    path_item: dict[str, Any] = field(repr=False)

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def operation_id(self) -> str | None:
        return self.raw.get("operationId")

    @cached_property
    def requires_auth(self) -> bool:
        security = self.raw.get("security", self.spec.raw.get("security"))
        return bool(security) and not any(requirement == {} for requirement in security)

    @cached_property
    def verbs(self) -> list[str]:
        """Words of the last static path segment, e.g. ['del', 'chat'] for /character/delChat."""
        static = [segment for segment in self.path.split("/") if segment and not segment.startswith("{")]
        last = words(static[-1]) if static else []
        if self.path.rstrip("/").endswith("}") or not last:
            return [self.method.lower()]
        return last

    @cached_property
    def action(self) -> str:
        """One of delete, create, change, read: what the operation does (`createOrEdit` creates)."""
        verbs = set(self.verbs)
        if verbs & DELETE_VERBS or self.method == "DELETE":
            return "delete"
        if verbs & CREATE_VERBS:
            return "create"
        if verbs & CHANGE_VERBS or self.method in ("PUT", "PATCH"):
            return "change"
        if verbs & READ_VERBS or self.method == "GET":
            return "read"
        if (
            self.method == "POST"
            and "{" not in self.path
            and len(self.verbs) == 1
            and self.verbs[0].endswith("s")
        ):
            return "create"  # REST: POST /api/chat/conversations
        return "change"

    @cached_property
    def object_word(self) -> str | None:
        """The word the operation's verb acts on: `/character/delChat` -> chat, `/character/delete` -> character,
        `/delete_sessions` -> sessions (plural: all of them), `DELETE /api/conversations/{id}` -> conversations."""
        static = [segment for segment in self.path.split("/") if segment and not segment.startswith("{")]
        if not static:
            return None
        last = words(static[-1])
        verb_at = next((index for index, word in enumerate(last) if word in VERBS), None)
        after = (
            [word for word in last[verb_at + 1 :] if word not in FILLERS and word not in VERBS]
            if verb_at is not None
            else []
        )
        if after:
            return after[-1]  # `delNovelSessions` deletes sessions (of a novel)
        if verb_at is None and last:
            return last[-1]
        for segment in reversed(static[:-1]):
            nouns = [word for word in words(segment) if word not in FILLERS and word not in VERBS]
            if nouns:
                return nouns[-1]
        return None

    @cached_property
    def object_kind(self) -> str | None:
        word = self.object_word
        return singular(word) if word else None

    @property
    def acts_on_all(self) -> bool:
        """`delete_sessions`: the verb takes a plural and the request names no resource to narrow it down."""
        word = self.object_word
        return bool(word) and word != singular(word) and not self.owned_inputs

    @cached_property
    def owner_only(self) -> bool:
        """Changes only the owner of `object_kind` may make (edit, delete, release ...)."""
        return bool(set(self.verbs) & OWNER_VERBS) or self.method in ("PUT", "PATCH", "DELETE")

    @cached_property
    def parameters(self) -> list[dict[str, Any]]:
        merged: dict[tuple[str, str], dict[str, Any]] = {}
        for parameter in [*self.path_item.get("parameters", []), *self.raw.get("parameters", [])]:
            parameter = self.spec.resolve(parameter)
            merged[(parameter.get("in", ""), parameter.get("name", ""))] = parameter
        return list(merged.values())

    @cached_property
    def body_schema(self) -> dict[str, Any] | None:
        body = self.spec.resolve(self.raw.get("requestBody") or {})
        for media_type, content in (body.get("content") or {}).items():
            if JSON_MEDIA_TYPE.match(media_type.split(";")[0].strip()):
                return self.spec.flatten(content.get("schema") or {})
        return None

    @cached_property
    def inputs(self) -> dict[str, str]:
        """Every input name -> where it goes (path, query, header, body)."""
        found = {parameter["name"]: parameter["in"] for parameter in self.parameters if "name" in parameter}
        for name in (self.body_schema or {}).get("properties", {}):
            found.setdefault(name, "body")
        return found

    def input_schema(self, name: str) -> dict[str, Any]:
        for parameter in self.parameters:
            if parameter.get("name") == name:
                return self.spec.resolve(parameter.get("schema") or {})
        return self.spec.resolve(((self.body_schema or {}).get("properties") or {}).get(name) or {})

    @cached_property
    def required_inputs(self) -> frozenset[str]:
        names = {parameter["name"] for parameter in self.parameters if parameter.get("required")}
        return frozenset(names | set((self.body_schema or {}).get("required", [])))

    @cached_property
    def owned_inputs(self) -> dict[str, str]:
        """Inputs naming a resource a user owns -> its kind (`session_id` -> session, `/conversations/{id}`)."""
        owned: dict[str, str] = {}
        for name, location in self.inputs.items():
            kind = resource_kind(name, self.path if location == "path" else None)
            if kind in OWNED_KINDS:
                owned[name] = kind
        return owned

    def response(self, status: int) -> dict[str, Any] | None:
        responses = self.raw.get("responses") or {}
        for key in (str(status), f"{str(status)[0]}XX", f"{str(status)[0]}xx", "default"):
            if key in responses:
                return self.spec.resolve(responses[key])
        return None

    def stream(self, status: int, content_type: str | None) -> Stream | None:
        """The documented stream for this status when the response's media type is a stream."""
        response = self.response(status) or {}
        media = (content_type or "").split(";")[0].strip().lower()
        for media_type, content in (response.get("content") or {}).items():
            if media_type.lower() == media and media in STREAM_MEDIA_TYPES:
                return Stream(media, content.get("schema"))
        return None

    def enveloped(self, status: int, content_type: str | None) -> bool:
        """Whether the documented answer for this status wraps its data in the envelope (has its code field).

        Not every documented answer does: session-store's `query_user_info` sample has no `ok`/`failed`.
        """
        envelope = self.spec.envelope
        if envelope is None or envelope.code_field is None:
            return False
        response = self.response(status) or {}
        media = (content_type or "").split(";")[0].strip().lower()
        for media_type, content in (response.get("content") or {}).items():
            if media_type.lower() == media or not media:
                properties = self.spec.flatten(content.get("schema") or {}).get("properties", {})
                return envelope.code_field in properties
        return True  # undocumented answers are held to the envelope too

    @cached_property
    def stream_media_types(self) -> frozenset[str]:
        found = set()
        for response in (self.raw.get("responses") or {}).values():
            for media_type in self.spec.resolve(response).get("content") or {}:
                if media_type.lower() in STREAM_MEDIA_TYPES:
                    found.add(media_type.lower())
        return frozenset(found)

    def documented_headers(self, status: int) -> dict[str, dict[str, Any]]:
        response = self.response(status) or {}
        return {name: self.spec.resolve(header) for name, header in (response.get("headers") or {}).items()}


def resource_kind(name: str, path: str | None = None) -> str | None:
    """`session_id` -> session; path parameter `id` in /api/chat/conversations/{id} -> conversation."""
    if name in NOT_RESOURCE_IDS:
        return None
    match = _KIND_ID.match(name)
    if match and match.group("kind").lower() != "":
        kind = match.group("kind").lower()
        if kind != "i":  # plain `id`
            return kind
    if name == "id" and path:
        segments = path.split("/")
        for index, segment in enumerate(segments):
            if segment == "{id}" and index > 0:
                return singular(segments[index - 1].lower())
    return None


class SpecModel:
    """A raw OpenAPI 3.0 document seen through the project's conventions."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self._validators: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._operations: dict[tuple[str, str], Operation] = {}
        for path, path_item in (raw.get("paths") or {}).items():
            for method, definition in path_item.items():
                if method in ("get", "put", "post", "delete", "patch", "head", "options", "trace"):
                    operation = Operation(self, method.upper(), path, definition, path_item)
                    self._operations[(operation.method, path)] = operation

    def operations(self) -> Iterator[Operation]:
        yield from self._operations.values()

    def operation(self, method: str, path: str) -> Operation | None:
        return self._operations.get((method.upper(), path))

    def resolve(self, node: Any) -> Any:
        seen = 0
        while isinstance(node, dict) and "$ref" in node and seen < 32:
            node = self.lookup(node["$ref"])
            seen += 1
        return node

    def lookup(self, ref: str) -> Any:
        if not ref.startswith("#"):
            return {}
        return pointer_get(self.raw, ref[1:]) or {}

    def flatten(self, schema: Any, depth: int = 0) -> dict[str, Any]:
        """Properties and required names of a schema, following `$ref` and merging `allOf`."""
        schema = self.resolve(schema)
        if not isinstance(schema, dict) or depth > 16:
            return {}
        properties: dict[str, Any] = {}
        required: list[str] = []
        for part in schema.get("allOf", []):
            flat = self.flatten(part, depth + 1)
            properties.update(flat.get("properties", {}))
            required += flat.get("required", [])
        properties.update(schema.get("properties") or {})
        required += schema.get("required") or []
        merged = {key: value for key, value in schema.items() if key not in ("allOf", "$ref")}
        if properties:
            merged["properties"] = properties
        if required:
            merged["required"] = sorted(set(required))
        return merged

    def validator(self, schema: Any) -> Any:
        """A compiled draft-4 validator for an OpenAPI schema of this document (refs into `components`)."""
        key = repr(schema)
        with self._lock:
            validator = self._validators.get(key)
            if validator is None:
                document = {"allOf": [convert_schema(schema)], "components": self._json_components}
                validator = jsonschema_rs.Draft4Validator(document)
                self._validators[key] = validator
        return validator

    @cached_property
    def _json_components(self) -> dict[str, Any]:
        return convert_schema(self.raw.get("components") or {})

    @cached_property
    def invalid_input(self) -> InvalidInput | None:
        extension = self.raw.get("x-invalid-input")
        if not isinstance(extension, dict):
            return None
        response = extension.get("response")
        if isinstance(response, dict) and "$ref" in response:
            response = response["$ref"]
        resolved = self.lookup(response) if isinstance(response, str) else {}
        schema = None
        for media_type, content in (resolved.get("content") or {}).items():
            if JSON_MEDIA_TYPE.match(media_type):
                schema = content.get("schema")
        status = extension.get("status")
        return InvalidInput(
            status=int(status) if str(status).isdigit() else None,
            schema=schema,
            message_pointer=extension.get("messagePointer"),
        )

    @cached_property
    def envelope(self) -> Envelope | None:
        extension = self.raw.get("x-envelope")
        if not isinstance(extension, dict):
            return None
        invalid = self.invalid_input
        message_pointer = extension.get("messagePointer")
        if not message_pointer and extension.get("messageField"):
            message_pointer = "/" + str(extension["messageField"])
        message_pointer = message_pointer or (invalid.message_pointer if invalid else None)
        code_field = extension.get("codeField")
        success = extension.get("successCode")
        return Envelope(
            code_field=code_field,
            success_code=success,
            data_field=extension.get("dataField"),
            message_pointer=message_pointer,
            error_codes=self._error_codes(extension, code_field, success),
            empty_message_on_success=bool(
                extension.get("messageEmptyOnSuccess", self._success_messages_empty(message_pointer))
            ),
        )

    def _error_codes(
        self, extension: Mapping[str, Any], code_field: str | None, success: Any
    ) -> frozenset | None:
        explicit = extension.get("errorCodes")
        if isinstance(explicit, dict):
            return frozenset(int(key) if str(key).lstrip("-").isdigit() else key for key in explicit)
        if isinstance(explicit, list):
            return frozenset(explicit)
        if code_field is None:
            return None
        codes: set[Any] = set()
        for content in self._error_contents():
            enum = self.flatten(content.get("schema") or {}).get("properties", {}).get(code_field, {})
            codes.update(self.resolve(enum).get("enum") or [])
            for example in _examples(self, content):
                if isinstance(example, dict) and code_field in example:
                    codes.add(example[code_field])
        codes.discard(success)
        return frozenset(codes) or None

    def _error_contents(self) -> Iterator[dict[str, Any]]:
        """JSON media type objects of every error answer: error statuses, shared responses, x-* responses."""
        responses: list[Any] = list(((self.raw.get("components") or {}).get("responses") or {}).values())
        for operation in self.operations():
            for status, response in (operation.raw.get("responses") or {}).items():
                if str(status)[0] in "45":
                    responses.append(response)
        for key in ("x-invalid-input", "x-unauthorized"):
            extension = self.raw.get(key)
            if isinstance(extension, dict) and isinstance(extension.get("response"), str):
                responses.append(self.lookup(extension["response"]))
        for response in responses:
            for media_type, content in (self.resolve(response).get("content") or {}).items():
                if JSON_MEDIA_TYPE.match(media_type) and isinstance(content, dict):
                    yield content

    def _success_messages_empty(self, pointer: str | None) -> bool:
        """Whether every documented success example leaves the message empty (session-store's `failed: ""`)."""
        if not pointer:
            return False
        messages = [pointer_get(example, pointer) for example in self._success_examples()]
        messages = [message for message in messages if message is not None]
        return bool(messages) and all(message == "" for message in messages)

    def _success_examples(self) -> Iterator[Any]:
        for operation in self.operations():
            for status, response in (operation.raw.get("responses") or {}).items():
                if not str(status).startswith("2"):
                    continue
                for media_type, content in (self.resolve(response).get("content") or {}).items():
                    if JSON_MEDIA_TYPE.match(media_type):
                        yield from _examples(self, content)

    @cached_property
    def has_security(self) -> bool:
        return any(operation.requires_auth for operation in self.operations())

    @cached_property
    def credential_names(self) -> tuple[tuple[str, str], ...]:
        """(location, lower-cased name) of everything that carries a credential: the Authorization
        header and each apiKey scheme's header, query parameter or cookie."""
        found = [("header", "authorization")]
        for scheme in credentials.schemes(self.raw).values():
            if credentials.kind(scheme) == "apiKey":
                found.append((str(scheme.get("in", "header")), str(scheme.get("name", "")).lower()))
        return tuple(dict.fromkeys(found))


def _examples(model: SpecModel, content: dict[str, Any]) -> Iterator[Any]:
    """The example values of a media type object (`example` and named `examples`)."""
    if "example" in content:
        yield content["example"]
    for example in (content.get("examples") or {}).values():
        example = model.resolve(example)
        if isinstance(example, dict) and "value" in example:
            yield example["value"]


_MODELS: dict[int, tuple[dict[str, Any], SpecModel]] = {}
_MODELS_LOCK = threading.Lock()


def model_for(raw: dict[str, Any]) -> SpecModel:
    """The (cached) model of a raw spec; keyed by identity, the raw dict is kept alive with it."""
    with _MODELS_LOCK:
        cached = _MODELS.get(id(raw))
        if cached is None or cached[0] is not raw:
            cached = (raw, SpecModel(raw))
            _MODELS[id(raw)] = cached
        return cached[1]
