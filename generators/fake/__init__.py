"""The deterministic fake text generator: role-play replies, stories, summaries, hints, names.

A pure function of its inputs (seed, persona, history, request, regeneration count, style,
language): the same inputs give the same bytes in every process, so mocks, the reference
server and tests agree without storing anything. ``chunks`` cuts a text into the small pieces a
model streams, and ``paced`` streams them at a human-like pace (or at once, in tests).
"""

from generators.fake.core import STYLES, Persona, Turn, names, options, reply, suggestions
from generators.fake.pacing import DEFAULT_TOKENS_PER_S, DEFAULT_TTFT_MS, paced
from generators.fake.text import chunks, detect_language, translate

__all__ = [
    "DEFAULT_TOKENS_PER_S",
    "DEFAULT_TTFT_MS",
    "STYLES",
    "Persona",
    "Turn",
    "chunks",
    "detect_language",
    "names",
    "options",
    "paced",
    "reply",
    "suggestions",
    "translate",
]
