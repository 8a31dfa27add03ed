"""The simulator's own request and response records: what crosses its edge, without sockets.

Both ways in (the in-process :class:`~skill.sim.transport.SimTransport` and the loopback
:class:`~skill.sim.server.SimServer`) turn what they receive into a :class:`SimRequest`, hand it
to :func:`skill.sim.control.serve` and turn the :class:`SimResponse` back into bytes on
the wire (or, when ``drop`` is set, into a connection closed without an answer; when ``stall``
is set, into no answer at all until the client gives up).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl


class Headers(Mapping[str, str]):
    """Read-only headers with case-insensitive lookup (the last value of a repeated name wins)."""

    def __init__(self, items: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        pairs = items.items() if isinstance(items, Mapping) else items
        self._items: dict[str, str] = {name.lower(): value for name, value in pairs}

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"


@dataclass(frozen=True)
class SimRequest:
    """One HTTP request as the simulator sees it."""

    method: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""

    def json(self) -> Any:
        """The body parsed as JSON; ``ValueError`` when it is not JSON."""
        return json.loads(self.body.decode("utf-8"))

    def form(self) -> dict[str, str]:
        """The body parsed as an url-encoded form (the last value of a repeated field wins)."""
        return dict(parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True))


@dataclass(frozen=True)
class SimResponse:
    """What the simulator answers. ``drop`` means: close the connection and answer nothing;
    ``stall`` means: hold the connection and answer nothing, so the client's timeout fires."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    drop: bool = False
    stall: bool = False


@dataclass(frozen=True)
class RecordedRequest:
    """A request the simulator received, kept for tests to assert on."""

    method: str
    path: str
    query: dict[str, str]
    headers: Headers
    body: bytes
    #: The body parsed as JSON, when it is JSON.
    json: Any = None
    #: The body parsed as a form, when it was sent as ``application/x-www-form-urlencoded``.
    form: dict[str, str] | None = None

    @classmethod
    def of(cls, request: SimRequest) -> RecordedRequest:
        """Record ``request``, parsing its body as a form or as JSON when it is one."""
        parsed: Any = None
        form: dict[str, str] | None = None
        if "application/x-www-form-urlencoded" in request.headers.get("content-type", ""):
            form = request.form()
        elif request.body:
            try:
                parsed = request.json()
            except ValueError:
                parsed = None  # not JSON (an upload's bytes): the raw body is kept anyway
        return cls(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            headers=request.headers,
            body=request.body,
            json=parsed,
            form=form,
        )

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly view (the body as text), for ``GET /_sim/requests``."""
        return {
            "method": self.method,
            "path": self.path,
            "query": dict(self.query),
            "headers": dict(self.headers),
            "body": self.body.decode("utf-8", "replace"),
            "json": self.json,
            "form": self.form,
        }


def json_response(
    status: int, payload: Any, headers: Mapping[str, str] | None = None
) -> SimResponse:
    """A JSON response with its content type set."""
    merged = {"Content-Type": "application/json"}
    merged.update(headers or {})
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return SimResponse(status=status, headers=merged, body=body)


def envelope(code: int, message: str, data: Any = None, *, status: int = 200) -> SimResponse:
    """The IMA envelope ``{"code", "message", "data"}``."""
    return json_response(status, {"code": code, "message": message, "data": data})


def success(data: Any) -> SimResponse:
    return envelope(0, "success", data)
