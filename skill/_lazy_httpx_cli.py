"""Keep httpx's own command-line tool out of the skill's processes until someone calls it.

``import httpx`` imports ``httpx._main`` (its ``httpx`` console command) whenever click, rich
and pygments are installed, as they are beside the MCP extra and the dev tools: about 45 ms
and several MB that no request needs, paid by every run before its first request. Before
httpx is imported, :func:`install` puts a small stand-in at ``httpx._main`` whose ``main``
loads the real one on first call, so ``httpx.main`` still works for anyone who wants it.
"""

from __future__ import annotations

import importlib
import sys
import types

_NAME = "httpx._main"


def _real_main(*args: object, **kwargs: object) -> object:
    sys.modules.pop(_NAME, None)
    return importlib.import_module(_NAME).main(*args, **kwargs)


def install() -> None:
    """Put the stand-in in place, unless httpx (or its command) is already loaded."""
    if "httpx" in sys.modules or _NAME in sys.modules:
        return
    stand_in = types.ModuleType(_NAME, "httpx's command line, loaded on first use")
    stand_in.main = _real_main  # type: ignore[attr-defined]
    sys.modules[_NAME] = stand_in
