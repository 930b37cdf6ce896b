"""Tiny, valid media files for generated images, GIFs, audio and video, made with the standard library.

A media task must point at a file a browser can show or play, but the picture itself does not
matter: each file is a few hundred bytes derived from a seed (the same seed, the same bytes, so
the file store keeps one copy). No imaging library is needed for a gradient, a two-frame GIF, a
short tone and an MP4 container, and none is worth a dependency here.
"""

from __future__ import annotations

import hashlib
import io
import math
import struct
import wave
import zlib

SIZE = 32


def _palette(seed: str, count: int) -> list[tuple[int, int, int]]:
    digest = hashlib.sha256(seed.encode()).digest()
    return [(digest[3 * i], digest[3 * i + 1], digest[3 * i + 2]) for i in range(count)]


def png(seed: str, *, blur: bool = False, size: int = SIZE) -> bytes:
    """A ``size``x``size`` RGB gradient between two colours of the seed; ``blur`` flattens it to a
    few large blocks (the teaser of a picture that is unlocked later)."""
    (r1, g1, b1), (r2, g2, b2) = _palette(seed, 2)
    block = size // 4 if blur else 1
    rows = bytearray()
    for y in range(size):
        rows.append(0)  # filter: none
        for x in range(size):
            bx, by = (x // block) * block, (y // block) * block
            t = (bx + by) / (2 * (size - 1))
            rows += bytes((round(r1 + (r2 - r1) * t), round(g1 + (g2 - g1) * t), round(b1 + (b2 - b1) * t)))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + _png_chunk(b"IEND", b"")
    )


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def gif(seed: str, *, size: int = 16, frames: int = 2) -> bytes:
    """A looping animation of ``frames`` frames: a square of one colour moving over another."""
    colors = _palette(seed, 4)
    out = bytearray(b"GIF89a")
    out += struct.pack("<HHBBB", size, size, 0xF1, 0, 0)  # global table of 4 colours
    for color in colors:
        out += bytes(color)
    out += b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"  # loop forever
    half = size // 2
    for frame in range(frames):
        out += b"\x21\xf9\x04\x04" + struct.pack("<H", 20) + b"\x00\x00"  # 0.2 s per frame
        out += b"\x2c" + struct.pack("<HHHHB", 0, 0, size, size, 0)
        offset = (frame * half) // max(frames - 1, 1)
        pixels = [
            1 + frame % 3 if offset <= x < offset + half and offset <= y < offset + half else 0
            for y in range(size)
            for x in range(size)
        ]
        out += bytes((2,)) + _sub_blocks(_lzw(pixels, 2))
    out += b"\x3b"
    return bytes(out)


def _lzw(pixels: list[int], min_size: int) -> bytes:
    """GIF's variable-width LZW, codes packed least significant bit first."""
    clear, end = 1 << min_size, (1 << min_size) + 1
    table = {(i,): i for i in range(clear)}
    width, next_code = min_size + 1, end + 1
    bits, nbits, out = 0, 0, bytearray()

    def emit(code: int) -> None:
        nonlocal bits, nbits
        bits |= code << nbits
        nbits += width
        while nbits >= 8:
            out.append(bits & 0xFF)
            bits >>= 8
            nbits -= 8

    emit(clear)
    current: tuple[int, ...] = ()
    for pixel in pixels:
        candidate = (*current, pixel)
        if candidate in table:
            current = candidate
            continue
        emit(table[current])
        if next_code < 4096:
            table[candidate] = next_code
            next_code += 1
            if next_code > (1 << width) and width < 12:
                width += 1
        else:
            emit(clear)
            table = {(i,): i for i in range(clear)}
            width, next_code = min_size + 1, end + 1
        current = (pixel,)
    if current:
        emit(table[current])
    emit(end)
    if nbits:
        out.append(bits & 0xFF)
    return bytes(out)


def _sub_blocks(data: bytes) -> bytes:
    out = bytearray()
    for start in range(0, len(data), 255):
        part = data[start : start + 255]
        out += bytes((len(part),)) + part
    return bytes(out + b"\x00")


def wav(seed: str, *, seconds: float = 0.4, rate: int = 8000) -> bytes:
    """A short tone whose pitch comes from the seed, 16-bit mono PCM."""
    pitch = 220 + hashlib.sha256(seed.encode()).digest()[0] * 2
    frames = int(seconds * rate)
    samples = b"".join(
        struct.pack("<h", round(8000 * math.sin(2 * math.pi * pitch * n / rate) * min(1, (frames - n) / 400)))
        for n in range(frames)
    )
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples)
    return buffer.getvalue()


def mp4(seed: str) -> bytes:
    """An MP4 container (ftyp, moov with its movie header) of a one-second movie with no tracks:
    the smallest file players and `ffprobe` open as MP4; ``seed`` makes each task's file its own."""
    ftyp = _box(b"ftyp", b"isom" + struct.pack(">I", 512) + b"isomiso2mp41")
    matrix = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
    mvhd = _box(
        b"mvhd",
        struct.pack(">B3xIIII", 0, 0, 0, 1000, 1000)
        + struct.pack(">IH10x", 0x10000, 0x100)
        + matrix
        + bytes(24)
        + struct.pack(">I", 1),
    )
    udta = _box(b"udta", _box(b"name", seed.encode()[:64]))
    return ftyp + _box(b"moov", mvhd + udta)


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


MAKERS = {
    "image": (png, "image/png"),
    "gif": (gif, "image/gif"),
    "audio": (wav, "audio/wav"),
    "video": (mp4, "video/mp4"),
}


def make(media: str, seed: str) -> tuple[bytes, str]:
    """(bytes, media type) of a ``media`` file ("image", "gif", "audio", "video") for ``seed``."""
    maker, media_type = MAKERS[media]
    return maker(seed), media_type
