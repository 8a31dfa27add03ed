"""Saving the result for --out-dir: https or loopback only, whole files, safe names."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from skill.flow.download import (
    DownloadFailed,
    DownloadRefused,
    check_download_url,
    download_image,
    file_name,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 100


def serve(status: int = 200, body: bytes = PNG, ctype: str = "image/png") -> httpx.MockTransport:
    return httpx.MockTransport(
        lambda request: httpx.Response(status, content=body, headers={"content-type": ctype})
    )


@pytest.mark.parametrize(
    "url", ["http://cdn.example.com/x.png", "ftp://127.0.0.1/x.png", "file:///etc/passwd"]
)
def test_refuses_plain_http_to_the_internet_and_other_schemes(url: str) -> None:
    with pytest.raises(DownloadRefused):
        check_download_url(url)


def test_names_are_cleaned_and_keep_the_image_suffix() -> None:
    assert file_name("../../etc/x", "https://c/a.JPG", None) == "etc_x.jpg"
    assert file_name("t1", "https://c/a", "image/webp") == "t1.webp"
    assert file_name("", "https://c/a.exe", None) == "image.png"


async def test_saves_the_whole_file(tmp_path: Path) -> None:
    path = await download_image(
        "https://cdn.example.com/r/abc.png", tmp_path / "out", "task_1", transport=serve()
    )
    assert path == tmp_path / "out" / "task_1.png"
    assert path.read_bytes() == PNG
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["task_1.png"]


async def test_an_error_answer_saves_nothing(tmp_path: Path) -> None:
    with pytest.raises(DownloadFailed):
        await download_image("https://c/x.png", tmp_path, "t", transport=serve(status=404))
    assert list(tmp_path.iterdir()) == []  # noqa: ASYNC240 - a test's check


async def test_an_oversized_image_is_not_saved(tmp_path: Path) -> None:
    with pytest.raises(DownloadFailed):
        await download_image("https://c/x.png", tmp_path, "t", transport=serve(), max_bytes=10)
    assert list(tmp_path.iterdir()) == []  # noqa: ASYNC240 - a test's check
