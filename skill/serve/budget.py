"""An optional daily credit budget, per person and per chat, shared by every replica.

Each new job is checked once it is priced (the live product list's price, the one its start
notice shows), just before its create (:data:`skill.flow.steps.Admit`): its credits are
added to today's counters of the person and of the chat in the store
(:meth:`skill.store.base.Store.tally`, atomic, so replicas share them), or, if either would go
over its limit, nothing is added and the job is refused with ``budget_reached``. Credits of a
job that was never created (refused by the service, or the store failed) are given back.
A day is a UTC day.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timezone

from skill.job import Job
from skill.reasons import Reason
from skill.serve.config import BUDGET_TTL_S
from skill.store import Store

log = logging.getLogger("skill.serve")

__all__ = ["Budget", "Reservation"]


def _utc_day() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d")


def price_of(job: Job) -> int:
    """The credits ``job`` costs: its price a picture, times the pictures asked for."""
    credit = job.credits or 0
    return credit * max(1, job.request.count)


class Budget:
    """The limits (``None``: no limit) and the store that counts against them."""

    def __init__(
        self,
        store: Store,
        *,
        namespace: str,
        per_user: int | None,
        per_chat: int | None,
        day: Callable[[], str] = _utc_day,
    ) -> None:
        self.store = store
        self.namespace = namespace
        self.per_user = per_user
        self.per_chat = per_chat
        self._day = day

    def reservation(self) -> Reservation:
        """The admission of one message's job (give it to ``Session.answer(admit=...)``)."""
        return Reservation(self)

    def keys(self, job: Job) -> list[tuple[str, int | None]]:
        """Today's counters of the job's person and chat, with their limits."""
        day = self._day()
        request = job.request
        found: list[tuple[str, int | None]] = []
        if self.per_user is not None:
            found.append((f"{self.namespace}:budget:user:{request.user_id}:{day}", self.per_user))
        if self.per_chat is not None:
            found.append((f"{self.namespace}:budget:chat:{request.chat_id}:{day}", self.per_chat))
        return found


class Reservation:
    """Credits set aside for one job: admitted by :meth:`__call__`, given back by
    :meth:`settle` if the job was never created."""

    def __init__(self, budget: Budget) -> None:
        self._budget = budget
        self._held: list[tuple[str, int]] = []

    async def __call__(self, job: Job) -> Reason | None:
        """Admit ``job`` if every counter has room for its price (raises StoreUnavailable)."""
        amount = price_of(job)
        if amount <= 0:
            return None
        store = self._budget.store
        for key, limit in self._budget.keys(job):
            total = await store.tally(key, amount, limit=limit, ttl_s=BUDGET_TTL_S)
            if total is None:
                log.info("budget reached: %s", key.rsplit(":", 1)[0])
                await self._give_back()
                return Reason.BUDGET_REACHED
            self._held.append((key, amount))
        return None

    async def settle(self, job: Job | None) -> None:
        """The conversation ended: give the credits back unless the job was created."""
        if job is not None and job.started:
            # A create was sent. Only one the service refused (failed, no task, and not lost
            # on the way back: then it may have been made) cost nothing.
            refused = (
                job.status == "failed" and not job.task_ids and job.reason != Reason.UNCONFIRMED
            )
            if not refused:
                self._held.clear()
                return
        await self._give_back()

    async def _give_back(self) -> None:
        held, self._held = self._held, []
        for key, amount in held:
            try:
                await self._budget.store.tally(key, -amount, limit=None, ttl_s=BUDGET_TTL_S)
            except OSError:
                log.warning("could not give back %d credits of a budget", amount)
