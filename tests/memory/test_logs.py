"""skill.logs: one file a day, 7-day cleanup, redaction of message, args and exception text."""

from __future__ import annotations

import io
import logging
import os
import stat
import string
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skill.logs import (
    RedactingStream,
    cleanup_old_logs,
    log_file_name,
    redact,
    redact_secrets,
    register_secret,
    setup_logging,
)

NOW = datetime(2026, 11, 26, 9, 15)
CANARY = "ima_CANARY_9f3b2c7d1e8a4b6c"
log = logging.getLogger("skill.test_logs")


def _read(path: Path) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return path.read_text(encoding="utf-8")


def test_one_file_a_day_named_like_the_vendor(tmp_path: Path) -> None:
    first = setup_logging(now=NOW, log_dir=tmp_path)
    assert first == tmp_path / "ima_create_20261126.log"
    log.info("first day")
    second = setup_logging(now=NOW + timedelta(days=1), log_dir=tmp_path)
    assert second.name == "ima_create_20261127.log"
    log.info("second day")
    assert "first day" in _read(first)
    assert "second day" not in _read(first)
    assert "second day" in _read(second)
    assert stat.S_IMODE(second.stat().st_mode) == 0o600
    # Setting up again does not duplicate lines.
    setup_logging(now=NOW + timedelta(days=1), log_dir=tmp_path)
    log.info("once")
    assert _read(second).count("once") == 1


def test_default_folder_is_under_home(home: Path) -> None:
    path = setup_logging(now=NOW)
    assert path == home / ".openclaw" / "logs" / "ima_skills" / "ima_create_20261126.log"
    log.warning("hello")
    assert "hello" in _read(path)


def test_old_files_are_removed_and_fresh_ones_kept(tmp_path: Path) -> None:
    def day_file(days_ago: int, fmt: str) -> Path:
        day = (NOW - timedelta(days=days_ago)).date()
        path = tmp_path / fmt.format(day.strftime("%Y%m%d"), day.isoformat())
        path.write_text("x", encoding="utf-8")
        return path

    fresh = [day_file(d, "ima_create_{0}.log") for d in range(8)]  # today .. 7 days ago
    old = [day_file(d, "ima_create_{0}.log") for d in (8, 9, 30)]
    other_naming = day_file(10, "ima_skills_{1}.log")
    rotated = day_file(12, "ima_create_{0}.log.1")
    undated_old = tmp_path / "stray.log"
    undated_old.write_text("x", encoding="utf-8")
    old_ts = (NOW - timedelta(days=9)).timestamp()
    os.utime(undated_old, (old_ts, old_ts))
    undated_fresh = tmp_path / "recent.log"
    undated_fresh.write_text("x", encoding="utf-8")
    not_a_log = tmp_path / "notes.txt"
    not_a_log.write_text("x", encoding="utf-8")
    os.utime(not_a_log, (old_ts, old_ts))

    removed = cleanup_old_logs(tmp_path, now=NOW)

    assert sorted(removed) == sorted([*old, other_naming, rotated, undated_old])
    for path in [*fresh, undated_fresh, not_a_log]:
        assert path.exists(), path.name
    for path in removed:
        assert not path.exists()


def test_setup_runs_the_cleanup(tmp_path: Path) -> None:
    stale = tmp_path / log_file_name((NOW - timedelta(days=20)).date())
    stale.write_text("old", encoding="utf-8")
    setup_logging(now=NOW, log_dir=tmp_path)
    assert not stale.exists()


def test_key_and_tokens_are_redacted_in_message_args_and_exception(tmp_path: Path) -> None:
    secret = "s3cr3t-upload-token-XYZ"
    register_secret(CANARY)
    register_secret(secret)
    path = setup_logging(now=NOW, log_dir=tmp_path)
    log.info("message carries %s inline: " + CANARY, "nothing")
    log.info("args carry key=%s token=%s", CANARY, secret)
    log.info("url %s", f"https://up.example/put?cmimToken={secret}&appUid=77&name=cat")
    try:
        raise RuntimeError(f"server said: invalid key {CANARY} ({secret})")
    except RuntimeError:
        log.exception("create failed")
    text = _read(path)
    assert CANARY not in text
    assert secret not in text
    assert "appUid=77" not in text
    assert text.count("ima_***") >= 4
    assert "cmimToken=***" in text
    assert "name=cat" in text  # harmless parameters stay readable
    assert "RuntimeError: server said: invalid key ima_***" in text


def test_an_unregistered_ima_key_is_still_redacted(tmp_path: Path) -> None:
    path = setup_logging(now=NOW, log_dir=tmp_path)
    log.error("Authorization: Bearer %s", "ima_unregistered0123456789")
    text = _read(path)
    assert "ima_unregistered0123456789" not in text
    assert "0123456789" not in text


def test_an_unwritable_folder_never_raises(tmp_path: Path) -> None:
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("a file where the log folder should be", encoding="utf-8")
    path = setup_logging(now=NOW, log_dir=blocker / "logs")
    log.error("goes nowhere")
    assert not path.exists()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("key ima_abcDEF123456 here", "key ima_*** here"),
        ("GET https://h/x?token=abc&page=2", "GET https://h/x?token=***&page=2"),
        ("?sign=ABC&appUid=1&ts=9", "?sign=***&appUid=***&ts=9"),
        ('{"api_key": "v\\"x", "n": 1}', '{"api_key": "***", "n": 1}'),
        ("Authorization: Bearer abc.def-ghi", "Authorization: Bearer ***"),
        # The vendor's folder and file names keep their shape; they are not keys.
        ("~/.openclaw/logs/ima_skills/ima_create_20261126.log",) * 2,
        ("a plain sentence with no secrets",) * 2,
    ],
)
def test_redact_examples(raw: str, expected: str) -> None:
    assert redact(raw) == expected


@settings(max_examples=60, deadline=None)
@given(
    secret=st.text(string.ascii_letters + string.digits + "-_.", min_size=6, max_size=40),
    before=st.text(max_size=30),
    after=st.text(max_size=30),
)
def test_a_registered_secret_never_survives(secret: str, before: str, after: str) -> None:
    register_secret(secret)
    assert secret not in redact(before + secret + after)


def test_short_values_are_not_registered() -> None:
    register_secret("ab")
    register_secret("")
    assert redact("ab cd ab") == "ab cd ab"


def test_redacting_stream_masks_what_is_printed() -> None:
    register_secret(CANARY)
    sink = io.StringIO()
    stream = RedactingStream(sink)
    print("Traceback ... key", CANARY, file=stream)  # type: ignore[arg-type]
    stream.writelines([f"again {CANARY}\n"])
    assert CANARY not in sink.getvalue()
    assert sink.getvalue().count("ima_***") == 2


def test_stdout_mode_keeps_a_signed_picture_url_working_but_masks_the_key() -> None:
    register_secret(CANARY)
    signed = "https://cdn.example/p.png?OSSAccessKeyId=LTAI5t&Expires=1&Signature=ab%2Bc"
    sink = io.StringIO()
    stream = RedactingStream(sink, keep_urls=True)
    stream.write(f'{{"media": "{signed}", "note": "{CANARY}"}}\n')
    assert signed in sink.getvalue()
    assert CANARY not in sink.getvalue()
    assert redact_secrets(f"Bearer {CANARY}") == "Bearer ***"
    assert "Signature=***" in redact(signed)  # the log file still hides it
