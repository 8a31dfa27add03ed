"""``skill.generate``: the conversation as a Python async iterator, for agent frameworks.

The same replies ``run --format jsonl`` prints, as :class:`skill.events.Reply` objects::

    import skill

    async for reply in skill.generate("画一只戴墨镜的柴犬,16:9", user_id="ou_42"):
        if reply.event == "ack":
            await say(reply.text)                     # the normal reply
        elif reply.event == "success":
            await send_image(reply.media, caption=reply.text)
        elif reply.event != "done":
            await send(reply.text)                    # start, progress, failure

Every conversation ends with exactly one ``success`` or ``failure`` and then ``done``.
``generate_image`` tool calls (``ima-nano-banana tool-schema``) map onto these arguments.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path

from skill import settings
from skill.clock import Clock, RealClock
from skill.events import Reply


async def generate(
    text: str,
    *,
    images: Sequence[str] = (),
    user_id: str = "default",
    lang: str = "auto",
    timeout: float | None = None,
    poll_interval: float | None = None,
    out_dir: str | Path | None = None,
    api_key: str | None = None,
    env: Mapping[str, str] | None = None,
    clock: Clock | None = None,
) -> AsyncIterator[Reply]:
    """Make a picture from one chat message, yielding every reply as it happens.

    ``text`` is the person's message as written (model, size and shape are read from it);
    ``images`` are local paths or https URLs of pictures to edit; ``user_id`` keys the saved
    model preference; ``lang`` is ``"auto"``, ``"zh"`` or ``"en"``; ``timeout`` and
    ``poll_interval`` are seconds; with ``out_dir`` the picture is also saved there and the
    success reply carries its ``path``.

    The key is ``api_key`` or ``IMA_API_KEY`` (from ``env``, default the process environment),
    which also supplies the endpoint overrides and ``HOME``. Without a key, or with an endpoint
    off the allowlist, :class:`skill.ima.ConfigurationError` is raised on the first iteration,
    before anything is sent. ``clock`` replaces the real clock (tests).
    """
    # Imported here so `import skill` stays light (httpx, pydantic and jinja2 load on use).
    from skill.flow import Request, converse
    from skill.ima import ConfigurationError, EndpointRefused, ImaClient
    from skill.journal import TaskJournal
    from skill.prefs import PreferenceStore
    from skill.render import lang_of

    env = os.environ if env is None else env
    key = settings.api_key(api_key, env)
    if key is None:
        raise ConfigurationError(settings.NO_KEY_MESSAGE, reason="unauthorized")
    try:
        ends = settings.endpoints(env)
    except settings.EndpointRefused as exc:
        raise EndpointRefused(str(exc)) from None
    clock = clock or RealClock(settings.time_scale(ends, env))
    request = Request(
        text=text,
        images=tuple(images),
        user_id=user_id,
        lang=lang,
        timeout_s=timeout,
        poll_interval_s=poll_interval,
        out_dir=Path(out_dir) if out_dir is not None else None,
    )
    # The client's own language (its error texts); the replies follow the message's language.
    language = lang_of(lang) if lang != "auto" else "en"
    async with ImaClient(key, endpoints=ends, clock=clock, language=language) as client:
        conversation = converse(
            request,
            client=client,
            clock=clock,
            prefs=PreferenceStore(settings.prefs_path(env)),
            journal=TaskJournal(settings.journal_path(env)),
        )
        async for reply in conversation:
            yield reply
