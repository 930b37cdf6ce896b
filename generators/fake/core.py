"""Replies, suggestions, options and names: pure functions of their inputs.

Randomness comes from SHA-256 over a canonical JSON encoding of every input, read four bytes at
a time. Not ``hash()`` (PYTHONHASHSEED changes it per process) and not ``random.Random``
(whose ``choice``/``randrange`` algorithms may change between Python versions): the same
inputs give the same bytes in every process, on every Python.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from generators.fake import lexicon as lx
from generators.fake.text import detect_language, keywords, language_code, noun_phrases

STYLES = ("roleplay", "narration", "assistant", "summary", "scenario", "greeting", "description")


@dataclass(frozen=True)
class Persona:
    """Who speaks: a character's name, its greeting, and its description/personality."""

    name: str
    greeting: str = ""
    description: str = ""


@dataclass(frozen=True)
class Turn:
    """One message of a conversation: ``role`` is "user", "assistant" or a speaker's name."""

    role: str
    text: str


class Draw:
    """Deterministic choices from a SHA-256 stream keyed by the inputs."""

    __slots__ = ("_block", "_counter", "_key", "_pos")

    def __init__(self, *parts: object) -> None:
        self._key = hashlib.sha256(_canonical(parts)).digest()
        self._counter = 0
        self._block = b""
        self._pos = 32

    def below(self, n: int) -> int:
        """An integer in [0, n); n <= 2**16 keeps the modulo bias far below anything visible."""
        if self._pos >= 32:
            self._block = hashlib.sha256(self._key + self._counter.to_bytes(8, "big")).digest()
            self._counter += 1
            self._pos = 0
        value = int.from_bytes(self._block[self._pos : self._pos + 4], "big")
        self._pos += 4
        return value % n if n > 0 else 0

    def chance(self, p: float) -> bool:
        return self.below(10_000) < p * 10_000

    def pick(self, options: Sequence[str]) -> str:
        return options[self.below(len(options))]

    def shuffled(self, options: Sequence[str]) -> list[str]:
        out = list(options)
        for i in range(len(out) - 1, 0, -1):
            j = self.below(i + 1)
            out[i], out[j] = out[j], out[i]
        return out


def _canonical(parts: tuple[object, ...]) -> bytes:
    return json.dumps(parts, ensure_ascii=False, separators=(",", ":"), default=_encode).encode()


def _encode(value: object) -> object:
    if isinstance(value, Persona):
        return ["persona", value.name, value.greeting, value.description]
    if isinstance(value, Turn):
        return ["turn", value.role, value.text]
    raise TypeError(f"cannot encode {type(value).__name__}")


def _seed_part(seed: int | str) -> list[object]:
    # 1 and "1" are different seeds: the type is part of the key.
    return ["i", seed] if isinstance(seed, int) else ["s", str(seed)]


# --- the context a reply is written in ----------------------------------------------------------


@dataclass
class _Scene:
    lang: str
    name: str
    you: str
    other: str
    topics: list[str]
    phrases: list[str]
    draw: Draw

    def fields(self) -> dict[str, str]:
        draw, lang = self.draw, self.lang
        kw = draw.pick(self.topics) if self.topics else ""
        return {
            "name": self.name,
            "you": self.you,
            "other": self.other,
            "kw": kw,
            "Kw": kw[:1].upper() + kw[1:],
            "np": draw.pick(self.phrases) if self.phrases else "",
            "place": draw.pick(lx.PLACES[lang]),
            "thing": draw.pick(lx.THINGS[lang]),
            "time": draw.pick(lx.TIMES[lang]),
        }

    def say(self, templates: Sequence[str], used: set[str] | None = None, **extra: str) -> str:
        """One template, filled; ``used`` keeps a reply from repeating a template."""
        choices = [t for t in templates if used is None or t not in used] or list(templates)
        template = self.draw.pick(choices)
        if used is not None:
            used.add(template)
        return template.format_map({**self.fields(), **extra})


