"""The fault matrix's oracle: how a conversation must end for each fault on each endpoint.

Written from the rules, not from what the code happens to do today:

* PROTOCOL.md section 5 and the skill card's error table give each business code its reason
  (DESIGN.md's closed list): a business answer is the server's verdict, so it is never retried.
* A transient fault (429 with a short Retry-After, 5xx, an answer that is not the expected
  JSON, a dropped connection, a stall until the client's timeout) is worth another attempt of a
  **safe** request: the product list, the task detail, the upload token (all reads or free
  grants) and the upload PUT (HTTP PUT is idempotent: the same bytes to the same URL, for free).
  Once, the conversation recovers; always, it ends with the fault's reason when the attempts
  run out.
* Create is the one unsafe request (PROTOCOL.md: "Never send it twice for one request unless
  the first answer was a clear rejection"): a 429 is such a rejection (the server took
  nothing), so after its Retry-After the create is sent once more; any other fault ends the
  conversation with its reason after exactly one create. Where no readable answer came back
  (dropped, stalled, unreadable, or accepted and then dropped) the server may have made the
  task: the reason is ``unconfirmed``, and the failure says the task may have been created.
* The upload PUT goes to an object store: its answer is its HTTP status (and an IMA error
  envelope, when one comes back, is that error). A 200 whose body is not JSON is a stored file.
* Outcome faults end the created task: with the task's failure, or our timeout for a task that
  never finishes.
"""

from __future__ import annotations

from dataclasses import dataclass

ENDPOINTS: tuple[str, ...] = ("product_list", "create", "detail", "upload_token", "upload_put")
#: The requests that may be repeated: none of them can charge or create twice.
SAFE_ENDPOINTS = frozenset({"product_list", "detail", "upload_token", "upload_put"})
#: Endpoints a conversation calls before its one create: failing there creates nothing.
BEFORE_CREATE = frozenset({"product_list", "upload_token", "upload_put"})
#: Endpoints only an image-to-image request with a local picture reaches.
UPLOAD_ENDPOINTS = frozenset({"upload_token", "upload_put"})

#: Business answers: the server's verdict, never retried (PROTOCOL.md 5, the card's table).
BUSINESS_REASONS: dict[str, str] = {
    "unauthorized": "unauthorized",  # 401
    "insufficient_points": "insufficient_points",  # 4008
    "subscription_required": "subscription_required",  # 4014
    "credit_mismatch": "credit_mismatch",  # 6006
    "no_rule": "invalid_attribute",  # 6009: "configuration error"
    "attribute_mismatch": "attribute_mismatch",  # 6010
    "invalid_product_attribute": "invalid_attribute",  # the card: "Invalid product attribute"
    "bad_request": "bad_request",  # 400
}
#: Transient faults: worth another attempt of a safe request.
TRANSIENT_REASONS: dict[str, str] = {
    "rate_limited": "rate_limited",  # 429, Retry-After: 1
    "server_error": "server_error",  # 500
    "bad_gateway": "server_error",  # 502, an HTML page
    "unavailable": "server_error",  # 503
    "malformed_json": "server_error",  # an answer we cannot read: the server's trouble
    "drop_connection": "network",
    "stall": "network",  # no answer within our HTTP timeout
    "accepted_then_drop": "network",
}
#: Transient faults after which nobody knows whether a create was carried out.
ANSWER_LOST = frozenset({"malformed_json", "drop_connection", "stall", "accepted_then_drop"})
#: Outcome faults: how the created task ends.
OUTCOME_REASONS: dict[str, str] = {
    "resource_failed": "generation_failed",  # resource_status 2
    "resource_deleted": "generation_failed",  # resource_status 3
    "status_failed": "task_failed",  # status "failed"
    "never_finishes": "timeout",
}
#: Every fault the oracle knows (the matrix checks that this is every fault the simulator has).
KNOWN_FAULTS = frozenset(BUSINESS_REASONS).union(TRANSIENT_REASONS, OUTCOME_REASONS)


@dataclass(frozen=True)
class Expected:
    """How one cell must end."""

    #: The failure's reason, or None for a picture delivered.
    reason: str | None
    #: Create requests the simulator receives: 0 or 1, or 2 when the first was refused with
    #: 429 (never two that could both be carried out).
    creates: int
    #: Whether the failure says the task may have been created (a create's answer was lost).
    may_exist: bool = False


def expect(fault: str, endpoint: str, *, always: bool) -> Expected:
    """The oracle: the ending of a conversation meeting ``fault`` on ``endpoint``, once
    (``always=False``) or on every request (``always=True``)."""
    if endpoint not in ENDPOINTS:
        raise ValueError(f"unknown endpoint {endpoint!r}")
    if fault in OUTCOME_REASONS:
        return Expected(OUTCOME_REASONS[fault], creates=1)
    stopped_creates = 0 if endpoint in BEFORE_CREATE else 1
    if fault in BUSINESS_REASONS:
        return Expected(BUSINESS_REASONS[fault], creates=stopped_creates)
    if fault not in TRANSIENT_REASONS:
        raise ValueError(f"the oracle does not know {fault!r}")
    reason = TRANSIENT_REASONS[fault]
    if endpoint not in SAFE_ENDPOINTS:  # create
        if fault == "rate_limited":  # refused, so tried once more after its Retry-After
            return Expected(reason if always else None, creates=2)
        if fault in ANSWER_LOST:
            return Expected("unconfirmed", creates=1, may_exist=True)
        return Expected(reason, creates=1)
    if endpoint == "upload_put" and fault == "malformed_json":
        return Expected(None, creates=1)  # HTTP 200 from the object store: the file is stored
    if not always:
        return Expected(None, creates=1)
    return Expected(reason, creates=stopped_creates)
