"""What the skill keeps between runs: preferences and the task journal, behind one interface.

:class:`Store` is the interface the conversation uses; :class:`FileStore` is the default
backend (files under ``~/.openclaw/memory``).

The names load on first use: ``run``'s acknowledgement may write a preference
(:mod:`skill.store.prefs`, plain files) before pydantic or the IMA client is imported.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from skill.store.base import Store
    from skill.store.files import FileStore
    from skill.store.journal import TaskJournal
    from skill.store.prefs import Preference, PreferenceStore

__all__ = ["FileStore", "Preference", "PreferenceStore", "Store", "TaskJournal"]

_HOMES = {
    "Store": "skill.store.base",
    "FileStore": "skill.store.files",
    "TaskJournal": "skill.store.journal",
    "Preference": "skill.store.prefs",
    "PreferenceStore": "skill.store.prefs",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'skill.store' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # once loaded, a plain module attribute
    return value
