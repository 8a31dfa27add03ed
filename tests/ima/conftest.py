"""Fixtures of the IMA client's unit tests: a scripted API, a fake clock, a client factory."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from ima_fakes import ENDS, KEY, FakeApi

from skill.clock import FakeClock
from skill.ima import ImaClient, RetryPolicy


@pytest.fixture
def api() -> FakeApi:
    return FakeApi()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_client(api: FakeApi, clock: FakeClock) -> Callable[..., ImaClient]:
    def make(**kwargs: Any) -> ImaClient:
        kwargs.setdefault("endpoints", ENDS)
        kwargs.setdefault("clock", clock)
        kwargs.setdefault("retry", RetryPolicy(jitter=False))
        return ImaClient(KEY, transport=httpx.MockTransport(api.handler), **kwargs)

    return make
