"""Small real media files the server makes itself.

The platform hands out URLs of avatars, voice previews and payment-page images; in the reference
server each points at a real file it serves (``/files/<name>``), made here: tiny, valid, and the
same bytes every time, so the same URL comes back after a restart. (What an uploaded file really
is, its first bytes tell: ``server.files.sniff``.)
"""

from __future__ import annotations

import io
import math
import struct
import wave
import weakref
import zipfile
import zlib
from typing import Any

# Per served API: the names of the files made so far (bytes -> name), so each is written once.
_MADE: weakref.WeakKeyDictionary[Any, dict[bytes, str]] = weakref.WeakKeyDictionary()


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A plain PNG of one colour (zlib and struct are all a valid PNG needs)."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return (
            struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
        )

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height, 9))
        + chunk(b"IEND", b"")
    )


def gif(rgb: tuple[int, int, int]) -> bytes:
    """A 1x1 GIF of one colour."""
    return (
        b"GIF89a\x01\x00\x01\x00\x80\x00\x00"
        + bytes(rgb)
        + b"\x00\x00\x00"
        + b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
    )


def wav(frequency: float, seconds: float = 0.4, rate: int = 8000) -> bytes:
    """A short sine tone, 8-bit mono: a voice preview a browser can play."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(1)
        out.setframerate(rate)
        frames = bytes(
            128 + int(60 * math.sin(2 * math.pi * frequency * n / rate)) for n in range(int(rate * seconds))
        )
        out.writeframes(frames)
    return buffer.getvalue()


def npz(**arrays: list[float]) -> bytes:
    """A NumPy .npz (a zip of .npy files) of float32 vectors, written without NumPy: the custom voice
    model a client downloads is a real archive that ``numpy.load`` opens."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, values in arrays.items():
            header = f"{{'descr': '<f4', 'fortran_order': False, 'shape': ({len(values)},), }}"
            header = header.ljust(117) + "\n"  # magic (6) + version (2) + length (2) + header = 128
            payload = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin-1")
            payload += struct.pack(f"<{len(values)}f", *values)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(2025, 1, 15, 0, 0, 0))
            archive.writestr(info, payload)
    return buffer.getvalue()


def stored(api: Any, data: bytes, media_type: str) -> str:
    """Store a file the server made (once per process: the name is the digest of the bytes)."""
    cache = _MADE.setdefault(api, {})
    name = cache.get(data)
    if name is None:
        name = api.files.put(data, media_type)
        cache[data] = name
    return name


def default_avatar(api: Any) -> str:
    """The file name of the avatar of a user who has not set one."""
    return stored(api, png(64, 64, (176, 190, 197)), "image/png")
