"""Feishu's long connection (the default mode): the official SDK's WebSocket client.

No public address is needed: the app connects out to Feishu (``lark.ws.Client``), which
pushes each event down the connection and waits for its answer; events go to one of an app's
connections at random, so any number of replicas can each hold one. The SDK's own event
dispatcher (``lark.EventDispatcherHandler``) reads the events and calls our handlers, which
hand the payload to :meth:`FeishuDoor.accept` and return at once (Feishu resends an event not
answered within 3 seconds); a card action's toast, if any, goes back in the answer.

Two things of the SDK's are worked around here:

- ``lark_oapi.ws.client`` takes an event loop when it is imported and runs it with
  ``run_until_complete`` in ``Client.start()``, which never returns: the client gets a
  thread, and a loop of its own in that module's ``loop``, so the bot's loop is never
  blocked (its endpoint request also uses blocking ``requests``).
- The SDK logs through a handler of its own to stdout, at INFO by default (the connection
  URL, with its ticket): it is made to log at WARNING through the process's redacting
  handlers instead.

While the bot stops, a handler raises: the SDK then answers the event with an error and
Feishu delivers it to another connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import logging
import threading
from typing import Any

from skill.serve.feishu.config import LONG_CONNECTION_STOP_S, FeishuConfig
from skill.serve.feishu.crypto import Refused
from skill.serve.feishu.door import FeishuDoor

log = logging.getLogger("skill.serve.feishu")

__all__ = ["LongConnection", "event_handler"]

#: The SDK's logger.
SDK_LOGGER = "Lark"


def _quiet_sdk_logging() -> None:
    sdk = logging.getLogger(SDK_LOGGER)
    for handler in list(sdk.handlers):
        sdk.removeHandler(handler)
    sdk.propagate = True
    sdk.setLevel(logging.WARNING)


def event_handler(door: FeishuDoor, config: FeishuConfig) -> Any:
    """The SDK's event dispatcher, with the bot's two handlers registered: the same object
    the long connection is given (and, for the tests, one that reads an encrypted payload as
    the SDK's webhook handler does)."""
    import lark_oapi as lark
    from lark_oapi.event.callback.model.p2_card_action_trigger import (
        P2CardActionTriggerResponse,
    )

    _quiet_sdk_logging()

    def plain(data: Any) -> dict[str, Any]:
        # The SDK's object back into the documented payload, which the door reads.
        payload = json.loads(lark.JSON.marshal(data))
        return payload if isinstance(payload, dict) else {}

    def accept(data: Any) -> dict[str, Any]:
        # NotAccepting (stopping) propagates: the SDK answers with an error, and Feishu
        # delivers the event to another connection. A malformed event is answered and
        # dropped: sent again, it would be just as malformed.
        try:
            return door.accept(plain(data))
        except Refused as refused:
            log.warning("an event on the long connection was dropped: %s", refused)
            return {}

    def on_message(data: Any) -> None:
        accept(data)

    def on_card_action(data: Any) -> Any:
        return P2CardActionTriggerResponse(accept(data))

    return (
        lark.EventDispatcherHandler.builder(config.encrypt_key, config.verification_token)
        .register_p2_im_message_receive_v1(on_message)
        .register_p2_card_action_trigger(on_card_action)
        .build()
    )


class LongConnection:
    """The SDK's WebSocket client in a thread of its own (an :class:`~skill.serve.http.Intake`)."""

    def __init__(self, door: FeishuDoor, config: FeishuConfig) -> None:
        self._door = door
        self._config = config
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._started = threading.Event()
        self._failure: BaseException | None = None

    async def start(self) -> None:
        """Connect (in the client's thread); returns once the client runs."""
        # The SDK takes seconds to import: not on the bot's loop, which is already serving.
        await asyncio.to_thread(importlib.import_module, "lark_oapi")
        handler = event_handler(self._door, self._config)
        self._thread = threading.Thread(
            target=self._run, args=(handler,), name="feishu-long-connection", daemon=True
        )
        self._thread.start()
        await asyncio.to_thread(self._started.wait)
        if self._failure is not None:
            raise self._failure

    def _run(self, handler: Any) -> None:
        import lark_oapi as lark
        import lark_oapi.ws.client as ws_client

        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        ws_client.loop = loop  # the module's loop is the one the client runs on
        self._loop = loop
        try:
            client = lark.ws.Client(
                self._config.app_id,
                self._config.app_secret,
                event_handler=handler,
                domain=self._config.base_url,
                log_level=lark.LogLevel.WARNING,
            )
        except Exception as exc:  # a refused setting: said by start()
            self._failure = exc
            self._started.set()
            return
        self._started.set()
        try:
            client.start()
        except RuntimeError:
            pass  # the loop was stopped: the bot is stopping
        except Exception:
            log.exception("the long connection to Feishu ended")
        finally:
            try:
                loop.run_until_complete(
                    asyncio.wait_for(client._disconnect(), LONG_CONNECTION_STOP_S)
                )
            except Exception:  # closing what may already be gone
                log.debug("the long connection closed uncleanly", exc_info=True)
            left = asyncio.all_tasks(loop)  # its ping and receive loops
            for task in left:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*left, return_exceptions=True))
            loop.close()

    async def stop(self) -> None:
        """Take no more events: the client's loop is stopped, its connection closed."""
        loop, thread = self._loop, self._thread
        if loop is not None:
            # A loop already closed (the client had ended) refuses the call: nothing to stop.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            await asyncio.to_thread(thread.join, LONG_CONNECTION_STOP_S)
