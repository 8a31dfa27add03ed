"""The simulator: every piece of state and every answer of the IMA Open API, without sockets.

:class:`Simulator` answers :class:`~skill.sim.wire.SimRequest` with
:class:`~skill.sim.wire.SimResponse`. :class:`~skill.sim.transport.SimTransport` (in-process,
for httpx) and :class:`~skill.sim.server.SimServer` (real loopback HTTP) are the two ways in;
both pass through :func:`skill.sim.control.serve`, which answers the ``/_sim/`` control paths
itself (on top of the methods here) and hands everything else to :meth:`Simulator.handle`.
"""

from __future__ import annotations

import copy
import random
import re
import threading
import time
from collections.abc import Callable
from typing import Any

from skill.sim.faults import FaultBook, quote_credentials
from skill.sim.gateway import AcceptedCreate, Rejection, validate_create
from skill.sim.models import TASK_TIMEOUT_S, duration_range
from skill.sim.png import render_png
from skill.sim.products import copy_lists, load_default_lists
from skill.sim.tasks import SimTask, served_size
from skill.sim.upload import (
    DOWNLOAD_URL_TTL_S,
    UPLOAD_URL_TTL_S,
    check_token_fields,
    valid_key,
)
from skill.sim.wire import (
    Headers,
    RecordedRequest,
    SimRequest,
    SimResponse,
    envelope,
    json_response,
    success,
)

DEFAULT_POINTS = 100_000
_MEDIA_PATH = re.compile(r"/_sim/media/([A-Za-z0-9_.-]+)\.png")
_UPLOAD_PATH = re.compile(r"/_sim/upload/([A-Za-z0-9_./-]+)")
_FILES_PATH = re.compile(r"/_sim/files/([A-Za-z0-9_./-]+)")


def _bearer(headers: Headers) -> str | None:
    value = headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def _unauthorized() -> SimResponse:
    return envelope(401, "Unauthorized: invalid API key", status=401)


