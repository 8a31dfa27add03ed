"""The faults the simulator can be told to produce, and the answer each one gives.

Two kinds:

* **response faults** replace the answer of one endpoint (a business code in the envelope, an
  HTTP error status, a body that is not JSON, a connection closed without an answer, an answer
  that never comes, or a request carried out whose answer is then lost);
* **outcome faults** change how the *next* task created ends (failed, deleted, a "failed"
  status beside a finished resource, or never finishing at all).

A fault may be **targeted** (``match``, a substring of a prompt): it then fires only for creates
whose prompt contains it and for detail requests of a task whose prompt contains it, so many
conversations sharing one simulator each meet their own fault.

The names are fixed: other tests ask for them by name (``FAULTS`` lists them all).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from skill.sim.wire import SimRequest, SimResponse, envelope, json_response

#: The endpoints a fault can be aimed at (``None`` = the fault's natural endpoint).
ENDPOINTS: tuple[str, ...] = ("product_list", "create", "detail", "upload_token", "upload_put")

#: Seconds the ``rate_limited`` fault asks the client to wait.
RATE_LIMIT_RETRY_AFTER_S = 1
#: The endpoints whose requests carry a prompt (directly, or through the task they ask about):
#: the only ones a targeted fault (``match``) can aim at.
MATCHABLE_ENDPOINTS: tuple[str, ...] = ("create", "detail")


@dataclass(frozen=True)
class ResponseFault:
    """A fault that replaces an endpoint's answer."""

    name: str
    status: int
    code: int | None
    message: str
    retry_after: int | None = None
    html: bool = False
    malformed: bool = False
    drop: bool = False
    #: Never answer: the connection is held until the client's own timeout gives up.
    stall: bool = False
    #: Carry the request out first (a create is accepted and charged), then lose the answer.
    processed: bool = False

    def response(self) -> SimResponse:
        """The answer this fault gives instead of the endpoint's own."""
        if self.stall:
            return SimResponse(stall=True)
        if self.drop:
            return SimResponse(drop=True)
        if self.malformed:
            # A truncated envelope: the client must treat it as a server error, not crash.
            body = b'{"code": 0, "message": "success", "data": {"id": '
            return SimResponse(self.status, {"Content-Type": "application/json"}, body)
        if self.html:
            body = (
                f"<html><head><title>{self.status} {self.message}</title></head>"
                f"<body><center><h1>{self.status} {self.message}</h1></center></body></html>"
            ).encode()
            return SimResponse(self.status, {"Content-Type": "text/html"}, body)
        headers = {}
        if self.retry_after is not None:
            headers["Retry-After"] = str(self.retry_after)
        if self.code is None:
            return json_response(self.status, {"message": self.message}, headers)
        resp = envelope(self.code, self.message, status=self.status)
        resp.headers.update(headers)
        return resp


@dataclass(frozen=True)
class OutcomeFault:
    """A fault that decides how the next task created ends."""

    name: str
    resource_status: int | None
    status: str
    error_msg: str = ""


_RESPONSE_FAULTS: tuple[ResponseFault, ...] = (
    ResponseFault("unauthorized", 401, 401, "Unauthorized: invalid API key"),
    ResponseFault("insufficient_points", 200, 4008, "Insufficient points"),
    ResponseFault("subscription_required", 200, 4014, "Subscription required for this model"),
    ResponseFault("credit_mismatch", 200, 6006, "Credit does not match the credit rule"),
    ResponseFault("no_rule", 200, 6009, "No credit rule matches the parameters"),
    ResponseFault("attribute_mismatch", 200, 6010, "attribute_id does not match the rule"),
    # An unlisted code with a message the client must recognise by its words.
    ResponseFault("invalid_product_attribute", 200, 1001, "Invalid product attribute"),
    ResponseFault("bad_request", 200, 400, "Bad request: invalid parameters"),
    ResponseFault(
        "rate_limited", 429, 429, "Too many requests", retry_after=RATE_LIMIT_RETRY_AFTER_S
    ),
    ResponseFault("server_error", 500, 500, "Internal server error"),
    ResponseFault("bad_gateway", 502, None, "Bad Gateway", html=True),
    ResponseFault("unavailable", 503, 503, "Service temporarily unavailable"),
    ResponseFault("malformed_json", 200, None, "", malformed=True),
    ResponseFault("drop_connection", 0, None, "", drop=True),
    ResponseFault("stall", 0, None, "", stall=True),
    # The request is carried out (on create: the task exists and is charged), then the
    # connection closes without an answer: the ambiguous case a create must never repeat.
    ResponseFault("accepted_then_drop", 0, None, "", drop=True, processed=True),
)

_OUTCOME_FAULTS: tuple[OutcomeFault, ...] = (
    OutcomeFault("resource_failed", 2, "failed", "Generation failed: the model returned no image"),
    # resource_status 3 with status "success": only the resource status says it is gone.
    OutcomeFault("resource_deleted", 3, "success", "The resource was deleted"),
    # resource_status 1 with a URL, but status "failed": only the status says it failed.
    OutcomeFault("status_failed", 1, "failed", "Generation failed after rendering"),
    OutcomeFault("never_finishes", 0, "processing"),
)