def _language(lang: str | None, request: str, history: Sequence[Turn], persona: Persona | None) -> str:
    if lang:
        return "zh" if language_code(lang) == "zh" else "en"
    texts = [request, _last_user_text(history)]
    if persona is not None:
        texts += [persona.greeting, persona.description, persona.name]
    for text in texts:
        found = detect_language(text)
        if found:
            return found
    return "en"


def _last_user_text(history: Sequence[Turn]) -> str:
    """The last thing the user said; in a group chat (speakers by name) the last thing said."""
    for turn in reversed(history):
        if turn.role == "user":
            return turn.text
    for turn in reversed(history):
        if turn.role not in ("assistant", "system") and turn.text.strip():
            return turn.text
    return ""


def _scene(
    draw: Draw, persona: Persona | None, history: Sequence[Turn], request: str, lang: str, seed: int | str
) -> _Scene:
    given = persona.name.strip() if persona is not None else ""
    # Without a persona, one made-up character per seed: regenerations and hints keep its name.
    name = given or _one_name(Draw("persona", _seed_part(seed), lang), lang)
    # In a group chat the last other speaker is the one addressed.
    speakers = [t.role for t in history if t.role not in ("user", "assistant", "system") and t.role != name]
    you = speakers[-1] if speakers else lx.YOU[lang]
    other = next((s for s in reversed(speakers) if s != you), "") or _one_name(draw, lang)
    source = request or _last_user_text(history)
    topics = keywords(source, lang)[:8]
    if not topics and persona is not None and persona.greeting:
        topics = keywords(persona.greeting, lang)[:4]
    # The first phrase is what the persona is; later ones are usually things it mentions.
    phrases = noun_phrases(persona.description, lang)[:1] if persona is not None else []
    return _Scene(lang, name, you, other, topics, phrases, draw)


# --- styles -------------------------------------------------------------------------------------


def _roleplay(scene: _Scene, persona: Persona | None, history: Sequence[Turn], request: str) -> str:
    draw, lang = scene.draw, scene.lang
    used: set[str] = set()
    if not request and not history and persona is not None and persona.greeting.strip():
        # Nothing said yet: the character opens with its own greeting.
        return _join(lang, [scene.say(lx.ACTIONS[lang], used), persona.greeting.strip()], draw)
    size = _size(draw)
    parts: list[str] = []
    action_first = draw.chance(0.8) if size > 1 else draw.chance(0.6)
    if action_first:
        parts.append(scene.say(lx.ACTIONS[lang], used))
    speech: list[str] = []
    if len(parts) <= size - 2 and draw.chance(0.25):
        # Only with room for a sentence after it: a bare "Hmm..." is not an answer.
        speech.append(draw.pick(lx.INTERJECTIONS[lang]))
    if scene.topics and len(parts) + len(speech) < size and draw.chance(0.75):
        speech.append(scene.say(lx.TOPIC[lang], used))
    if scene.phrases and len(parts) + len(speech) < size and draw.chance(0.5):
        speech.append(scene.say(lx.SELF[lang], used))
    if not action_first and len(parts) + len(speech) < size and draw.chance(0.6):
        speech.append(scene.say(lx.NAMED[lang], used))
    while len(parts) + len(speech) < size - 1:
        speech.append(scene.say(lx.GENERIC[lang], used))
    if len(parts) + len(speech) < size:
        if speech and draw.chance(0.3):
            speech.append(scene.say(lx.ACTIONS[lang], used))
        else:
            speech.append(scene.say(lx.QUESTIONS[lang] if draw.chance(0.5) else lx.GENERIC[lang], used))
    return _join(lang, parts + speech, draw)


def _narration(scene: _Scene, *_: object) -> str:
    used: set[str] = set()
    lang = scene.lang
    sentences = [scene.say(lx.NARRATION[lang], used) for _ in range(_size(scene.draw, low=2))]
    if scene.topics and scene.draw.chance(0.6):
        sentences.insert(scene.draw.below(len(sentences) + 1), scene.say(lx.NARRATION_TOPIC[lang], used))
    return _sentences(lang, sentences)


