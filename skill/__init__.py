"""ima-nano-banana: Nano Banana images on the IMA Open API, for chat."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
