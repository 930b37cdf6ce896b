"""`mdcontract token create`: a token for an API whose docs have no login (yike)."""

from __future__ import annotations

from pathlib import Path

from mocks.spec import load_spec
from server.api import ServedAPI, ServeOptions


def create_token(spec: Path, data_dir: Path, name: str) -> str:
    """A new token for the user called ``name`` (created when new), stored in ``data_dir``."""
    api = ServedAPI(spec.stem, spec, load_spec(spec), ServeOptions(data_dir=data_dir))
    try:
        find_user = api.handlers.user_for_name
        if find_user is None:
            raise LookupError(f"{spec.stem} has no users a token could act for")

        def issue(db):  # type: ignore[no-untyped-def]
            token, _ = api.tokens.issue(db, find_user(db, name), name=name)
            return token

        return api.db.write_now(issue)
    finally:
        api.close()
