"""Rendered acknowledgements kept between runs, so that ``run``'s first line needs no jinja2.

The acknowledgement is a pure function of its record, its language, the templates and the
catalogs. Importing jinja2 and loading its environment is most of what ``run`` pays before its
first line beyond understanding the message, so the text rendered (and already passed by the
never-say guard) is written down and read back the next time the same acknowledgement is due.
Like a compiled template, an entry is only valid for the sources it came from: the file's name
is a fingerprint of every template, both compiled catalogs and the package version, so an edit
of any of them starts a new, empty memo.

Rules, as for the template cache (:mod:`skill._jinja_cache`): the memo never fails a message
(a file that cannot be read or written means rendering as without it); nothing is written when
``PYTHONDONTWRITEBYTECODE`` is set; the folder is private to the user. It holds no secret:
acknowledgements are made of the templates' words and a subject's noun, never the person's
text.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import zlib
from pathlib import Path

from skill._version import __version__
from skill.resources import locales_dir, templates_dir

#: At most this many acknowledgements are kept (a handful of kinds per language in practice).
MEMO_MAX_ENTRIES = 512
CACHE_ENV = "XDG_CACHE_HOME"
_FOLDER = "ima-nano-banana"


def _sources() -> list[Path]:
    try:
        templates = sorted(templates_dir().glob("*.j2"))
        catalogs = sorted(locales_dir().glob("*/LC_MESSAGES/messages.mo"))
    except FileNotFoundError:
        return []
    return templates + catalogs


def fingerprint() -> str | None:
    """A digest of what rendering depends on (file sizes and times, the version); ``None``
    when a source cannot be read (then nothing is memoized)."""
    sources = _sources()
    if not sources:
        return None
    parts = [__version__]
    for path in sources:
        try:
            found = path.stat()
        except OSError:
            return None
        parts.append(f"{path.name}:{found.st_size}:{found.st_mtime_ns}")
    # Not a security digest, only a name that changes with the sources: two CRCs (zlib is
    # built in; hashlib would load OpenSSL before the first line).
    text = ";".join(parts).encode()
    return f"{zlib.crc32(text):08x}{zlib.adler32(text):08x}"


def cache_folder() -> Path:
    """The skill's cache folder: ``$XDG_CACHE_HOME/ima-nano-banana`` (``~/.cache/...``)."""
    base = os.environ.get(CACHE_ENV) or str(Path.home() / ".cache")
    return Path(base) / _FOLDER


class AckMemo:
    """Acknowledgement texts by (record, language), for one fingerprint of the sources."""

    def __init__(self, folder: Path | None = None) -> None:
        self._folder = folder or cache_folder()
        self._entries: dict[str, str] | None = None
        self._path: Path | None = None

    def _load(self) -> dict[str, str]:
        if self._entries is not None:
            return self._entries
        self._entries = {}
        mark = fingerprint()
        if mark is None:
            return self._entries
        self._path = self._folder / f"acks-{mark}.json"
        with contextlib.suppress(OSError, ValueError):
            raw = json.loads(self._path.read_text("utf-8"))
            if isinstance(raw, dict):
                self._entries = {k: v for k, v in raw.items() if isinstance(v, str)}
        return self._entries

    def get(self, key: str) -> str | None:
        """The text kept for ``key``, if any."""
        return self._load().get(key)

    def put(self, key: str, text: str) -> None:
        """Keep ``text`` for ``key`` (written at once, atomically; never raises)."""
        entries = self._load()
        if entries.get(key) == text or self._path is None or sys.dont_write_bytecode:
            return
        if len(entries) >= MEMO_MAX_ENTRIES:
            entries.clear()  # a full memo starts over rather than growing without bound
        entries[key] = text
        with contextlib.suppress(OSError):
            self._folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            temporary = self._path.with_name(f".{self._path.name}.{os.getpid()}.tmp")
            temporary.write_text(json.dumps(entries, ensure_ascii=False), "utf-8")
            os.chmod(temporary, 0o600)
            os.replace(temporary, self._path)
