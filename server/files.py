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


# The leading bytes of the formats the server knows, and the media type each is.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"OggS", "audio/ogg"),
    (b"ID3", "audio/mpeg"),
    (b"fLaC", "audio/flac"),
    (b"%PDF-", "application/pdf"),
)


def sniff(data: bytes) -> str | None:
    """The media type the first bytes of a file show (``image/png`` ...), None when none we know.
    A client's claim about a file (its name, its Content-Type) decides nothing: these bytes do."""
    for signature, media_type in _SIGNATURES:
        if data.startswith(signature):
            return media_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio/wav"
    if data[4:8] == b"ftyp":
        return "audio/mp4" if data[8:12] in (b"M4A ", b"M4B ") else "video/mp4"
    # An MP3 without an ID3 tag starts with a frame header: 11 set bits, then a valid layer.
    if len(data) >= 2 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0 and data[1] & 0x06:
        return "audio/mpeg"
    return None


def accepts(types: tuple[str, ...], media_type: str) -> bool:
    """Whether ``media_type`` is one of ``types``: exact types (``image/png``), families written
    ``image/`` or ``image/*``, or ``*/*``."""
    media_type = media_type.split(";")[0].strip().lower()
    for accepted in types:
        accepted = accepted.lower()
        if accepted in ("*/*", media_type) or (
            accepted.endswith(("/", "/*")) and media_type.startswith(accepted.rstrip("*"))
        ):
            return True
    return False


def media_type_of(name: str) -> str:
    return MEDIA_TYPES.get(Path(name).suffix, "application/octet-stream")
