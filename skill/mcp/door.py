"""What the MCP server holds while it runs: the key and endpoints, one store, one renderer,
and one :class:`~skill.session.Session` opened on first need and shared by every call.

The key comes from the server's environment only (never from a tool argument), so a server
without one still starts: its tools that need no key answer, and the others say, in the
person's language, that no key is set up. Nothing here knows MCP: :mod:`skill.mcp.tools`
turns its answers into tool results.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping
from types import TracebackType

from skill.flow import Follow
from skill.flow.ack import Request
from skill.flow.message import Conversation
from skill.ima import ProductNode
from skill.job import Job
from skill.render import Renderer
from skill.session import Session
from skill.settings import Access
from skill.store import FileStore, Store

log = logging.getLogger("skill.mcp")

__all__ = ["Door", "NoKey"]


class NoKey(Exception):
    """The server was started without ``IMA_API_KEY``: nothing can be made or listed."""


class Door:
    """The server's state; use as ``async with`` (it closes the session at the end)."""

    def __init__(
        self,
        access: Access | None,
        *,
        env: Mapping[str, str] | None = None,
        store: Store | None = None,
        renderer: Renderer | None = None,
    ) -> None:
        self.env: Mapping[str, str] = os.environ if env is None else env
        self.access = access
        self.store: Store = store if store is not None else FileStore.from_env(self.env)
        self.renderer = renderer or Renderer()
        self._session: Session | None = None
        self._opening = asyncio.Lock()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Door:
        """The door of ``env`` (default the process environment); raises
        :class:`skill.settings.EndpointRefused` for an endpoint off the allowlist."""
        env = os.environ if env is None else env
        return cls(Access.from_env(None, env), env=env)

    async def session(self) -> Session:
        """The shared session, opened on first use; :class:`NoKey` without a key."""
        if self.access is None:
            raise NoKey
        async with self._opening:
            if self._session is None:
                self._session = Session.open(
                    self.access, env=self.env, store=self.store, renderer=self.renderer
                )
            return self._session

    async def answer(self, request: Request) -> Conversation:
        """One chat message, answered by the core (:func:`skill.flow.message.answer`)."""
        return (await self.session()).answer(request)

    async def fetch(self, job: Job) -> Follow:
        """A job taken up again: polled if still running, sent again if delivered; never a
        new create."""
        return (await self.session()).follow(job, resume=True)

    async def keep(self, job: Job | None) -> None:
        """Write ``job`` down as it stands and keep it as its chat's last one (what
        ``get_last_image`` fetches), once its call ends, however it ended. A store that
        cannot be written costs only that."""
        if job is None or not job.started:
            return
        try:
            job = await self.store.record(job)
            await self.store.remember(job)
        except OSError:
            log.warning("could not keep the chat's last job", exc_info=True)

    async def last_job(self, chat_id: str, user_id: str, task_id: str | None = None) -> Job | None:
        """The job to fetch: the one of ``task_id`` if given, else the chat's last one (from
        the follow-up memory, else the newest unfinished one of the journal in that chat), as
        the journal has it now."""
        try:
            if task_id:
                return await self.store.job(task_id)
            job = await self.store.last_job(chat_id, user_id)
            if job is None:
                pending = await self.store.pending(user_id)
                job = next((j for j in pending if j.request.chat_id == chat_id), None)
            if job is not None and job.job_id:
                return await self.store.job(job.job_id) or job
            return job
        except OSError:
            log.warning("could not read the chat's last job", exc_info=True)
            return None

    async def saved_model(self, user_id: str, task_type: str) -> str | None:
        try:
            return await self.store.saved_model(user_id, task_type)
        except OSError:
            return None

    def last_product_list(self, task_type: str) -> tuple[float, list[ProductNode]] | None:
        """The product list the session last read for ``task_type`` and its age (no network)."""
        if self._session is None:
            return None
        seen = self._session.client.last_product_list(task_type)
        if seen is None:
            return None
        # The client's clock runs sped up in the simulator's world; the age is in real seconds.
        age, tree = seen
        return age / self._session.scale, tree

    async def aclose(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.aclose()
        else:
            await self.store.aclose()

    async def __aenter__(self) -> Door:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
