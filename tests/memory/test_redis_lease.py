"""A Redis claim's refresher and its release, against a stand-in for the store's scripts."""

from __future__ import annotations

import asyncio
from typing import Any

from skill.store.redis_lease import REFRESH, RELEASE, RedisLease


async def test_a_release_ends_the_refresher_even_when_the_driver_swallows_its_cancel() -> None:
    """bench/bot.py found a claim refreshed for ever: the cancel landed inside the driver's
    command and was swallowed there, and every later message of that chat waited behind it."""
    calls: list[str] = []
    refreshing = asyncio.Event()

    async def run(source: str, keys: list[str], args: list[Any]) -> Any:
        calls.append(source)
        if source == REFRESH:
            refreshing.set()
            try:
                await asyncio.sleep(0.2)
            except asyncio.CancelledError:
                await asyncio.sleep(0.05)  # finishes its command, the cancel swallowed
        return 1

    lease = RedisLease(run, "ima:hold:chat", "token", ttl_s=0.3)
    await asyncio.wait_for(refreshing.wait(), 2)
    await asyncio.wait_for(lease.release(), 2)
    await asyncio.sleep(0.5)  # a refresher still alive would have refreshed again by now
    assert calls == [REFRESH, RELEASE]
    await lease.release()  # idempotent
    assert calls == [REFRESH, RELEASE]


async def test_a_claim_is_refreshed_while_held_and_not_after() -> None:
    calls: list[str] = []

    async def run(source: str, keys: list[str], args: list[Any]) -> Any:
        calls.append(source)
        return 1

    lease = RedisLease(run, "ima:hold:chat", "token", ttl_s=0.15)
    await asyncio.sleep(0.3)
    await lease.release()
    refreshed = calls.count(REFRESH)
    assert refreshed >= 2
    await asyncio.sleep(0.3)
    assert calls.count(REFRESH) == refreshed
    assert calls[-1] == RELEASE
