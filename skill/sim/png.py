"""Real PNG images with nothing but zlib and struct: the simulator's generated pictures.

The picture is diagonal stripes over a colour gradient, both drawn from a seed (the task id),
so two results look different and a test can tell them apart. Rows are rotations of one base
row, which keeps a 512-pixel image well under a few milliseconds to make.
"""

from __future__ import annotations

import hashlib
import struct
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: 8 bits a channel, colour type 2 (RGB), no interlace.
_BIT_DEPTH = 8
_COLOUR_TYPE_RGB = 2
_STRIPE_PERIOD_PX = 24


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def _base_row(width: int, palette: bytes) -> bytes:
    """One row, three channels a pixel: a gradient between two colours, striped by a third."""
    r0, g0, b0, r1, g1, b1, rs, gs, bs = palette[:9]
    row = bytearray()
    for x in range(width):
        if (x // (_STRIPE_PERIOD_PX // 2)) % 2:
            row += bytes((rs, gs, bs))
            continue
        t = x / max(1, width - 1)
        row += bytes(
            (
                round(r0 + (r1 - r0) * t),
                round(g0 + (g1 - g0) * t),
                round(b0 + (b1 - b0) * t),
            )
        )
    return bytes(row)


def render_png(width: int, height: int, seed: str) -> bytes:
    """A ``width`` x ``height`` RGB PNG whose colours and stripe angle follow ``seed``."""
    if width < 1 or height < 1:
        raise ValueError("a PNG needs at least one pixel each way")
    digest = hashlib.sha256(seed.encode("utf-8")).digest()
    base = _base_row(width, digest)
    shift = 1 + digest[9] % 3  # stripe slope: 1-3 pixels a row
    raw = bytearray()
    for y in range(height):
        offset = 3 * ((y * shift) % width)
        raw.append(0)  # filter type 0 (None) for every scanline
        raw += base[offset:]
        raw += base[:offset]
    header = struct.pack(">IIBBBBB", width, height, _BIT_DEPTH, _COLOUR_TYPE_RGB, 0, 0, 0)
    return (
        PNG_SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(bytes(raw), 6))
        + _chunk(b"IEND", b"")
    )