RESPONSE_FAULTS: dict[str, ResponseFault] = {f.name: f for f in _RESPONSE_FAULTS}
OUTCOME_FAULTS: dict[str, OutcomeFault] = {f.name: f for f in _OUTCOME_FAULTS}

#: Every fault name, in a stable order.
FAULTS: tuple[str, ...] = tuple(RESPONSE_FAULTS) + tuple(OUTCOME_FAULTS)

#: Where a fault lands when no endpoint is named: every response fault on create (the
#: business codes are create's; the transport faults matter most where a retry could charge
#: twice), and the outcome faults on the next task created.
NATURAL_ENDPOINT = "create"


@dataclass
class ActiveFault:
    """An injected fault, with how many more times it fires (``None`` = every time) and,
    when targeted, the substring a prompt must contain for it to fire (``match``)."""

    name: str
    endpoint: str
    remaining: int | None
    match: str | None = None

    def aims_at(self, prompt: str | None) -> bool:
        """Whether this fault fires for a request about ``prompt`` (None: no prompt known)."""
        return self.match is None or (prompt is not None and self.match in prompt)

    def fire(self) -> None:
        if self.remaining is not None:
            self.remaining -= 1

    @property
    def spent(self) -> bool:
        return self.remaining is not None and self.remaining <= 0


class FaultBook:
    """The faults injected and not yet used up, in the order they were injected.

    Not locked itself: the :class:`~skill.sim.core.Simulator` calls it under its own lock.
    """

    def __init__(self) -> None:
        self._active: list[ActiveFault] = []

    def add(
        self, fault: str, *, endpoint: str | None, times: int | None, match: str | None
    ) -> None:
        """Check and record one injection (see :meth:`skill.sim.core.Simulator.inject`)."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; known: {', '.join(FAULTS)}")
        if endpoint is not None and endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {endpoint!r}; known: {', '.join(ENDPOINTS)}")
        if fault in OUTCOME_FAULTS and endpoint not in (None, NATURAL_ENDPOINT):
            raise ValueError(f"{fault} decides how a task ends: it applies to create only")
        if times is not None and times < 1:
            raise ValueError("times must be at least 1, or None for always")
        aimed_at = endpoint or NATURAL_ENDPOINT
        if match is not None:
            if not isinstance(match, str) or not match:
                raise ValueError("match must be a non-empty string")
            if aimed_at not in MATCHABLE_ENDPOINTS:
                raise ValueError(
                    f"match aims at a prompt: only {' and '.join(MATCHABLE_ENDPOINTS)} carry one"
                )
        self._active.append(ActiveFault(fault, aimed_at, times, match))

    def clear(self) -> None:
        """Forget every fault."""
        self._active.clear()

    def take_response(self, endpoint: str, prompt: str | None) -> ResponseFault | None:
        """The first response fault aimed at this request (used up by one), else None.
        ``prompt`` is the request's own (create) or its task's (detail); None when unknown."""
        for active in self._active:
            if (
                active.endpoint == endpoint
                and active.name in RESPONSE_FAULTS
                and active.aims_at(prompt)
            ):
                self._use(active)
                return RESPONSE_FAULTS[active.name]
        return None

    def take_outcome(self, prompt: str) -> OutcomeFault | None:
        """The first outcome fault aimed at a task with this prompt (used up by one)."""
        for active in self._active:
            if active.name in OUTCOME_FAULTS and active.aims_at(prompt):
                self._use(active)
                return OUTCOME_FAULTS[active.name]
        return None

    def _use(self, active: ActiveFault) -> None:
        active.fire()
        if active.spent:
            self._active.remove(active)


def quote_credentials(response: SimResponse, request: SimRequest) -> SimResponse:
    """``response`` with the caller's credentials quoted in its error message, the way a
    careless server echoes what it was sent (``Simulator.echo_key``): the ``Authorization``
    value, or the key fields of an upload-token form. A success, a dropped connection or a
    request without credentials passes unchanged. For tests that the key never leaks."""
    if response.drop or not response.body:
        return response
    credentials = request.headers.get("authorization", "")
    if not credentials and "application/x-www-form-urlencoded" in request.headers.get(
        "content-type", ""
    ):
        form = request.form()
        credentials = " ".join(v for k, v in form.items() if k in ("appUid", "cmimToken"))
    if not credentials:
        return response
    quote = f" (received credentials: {credentials})"
    try:
        payload = json.loads(response.body.decode("utf-8"))
    except ValueError:
        if b"</body>" not in response.body:  # not an HTML page either: leave it be
            return response
        body = response.body.replace(b"</body>", quote.encode() + b"</body>")
        return replace(response, body=body)
    if not isinstance(payload, dict) or payload.get("code", 1) == 0:
        return response
    payload["message"] = f"{payload.get('message', '')}{quote}"
    return replace(response, body=json.dumps(payload, ensure_ascii=False).encode("utf-8"))
