"""The generated picture is a real PNG: valid chunks and CRCs, the right shape, not flat."""

from __future__ import annotations

import struct
import zlib

import httpx
import pytest
from simkit import AUTH, create_body

from skill.clock import FakeClock
from skill.sim import SimServer, Simulator
from skill.sim.png import render_png


def decode_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the unfiltered RGB rows; asserts every structural rule on the way."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + body) & 0xFFFFFFFF == crc, f"bad CRC in {kind!r}"
        chunks.append((kind, body))
        pos += 12 + length
    assert pos == len(data)
    kinds = [k for k, _ in chunks]
    assert kinds[0] == b"IHDR"
    assert kinds[-1] == b"IEND"
    width, height, depth, colour, compression, filt, interlace = struct.unpack(
        ">IIBBBBB", chunks[0][1]
    )
    assert (depth, colour, compression, filt, interlace) == (8, 2, 0, 0, 0)
    raw = zlib.decompress(b"".join(b for k, b in chunks if k == b"IDAT"))
    stride = 1 + 3 * width
    assert len(raw) == stride * height
    rows = []
    for y in range(height):
        row = raw[y * stride : (y + 1) * stride]
        assert row[0] == 0  # filter None: the rows below are the pixels as they are
        rows.append(row[1:])
    return width, height, rows


def test_render_png_is_valid_and_varied() -> None:
    width, height, rows = decode_png(render_png(40, 30, "seed"))
    assert (width, height) == (40, 30)
    pixels = {row[i : i + 3] for row in rows for i in range(0, len(row), 3)}
    assert len(pixels) > 10
    assert len(set(rows)) > 1  # rows differ: not just vertical bars


def test_different_seeds_differ() -> None:
    assert render_png(64, 64, "task-a") != render_png(64, 64, "task-b")
    assert render_png(64, 64, "task-a") == render_png(64, 64, "task-a")


def test_render_png_refuses_empty() -> None:
    with pytest.raises(ValueError, match="pixel"):
        render_png(0, 10, "x")


@pytest.mark.parametrize(
    ("ratio", "shape"),
    [("16:9", (512, 288)), ("9:16", (288, 512)), ("1:1", (512, 512)), ("4:3", (512, 384))],
)
def test_served_png_follows_the_aspect_ratio(ratio: str, shape: tuple[int, int]) -> None:
    clock = FakeClock()
    sim = Simulator(clock=clock.now, seed=3)
    with (
        SimServer(sim) as server,
        httpx.Client(base_url=server.url, headers=AUTH) as client,
    ):
        body = create_body(sim.product_lists, size="2K", aspect_ratio=ratio)
        task_id = client.post("/open/v1/tasks/create", json=body).json()["data"]["id"]
        clock.advance(100)
        media = client.post("/open/v1/tasks/detail", json={"task_id": task_id}).json()["data"][
            "medias"
        ][0]
        png = client.get(media["url"])
    width, height, _ = decode_png(png.content)
    assert (width, height) == shape
    # The reported (nominal) size has the same shape, at the 2K tier.
    assert max(media["width"], media["height"]) == 2048
    assert abs(media["width"] / media["height"] - width / height) < 0.01


def test_unknown_media_is_404(sim_server: SimServer) -> None:
    assert httpx.get(f"{sim_server.url}/_sim/media/nothing.png").status_code == 404
