"""What the skill keeps between runs: preferences and the task journal, behind one interface.

:class:`Store` is the interface the conversation uses; :class:`FileStore` is the default
backend (files under ``~/.openclaw/memory``).

The names load on first use: ``run``'s acknowledgement may write a preference
(:mod:`skill.store.prefs`, plain files) before pydantic or the IMA client is imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from skill._lazy import lazy_getattr

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


__getattr__ = lazy_getattr(__name__, _HOMES, globals())
