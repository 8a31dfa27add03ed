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
from skill.clock import Clock
from skill.events import Reply


async def generate(
    text: str,
    *,
    images: Sequence[str] = (),
    user_id: str = "default",
    chat_id: str = "default",
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
    model preference (and, with ``chat_id``, the follow-up memory); ``lang`` is ``"auto"``,
    ``"zh"`` or ``"en"``; ``timeout`` and ``poll_interval`` are seconds; with ``out_dir`` the
    picture is also saved there and the success reply carries its ``path``.

    The key is ``api_key`` or ``IMA_API_KEY`` (from ``env``, default the process environment),
    which also supplies the endpoint overrides and ``HOME``. Without a key, or with an endpoint
    off the allowlist, :class:`skill.ima.ConfigurationError` is raised on the first iteration,
    before anything is sent. ``clock`` replaces the real clock (tests).
    """
    # Imported here so `import skill` stays light (httpx, pydantic and jinja2 load on use).
    from skill.flow.ack import Request, acknowledge
    from skill.ima import ConfigurationError, EndpointRefused
    from skill.reasons import Reason
    from skill.render import Renderer
    from skill.session import Session
    from skill.settings import Access
    from skill.store import FileStore

    env = os.environ if env is None else env
    try:
        access = Access.from_env(api_key, env)
    except settings.EndpointRefused as exc:
        raise EndpointRefused(str(exc)) from None
    if access is None:
        raise ConfigurationError("no API key: set IMA_API_KEY", reason=Reason.UNAUTHORIZED)
    request = Request(
        text=text,
        images=tuple(images),
        user_id=user_id,
        chat_id=chat_id,
        lang=lang,
        timeout_s=timeout,
        poll_interval_s=poll_interval,
        out_dir=Path(out_dir) if out_dir is not None else None,
    )
    store = FileStore.from_env(env)
    renderer = Renderer()
    step0 = acknowledge(request, prefs=lambda: store.prefs, renderer=renderer)
    async with Session.open(
        access, env=env, store=store, clock=clock, language=step0.lang, renderer=renderer
    ) as session:
        async for reply in session.answer(request, step0=step0):
            yield reply
