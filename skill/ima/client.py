"""The async IMA Open API client: product list, plan, upload, create, detail, wait.

One ``httpx.AsyncClient`` with an injectable transport (tests pass ``httpx.MockTransport`` or
the simulator's transport). Safe requests (product list, detail, upload token) are retried on
network errors, 429 and 5xx through :class:`RetryPolicy`, sleeping on the injected clock.
``create`` is sent once and never repeated: a second POST after an ambiguous failure could
charge twice. The upload PUT is retried like a safe request: the same bytes to the same URL
store the same file (HTTP PUT is idempotent) and cost nothing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import httpx
from pydantic import TypeAdapter, ValidationError

from skill import catalog, net, settings
from skill._version import __version__
from skill.clock import Clock, RealClock
from skill.ima._redact import redact, register_secret
from skill.ima.errors import (
    ConfigurationError,
    CreateUnconfirmed,
    EndpointRefused,
    MalformedResponse,
    MissingInputImage,
    NetworkError,
    RateLimited,
    ResponseTimeout,
    ServerError,
    api_error,
)
from skill.ima.rules import (
    ModelSummary,
    Plan,
    check_model,
    create_request,
    make_plan,
    nano_banana_models,
)
from skill.ima.tasks import TaskSnapshot, snapshot
from skill.ima.upload import ImageFile, new_nonce, token_form, validate_inputs
from skill.ima.wire import CreateResponse, ProductNode, RawEnvelope, TaskDetail, UploadToken
from skill.net import RetryPolicy
from skill.reasons import Reason

log = logging.getLogger("skill.ima")

USER_AGENT = f"ima-nano-banana/{__version__}"
APP_SOURCE = "ima_skills"
PRODUCT_LIST_PATH = "/open/v1/product/list"
CREATE_PATH = "/open/v1/tasks/create"
DETAIL_PATH = "/open/v1/tasks/detail"
UPLOAD_TOKEN_PATH = "/api/rest/oss/getuploadtoken"  # noqa: S105 -- a URL path, not a password


class _Answer(NamedTuple):
    """A successful envelope's ``data``, and the server's ``Retry-After`` if it sent one."""

    data: Any
    retry_after_s: float | None


_TREE = TypeAdapter(list[ProductNode])
#: Errors worth another attempt of a safe request.
_RETRYABLE = (NetworkError, RateLimited, ServerError)


def _plain_http_transport(limits: httpx.Limits) -> httpx.AsyncHTTPTransport:
    """The transport for endpoints that are all plain http (loopback only: the allow-list
    admits no other plain http), which never open a TLS connection.

    httpx reads the whole CA bundle into a TLS context when a client is made, whether or not
    it will ever speak TLS: about 3 MB and 20 ms of a run against the simulator. A context
    that trusts nothing is enough for a transport that never uses one (and would refuse, not
    accept, any TLS peer).
    """
    import ssl

    return httpx.AsyncHTTPTransport(verify=ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT), limits=limits)


class ImaClient:
    """The IMA Open API, as the Nano Banana skill uses it. Use as ``async with``."""

    def __init__(
        self,
        api_key: str,
        *,
        endpoints: settings.Endpoints | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        language: str = "en",
        clock: Clock | None = None,
        retry: RetryPolicy | None = None,
        user_agent: str = USER_AGENT,
        timeout_s: float = catalog.HTTP_TIMEOUT_S,
    ) -> None:
        key = (api_key or "").strip()
        if not key:
            raise ConfigurationError("no API key", reason=Reason.UNAUTHORIZED)
        register_secret(key)
        if endpoints is None:
            try:
                endpoints = settings.endpoints()
            except settings.EndpointRefused as exc:
                raise EndpointRefused(str(exc)) from None
        self.endpoints = endpoints
        self.language = language
        self._key = key
        self._clock: Clock = clock or RealClock()
        self._retry = retry or RetryPolicy()
        self._user_agent = user_agent
        self._timeout_s = timeout_s
        # Requests beyond the cap wait here, not in the connection pool: one process serving many
        # conversations (a busy group's bot) would otherwise queue hundreds of requests in the
        # pool, whose bookkeeping grows with the queue and stalls the event loop.
        self._in_flight = asyncio.Semaphore(catalog.HTTP_MAX_IN_FLIGHT)
        limits = httpx.Limits(
            max_connections=catalog.HTTP_MAX_IN_FLIGHT,
            max_keepalive_connections=catalog.HTTP_MAX_IN_FLIGHT,
        )
        if transport is None and not endpoints.uses_tls:
            transport = _plain_http_transport(limits)
        self._http = httpx.AsyncClient(
            transport=transport, timeout=timeout_s, follow_redirects=False, limits=limits
        )
        self._lists: dict[str, tuple[float, list[ProductNode]]] = {}
        self._list_locks: dict[str, asyncio.Lock] = {}

    def __repr__(self) -> str:
        return f"ImaClient(base_url={self.endpoints.base_url!r})"

    async def __aenter__(self) -> ImaClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections."""
        await self._http.aclose()

    # --- the API ---------------------------------------------------------------------------
    async def product_list(self, category: str) -> list[ProductNode]:
        """The product tree of a category, cached for ``catalog.PRODUCT_LIST_TTL_S``.

        Conversations that need it at the same moment share one fetch.
        """
        cached = self._fresh_list(category)
        if cached is not None:
            return cached
        lock = self._list_locks.setdefault(category, asyncio.Lock())
        async with lock:
            cached = self._fresh_list(category)
            if cached is not None:
                return cached
            return await self._fetch_list(category)

    def last_product_list(self, category: str) -> tuple[float, list[ProductNode]] | None:
        """The product tree of a category as this client last read it, and its age in seconds
        on the client's clock, however old; ``None`` before the first read. No network: for
        answers that must cost nothing (the MCP server's ``understand_request``)."""
        cached = self._lists.get(category)
        if cached is None:
            return None
        return max(0.0, self._clock.now() - cached[0]), cached[1]

    def _fresh_list(self, category: str) -> list[ProductNode] | None:
        cached = self._lists.get(category)
        if cached is not None and self._clock.now() - cached[0] < catalog.PRODUCT_LIST_TTL_S:
            return cached[1]
        return None

    async def _fetch_list(self, category: str) -> list[ProductNode]:
        answer = await self._call(
            "GET",
            self.endpoints.base_url + PRODUCT_LIST_PATH,
            safe=True,
            params={"app": "ima", "platform": "web", "category": category},
            headers=self._api_headers(),
        )
        data = answer.data
        try:
            tree = _TREE.validate_python(data)
        except ValidationError:
            raise MalformedResponse("the product list came back in an unexpected shape") from None
        self._lists[category] = (self._clock.now(), tree)
        return tree

    async def models(self, category: str) -> list[ModelSummary]:
        """The Nano Banana models the live list offers for a category."""
        return nano_banana_models(await self.product_list(category), category)

    async def plan(
        self,
        category: str,
        model_id: str,
        *,
        size: str | None = None,
        aspect_ratio: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> Plan:
        """Leaf, defaults, validated options and credit rule for one create.

        A model outside the Nano Banana series is refused before the list is even read.
        """
        check_model(category, model_id)
        tree = await self.product_list(category)
        return make_plan(
            category, tree, model_id, size=size, aspect_ratio=aspect_ratio, extra=extra
        )

    async def prepare_inputs(self, items: Sequence[str]) -> list[str]:
        """Input images as URLs: all are checked first, then local files are uploaded."""
        checked = validate_inputs(items)
        urls: list[str] = []
        for item in checked:
            urls.append(item if isinstance(item, str) else await self.upload(item))
        return urls

    async def upload(self, image: ImageFile) -> str:
        """Upload one checked local image; its CDN URL (``fdl``)."""
        form = token_form(self._key, image, timestamp=int(time.time()), nonce=new_nonce())
        answer = await self._call(
            "POST",
            self.endpoints.im_base_url + UPLOAD_TOKEN_PATH,
            safe=True,
            data=form,
            headers={"User-Agent": self._user_agent, "x-app-source": APP_SOURCE},
        )
        data = answer.data
        try:
            token = UploadToken.model_validate(data)
        except ValidationError:
            raise MalformedResponse("the upload token came back without its URLs") from None
        await self._put(token.ful, image.path.read_bytes(), image.mime)
        return token.fdl

    async def create(
        self,
        plan: Plan,
        prompt: str,
        *,
        input_urls: Sequence[str] = (),
        wait_budget_s: float = catalog.CREATE_RETRY_BUDGET_S,
    ) -> str:
        """Create the task; its task id.

        Sent once, and repeated only after a clear refusal that was not accepted: a 429 says
        the server took nothing, so after its ``Retry-After`` (if that fits in
        ``wait_budget_s``) the create is tried once more. Any other failure after the request
        left (a lost or unreadable answer) raises :class:`CreateUnconfirmed` and is never
        repeated: the server may have accepted, and charged for, the first one.
        """
        if not prompt.strip():
            raise ConfigurationError("the prompt is empty", reason=Reason.BAD_REQUEST)
        if plan.task_type == "image_to_image" and not input_urls:
            raise MissingInputImage()
        body = create_request(plan, prompt, input_urls).model_dump(mode="json")
        try:
            return await self._create_once(body)
        except RateLimited as exc:
            wait = exc.retry_after if exc.retry_after is not None else catalog.CREATE_RETRY_WAIT_S
            if wait > wait_budget_s:
                raise
            log.info("create refused as rate-limited; once more in %.2fs", wait)
            await self._clock.sleep(wait)
        return await self._create_once(body)

    async def _create_once(self, body: dict[str, Any]) -> str:
        try:
            data = (
                await self._call(
                    "POST",
                    self.endpoints.base_url + CREATE_PATH,
                    safe=False,
                    json=body,
                    headers=self._api_headers(),
                )
            ).data
        except NetworkError as exc:
            if not exc.request_sent:
                raise
            # The server may have accepted (and charged) it: say so, and never send it again.
            raise CreateUnconfirmed(
                f"{exc.message}; the task may have been created, so it was not sent again"
            ) from None
        try:
            return CreateResponse.model_validate(data).id
        except ValidationError:
            # The server accepted something; we cannot tell what. Do not try again.
            raise CreateUnconfirmed("the create answer had no task id") from None

    async def detail(self, task_id: str) -> TaskSnapshot:
        """One poll of the task. A ``Retry-After`` on the answer comes back as the snapshot's
        ``retry_after_s``: the server's word on when to ask again."""
        answer = await self._call(
            "POST",
            self.endpoints.base_url + DETAIL_PATH,
            safe=True,
            json={"task_id": task_id},
            headers=self._api_headers(),
        )
        data = answer.data
        try:
            detail = TaskDetail.model_validate(data if data is not None else {})
        except ValidationError:
            raise MalformedResponse("the task detail came back in an unexpected shape") from None
        return snapshot(task_id, detail, retry_after_s=answer.retry_after_s)

    # --- transport ---------------------------------------------------------------------------
    def _api_headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self._key}",
            "Content-Type": "application/json",
            "x-app-source": APP_SOURCE,
            "x_app_language": self.language,
            "User-Agent": self._user_agent,
        }

    async def _call(self, method: str, url: str, *, safe: bool, **kwargs: Any) -> _Answer:
        """Send one request (retrying a safe one as the policy allows); the envelope's data."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._once(method, url, **kwargs)
            except _RETRYABLE as exc:
                if not safe:
                    raise
                retry_after = exc.retry_after if isinstance(exc, RateLimited) else None
                wait = self._retry.delay(attempt, retry_after)
                if wait is None:
                    raise
                log.info(
                    "%s %s: %s; attempt %d, again in %.2fs",
                    method,
                    urlsplit(url).path,
                    exc.reason,
                    attempt,
                    wait,
                )
                await self._clock.sleep(wait)

    async def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One HTTP exchange, with transport failures turned into :class:`NetworkError`."""
        what = f"{method} {urlsplit(url).path}"
        try:
            async with self._in_flight:
                return await self._http.request(method, url, **kwargs)
        except httpx.ConnectTimeout:
            raise ResponseTimeout(f"{what}: could not connect", request_sent=False) from None
        except httpx.TimeoutException:
            raise ResponseTimeout(f"{what}: no answer within {self._timeout_s:g}s") from None
        except httpx.ConnectError as exc:
            raise NetworkError(f"{what}: cannot connect ({exc})", request_sent=False) from None
        except httpx.TransportError as exc:
            raise NetworkError(f"{what}: connection failed ({type(exc).__name__})") from None

    async def _once(self, method: str, url: str, **kwargs: Any) -> _Answer:
        path = urlsplit(url).path
        started = time.monotonic()
        response = await self._send(method, url, **kwargs)
        envelope: RawEnvelope | None
        try:
            envelope = RawEnvelope.model_validate(response.json())
        except (ValueError, ValidationError):
            envelope = None
        status = response.status_code
        log.info(
            "%s %s -> HTTP %d code %s in %.0f ms",
            method,
            path,
            status,
            envelope.code if envelope else "-",
            (time.monotonic() - started) * 1000,
        )
        retry_after = net.retry_after_seconds(response.headers.get("retry-after"))
        if envelope is not None and envelope.code not in (0, 200):
            raise api_error(envelope.code, envelope.message, status, retry_after=retry_after)
        if status >= 400:
            message = envelope.message if envelope else response.reason_phrase
            raise api_error(status, message, status, retry_after=retry_after)
        if envelope is None:
            raise MalformedResponse(f"{method} {path}: the answer was not the expected JSON")
        return _Answer(envelope.data, retry_after)

    async def _put(self, url: str, content: bytes, mime: str) -> None:
        """PUT the bytes to the upload URL, retried as the policy allows on network errors,
        429 and 5xx: a repeated PUT stores the same file again, so it can never cost twice."""
        attempt = 0
        while True:
            attempt += 1
            try:
                await self._put_once(url, content, mime)
                return
            except _RETRYABLE as exc:
                retry_after = exc.retry_after if isinstance(exc, RateLimited) else None
                wait = self._retry.delay(attempt, retry_after)
                if wait is None:
                    raise
                log.info(
                    "PUT <upload url>: %s; attempt %d, again in %.2fs", exc.reason, attempt, wait
                )
                await self._clock.sleep(wait)

    async def _put_once(self, url: str, content: bytes, mime: str) -> None:
        """One PUT. Its HTTP status is its answer; an IMA error envelope, if one comes back
        (even with HTTP 200), is that error: the file was not stored."""
        started = time.monotonic()
        response = await self._send("PUT", url, content=content, headers={"Content-Type": mime})
        status = response.status_code
        log.info(
            "PUT <upload url> -> HTTP %d in %.0f ms", status, (time.monotonic() - started) * 1000
        )
        retry_after = net.retry_after_seconds(response.headers.get("retry-after"))
        try:
            envelope: RawEnvelope | None = RawEnvelope.model_validate(response.json())
        except (ValueError, ValidationError):
            envelope = None  # an object store answers with an empty body, or its own format
        if envelope is not None and envelope.code not in (0, 200):
            raise api_error(envelope.code, envelope.message, status, retry_after=retry_after)
        if status >= 400:
            raise api_error(status, redact(response.reason_phrase), status, retry_after=retry_after)
