"""The shared content model of the character API (DESIGN.md, "Reference server").

character, novel, world, story, group and memory repeat the same behaviours: create and edit
(only while private), profile, delete, release, collect, report, rate, find, and sessions
with generated replies, summaries and media. Here they are written once:

- :mod:`.model`: what a kind is (its fields, title, picture, persona, style), and the six kinds;
- :mod:`.store`: one set of tables for all kinds, and who may see what;
- :mod:`.catalog`, :mod:`.chat`, :mod:`.media`: the behaviours, each ``(call, kind, **options)``;
- :mod:`.shape`: answers fitted to the shape each operation documents;
- :mod:`.operations`: the configuration, operation id -> behaviour, kind and options;
- :mod:`.demo`: the `--seed demo` characters.
"""

from server.apis.character.content.operations import handlers

__all__ = ["handlers"]
