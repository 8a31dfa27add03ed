"""The preference memory: which Nano Banana model each person chose, per task type.

The file is shared with the vendor's script and with sibling IMA skills (PROTOCOL.md section 6):

    {"user_<id>": {"text_to_image": {"model_id": ..., "model_name": ..., "credit": ...,
                                     "last_used": "2026-11-26T07:35:03.123456+00:00"}}}

so this module keeps to that shape: ``last_used`` is written as an ISO 8601 UTC string, as the
vendor writes it, and a number (epoch seconds) is accepted on read. Keys it does not know are
left as they are. An entry for a model that is not Nano Banana belongs to a sibling skill: it
is ignored on read and never deleted. Every change goes through :func:`skill.atomic.locked_json`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from skill import catalog, settings
from skill.atomic import locked_json, read_json

__all__ = ["USER_KEY_PREFIX", "Preference", "PreferenceStore", "user_key"]

logger = logging.getLogger("skill.prefs")

USER_KEY_PREFIX = "user_"


def user_key(user_id: str) -> str:
    """The top-level key of a user in the file: ``user_<id>``."""
    return f"{USER_KEY_PREFIX}{user_id}"


def _empty_file() -> dict[str, Any]:
    return {}


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Preference:
    """One saved choice. ``credit`` is the price seen when it was saved (``None``: unknown)."""

    model_id: str
    model_name: str
    credit: int | None
    last_used: str

    def as_json(self) -> dict[str, Any]:
        return {
            "model_id": self.model_id,
            "model_name": self.model_name,
            "credit": self.credit,
            "last_used": self.last_used,
        }


def _as_iso(value: object) -> str:
    """``last_used`` as an ISO string, whether it was stored as one or as epoch seconds."""
    if isinstance(value, bool):
        return ""
    if isinstance(value, (int, float)):
        try:
            return datetime.fromtimestamp(float(value), tz=timezone.utc).isoformat()
        except (OverflowError, OSError, ValueError):
            return ""
    return value if isinstance(value, str) else ""


def _as_credit(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _parse_entry(raw: object) -> Preference | None:
    """A stored entry as a :class:`Preference`, or ``None`` if it is not a Nano Banana one."""
    if not isinstance(raw, dict):
        return None
    model_id = raw.get("model_id")
    if not isinstance(model_id, str) or not catalog.is_nano_banana(model_id):
        return None
    name = raw.get("model_name")
    return Preference(
        model_id=model_id,
        model_name=name
        if isinstance(name, str) and name
        else catalog.MODELS[model_id].display_name,
        credit=_as_credit(raw.get("credit")),
        last_used=_as_iso(raw.get("last_used")),
    )


class PreferenceStore:
    """Read and change ``~/.openclaw/memory/ima_prefs.json`` safely from many processes."""

    def __init__(self, path: Path | None = None, *, now: Callable[[], datetime] | None = None):
        self.path = path if path is not None else settings.prefs_path()
        self._now = now or _utc_now

    def _read(self) -> dict[str, Any]:
        return read_json(self.path, default=_empty_file)

    def get(self, user_id: str, task_type: str) -> Preference | None:
        """The saved Nano Banana choice of ``user_id`` for ``task_type``, if any."""
        user = self._read().get(user_key(user_id))
        if not isinstance(user, dict):
            return None
        return _parse_entry(user.get(task_type))

    def save(
        self, user_id: str, task_type: str, *, model_id: str, model_name: str, credit: int | None
    ) -> None:
        """Remember ``model_id`` for ``user_id`` and ``task_type`` (Nano Banana models only).

        Other users, other task types and unknown keys inside the entry are kept as they are.
        """
        if not catalog.is_nano_banana(model_id):
            raise ValueError(f"not a Nano Banana model: {model_id!r}")
        stamp = self._now().astimezone(timezone.utc).isoformat()
        with locked_json(self.path, default=_empty_file) as box:
            key = user_key(user_id)
            user = box.data.get(key)
            if not isinstance(user, dict):
                user = {}
                box.data[key] = user
            old = user.get(task_type)
            entry: dict[str, Any] = dict(old) if isinstance(old, dict) else {}
            entry.update(model_id=model_id, model_name=model_name, credit=credit, last_used=stamp)
            user[task_type] = entry
        logger.info("preference saved: user=%s task_type=%s model=%s", key, task_type, model_id)

    def clear(self, user_id: str | None = None, task_type: str | None = None) -> int:
        """Forget Nano Banana choices: of one user or all, of one task type or all.

        Returns how many were removed. Entries of other models (sibling skills) stay.
        """
        removed = 0
        with locked_json(self.path, default=_empty_file) as box:
            keys = [user_key(user_id)] if user_id is not None else list(box.data)
            for key in keys:
                user = box.data.get(key)
                if not key.startswith(USER_KEY_PREFIX) or not isinstance(user, dict):
                    continue
                types = [task_type] if task_type is not None else list(user)
                mine = [t for t in types if t in user and _parse_entry(user[t]) is not None]
                for t in mine:
                    del user[t]
                removed += len(mine)
                if mine and not user:  # we emptied it: drop the husk, keep others' empty ones
                    del box.data[key]
        logger.info("preferences cleared: user=%s removed=%d", user_id or "*", removed)
        return removed

    def show(self, user_id: str | None = None) -> dict[str, Any]:
        """The Nano Banana choices in the file's own shape, for one user or all of them."""
        data = self._read()
        keys = [user_key(user_id)] if user_id is not None else list(data)
        shown: dict[str, Any] = {}
        for key in keys:
            user = data.get(key)
            if not key.startswith(USER_KEY_PREFIX) or not isinstance(user, dict):
                continue
            entries = {
                t: pref.as_json()
                for t, raw in user.items()
                if (pref := _parse_entry(raw)) is not None
            }
            if entries:
                shown[key] = entries
        return shown
