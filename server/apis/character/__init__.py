"""character: the AI character-chat platform, one module per area of the API.

Every module of this package that defines ``handlers`` (a :class:`server.registry.Handlers`) is
included, so an area is added by adding its module: accounts and sessions of users, the platform's
catalogue (tags, voices, uploads, media tasks), the shared content model and the kinds configured
on it (characters, novels, worlds, stories, groups, memories), payments.
"""

from __future__ import annotations

import importlib
import pkgutil

from server.registry import Handlers

# The doc's "guest related interface": all a guest token (from /guest/login) may call.
GUEST_OPERATIONS = {
    "post_guest_chat",
    "post_guest_click",
    "post_guest_genChat",
    "post_guest_genNarratorChat",
    "post_guest_genUserChat",
    "post_guest_getLastDialog",
    "post_guest_login",
    "post_guest_randomImage",
    "post_guest_reGenChat",
    "post_guest_reGenNarratorChat",
}

handlers = Handlers(guest_operations=set(GUEST_OPERATIONS))

for _module in pkgutil.iter_modules(__path__):
    _area = importlib.import_module(f"{__name__}.{_module.name}")
    if isinstance(getattr(_area, "handlers", None), Handlers):
        handlers.include(_area.handlers)
