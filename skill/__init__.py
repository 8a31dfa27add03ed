"""ima-nano-banana: Nano Banana images on the IMA Open API, for chat."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from skill import _lazy_httpx_cli
from skill._version import __version__

_lazy_httpx_cli.install()

__all__ = ["__version__", "generate"]

if TYPE_CHECKING:
    from skill.api import generate


def __getattr__(name: str) -> Any:
    # `generate` loads on first use, so `import skill` (and `ima-nano-banana parse`) stays light.
    if name == "generate":
        from skill.api import generate

        return generate
    raise AttributeError(f"module 'skill' has no attribute {name!r}")
