"""The log folder, its 7-day cleanup, and the redaction that keeps secrets out of every text.

Logs go to ``~/.openclaw/logs/ima_skills/``, one file a day, named as the vendor's script names
them (``ima_create_YYYYMMDD.log``) so both write the same daily file. Files older than
:data:`LOG_RETENTION_DAYS` are removed when logging is set up.

Redaction has one entry point, :func:`redact`, used by the log filter, by
:class:`RedactingStream` (stdout/stderr), and by anyone building an error text:

* every value given to :func:`register_secret` (the API key, upload tokens, signatures);
* any ``ima_...`` token that looks like a key, registered or not;
* URL query parameters whose names look secret (``token``, ``key``, ``sign``, ``cmimToken``,
  ``appUid``...), JSON fields with such names, and ``Bearer`` credentials.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from skill import settings
from skill.atomic import FILE_MODE, ensure_private_dir

__all__ = [
    "LOG_RETENTION_DAYS",
    "RedactingFilter",
    "RedactingStream",
    "cleanup_old_logs",
    "install_redacting_streams",
    "log_file_name",
    "redact",
    "redact_secrets",
    "register_secret",
    "setup_logging",
    "teardown_logging",
]

#: Log files older than this many days are deleted at start-up (the skill card's promise).
LOG_RETENTION_DAYS = 7
#: The vendor's daily file name, so both programs share one file a day.
LOG_FILE_PREFIX = "ima_create_"
LOG_FILE_DATE_FORMAT = "%Y%m%d"
LOG_FORMAT = "%(asctime)s | %(levelname)-5s | %(name)s | %(message)s"
LOG_DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
#: Shorter values are not registered: redacting two letters everywhere would ruin every text,
#: and nothing that short is a credential.
MIN_SECRET_LENGTH = 6

MASK = "***"
KEY_MASK = "ima_***"

_secrets: set[str] = set()
_secrets_lock = threading.Lock()
_secret_pattern: re.Pattern[str] | None = None

# An IMA key: "ima_" then at least six key characters. Two public names of the vendor that
# happen to share the shape (its log folder and daily log file) are left readable.
_IMA_TOKEN = re.compile(
    r"ima_(?!skills(?![A-Za-z0-9_\-]))(?!create_\d{8}(?![A-Za-z0-9_\-]))[A-Za-z0-9_\-]{6,}"
)
_SENSITIVE_NAME = (
    r"[A-Za-z0-9_\-]*"
    r"(?:token|key|sign|secret|passw(?:or)?d|appuid|credential)"
    r"[A-Za-z0-9_\-]*"
)
# ?name=value / &name=value in URLs (and form bodies).
_QUERY_PARAM = re.compile(rf"(?i)([?&;]{_SENSITIVE_NAME}=)[^&\s#\"'<>]*")
# "name": "value" in JSON texts (a server may echo the request back in an error message).
_JSON_FIELD = re.compile(rf"(?i)(\"{_SENSITIVE_NAME}\"\s*:\s*\")(?:[^\"\\]|\\.)*(\")")
_BEARER = re.compile(r"(?i)(\bbearer\s+)[A-Za-z0-9._~+/=\-]+")


def register_secret(value: str | None) -> None:
    """Remember ``value`` (the API key, an upload token, a signature) so it is always redacted.

    Empty values and values shorter than :data:`MIN_SECRET_LENGTH` are ignored.
    """
    global _secret_pattern
    if not value:
        return
    candidates = {value, value.strip()}
    with _secrets_lock:
        before = len(_secrets)
        _secrets.update(c for c in candidates if len(c) >= MIN_SECRET_LENGTH)
        if len(_secrets) != before:
            ordered = sorted(_secrets, key=len, reverse=True)  # longest first: no partial leaks
            _secret_pattern = re.compile("|".join(re.escape(s) for s in ordered))


def _forget_secrets_for_tests() -> None:
    """Drop every registered secret (tests only: a process keeps its secrets for life)."""
    global _secret_pattern
    with _secrets_lock:
        _secrets.clear()
        _secret_pattern = None


def redact_secrets(text: str) -> str:
    """``text`` with registered secrets and ``ima_`` tokens replaced by ``ima_***`` and Bearer
    credentials by ``***``, but URL parameters left alone.

    For text whose links must keep working, such as a delivered picture's (possibly signed)
    URL on stdout. Everything else uses :func:`redact`.
    """
    if not text:
        return text
    text = _BEARER.sub(rf"\g<1>{MASK}", text)
    pattern = _secret_pattern
    if pattern is not None:
        text = pattern.sub(KEY_MASK, text)
    return _IMA_TOKEN.sub(KEY_MASK, text)


def redact(text: str) -> str:
    """``text`` with every secret replaced: registered values and ``ima_`` tokens by
    ``ima_***``, secret-looking URL parameters, JSON fields and Bearer credentials by ``***``."""
    if not text:
        return text
    text = redact_secrets(text)
    text = _QUERY_PARAM.sub(rf"\g<1>{MASK}", text)
    return _JSON_FIELD.sub(rf"\g<1>{MASK}\g<2>", text)


class RedactingFilter(logging.Filter):
    """Redact a record's message, its arguments, its exception text and its stack text.

    The record is rewritten in place (message formatted, ``args`` dropped), so every handler
    after this one sees only the redacted text too.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not hide the record, nor leak args
            message = f"{record.msg!s} (unformattable arguments)"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class RedactingStream:
    """A text stream that redacts everything written to it before passing it on.

    Wrap ``sys.stdout`` and ``sys.stderr`` with it (:func:`install_redacting_streams`) so even an
    unexpected traceback cannot print the key. With ``keep_urls`` only secrets are masked
    (:func:`redact_secrets`), so a signed picture URL in a result still works.
    """

    def __init__(self, inner: TextIO, *, keep_urls: bool = False) -> None:
        self.inner = inner
        self._redact = redact_secrets if keep_urls else redact

    def write(self, text: str) -> int:
        self.inner.write(self._redact(text))
        return len(text)  # callers count what they gave, not what was printed

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self.inner.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def install_redacting_streams() -> None:
    """Wrap ``sys.stdout`` and ``sys.stderr`` in :class:`RedactingStream` (idempotent).

    stdout carries results (``--output-json``, JSON lines with the picture's URL), so it keeps
    URLs intact and masks only secrets; stderr gets the full redaction.
    """
    if not isinstance(sys.stdout, RedactingStream):
        sys.stdout = RedactingStream(sys.stdout, keep_urls=True)
    if not isinstance(sys.stderr, RedactingStream):
        sys.stderr = RedactingStream(sys.stderr)


