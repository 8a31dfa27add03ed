"""Keep the API key out of every message built from server text.

The client registers its key here, and every server message that goes into an exception or a
log line passes through :func:`redact`. The work is the project's one redaction function in
:mod:`skill.logs` (registered secrets and any ``ima_…`` token become ``ima_***``); this module
only names the two calls the IMA package uses, so the rest of ``skill.ima`` has one import.
"""

from __future__ import annotations

from skill.logs import redact, register_secret

__all__ = ["redact", "register_secret"]
