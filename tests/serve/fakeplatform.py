"""A tiny fake platform, for the tests only: what Feishu's and Discord's adapters will do,
with none of their wire details.

``POST /fake/events`` takes ``{"event_id", "message_id"?, "chat", "user", "text", "lang"?}``
and hands it to the bot with a :class:`FakeSink`, the "card" of that event; the answer is
``{"receipt": ...}`` at once. A sink records what it was told (and, given a file, writes it
there as JSON lines, so a test can read a subprocess's cards). A job taken up from another
replica is shown on a sink of the same card.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from pathlib import Path

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from skill.events import Reply
from skill.job import Job
from skill.serve import Bot, Incoming


class FakeSink:
    """One card: every event shown on it, the places in line, whether it was closed."""

    def __init__(self, card: str, log_file: Path | None = None) -> None:
        self.card = card
        self.replies: list[Reply] = []
        #: When each reply was shown (monotonic seconds).
        self.times: list[float] = []
        self.places: list[int] = []
        self.queued_texts: list[str] = []
        self.closed = False
        self._log_file = log_file

    def _log(self, entry: dict[str, object]) -> None:
        if self._log_file is not None:
            with self._log_file.open("a", encoding="utf-8") as out:
                out.write(json.dumps({"card": self.card, **entry}, ensure_ascii=False) + "\n")

    async def send(self, reply: Reply) -> None:
        self.replies.append(reply)
        self.times.append(time.monotonic())
        self._log(reply.to_json())

    async def queued(self, text: str, place: int) -> None:
        self.places.append(place)
        self.queued_texts.append(text)
        self._log({"event": "queued", "place": place, "text": text})

    def where(self) -> Mapping[str, str]:
        return {"card": self.card}

    async def aclose(self) -> None:
        self.closed = True

    @property
    def events(self) -> list[str]:
        return [r.event for r in self.replies]

    @property
    def finished(self) -> bool:
        return "done" in self.events

    def when(self, event: str) -> float:
        """When the first ``event`` was shown."""
        return self.times[self.events.index(event)]

    def one(self, event: str) -> Reply:
        found = [r for r in self.replies if r.event == event]
        assert len(found) == 1, self.events
        return found[0]


class FakePlatform:
    """The adapter: its route, its sinks by card, and its resume sink."""

    def __init__(self, log_file: Path | None = None) -> None:
        self.log_file = log_file
        self.sinks: dict[str, list[FakeSink]] = {}
        self.resumed: list[tuple[Job, FakeSink]] = []

    def sink(self, card: str) -> FakeSink:
        made = FakeSink(card, self.log_file)
        self.sinks.setdefault(card, []).append(made)
        return made

    def card(self, card: str) -> FakeSink:
        """The sink that answered ``card`` (the first one made for it)."""
        return self.sinks[card][0]

    def routes(self, bot: Bot) -> list[Route]:
        async def events(request: Request) -> JSONResponse:
            body = await request.json()
            event_id = str(body["event_id"])
            dedup = [f"event:{event_id}"]
            if body.get("message_id"):
                dedup.append(f"message:{body['message_id']}")
            message = Incoming(
                dedup=tuple(dedup),
                text=str(body["text"]),
                user_id=str(body["user"]),
                chat_id=str(body["chat"]),
                lang=str(body.get("lang", "auto")),
            )
            receipt = await bot.receive(message, self.sink(event_id))
            return JSONResponse({"receipt": receipt.value})

        return [Route("/fake/events", events, methods=["POST"])]

    async def resume_sink(self, job: Job, where: Mapping[str, str]) -> FakeSink | None:
        card = where.get("card")
        if card is None:
            return None
        sink = self.sink(card)
        self.resumed.append((job, sink))
        return sink