class Simulator:
    """A faithful IMA Open API: product lists, create, detail, upload, generated PNGs.

    Time: ``now() = (clock() - t0) * speed`` simulated seconds. Pass ``clock=fake.now`` (a
    :class:`skill.clock.FakeClock`) to move time by hand, or keep ``time.monotonic`` and raise
    ``speed`` for a real server whose tasks finish fast. A task takes a duration drawn with the
    seeded RNG from the model's range in :mod:`skill.sim.models` (NB2 20-40 s, Pro 60-120 s,
    as the skill card says; the client's own table is not consulted) unless
    :meth:`set_duration` fixes it; it is "pending" for its first 10%, then "processing", then
    done.

    Faults (:meth:`inject`, names in ``skill.sim.FAULTS``), each on one endpoint
    ("product_list", "create", "detail", "upload_token", "upload_put"; default "create"):

    - ``unauthorized`` HTTP 401 code 401; ``insufficient_points`` 4008;
      ``subscription_required`` 4014; ``credit_mismatch`` 6006; ``no_rule`` 6009;
      ``attribute_mismatch`` 6010; ``invalid_product_attribute`` code 1001 with the message
      "Invalid product attribute"; ``bad_request`` 400 (business codes come as HTTP 200);
    - ``rate_limited`` HTTP 429 with ``Retry-After: 1``; ``server_error`` 500; ``bad_gateway``
      502 with an HTML body; ``unavailable`` 503; ``malformed_json`` HTTP 200 with a body that
      is not JSON; ``drop_connection`` closes the connection without an answer; ``stall``
      never answers (the client's own timeout fires); ``accepted_then_drop`` carries the
      request out (a create is accepted and charged), then closes without an answer;
    - outcome faults, for the next task created: ``resource_failed`` (resource_status 2),
      ``resource_deleted`` (3), ``status_failed`` (resource_status 1, status "failed"),
      ``never_finishes`` (processing forever).

    ``times=1`` fires once, ``times=None`` every time. ``match="..."`` aims a fault at the
    creates whose prompt contains it and the detail requests of such tasks only. All state sits
    behind one lock (:attr:`lock`): the HTTP server is threaded.
    """

    def __init__(
        self,
        *,
        speed: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        seed: int | None = None,
        points: int = DEFAULT_POINTS,
        product_lists: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._lock = threading.RLock()
        self._clock = clock
        self._seed = seed
        self._initial_speed = speed
        self._initial_points = points
        self._initial_lists = copy_lists(product_lists or load_default_lists())
        self._wall0 = time.time()
        self.reset()

    @property
    def lock(self) -> threading.RLock:
        """The lock all state sits behind (re-entrant): hold it to read or change several
        things as one step, as the control API does."""
        return self._lock

    # --- time -------------------------------------------------------------------------------
    def now(self) -> float:
        """Simulated seconds since the simulator started (or was reset)."""
        with self._lock:
            return self._sim_base + (self._clock() - self._real_base) * self._speed

    @property
    def speed(self) -> float:
        """Simulated seconds per second of ``clock``."""
        return self._speed

    @speed.setter
    def speed(self, value: float) -> None:
        if value <= 0:
            raise ValueError("speed must be positive")
        with self._lock:
            # Rebase so simulated time stays continuous across the change.
            self._sim_base = self.now()
            self._real_base = self._clock()
            self._speed = value

    # --- control ----------------------------------------------------------------------------
    def reset(self) -> None:
        """Back to the state of construction: lists, points, speed, time 0, nothing recorded."""
        with self._lock:
            self._speed = self._initial_speed
            self._real_base = self._clock()
            self._sim_base = 0.0
            self._rng = random.Random(self._seed)  # noqa: S311  # simulated durations, not secrets
            self.points = self._initial_points
            self.product_lists = copy_lists(self._initial_lists)
            self.requests: list[RecordedRequest] = []
            self.creates = 0
            self.accepted_creates = 0
            self.uploads: dict[str, bytes] = {}
            self.upload_types: dict[str, str] = {}
            self.tasks: dict[str, SimTask] = {}
            self._issued_uploads: set[str] = set()
            self._faults = FaultBook()
            self._durations: dict[str, float] = {}
            self._pngs: dict[str, bytes] = {}
            self._counter = 0
            #: Quote the caller's key in every error message (a careless server; key tests).
            self.echo_key = False

    def inject(
        self,
        fault: str,
        *,
        endpoint: str | None = None,
        times: int | None = 1,
        match: str | None = None,
    ) -> None:
        """Make ``fault`` happen ``times`` times (``None`` = always) on ``endpoint``.

        With ``match`` (a substring of a prompt) the fault fires only for creates whose prompt
        contains it, and for detail requests of a task whose prompt contains it; an outcome
        fault then applies to the next task created with such a prompt. Requests it does not
        aim at neither see it nor use it up.
        """
        with self._lock:
            self._faults.add(fault, endpoint=endpoint, times=times, match=match)

    def clear_faults(self) -> None:
        """Forget every injected fault (tasks already created keep their outcome)."""
        with self._lock:
            self._faults.clear()

    def set_product_list(self, category: str, envelope_dict: dict[str, Any]) -> None:
        """Serve (and validate creates against) this envelope for ``category``."""
        with self._lock:
            self.product_lists[category] = copy.deepcopy(envelope_dict)

    def set_duration(self, model_id: str, seconds: float | None) -> None:
        """Fix how long the next tasks of ``model_id`` take (``None``: draw from the range)."""
        with self._lock:
            if seconds is None:
                self._durations.pop(model_id, None)
            elif seconds < 0:
                raise ValueError("a duration cannot be negative")
            else:
                self._durations[model_id] = float(seconds)

    def stats(self) -> dict[str, int]:
        """Counters for ``GET /_sim/stats``."""
        with self._lock:
            return {
                "creates": self.creates,
                "accepted_creates": self.accepted_creates,
                "tasks": len(self.tasks),
                "points": self.points,
            }

    # --- the one entry point ----------------------------------------------------------------
    def handle(self, request: SimRequest) -> SimResponse:
        """Answer one request to the IMA Open API or the media and upload URLs it hands out
        (thread-safe). Control requests are :func:`skill.sim.control.serve`'s."""
        with self._lock:
            self.requests.append(RecordedRequest.of(request))
            response = self._route(request)
            return quote_credentials(response, request) if self.echo_key else response

    def _route(self, request: SimRequest) -> SimResponse:
        method, path = request.method.upper(), request.path
        base = "http://" + request.headers.get("host", "127.0.0.1")
        if path == "/open/v1/product/list" and method == "GET":
            return self._product_list(request)
        if path == "/open/v1/tasks/create" and method == "POST":
            return self._create(request, base)
        if path == "/open/v1/tasks/detail" and method == "POST":
            return self._detail(request, base)
        if path == "/api/rest/oss/getuploadtoken" and method in ("GET", "POST"):
            return self._upload_token(request, base)
        if (m := _UPLOAD_PATH.fullmatch(path)) and method == "PUT":
            return self._upload_put(request, m.group(1))
        if (m := _FILES_PATH.fullmatch(path)) and method == "GET":
            return self._file(m.group(1))
        if (m := _MEDIA_PATH.fullmatch(path)) and method == "GET":
            return self._media(m.group(1))
        return envelope(404, f"no route for {method} {path}", status=404)

    # --- faults -----------------------------------------------------------------------------
    def _faulted(
        self, endpoint: str, prompt: str | None, answer: Callable[[], SimResponse]
    ) -> SimResponse:
        """``answer()``, unless a fault is aimed at this request: then the fault's answer,
        with the request carried out first when the fault says so (``accepted_then_drop``)."""
        fault = self._faults.take_response(endpoint, prompt)
        if fault is None:
            return answer()
        if fault.processed:
            answer()  # the work is done (a create is charged); only its answer is lost
        return fault.response()

    def _create_prompt(self, request: SimRequest) -> str | None:
        """The prompt a create asks for, when its body holds one where the gateway reads it."""
        try:
            body = request.json()
            prompt = body["parameters"][0]["parameters"]["prompt"]
        except (ValueError, LookupError, TypeError):
            return None
        return prompt if isinstance(prompt, str) else None

    def _task_of(self, request: SimRequest) -> SimTask | None:
        """The task a detail request asks about, if it names one that exists."""
        try:
            body = request.json()
        except ValueError:
            return None
        task_id = body.get("task_id") if isinstance(body, dict) else None
        return self.tasks.get(task_id) if isinstance(task_id, str) else None

    # The main API's door is in the gateway's order: an injected fault first (``_faulted``),
    # then the Bearer key (``_key_refused``), then the endpoint's own checks.
    def _key_refused(self, request: SimRequest) -> SimResponse | None:
        """The 401 answer when the Bearer key is not valid, else None."""
        return None if valid_key(_bearer(request.headers)) else _unauthorized()

    def _product_list(self, request: SimRequest) -> SimResponse:
        return self._faulted("product_list", None, lambda: self._list_answer(request))

    def _list_answer(self, request: SimRequest) -> SimResponse:
        if refused := self._key_refused(request):
            return refused
        q = request.query
        if q.get("app") != "ima" or q.get("platform") != "web":
            return envelope(400, "app must be ima and platform web")
        listed = self.product_lists.get(q.get("category", ""))
        if listed is None:
            return envelope(400, f"unknown category {q.get('category')!r}")
        return json_response(200, listed)

    def _create(self, request: SimRequest, base: str) -> SimResponse:
        self.creates += 1
        prompt = self._create_prompt(request)
        return self._faulted("create", prompt, lambda: self._create_answer(request))

    def _create_answer(self, request: SimRequest) -> SimResponse:
        if refused := self._key_refused(request):
            return refused
        try:
            body = request.json()
        except ValueError:
            return envelope(400, "request body is not JSON")
        verdict = validate_create(body, self.product_lists, self.points)
        if isinstance(verdict, Rejection):
            return envelope(verdict.code, verdict.message)
        task = self._start_task(verdict)
        return success(
            {
                "id": task.id,
                "biz_id": task.biz_id,
                "medias": [],
                "created_at": task.created_at_ms,
                "timeout_at": task.timeout_at_ms,
            }
        )

    def _start_task(self, accepted: AcceptedCreate) -> SimTask:
        self.points -= accepted.credit
        self.accepted_creates += 1
        self._counter += 1
        now = self.now()
        created_ms = int((self._wall0 + now) * 1000)
        task = SimTask(
            id=f"sim_{self._counter:06d}_{self._rng.getrandbits(32):08x}",
            biz_id=f"biz_{self._counter:06d}_{self._rng.getrandbits(32):08x}",
            order=accepted,
            started_at=now,
            duration=self._draw_duration(accepted.model_id),
            created_at_ms=created_ms,
            timeout_at_ms=created_ms + int(TASK_TIMEOUT_S * 1000),
            outcome=self._faults.take_outcome(accepted.prompt),
        )
        self.tasks[task.id] = task
        return task

    def _draw_duration(self, model_id: str) -> float:
        if model_id in self._durations:
            return self._durations[model_id]
        low, high = duration_range(model_id)
        return self._rng.uniform(low, high)

    def _detail(self, request: SimRequest, base: str) -> SimResponse:
        task = self._task_of(request)
        prompt = task.order.prompt if task is not None else None
        return self._faulted("detail", prompt, lambda: self._detail_answer(request, task, base))

    def _detail_answer(self, request: SimRequest, task: SimTask | None, base: str) -> SimResponse:
        if refused := self._key_refused(request):
            return refused
        try:
            request.json()
        except ValueError:
            return envelope(400, "request body is not JSON")
        if task is None:
            return envelope(400, "task not found")
        data = task.detail(self.now(), base)
        task.polls += 1
        return success(data)

    def _upload_token(self, request: SimRequest, base: str) -> SimResponse:
        return self._faulted("upload_token", None, lambda: self._token_answer(request, base))

    def _token_answer(self, request: SimRequest, base: str) -> SimResponse:
        fields = request.form() if request.method.upper() == "POST" else dict(request.query)
        problem = check_token_fields(fields)
        if problem is not None:
            return envelope(problem.code, problem.message, status=problem.code)
        self._counter += 1
        suffix = fields["fSuffix"].lstrip(".").lower()
        key = f"sim/{self._counter:06d}_{self._rng.getrandbits(48):012x}.{suffix}"
        self._issued_uploads.add(key)
        now_s = int(self._wall0 + self.now())
        return success(
            {
                "ful": f"{base}/_sim/upload/{key}",
                "fdl": f"{base}/_sim/files/{key}",
                "ful_expire": now_s + UPLOAD_URL_TTL_S,
                "fdl_expire": now_s + DOWNLOAD_URL_TTL_S,
                "fdl_key": key,
            }
        )

    def _upload_put(self, request: SimRequest, key: str) -> SimResponse:
        return self._faulted("upload_put", None, lambda: self._put_answer(request, key))

    def _put_answer(self, request: SimRequest, key: str) -> SimResponse:
        if key not in self._issued_uploads:
            return json_response(403, {"message": "upload URL was not issued"})
        content_type = request.headers.get("content-type")
        if not content_type:
            return json_response(400, {"message": "Content-Type is required"})
        self.uploads[key] = request.body
        self.upload_types[key] = content_type
        return SimResponse(200, {"Content-Type": "text/plain"}, b"")

    def _file(self, key: str) -> SimResponse:
        if key not in self.uploads:
            return json_response(404, {"message": "no such file"})
        content_type = self.upload_types.get(key, "application/octet-stream")
        return SimResponse(200, {"Content-Type": content_type}, self.uploads[key])

    def _media(self, task_id: str) -> SimResponse:
        task = self.tasks.get(task_id)
        if task is None:
            return json_response(404, {"message": "no such media"})
        png = self._pngs.get(task_id)
        if png is None:
            width, height = served_size(task.order.size, task.order.aspect_ratio)
            png = self._pngs[task_id] = render_png(width, height, task.id)
        return SimResponse(200, {"Content-Type": "image/png"}, png)
