"""Run the benchmarks one after another and print their figures.

    .venv/bin/python bench/run.py            # every benchmark, in the order below
    .venv/bin/python bench/run.py polling    # only the named ones

Each benchmark is a script beside this one that prints its own figures against its target
(see ``bench/RESULTS.md`` for the recorded ones and the machine they ran on). They are not
tests: timings depend on the machine, so they print numbers instead of asserting them.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: In the order they run: the cheap ones first.
BENCHMARKS: tuple[str, ...] = ("parse", "cold_start", "polling", "mcp", "load", "bot")
#: What a benchmark needs from the system beyond the package (it is passed over without it).
NEEDS: dict[str, str] = {"bot": "redis-server"}


def machine() -> str:
    """One line naming the machine the figures come from."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (
        f"{platform.system()} {platform.machine()}, {cpus} CPUs, "
        f"Python {platform.python_version()} ({platform.python_implementation()})"
    )


def main(argv: list[str]) -> int:
    wanted = argv or list(BENCHMARKS)
    unknown = [name for name in wanted if name not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
        return 2
    print(f"# machine: {machine()}")
    failed = 0
    for name in wanted:
        print(f"\n## {name}", flush=True)
        needed = NEEDS.get(name)
        if needed is not None and shutil.which(needed) is None:
            print(f"(passed over: it needs {needed}, which is not installed)", flush=True)
            continue
        started = time.perf_counter()
        code = subprocess.call([sys.executable, str(HERE / f"{name}.py")])
        print(f"({name} took {time.perf_counter() - started:.1f} s, exit {code})", flush=True)
        failed += code != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
