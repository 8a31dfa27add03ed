"""Small JSON files that many processes share: read safely, update under a lock, write atomically.

Preferences and the task journal live in ``~/.openclaw/memory``. Several runs of the skill (and
the vendor's own script) may touch them at once, so every update goes through one mechanism:

* an exclusive ``fcntl.flock`` on a sibling ``<name>.lock`` file serialises writers;
* the new content goes to a temporary file in the same folder, is fsynced, then ``os.replace``\\ d
  over the old one, so a reader sees either the old file or the new one, never half of either;
* a file that does not parse (or whose top-level type is wrong) is never deleted: it is moved
  aside to ``<name>.corrupt-<UTC timestamp>``, logged, and the caller gets its default.

Folders are created ``0o700`` and files ``0o600``: they hold a person's prompts.
"""

from __future__ import annotations

import contextlib
import copy
import fcntl
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Generic, TypeVar

__all__ = [
    "Box",
    "CorruptJSON",
    "exclusive_lock",
    "locked_json",
    "move_aside",
    "parse_json",
    "read_json",
    "write_json_atomic",
]

T = TypeVar("T")

logger = logging.getLogger("skill.atomic")

DIR_MODE = 0o700
FILE_MODE = 0o600
#: A file that fails to parse is read once more after this pause before it is called corrupt:
#: the vendor's script writes in place (no rename), so a reader can catch it half-written.
CORRUPT_RECHECK_DELAY_S = 0.05
CORRUPT_STAMP_FORMAT = "%Y%m%dT%H%M%SZ"


@dataclass
class Box(Generic[T]):
    """The mutable holder :func:`locked_json` yields; assign or mutate ``data``."""

    data: T


class CorruptJSON(Exception):
    """The bytes on disk are not a JSON document of the expected type."""


def ensure_private_dir(folder: Path) -> None:
    """Create ``folder`` and any missing parents with mode 0o700 (existing ones are left alone)."""
    missing: list[Path] = []
    current = folder
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for part in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another process made it first: fine
            part.mkdir(mode=DIR_MODE)


def _parse(raw: bytes, expected: type) -> Any:
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorruptJSON(f"not JSON ({exc.__class__.__name__})") from exc
    if not isinstance(value, expected):
        raise CorruptJSON(f"top level is {type(value).__name__}, expected {expected.__name__}")
    return value


def _load(path: Path, fallback: Any) -> tuple[Any, bool]:
    """``(value, corrupt)``: the parsed file, or the fallback and whether the file was bad."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return fallback, False
    try:
        return _parse(raw, type(fallback)), False
    except CorruptJSON:
        return fallback, True


def _move_aside(path: Path, reason: str) -> Path | None:
    """Rename a corrupt file to ``<name>.corrupt-<UTC stamp>`` (never overwriting another)."""
    stamp = datetime.now(timezone.utc).strftime(CORRUPT_STAMP_FORMAT)
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    suffix = 0
    while target.exists():
        suffix += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{suffix}")
    try:
        path.rename(target)
    except FileNotFoundError:
        return None  # someone else already dealt with it
    except OSError as exc:
        logger.error("could not move corrupt %s aside: %s", path.name, exc.__class__.__name__)
        return None
    logger.warning("%s was unreadable (%s); set aside as %s", path, reason, target)
    return target


def _lock_path(path: Path) -> Path:
    return path.with_name(f"{path.name}.lock")


@contextlib.contextmanager
def _exclusive_lock(path: Path) -> Iterator[None]:
    ensure_private_dir(path.parent)
    fd = os.open(_lock_path(path), os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _read_under_lock(path: Path, fallback: T) -> T:
    """Read ``path`` while holding its lock; move a corrupt file aside and return ``fallback``."""
    value, corrupt = _load(path, fallback)
    if not corrupt:
        return value  # type: ignore[no-any-return]  # _load checked isinstance(type(fallback))
    time.sleep(CORRUPT_RECHECK_DELAY_S)
    value, corrupt = _load(path, fallback)
    if not corrupt:
        return value  # type: ignore[no-any-return]  # same check as above
    try:
        _parse(path.read_bytes(), type(fallback))
    except CorruptJSON as exc:
        _move_aside(path, str(exc))
    except FileNotFoundError:
        pass
    return fallback


def read_json(path: Path, *, default: Callable[[], T]) -> T:
    """The JSON document at ``path``, or ``default()`` when it is missing or corrupt.

    A corrupt file (not JSON, or a top-level type other than ``type(default())``) is moved aside
    to ``<name>.corrupt-<UTC timestamp>``, never deleted, and the move is logged.
    Reading takes no lock (writes are atomic renames); only moving a bad file aside does.
    """
    fallback = default()
    value, corrupt = _load(path, fallback)
    if not corrupt:
        return value  # type: ignore[no-any-return]  # _load checked isinstance(type(fallback))
    with _exclusive_lock(path):
        return _read_under_lock(path, default())


def write_json_atomic(path: Path, data: Any, *, mtime: float | None = None) -> None:
    """Write ``data`` as JSON to ``path``: temporary file in the same folder, fsync, rename.

    The caller holds the lock when other writers may exist (see :func:`locked_json`).
    ``mtime`` (POSIX seconds), when given, becomes the file's modification time before the
    rename, so a folder of such files can be filtered by age from ``stat`` alone.
    """
    ensure_private_dir(path.parent)
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), FILE_MODE)
            handle.write(text)
            handle.flush()
            if mtime is not None:
                os.utime(handle.fileno(), (mtime, mtime))
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    # The rename is durable only once the folder's entry is on disk; some file systems refuse
    # to open a folder for fsync, and then there is nothing more we can do.
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


@contextlib.contextmanager
def locked_json(path: Path, *, default: Callable[[], T]) -> Iterator[Box[T]]:
    """Hold ``path``'s exclusive lock; yield a :class:`Box` with its content to change.

    On normal exit the box's ``data`` is written atomically if it changed (an unchanged document
    is not rewritten). If the block raises, nothing is written. A corrupt file is moved aside
    first, as in :func:`read_json`.
    """
    with _exclusive_lock(path):
        current = _read_under_lock(path, default())
        before = copy.deepcopy(current)
        box = Box(current)
        yield box
        if box.data != before:
            write_json_atomic(path, box.data)


# Public names for callers that keep many small files under one lock of their own (the task
# journal): they parse, lock and move aside exactly as the functions above do.
parse_json = _parse
move_aside = _move_aside
exclusive_lock = _exclusive_lock
