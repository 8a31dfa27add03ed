"""A claim held in Redis (:meth:`skill.store.redis_store.RedisStore.hold`): a random token
under a key that expires, refreshed by its holder until it is released."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from skill.store.base import StoreUnavailable

__all__ = ["REFRESH", "RELEASE", "RedisLease", "RunScript", "ms"]

log = logging.getLogger("skill.store.redis")

#: ``run(lua_source, keys, args) -> reply``: how a lease speaks to its store.
RunScript = Callable[[str, list[str], list[Any]], Awaitable[Any]]

# Lua, so that each is one atomic step however many replicas run it.
REFRESH = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


#: How long (seconds) a release waits for a refresh in flight to end.
RELEASE_WAIT_S = 3.0


def ms(seconds: float) -> int:
    """Seconds as the whole milliseconds Redis takes (at least one)."""
    return max(1, round(seconds * 1000))


class RedisLease:
    """A claim held in Redis under a random token, refreshed in the background until released.

    Only the holder's token can refresh or release it, so a claim that expired and was taken
    by another replica is never released by the first one.
    """

    def __init__(self, run: RunScript, key: str, token: str, ttl_s: float) -> None:
        self._run = run
        self._key = key
        self._token = token
        self._ttl_s = ttl_s
        self._released = False
        #: Set when the claim was found gone (expired while the store was out of reach).
        self.lost = False
        self._refresher = asyncio.create_task(self._refresh_until_released())

    async def _refresh_until_released(self) -> None:
        # The flag, not only the cancel, ends it: a cancel that lands inside the driver's
        # command can be swallowed there, and the claim was then refreshed for ever (every
        # later message of that chat waited behind it; found by bench/bot.py).
        while not self._released:
            await asyncio.sleep(self._ttl_s / 3)
            if self._released:
                return
            try:
                kept = await self._run(REFRESH, [self._key], [self._token, ms(self._ttl_s)])
            except StoreUnavailable:
                log.warning("could not refresh a claim; it expires unless the store comes back")
                continue
            if not kept:
                self.lost = True
                log.warning("a claim expired before it was released")
                return

    async def release(self) -> None:
        """Let go (idempotent). A store out of reach is logged: the claim then expires."""
        if self._released:
            return
        self._released = True
        self._refresher.cancel()
        # Not for ever: a refresh in flight ends with its command, and one landing after the
        # release below finds the token gone and does nothing.
        await asyncio.wait({self._refresher}, timeout=RELEASE_WAIT_S)
        try:
            await self._run(RELEASE, [self._key], [self._token])
        except StoreUnavailable:
            log.warning("could not release a claim; it expires within %.0f s", self._ttl_s)