def log_file_name(day: date) -> str:
    """The daily log file's name: ``ima_create_YYYYMMDD.log`` (the vendor's naming)."""
    return f"{LOG_FILE_PREFIX}{day.strftime(LOG_FILE_DATE_FORMAT)}.log"


_NAME_DATE = re.compile(r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})(?!\d)")


def _date_in_name(name: str) -> date | None:
    match = _NAME_DATE.search(name)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def cleanup_old_logs(
    log_dir: Path, *, now: datetime, retention_days: int = LOG_RETENTION_DAYS
) -> list[Path]:
    """Delete ``*.log`` files (and rotated ``*.log.N``) older than ``retention_days``.

    Age is the date in the file name (``YYYYMMDD`` or ``YYYY-MM-DD``), else the modification
    time. Returns the removed paths. Never raises: a file that cannot be removed stays.
    """
    removed: list[Path] = []
    oldest_kept_day = now.date() - timedelta(days=retention_days)
    cutoff_ts = now.timestamp() - timedelta(days=retention_days).total_seconds()
    try:
        entries = list(log_dir.iterdir())
    except OSError:
        return removed
    for path in entries:
        if ".log" not in path.name:
            continue
        try:
            if not path.is_file():
                continue
            day = _date_in_name(path.name)
            old = day < oldest_kept_day if day is not None else path.stat().st_mtime < cutoff_ts
            if old:
                path.unlink()
                removed.append(path)
        except OSError:
            continue
    return removed


_installed_handler: logging.Handler | None = None


def teardown_logging() -> None:
    """Remove and close the handler :func:`setup_logging` installed (no-op if none)."""
    global _installed_handler
    if _installed_handler is not None:
        logging.getLogger().removeHandler(_installed_handler)
        _installed_handler.close()
        _installed_handler = None


def setup_logging(
    *, now: datetime | None = None, log_dir: Path | None = None, level: int = logging.INFO
) -> Path:
    """Send this process's logs to today's file in ``log_dir`` (default ``settings.logs_dir()``).

    Removes files older than :data:`LOG_RETENTION_DAYS` first. The handler carries a
    :class:`RedactingFilter`. Calling it again replaces the previous handler. Returns the log
    file's path; if the folder cannot be written, logging goes nowhere and nothing is raised.
    """
    global _installed_handler
    now = now or datetime.now()
    folder = log_dir if log_dir is not None else settings.logs_dir()
    path = folder / log_file_name(now.date())
    root = logging.getLogger()
    teardown_logging()
    handler: logging.Handler
    try:
        ensure_private_dir(folder)
        cleanup_old_logs(folder, now=now)
        # Create the file private before the handler opens it (FileHandler would use the umask).
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE))
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter(LOG_FORMAT, datefmt=LOG_DATE_FORMAT))
    handler.addFilter(RedactingFilter())
    handler.setLevel(level)
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > level:
        root.setLevel(level)
    _installed_handler = handler
    return path


def protect_process(secret: str, *, log_to_file: bool = True) -> None:
    """The key has entered this process: from here on nothing printed or logged shows it.

    Registers the secret, wraps stdout and stderr (:func:`install_redacting_streams`) and, unless
    told otherwise, starts today's log file (:func:`setup_logging`). Every command that holds
    the key calls this once, before it sends anything.
    """
    register_secret(secret)
    install_redacting_streams()
    if log_to_file:
        setup_logging()