def _assistant(scene: _Scene, *_: object) -> str:
    draw, lang = scene.draw, scene.lang
    sentences = []
    if draw.chance(0.7):
        sentences.append(draw.pick(lx.ASSISTANT_OPEN[lang]))
    used: set[str] = set()
    sentences.append(scene.say(lx.ASSISTANT_TOPIC[lang] if scene.topics else lx.ASSISTANT_BODY[lang], used))
    for _ in range(draw.below(2)):
        sentences.append(scene.say(lx.ASSISTANT_BODY[lang], used))
    if draw.chance(0.6):
        sentences.append(draw.pick(lx.ASSISTANT_CLOSE[lang]))
    return _sentences(lang, sentences)


def _summary(scene: _Scene, persona: Persona | None, history: Sequence[Turn], request: str) -> str:
    draw, lang = scene.draw, scene.lang
    topics: dict[str, None] = {}
    for turn in [*history, Turn("user", request)]:
        for word in keywords(turn.text, lang)[:3]:
            topics[word] = None
    chosen = draw.shuffled(list(topics)[:12])[:2]
    if chosen:
        kws = lx.AND[lang].join(f"「{w}」" if lang == "zh" else w for w in chosen)
        first = scene.say(lx.SUMMARY_TOPIC[lang], kws=kws)
    else:
        first = scene.say(lx.SUMMARY_PLAIN[lang])
    used: set[str] = set()
    count = str(len(history) + (1 if request else 0))
    more = [scene.say(lx.SUMMARY_MORE[lang], used, n=count) for _ in range(1 + draw.below(2))]
    return _sentences(lang, [first, *more])


def _scenario(scene: _Scene, *_: object) -> str:
    used: set[str] = set()
    return _sentences(
        scene.lang, [scene.say(lx.SCENARIO[scene.lang], used) for _ in range(_size(scene.draw))]
    )


def _greeting(scene: _Scene, *_: object) -> str:
    draw, lang = scene.draw, scene.lang
    parts = [scene.say(lx.ACTIONS[lang]), scene.say(lx.GREETING[lang])]
    if draw.chance(0.7):
        parts.append(scene.say(lx.QUESTIONS[lang]))
    return _join(lang, parts, draw)


def _description(scene: _Scene, *_: object) -> str:
    draw, lang = scene.draw, scene.lang
    first = scene.say(
        lx.DESCRIPTION_OPEN[lang], adj=draw.pick(lx.ADJECTIVES[lang]), role=draw.pick(lx.ROLES[lang])
    )
    used: set[str] = set()
    traits = [scene.say(lx.TRAITS[lang], used) for _ in range(1 + draw.below(3))]
    return _sentences(lang, [first, *traits])


_STYLES: dict[str, Callable[..., str]] = {
    "roleplay": _roleplay,
    "narration": _narration,
    "assistant": _assistant,
    "summary": _summary,
    "scenario": _scenario,
    "greeting": _greeting,
    "description": _description,
}


def _size(draw: Draw, low: int = 1) -> int:
    """How many sentences: 1-4, two or three most often."""
    size = (1, 2, 2, 2, 3, 3, 3, 4)[draw.below(8)]
    return max(low, size)


def _join(lang: str, parts: list[str], draw: Draw) -> str:
    """Role-play parts: an action sometimes stands on its own line, as chat models write it."""
    out = parts[0]
    for part in parts[1:]:
        newline = out.endswith("*") or part.startswith("*")
        glue = "\n" if newline and draw.chance(0.35) else ("" if lang == "zh" else " ")
        out += glue + part
    return out


def _sentences(lang: str, sentences: list[str]) -> str:
    return ("" if lang == "zh" else " ").join(sentences)


# --- the public functions -----------------------------------------------------------------------


