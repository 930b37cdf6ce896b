"""Generated text in ``Prefer: dynamic=true`` streams, streamed the way the documented samples are.

An operation's own stream samples say which string fields carry the growing text (a character's
``result.content``, cumulative line after line), which lists grow an entry at a time (hint
``messages``), which flag ends the stream (``done``), and which fields only the last item has
(``uniqId``). The item schema still gives every other field, as for any dynamic answer. So there
is no per-operation code: a new streamed operation is handled from its samples alone.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any

from generators.fake import Persona, chunks, detect_language, reply, suggestions
from mocks import dynamic
from mocks.schemas import Validator
from mocks.streams import StreamKind, frame_item

Path = tuple[str | int, ...]  # a list index is "*" in a pattern that covers every element

# Fields that hold generated prose; others (timestamps, states, ids) change without being text.
TEXT_NAMES = frozenset(
    {"content", "text", "message", "msg", "reply", "answer", "delta", "scenario", "summary"}
)
DONE_NAMES = frozenset({"done", "finished", "is_done", "is_finished"})
# Where a request says what the user wrote, and who the character is.
REQUEST_TEXT = ("content", "text", "message", "msg", "prompt", "query", "question", "input")
PERSONA_NAME = ("name", "character_name", "char_name", "nickname")
PERSONA_GREETING = ("greeting", "first_message", "opening")
PERSONA_DESCRIPTION = ("long_description", "description", "short_description", "personality", "persona")
# Words of a field path or an operation that say which kind of text is wanted.
STYLE_WORDS = (
    ("scenario", "scenario"),
    ("summar", "summary"),
    ("greeting", "greeting"),
    ("description", "description"),
    ("novel", "narration"),
    ("narrat", "narration"),
    ("world", "scenario"),
)


@dataclass(frozen=True)
class StreamShape:
    """What the documented samples of one stream show."""

    texts: tuple[tuple[Path, bool], ...] = ()  # (pattern, cumulative)
    lists: tuple[Path, ...] = ()  # lists of strings that grow an entry at a time
    last_only: tuple[Path, ...] = ()  # fields only the last item carries
    lead: str = ""  # whitespace the documented text starts with ("\n\n" before a role-play reply)
    lang: str | None = None  # the language of the documented text


def read_shape(streams: list[list[Any]]) -> StreamShape:
    """The shape shared by the documented streams (each a list of items) of one media type."""
    texts: dict[Path, bool] = {}
    lists: dict[Path, None] = {}
    last_only: dict[Path, None] = {}
    lead, lang = "", None
    for items in streams:
        if not items:
            continue
        if isinstance(items[0], str):  # a text/plain stream: the text itself
            text = "".join(i for i in items if isinstance(i, str))
            lead, lang = lead or _leading_space(text), lang or detect_language(text)
            continue
        values: dict[Path, list[Any]] = {}
        for index, item in enumerate(items):
            for path, value in _leaves(item):
                values.setdefault(path, [None] * len(items))[index] = value
        for path, seen in values.items():
            pattern = _pattern(path)
            if _is_text_field(path, items[-1]) and len({json.dumps(v) for v in seen}) > 1:
                strings = [v for v in seen if isinstance(v, str)]
                final = seen[-1] if isinstance(seen[-1], str) else ""
                # Cumulative (each item the whole text so far) unless the samples show pieces:
                # "xxxxx" then "zzzzzz" is a placeholder rewritten, not two deltas.
                first = next((v for v in strings if v), "")
                cumulative = final.startswith(first) or len(final) >= max(map(len, strings))
                texts[pattern] = texts.get(pattern, True) and cumulative
                lead, lang = lead or _leading_space(final), lang or detect_language(final)
        for path, value in _containers(items[-1]):
            before = _get(items[0], path)
            strings = isinstance(value, list) and value and all(isinstance(v, str) for v in value)
            if strings and isinstance(before, list) and len(before) < len(value):
                lists[_pattern(path)] = None
        for path, _ in [*_leaves(items[-1]), *_containers(items[-1])]:
            fresh = isinstance(path[-1], str) and _get(items[0], path) is _MISSING
            if fresh and not any(_covers(p, _pattern(path)) for p in lists):
                last_only[_pattern(path)] = None
    return StreamShape(tuple(texts.items()), tuple(lists), tuple(last_only), lead, lang)


def generate_stream(
    doc: dict[str, Any],
    schema: Any,
    shape: StreamShape,
    kind: StreamKind,
    rng: random.Random,
    label: str,
    params: dict[str, Any] | None,
    body: Any,
    validator: Validator | None,
) -> tuple[list[str], Any] | None:
    """The frames of a generated stream and its last item; None when the items have no text to
    stream or would not validate (the caller then answers schema-generated items as before)."""
    state = rng.getstate()
    generated = _generate(doc, schema, shape, kind, rng, label, params, body, validator)
    if generated is None and shape.last_only:
        # A field the samples show only at the end may be required by the schema: keep it on
        # every item rather than give up the text.
        rng.setstate(state)
        shape = StreamShape(shape.texts, shape.lists, (), shape.lead, shape.lang)
        generated = _generate(doc, schema, shape, kind, rng, label, params, body, validator)
    return generated


def _generate(
    doc: dict[str, Any],
    schema: Any,
    shape: StreamShape,
    kind: StreamKind,
    rng: random.Random,
    label: str,
    params: dict[str, Any] | None,
    body: Any,
    validator: Validator | None,
) -> tuple[list[str], Any] | None:
    base = dynamic.settle_envelope(doc, dynamic.generate(doc, schema, rng), True) if kind != "text" else ""
    request = _request_text(body, params)
    persona = _persona(body)
    lang = None if detect_language(request) or persona else shape.lang
    # The same request with the same seed streams the same text; another request another text.
    seed = f"{rng.getrandbits(64)}:{json.dumps([params, body], sort_keys=True, default=str)}"
    written: dict[tuple[str, int], list[str]] = {}

    def pieces(style: str, index: int) -> list[str]:
        if (style, index) not in written:
            text = reply(seed, persona, (), request, index, style=style, lang=lang)
            written[style, index] = chunks(shape.lead + text)
        return written[style, index]

    if kind == "text":  # the text itself, a piece per chunk
        parts = pieces(_style((), label, "assistant"), 0)
        text = "".join(parts)
        return (parts, text) if _all_valid(validator, [text]) else None
    texts = [
        (path, cumulative, pieces(_style(path, label, "roleplay"), _last_index(path)))
        for pattern, cumulative in (shape.texts or _named_texts(base))
        for path in _expand(base, pattern)
        if isinstance(_get(base, path), str)
    ]
    hint_lang = detect_language(request) or lang
    lists = [
        (path, suggestions(seed, persona, (), max(2, len(_get(base, path))), lang=hint_lang))
        for pattern in shape.lists
        for path in _expand(base, pattern)
        if isinstance(_get(base, path), list)
    ]
    if not texts and not lists:
        return None
    total = max([len(parts) for _, _, parts in texts] + [len(hints) for _, hints in lists])
    done = [path for path, value in _leaves(base) if isinstance(value, bool) and path[-1] in DONE_NAMES]
    held = [(path, _get(base, path)) for pattern in shape.last_only for path in _expand(base, pattern)]
    frames = []
    for step in range(total):
        last = step == total - 1
        for path, cumulative, parts in texts:
            _set(base, path, "".join(parts[: step + 1]) if cumulative else "".join(parts[step : step + 1]))
        for path, hints in lists:
            _set(base, path, hints[: step + 1])
        for path in done:
            _set(base, path, last)
        for path, value in held:
            if last:
                _set(base, path, value)
            else:
                _delete(base, path)
        if validator is not None and not validator.is_valid(base):
            return None
        frames.append(frame_item(kind, base))
    return frames, base


def _all_valid(validator: Validator | None, items: list[Any]) -> bool:
    return validator is None or all(validator.is_valid(item) for item in items)


# --- reading a request --------------------------------------------------------------------------


def _find(value: Any, names: tuple[str, ...], depth: int = 0) -> str:
    """The first non-empty string under one of ``names`` (in that order of preference)."""
    if isinstance(value, dict):
        for name in names:
            found = value.get(name)
            if isinstance(found, str) and found.strip():
                return found
        if depth < 3:
            for inner in value.values():
                found = _find(inner, names, depth + 1)
                if found:
                    return found
    elif isinstance(value, list) and depth < 3:
        for inner in value[:20]:
            found = _find(inner, names, depth + 1)
            if found:
                return found
    return ""


def _request_text(body: Any, params: dict[str, Any] | None) -> str:
    if isinstance(body, str):
        return body
    return _find(body, REQUEST_TEXT) or _find(params or {}, REQUEST_TEXT)


def _persona(body: Any) -> Persona | None:
    name = _find(body, PERSONA_NAME)
    if not name:
        return None
    return Persona(name, _find(body, PERSONA_GREETING), _find(body, PERSONA_DESCRIPTION))


# --- paths in items -----------------------------------------------------------------------------

_MISSING = object()


def _leaves(value: Any, path: Path = ()) -> list[tuple[Path, Any]]:
    if isinstance(value, dict):
        return [leaf for key, inner in value.items() for leaf in _leaves(inner, (*path, key))]
    if isinstance(value, list):
        return [leaf for index, inner in enumerate(value) for leaf in _leaves(inner, (*path, index))]
    return [(path, value)] if path else []


def _containers(value: Any, path: Path = ()) -> list[tuple[Path, Any]]:
    """Every dict and list below ``value`` with its path (``value`` itself excluded)."""
    out: list[tuple[Path, Any]] = []
    inner = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in inner:
        if isinstance(child, dict | list):
            out.append(((*path, key), child))
            out.extend(_containers(child, (*path, key)))
    return out


def _pattern(path: Path) -> Path:
    return tuple("*" if isinstance(part, int) else part for part in path)


def _covers(prefix: Path, pattern: Path) -> bool:
    return pattern[: len(prefix)] == prefix


def _is_text_field(path: Path, item: Any) -> bool:
    key = path[-1]
    if not isinstance(key, str) or key not in TEXT_NAMES:
        return False
    # An envelope's own message ({"code": 0, "msg": "success"}) is a status, not the stream's text.
    return not (len(path) == 1 and key in ("msg", "message") and isinstance(item, dict) and "code" in item)


def _named_texts(base: Any) -> list[tuple[Path, bool]]:
    """Without samples showing growth: the text-named string fields, cumulative like the docs."""
    found = {_pattern(path): True for path, value in _leaves(base) if isinstance(value, str)}
    return [(pattern, True) for pattern in found if _is_text_field(pattern, base)]


def _expand(value: Any, pattern: Path) -> list[Path]:
    """The concrete paths of ``value`` that ``pattern`` matches."""
    if not pattern:
        return [()]
    head, rest = pattern[0], pattern[1:]
    if head == "*":
        if not isinstance(value, list):
            return []
        return [(index, *tail) for index, inner in enumerate(value) for tail in _expand(inner, rest)]
    if not isinstance(value, dict) or head not in value:
        return []
    return [(head, *tail) for tail in _expand(value[head], rest)]


def _get(value: Any, path: Path) -> Any:
    for part in path:
        in_dict = isinstance(value, dict) and isinstance(part, str) and part in value
        in_list = isinstance(value, list) and isinstance(part, int) and part < len(value)
        if not (in_dict or in_list):
            return _MISSING
        value = value[part]
    return value


def _set(value: Any, path: Path, new: Any) -> None:
    parent = _get(value, path[:-1])
    if isinstance(parent, dict | list):
        parent[path[-1]] = new  # type: ignore[index]


def _delete(value: Any, path: Path) -> None:
    parent = _get(value, path[:-1])
    if isinstance(parent, dict):
        parent.pop(path[-1], None)


def _last_index(path: Path) -> int:
    # The n-th entry of a list of texts (a batch of alternatives) is the n-th regeneration.
    return next((part for part in reversed(path) if isinstance(part, int)), 0)


def _style(path: Path, label: str, default: str) -> str:
    for words in (" ".join(str(p) for p in path if isinstance(p, str)), label):
        for word, style in STYLE_WORDS:
            if word in words.lower():
                return style
    return default


def _leading_space(text: str) -> str:
    return text[: len(text) - len(text.lstrip())]
