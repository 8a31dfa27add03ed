"""What the skill keeps between runs: preferences and the task journal, behind one interface.

:class:`Store` is the interface the conversation uses; :class:`FileStore` is the default
backend (files under ``~/.openclaw/memory``).

The names load on first use: ``run``'s acknowledgement may write a preference
(:mod:`skill.store.prefs`, plain files) before pydantic or the IMA client is imported.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from skill._lazy import lazy_getattr

if TYPE_CHECKING:
    from skill.store.base import Lease, Store, StoreUnavailable
    from skill.store.files import FileStore
    from skill.store.journal import TaskJournal
    from skill.store.prefs import Preference, PreferenceStore

__all__ = [
    "FileStore",
    "Lease",
    "Preference",
    "PreferenceStore",
    "Store",
    "StoreUnavailable",
    "TaskJournal",
    "open_store",
]

_HOMES = {
    "Lease": "skill.store.base",
    "Store": "skill.store.base",
    "StoreUnavailable": "skill.store.base",
    "FileStore": "skill.store.files",
    "TaskJournal": "skill.store.journal",
    "Preference": "skill.store.prefs",
    "PreferenceStore": "skill.store.prefs",
}


__getattr__ = lazy_getattr(__name__, _HOMES, globals())


def open_store(env: Mapping[str, str] | None = None) -> Store:
    """The store the environment asks for: Redis when ``IMA_STORE_URL`` is set (the ``redis``
    package is imported only then), else the files under ``env``'s ``HOME``.

    Raises :class:`~skill.store.redis_store.StoreURLRefused` (a ``ValueError``) for a URL that
    is not Redis's, and ``ModuleNotFoundError`` when the ``redis`` extra is not installed.
    Opening connects to nothing: the first operation does.
    """
    from skill import settings

    url = settings.store_url(env)
    if url is None:
        from skill.store.files import FileStore

        return FileStore.from_env(env)
    from skill.store.redis_store import RedisStore

    return RedisStore(url)
