"""Compiled templates kept between runs, as Python keeps ``.pyc`` files (issue 7).

Compiling the acknowledgement's templates (lexing, parsing, generating and compiling Python)
is a fifth of ``run``'s time to its first line; loading them compiled is nearly free. Jinja's
own file cache does it, in Jinja's default folder for it (private to the user, checked by
Jinja before use). Two rules on top of Jinja's:

* the cache never fails a message: a folder or file that cannot be used means compiling
  from source, as without a cache;
* like Python's own bytecode, nothing is written when ``PYTHONDONTWRITEBYTECODE`` is set
  (``sys.dont_write_bytecode``); what is there is still read.

A cached template is used only when its source is unchanged (Jinja checks a checksum), under
the same Jinja and Python (Jinja's header), and with the same environment options (they are
part of the file name, see :func:`cache_for`).
"""

from __future__ import annotations

import contextlib
import hashlib
import sys
from typing import Any

import jinja2
from jinja2.bccache import Bucket


class QuietBytecodeCache(jinja2.FileSystemBytecodeCache):
    """:class:`jinja2.FileSystemBytecodeCache` that never fails a render."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # a broken cache file is no reason to fail a message: compile anew
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        if sys.dont_write_bytecode:
            return
        # A read-only or full disk: not cached, and the next run compiles again.
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def cache_for(options: dict[str, Any]) -> jinja2.BytecodeCache | None:
    """The cache for templates compiled with ``options`` (the Environment's keyword arguments
    and policies), or None when no private cache folder can be had."""
    fingerprint = hashlib.sha256(repr(sorted(options.items())).encode()).hexdigest()[:16]
    try:
        return QuietBytecodeCache(pattern=f"__ima_nano_banana_{fingerprint}_%s.cache")
    except (OSError, RuntimeError):  # Jinja refuses a folder it cannot make private
        return None
