"""Benchmark polling: how late a finished task is seen, and how many polls that costs.

    .venv/bin/python bench/polling.py [--tasks 10000] [--seed 7] [--step 0.1] [--loopback-runs 200]

Pure arithmetic on the schedules (``skill.ima.polling``): they are functions of the task's age,
and a task finishing at age ``t`` is seen by the first poll at or after ``t``. Delay = that
poll's age minus ``t``; polls = the polls up to and including it. For each model, over:

* **the sweep**: finish times from 5 s to twice the expected maximum (Nano Banana 2 5-80 s,
  Pro 5-240 s), one in the middle of every ``--step`` seconds (5.05, 5.15, ...); its worst
  delay is exact, the widest gap across the range (a finish just after a poll waits the whole
  gap), not the sampled maximum;
* **the card's window**: ``--tasks`` finish times drawn uniformly from the skill card's
  expected range (Nano Banana 2 20-40 s, Pro 60-120 s), as this benchmark did before.

The schedules: ours (``schedule_for``: every 3 s from 5 s), the vendor's fixed 5 s, fixed 3 s
(the fixed schedule with our worst case) and the fewest polls any schedule keeping the 3 s
promise can make (every poll as late as the promise allows: 8 s, then every 3 s).

The arithmetic leaves out what a poll costs on the wire. That is measured separately over
real loopback HTTP (``ImaClient.detail`` against a ``SimServer`` on 127.0.0.1, real clock): the
poll that sees a finished task, sent to answered. Its median is added to the mean delays.
Until this version the benchmark ran whole conversations through ``skill.flow`` on a simulated
clock; that reproduced the same arithmetic more slowly and tied the benchmark to the flow's
interface, which is being rewritten.

Targets, over the sweep: worst delay 3 s or less, mean 2 s or less (with the loopback cost).
Over the card's window: no more polls per task than fixed 3 s. "No more than fixed 5 s" is
printed beside it but cannot hold together with the 3 s worst case (the fewest possible is
printed too); ``skill/ima/polling.py`` explains the arithmetic.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from skill import catalog  # noqa: E402 -- after the path is set
from skill.ima import ExpectedWindow, FixedEvery, ImaClient, PollSchedule, schedule_for  # noqa: E402
from skill.settings import Endpoints  # noqa: E402
from skill.sim import SimServer, Simulator  # noqa: E402

KEY = "ima_bench_polling_key"
#: The promise's range starts here and ends at twice the expected maximum.
SWEEP_FROM_S = 5.0
SWEEP_SPAN = catalog.POLL_STEADY_SPAN
TARGET_WORST_S = catalog.POLL_GAP_S
TARGET_MEAN_S = 2.0
VENDOR_EVERY_S = catalog.NANO_BANANA_2.poll_interval_s  # the vendor's 5 s
#: The case that was reported: a Nano Banana 2 task finishing at 12 s, before the card's window.
REPORTED_FINISH_S = 12.0
#: Float noise in the ages, far below anything measured here.
NOISE_S = 1e-9


def poll_ages(schedule: PollSchedule, until: float) -> list[float]:
    """Every poll age up to the first one at or after ``until``."""
    out = [schedule.first()]
    while out[-1] < until:
        out.append(schedule.after(out[-1]))
    return out


@dataclass(frozen=True)
class Figures:
    mean_delay_s: float
    worst_delay_s: float
    polls: float


def measure(schedule: PollSchedule, finishes: list[float], worst: float | None) -> Figures:
    """Mean delay and polls per task over ``finishes``; the worst delay given, or sampled."""
    delays: list[float] = []
    polls: list[int] = []
    for t in finishes:
        ages = poll_ages(schedule, t)
        delays.append(ages[-1] - t)
        polls.append(len(ages))
    return Figures(
        statistics.fmean(delays), max(delays) if worst is None else worst, statistics.fmean(polls)
    )


def widest_gap(schedule: PollSchedule, low: float, high: float) -> float:
    """The latest any finish in ``[low, high]`` is seen (exact, not sampled)."""
    ages = poll_ages(schedule, high)
    worst = next(a for a in ages if a >= low) - low
    for a, b in itertools.pairwise(ages):
        if b > low and a < high:
            worst = max(worst, b - max(a, low))
    return worst


def schedules(info: catalog.ModelInfo) -> list[tuple[str, PollSchedule]]:
    gap = catalog.POLL_GAP_S
    return [
        (f"ours (every {gap:g} s from {catalog.POLL_FIRST_S:g} s)", schedule_for(info)),
        (f"fixed every {VENDOR_EVERY_S:g} s (the vendor's)", FixedEvery(VENDOR_EVERY_S)),
        (f"fixed every {gap:g} s (our worst case)", FixedEvery(gap)),
        (
            f"fewest with a {gap:g} s worst case",
            ExpectedWindow(info.estimated_max_s, first_s=SWEEP_FROM_S + gap),
        ),
    ]


async def loopback_cost(runs: int) -> list[float]:
    """Real seconds from sending the poll that finds a task done to its answer, over loopback
    HTTP (tasks that finish at once; one poll each)."""
    sim = Simulator(seed=2)
    model_id = catalog.NANO_BANANA_2.model_id
    sim.set_duration(model_id, 0.0)
    samples: list[float] = []
    with SimServer(sim) as server:
        async with ImaClient(KEY, endpoints=Endpoints(server.url, server.url)) as client:
            plan = await client.plan("text_to_image", model_id)
            for _ in range(runs):
                task_id = await client.create(plan, "a cat")
                sent = time.perf_counter()
                snap = await client.detail(task_id)
                samples.append(time.perf_counter() - sent)
                if snap.state != "done":
                    raise RuntimeError(f"the task was not done at once: {snap.state}")
    return samples


def row(label: str, sweep: Figures, window: Figures) -> str:
    def cells(f: Figures) -> str:
        return f"{f.mean_delay_s:5.2f} s {f.worst_delay_s:5.2f} s {f.polls:6.2f}"

    return f"  {label:<36} {cells(sweep)}    {cells(window)}"


def model_report(
    info: catalog.ModelInfo, tasks: int, rng: random.Random, step: float, extra: float
) -> bool:
    """Print one model's table and verdicts; whether the held targets are met."""
    low, high = (float(x) for x in info.eta_s)
    end = SWEEP_SPAN * info.estimated_max_s
    # The middle of each step: no sample lands on a poll's instant (delay 0), which would
    # flatter the mean (a 3 s gap sampled at its tenths averages 1.45 s, not 1.5 s).
    count = round((end - SWEEP_FROM_S) / step)
    sweep = [SWEEP_FROM_S + (i + 0.5) * step for i in range(count)]
    drawn = [rng.uniform(low, high) for _ in range(tasks)]
    print(
        f"\n{info.display_name}: sweep {SWEEP_FROM_S:g}-{end:g} s every {step:g} s "
        f"({len(sweep)} finish times); window {low:g}-{high:g} s ({tasks} drawn uniformly)"
    )
    sweep_head = f"sweep {SWEEP_FROM_S:g}-{end:g} s"
    window_head = f"window {low:g}-{high:g} s"
    print(f"  {'':<36} {sweep_head:<26}    {window_head}")
    print(f"  {'schedule':<36} {'mean':>7} {'worst':>7} {'polls':>6}    ", end="")
    print(f"{'mean':>7} {'worst':>7} {'polls':>6}")
    figures: dict[str, tuple[Figures, Figures]] = {}
    for label, schedule in schedules(info):
        worst = widest_gap(schedule, SWEEP_FROM_S, end)
        over_sweep = measure(schedule, sweep, worst)
        over_window = measure(schedule, drawn, None)
        figures[label] = (over_sweep, over_window)
        print(row(label, over_sweep, over_window))
    (ours_sweep, ours_window), (_, vendor_window), (_, same_window), (_, least_window) = (
        figures.values()
    )
    mean = ours_sweep.mean_delay_s + extra
    checks: list[tuple[str, bool]] = [
        (
            f"worst delay over the sweep {ours_sweep.worst_delay_s:.2f} s <= {TARGET_WORST_S:g} s",
            ours_sweep.worst_delay_s <= TARGET_WORST_S + NOISE_S,
        ),
        (
            f"mean delay over the sweep with the loopback cost {mean:.3f} s <= {TARGET_MEAN_S:g} s",
            mean <= TARGET_MEAN_S,
        ),
        (
            f"polls over the window {ours_window.polls:.2f} <= fixed every "
            f"{catalog.POLL_GAP_S:g} s's {same_window.polls:.2f}",
            ours_window.polls <= same_window.polls,
        ),
    ]
    for text, ok in checks:
        print(f"  {'ok  ' if ok else 'MISS'} {text}")
    ours_late, vendor_late = (
        poll_ages(schedule, REPORTED_FINISH_S)[-1] - REPORTED_FINISH_S
        for _, schedule in schedules(info)[:2]
    )
    print(
        f"  a finish at {REPORTED_FINISH_S:g} s (the reported case) is seen {ours_late:.2f} s late "
        f"(fixed every {VENDOR_EVERY_S:g} s: {vendor_late:.2f} s)"
    )
    more = ours_window.polls - vendor_window.polls
    print(
        f"  note polls over the window vs fixed every {VENDOR_EVERY_S:g} s: "
        f"{ours_window.polls:.2f} vs {vendor_window.polls:.2f} ({more:+.2f}); the fewest any "
        f"schedule with a {catalog.POLL_GAP_S:g} s worst case can make is "
        f"{least_window.polls:.2f}, so that comparison cannot be won"
    )
    return all(ok for _, ok in checks)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000, help="window draws per model")
    parser.add_argument("--seed", type=int, default=7, help="seed for the window draws")
    parser.add_argument("--step", type=float, default=0.1, help="the sweep's step (seconds)")
    parser.add_argument("--loopback-runs", type=int, default=200)
    args = parser.parse_args()

    costs = sorted(asyncio.run(loopback_cost(args.loopback_runs)))
    extra = statistics.median(costs)
    print(
        f"loopback: the poll that sees a task done, sent to answered: median "
        f"{extra * 1000:.1f} ms, p95 {costs[int(0.95 * len(costs))] * 1000:.1f} ms over "
        f"{len(costs)} runs (the median is added to the mean delays' verdicts)"
    )
    print("delays in seconds; polls per task. Worst over the sweep: exact (the widest gap);")
    print("over the window: the largest drawn.")
    rng = random.Random(args.seed)
    verdicts = [
        model_report(info, args.tasks, rng, args.step, extra) for info in catalog.MODELS.values()
    ]
    return 0 if all(verdicts) else 1


if __name__ == "__main__":
    raise SystemExit(main())
