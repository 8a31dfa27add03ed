"""One place that wires settings to the IMA client, the store, the clock and the renderer.

Every front door (the commands, :func:`skill.generate`, the demo, the MCP server and the bots)
opens a :class:`Session` and follows jobs through it; none of them builds a client or a store
of its own. The clock runs sped up only in the simulator's world (both endpoints loopback and
``IMA_TIME_SCALE`` set); against the real service it is always real time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import TracebackType

import httpx

from skill import settings
from skill.clock import Clock, RealClock
from skill.flow import Follow, Options, Services, follow
from skill.flow.ack import Acknowledgement, Request
from skill.flow.message import Conversation, answer
from skill.flow.steps import Admit, Downloader
from skill.ima import ImaClient
from skill.job import Job
from skill.render import Ack, Renderer, lang_of
from skill.settings import Access
from skill.store import Store, open_store

__all__ = ["Access", "Session"]  # Access: from skill.settings


@dataclass
class Session:
    """A client, a store, a clock and a renderer, opened once; use as ``async with``."""

    client: ImaClient
    store: Store
    clock: Clock
    renderer: Renderer = field(default_factory=Renderer)
    downloader: Downloader | None = None
    #: The clock's speed-up (1 unless in the simulator's world).
    scale: float = 1.0

    @classmethod
    def open(
        cls,
        access: Access,
        *,
        env: Mapping[str, str] | None = None,
        store: Store | None = None,
        clock: Clock | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        language: str = "en",
        renderer: Renderer | None = None,
        downloader: Downloader | None = None,
    ) -> Session:
        """The session for ``access``: the store ``env`` asks for unless one is given
        (:func:`skill.store.open_store`: Redis with ``IMA_STORE_URL``, else the files under its
        HOME), the clock sped up by ``IMA_TIME_SCALE`` in the simulator's world unless one is
        given."""
        scale = settings.time_scale(access.endpoints, env)
        clock = clock or RealClock(scale)
        client = ImaClient(
            access.key,
            endpoints=access.endpoints,
            transport=transport,
            clock=clock,
            language=lang_of(language),
        )
        return cls(
            client=client,
            store=store if store is not None else open_store(env),
            clock=clock,
            renderer=renderer or Renderer(),
            downloader=downloader,
            scale=scale,
        )

    @property
    def services(self) -> Services:
        """What :func:`skill.flow.follow` needs, from this session."""
        if self.downloader is None:
            return Services(self.client, self.clock, self.store, self.renderer)
        return Services(self.client, self.clock, self.store, self.renderer, self.downloader)

    def answer(
        self,
        request: Request,
        *,
        step0: Acknowledgement | None = None,
        acknowledged: bool = False,
        admit: Admit | None = None,
        claimed: bool = False,
    ) -> Conversation:
        """:func:`skill.flow.message.answer` on this session: one chat message, answered.

        ``admit`` (a bot's budget) sees each new job once it is priced, before its create,
        and may refuse it (:data:`skill.flow.steps.Admit`); ``claimed``: the caller holds the
        chat and person's claim already."""
        services = self.services
        if admit is not None:
            services = replace(services, admit=admit)
        return answer(
            request,
            services,
            step0=step0,
            acknowledged=acknowledged,
            scale=self.scale,
            claimed=claimed,
        )

    def follow(
        self,
        job: Job,
        options: Options | None = None,
        *,
        ack: Ack | None = None,
        acknowledged: bool = False,
        resume: bool = False,
    ) -> Follow:
        """:func:`skill.flow.follow` on this session; ``options.scale`` is the session's."""
        options = options or Options()
        if options.scale != self.scale:
            options = Options(
                timeout_s=options.timeout_s,
                poll_interval_s=options.poll_interval_s,
                out_dir=options.out_dir,
                scale=self.scale,
            )
        return follow(
            job, self.services, options, ack=ack, acknowledged=acknowledged, resume=resume
        )

    async def aclose(self) -> None:
        """Close the client's connections and the store."""
        try:
            await self.client.aclose()
        finally:
            await self.store.aclose()

    async def __aenter__(self) -> Session:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