def reply(
    seed: int | str,
    persona: Persona | None,
    history: Sequence[Turn],
    request: str,
    regeneration: int = 0,
    *,
    style: str = "roleplay",
    lang: str | None = None,
) -> str:
    """The generated answer to ``request`` after ``history``, by ``persona``, in ``style``.

    Same arguments, same text (byte for byte, in any process). A different ``regeneration``
    gives a different text, never the original one (``regeneration=0``) again. ``lang`` None
    answers in the language of the request, else of the last user turn, else of the persona,
    else English; "zh..." answers in Chinese, any other code in English.
    """
    if style not in _STYLES:
        raise ValueError(f"unknown style {style!r}; expected one of {', '.join(STYLES)}")
    history = tuple(history)
    language = _language(lang, request, history, persona)
    inputs = (_seed_part(seed), persona, history, request, style, language)

    def attempt(regen: int, retry: int = 0) -> str:
        draw = Draw("reply", *inputs, regen, retry)
        scene = _scene(draw, persona, history, request, language, seed)
        return _STYLES[style](scene, persona, history, request)

    original = attempt(0)
    if regeneration == 0:
        return original
    # A regeneration must visibly differ: from the original, and from the regeneration before.
    avoid = {original, attempt(regeneration - 1)}
    for retry in range(8):
        text = attempt(regeneration, retry)
        if text not in avoid:
            return text
    return text + ("……" if language == "zh" else "...")


def suggestions(
    seed: int | str, persona: Persona | None, history: Sequence[Turn], count: int, *, lang: str | None = None
) -> list[str]:
    """``count`` distinct short things the user could say next (hint messages)."""
    history = tuple(history)
    language = _language(lang, "", history, persona)
    draw = Draw("suggestions", _seed_part(seed), persona, history, language)
    scene = _scene(draw, persona, history, "", language, seed)
    pool = []
    for template in draw.shuffled(lx.SUGGESTIONS[language]):
        if "{kw}" in template and not scene.topics:
            continue
        pool.append(template.format_map(scene.fields()))
    return _distinct(pool, count, language)


def options(
    seed: int | str, persona: Persona | None, history: Sequence[Turn], count: int, *, lang: str | None = None
) -> list[str]:
    """``count`` distinct plot options: where the story could go next."""
    history = tuple(history)
    language = _language(lang, "", history, persona)
    draw = Draw("options", _seed_part(seed), persona, history, language)
    scene = _scene(draw, persona, history, "", language, seed)
    if not scene.topics:
        scene.topics = list(lx.OPTION_FALLBACK_KW[language])
    end = "。" if language == "zh" else "."
    glue = "" if language == "zh" else " "
    pool = []
    for event in draw.shuffled(lx.OPTION_EVENTS[language]):
        subject = draw.pick(lx.OPTION_SUBJECTS[language])
        pool.append((subject + glue + event).format_map(scene.fields()) + end)
    return _distinct(pool, count, language)


def names(seed: int | str, count: int, *, lang: str | None = None) -> list[str]:
    """``count`` distinct character names ("Clara Frost", "林若雪")."""
    language = "zh" if language_code(lang) == "zh" else "en"
    draw = Draw("names", _seed_part(seed), language)
    out: dict[str, None] = {}
    # The name space (600 English, 360 Chinese) far exceeds a cast; numbered past it.
    for _ in range(count * 4):
        if len(out) >= count:
            break
        out[_one_name(draw, language)] = None
    return _distinct(list(out), count, language)


def _one_name(draw: Draw, lang: str) -> str:
    if lang == "zh":
        return draw.pick(lx.ZH_SURNAMES) + draw.pick(lx.ZH_GIVEN)
    return f"{draw.pick(lx.FIRST_NAMES)} {draw.pick(lx.LAST_NAMES)}"


def _distinct(pool: list[str], count: int, lang: str) -> list[str]:
    """The first ``count`` of ``pool`` without repeats; past its end, pairs of its items, then
    numbered items, so any count gets distinct non-empty entries."""
    out: dict[str, None] = dict.fromkeys(p for p in pool if p)
    items = list(out)
    glue = "" if lang == "zh" else " "
    for first in items:
        if len(out) >= count:
            break
        for second in items:
            if len(out) >= count:
                break
            if first != second:
                out[first + glue + second] = None
    number = 2
    while len(out) < count:
        out[f"{items[len(out) % len(items)] if items else '…'} ({number})"] = None
        number += 1
    return list(out)[: max(count, 0)]
