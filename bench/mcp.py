"""Benchmark the MCP server: how soon a tool call hears back, and what MCP costs over ``run``.

    .venv/bin/python bench/mcp.py [--runs 10]

The same task every time, against a simulator served by this process on loopback: a Nano
Banana 2 picture whose task takes a fixed 22 simulated seconds, sped up 20 times (1.1 s of
real time), so every figure below holds the same wait and differs only in what is around it.
For each way in, over ``--runs`` interleaved runs (median, p90, min), wall time in ms:

* ``run --format jsonl`` spawned per message, as an agent runs it: to its first line (the
  acknowledgement) and to its last (``done``);
* ``generate_image`` over stdio and over streamable HTTP, on a server already running (as a
  host keeps it): from the call to its first progress notification (the acknowledgement),
  to the start notice, and to the result (the picture fetched and inlined);
* ``generate_image`` on a fresh stdio server: from spawning it to the result, the same
  footing as ``run``'s spawn-to-done.

The overhead against ``run`` is each way's median to the picture minus ``run``'s median to
``done``. The clients are the SDK's own (ClientSession), as in the tests.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# This file is named mcp.py, and Python puts its folder first on the path: without this, the
# SDK's "mcp" package would be this file.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(ROOT))

from mcp.client.session import ClientSession  # noqa: E402 -- after the path is set
from mcp.client.stdio import StdioServerParameters, stdio_client  # noqa: E402
from mcp.client.streamable_http import streamable_http_client  # noqa: E402

from skill import catalog  # noqa: E402
from skill.sim import SimServer, Simulator  # noqa: E402

SIM_SPEED = 20.0
TASK_S = 22.0
MESSAGE = "画一只戴墨镜的柴犬,16:9"
SERVER = [sys.executable, "-m", "skill", "mcp"]
START_TIMEOUT_S = 30.0


@dataclass
class Series:
    label: str
    samples: dict[str, list[float]] = field(default_factory=dict)

    def add(self, **marks: float) -> None:
        for name, value in marks.items():
            self.samples.setdefault(name, []).append(value)


def p90(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def child_env(server: SimServer, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMA_")}
    env.update(
        HOME=str(home),
        IMA_BASE_URL=server.url,
        IMA_IM_BASE_URL=server.url,
        IMA_TIME_SCALE=f"{SIM_SPEED:g}",
        IMA_API_KEY=catalog.DEMO_KEY,
    )
    return env


async def time_run(env: dict[str, str]) -> dict[str, float]:
    """``run --format jsonl`` from spawn: to its first line and to ``done``."""
    start = time.perf_counter()
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "skill",
        "run",
        MESSAGE,
        "--format",
        "jsonl",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    if child.stdout is None:
        raise RuntimeError("run's stdout was not piped")
    first = await child.stdout.readline()
    ack = time.perf_counter() - start
    rest = await child.stdout.read()
    await child.wait()
    done = time.perf_counter() - start
    if b'"event": "ack"' not in first or b'"event": "success"' not in rest:
        raise RuntimeError(f"run did not make the picture: {first!r} {rest[-300:]!r}")
    return {"first line": ack * 1000, "done": done * 1000}


async def time_call(session: ClientSession) -> dict[str, float]:
    """One ``generate_image`` call: to the first notification, the start notice, the result."""
    marks: dict[str, float] = {}
    start = time.perf_counter()

    async def progress(value: float, total: float | None, message: str | None) -> None:
        now = (time.perf_counter() - start) * 1000
        marks.setdefault("first notification", now)
        if value >= 1:
            marks.setdefault("start notice", now)

    result = await session.call_tool(
        "generate_image", {"request": MESSAGE}, progress_callback=progress
    )
    marks["picture"] = (time.perf_counter() - start) * 1000
    if result.is_error or not any(block.type == "image" for block in result.content):
        raise RuntimeError(f"no picture: {result.content!r}")
    return marks


@asynccontextmanager
async def stdio_session(env: dict[str, str]) -> AsyncIterator[ClientSession]:
    params = StdioServerParameters(command=SERVER[0], args=SERVER[1:], env=env)
    # The server's log lines are not part of the figures; the SDK wants a file for them.
    with open(os.devnull, "w") as quiet:  # noqa: ASYNC230 -- opening the null device
        async with (
            stdio_client(params, errlog=quiet) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            yield session


@asynccontextmanager
async def http_session(env: dict[str, str], scratch: Path) -> AsyncIterator[ClientSession]:
    err = scratch / "http.err"
    with err.open("wb") as sink:
        # Popen only starts the server, which outlives this call (as a host's would).
        child = subprocess.Popen(  # noqa: ASYNC220
            [*SERVER, "--http", "--port", "0"], env=env, stdin=subprocess.DEVNULL, stderr=sink
        )
    try:
        url = ""
        deadline = time.monotonic() + START_TIMEOUT_S
        while not url and time.monotonic() < deadline:
            for line in err.read_text("utf-8", "replace").splitlines():
                if line.startswith("ima-nano-banana mcp: serving "):
                    url = line.rsplit(" ", 1)[1]
            await asyncio.sleep(0.05)
        if not url:
            raise RuntimeError("the HTTP server did not start")
        async with (
            streamable_http_client(url) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            yield session
    finally:
        child.terminate()
        child.wait(timeout=10)


async def time_cold(env: dict[str, str]) -> dict[str, float]:
    start = time.perf_counter()
    async with stdio_session(env) as session:
        ready = (time.perf_counter() - start) * 1000
        marks = await time_call(session)
    return {"initialized": ready, "picture": ready + marks["picture"]}


def report(all_series: list[Series], runs: int) -> None:
    print(
        f"wall time, ms, {runs} runs each (interleaved); the task itself takes "
        f"{TASK_S / SIM_SPEED * 1000:.0f} ms (22 simulated s at x{SIM_SPEED:g})"
    )
    print(f"{'':54} {'median':>7} {'p90':>6} {'min':>6}")
    for series in all_series:
        for mark, samples in series.samples.items():
            label = f"{series.label}: {mark}"
            print(
                f"{label:54} {statistics.median(samples):7.0f} {p90(samples):6.0f} "
                f"{min(samples):6.0f}"
            )
    run_done = statistics.median(all_series[0].samples["done"])
    print("\noverhead against run (median to the picture minus run's median to done):")
    for series in all_series[1:]:
        picture = statistics.median(series.samples["picture"])
        print(f"  {series.label:40} {picture - run_done:+7.0f} ms")


async def measure(runs: int) -> None:
    with (
        tempfile.TemporaryDirectory(prefix="ima-bench-mcp-") as scratch,
        SimServer(Simulator(speed=SIM_SPEED, seed=7)) as server,
    ):
        server.sim.set_duration(catalog.NANO_BANANA_2.model_id, TASK_S)
        base = Path(scratch)
        home = base / "home"
        home.mkdir()
        env = child_env(server, home)
        run = Series("run --format jsonl (spawned)")
        stdio = Series("generate_image, stdio (warm server)")
        http = Series("generate_image, HTTP (warm server)")
        cold = Series("generate_image, stdio (fresh server)")
        async with stdio_session(env) as s_session, http_session(env, base) as h_session:
            steps: list[tuple[Series, Callable[[], Awaitable[dict[str, float]]]]] = [
                (run, lambda: time_run(env)),
                (stdio, lambda: time_call(s_session)),
                (http, lambda: time_call(h_session)),
                (cold, lambda: time_cold(env)),
            ]
            for _, step in steps:
                await step()  # untimed: caches and connections warm
            for _ in range(runs):
                for series, step in steps:
                    series.add(**await step())
        report([run, stdio, http, cold], runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="timed runs of each way in")
    args = parser.parse_args()
    asyncio.run(measure(args.runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
