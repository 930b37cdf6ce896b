"""Files the server keeps: uploads and generated media, under ``<data>/<api>/files/`` (or in memory).

Names are made here, never taken from the client: the content's digest and a suffix chosen from
its media type, so an upload named ``../../etc/passwd`` is stored as ``3f2a...c1.png`` in the
API's own folder and nowhere else.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

SUFFIXES = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "audio/mpeg": ".mp3",
    "audio/wav": ".wav",
    "audio/x-wav": ".wav",
    "audio/ogg": ".ogg",
    "audio/mp4": ".m4a",
    "audio/flac": ".flac",
    "video/mp4": ".mp4",
    "application/x-npz": ".npz",
}
MEDIA_TYPES = {suffix: media for media, suffix in SUFFIXES.items()}
_NAME = re.compile(r"^[0-9a-f]{64}\.[a-z0-9]{2,4}$")


class FileStore:
    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._memory: dict[str, bytes] = {}

    def put(self, data: bytes, media_type: str) -> str:
        """Store ``data``; its name (the same bytes always get the same name)."""
        name = hashlib.sha256(data).hexdigest() + SUFFIXES.get(
            media_type.split(";")[0].strip().lower(), ".bin"
        )
        if self.folder is None:
            self._memory[name] = data
            return name
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / name
        if not target.exists():
            # Written whole or not at all: a crash never leaves half a file under the final name.
            fd, temporary = tempfile.mkstemp(dir=self.folder, prefix=".upload-")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                os.replace(temporary, target)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        return name

    def get(self, name: str) -> bytes | None:
        if not _NAME.match(name):
            return None
        if self.folder is None:
            return self._memory.get(name)
        try:
            return (self.folder / name).read_bytes()
        except OSError:
            return None


def media_type_of(name: str) -> str:
    return MEDIA_TYPES.get(Path(name).suffix, "application/octet-stream")
