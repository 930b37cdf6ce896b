"""Path lookup: a dict for static paths (most of them), Starlette's compiled patterns for the rest."""

from __future__ import annotations

import re
from typing import Generic, TypeVar

from starlette.routing import compile_path

T = TypeVar("T")
_TEMPLATE = re.compile(r"\{([^{}/]+)\}")


class Router(Generic[T]):
    """Maps (path, METHOD) to what was added; lookups are O(1) for paths without templates."""

    def __init__(self) -> None:
        self.static: dict[str, dict[str, T]] = {}
        self._templated: list[tuple[re.Pattern[str], dict[str, str], dict[str, T], str]] = []

    def add(self, path: str, method: str, target: T) -> None:
        names = _TEMPLATE.findall(path)
        if not names:
            self.static.setdefault(path, {})[method] = target
            return
        for _, _, methods, existing in self._templated:
            if existing == path:
                methods[method] = target
                return
        # OpenAPI parameter names may hold characters a regex group name cannot ("user-id"),
        # so Starlette compiles placeholders p0, p1... that map back to the real names.
        aliases = {f"p{i}": name for i, name in enumerate(names)}
        counter = iter(aliases)
        starlette_path = _TEMPLATE.sub(lambda _m: "{" + next(counter) + "}", path)
        regex, _, _ = compile_path(starlette_path)
        self._templated.append((regex, aliases, {method: target}, path))
        # Concrete beats templated, fewer templates beat more: /a/{x} before /{y}/{x}.
        self._templated.sort(key=lambda route: (len(route[1]), -len(_TEMPLATE.sub("", route[3]))))

    def match(self, path: str) -> tuple[dict[str, T], dict[str, str]] | None:
        """(targets by METHOD, path parameters), or None when no path matches."""
        found = self._match(path)
        if found is None and len(path) > 1 and path.endswith("/"):
            found = self._match(path.rstrip("/"))  # a trailing slash is a typo, not another path
        return found

    def _match(self, path: str) -> tuple[dict[str, T], dict[str, str]] | None:
        methods = self.static.get(path)
        if methods is not None:
            return methods, {}
        for regex, aliases, targets, _ in self._templated:
            found = regex.match(path)
            if found:
                return targets, {aliases[k]: v for k, v in found.groupdict().items()}
        return None

    def paths(self) -> list[str]:
        return [*self.static, *(route[3] for route in self._templated)]
