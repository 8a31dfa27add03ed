"""Input image checks: magic bytes, size, URLs, count; the signature."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from skill import catalog
from skill.ima import InvalidImage, TooManyImages, validate_image_file, validate_inputs
from skill.ima.upload import ImageFile, new_nonce, sign

HEADS = {
    "png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 20,
    "jpg": b"\xff\xd8\xff\xe0" + b"\x00" * 20,
    "webp": b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 10,
}


@pytest.mark.parametrize("kind", sorted(HEADS))
def test_kind_comes_from_the_bytes_not_the_name(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "photo.gif"
    path.write_bytes(HEADS[kind])
    image = validate_image_file(path)
    assert image.suffix == kind
    assert image.mime == {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}[kind]


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"GIF89a" + b"\x00" * 10, "unsupported_type"),
        (b"%PDF-1.7", "not_image"),
        (b"", "not_image"),
    ],
)
def test_wrong_content(tmp_path: Path, content: bytes, why: str) -> None:
    path = tmp_path / "x.png"
    path.write_bytes(content)
    with pytest.raises(InvalidImage) as info:
        validate_image_file(path)
    assert info.value.why == why


def test_missing_and_too_large(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InvalidImage) as info:
        validate_image_file(tmp_path / "nope.png")
    assert (info.value.why, info.value.reason) == ("missing", "missing_image")
    path = tmp_path / "big.png"
    path.write_bytes(HEADS["png"] + b"\x00" * 100)
    monkeypatch.setattr(catalog, "MAX_UPLOAD_BYTES", 64)
    with pytest.raises(InvalidImage) as info:
        validate_image_file(path)
    assert info.value.why == "too_large"


def test_urls(tmp_path: Path) -> None:
    assert validate_inputs(["https://x.test/a.jpg", "http://127.0.0.1:9/a.png"]) == [
        "https://x.test/a.jpg",
        "http://127.0.0.1:9/a.png",
    ]
    for bad in ("http://example.com/a.jpg", "ftp://example.com/a.jpg", "file:///etc/passwd"):
        with pytest.raises(InvalidImage) as info:
            validate_inputs([bad])
        assert info.value.why == "not_https"


def test_mixed_inputs_and_count(tmp_path: Path) -> None:
    path = tmp_path / "a.png"
    path.write_bytes(HEADS["png"])
    checked = validate_inputs([str(path), "https://x.test/b.png"])
    assert isinstance(checked[0], ImageFile)
    assert checked[1] == "https://x.test/b.png"
    with pytest.raises(TooManyImages):
        validate_inputs(["https://x.test/b.png"] * (catalog.MAX_INPUT_IMAGES + 1))


def test_signature_and_nonce() -> None:
    expected = hashlib.sha1(b"webAgent|k|1700000000|abc").hexdigest().upper()  # noqa: S324 -- the protocol's hash
    assert sign("webAgent", "k", "1700000000", "abc") == expected
    nonce = new_nonce()
    assert len(nonce) == 21
    int(nonce, 16)
    assert new_nonce() != nonce
