"""Benchmark the intent parser: median parse time per message, and parse-command cold start.

    .venv/bin/python bench/parse.py [--runs N] [--rounds N]

Targets (issue 3): under 50 µs a message over the corpus; under 150 ms cold start. This
prints figures only; it is not a test (timings depend on the machine).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = [ROOT / "tests" / "intent" / f"corpus_{lang}.jsonl" for lang in ("zh", "en")]
PARSE_TARGET_US = 50.0
COLD_TARGET_MS = 150.0


def load_messages() -> list[tuple[str, list[str]]]:
    messages = []
    for path in CORPUS:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                case = json.loads(line)
                messages.append((case["text"], case.get("flags", [])))
    return messages


def bench_parse(rounds: int) -> tuple[float, float, int]:
    sys.path.insert(0, str(ROOT))
    from skill.intent import parse

    messages = load_messages()
    per_message: list[float] = []
    for text, images in messages:
        parse(text, images)  # warm: first use of each pattern path
        samples = []
        for _ in range(rounds):
            start = time.perf_counter_ns()
            parse(text, images)
            samples.append(time.perf_counter_ns() - start)
        per_message.append(statistics.median(samples) / 1000)
    return statistics.median(per_message), max(per_message), len(messages)


def cold_start(command: list[str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="cold starts to time (median)")
    parser.add_argument("--rounds", type=int, default=200, help="parses per corpus message")
    args = parser.parse_args()

    median_us, worst_us, count = bench_parse(args.rounds)
    verdict = "ok" if median_us < PARSE_TARGET_US else "OVER TARGET"
    print(
        f"parse: median {median_us:.1f} µs/message over {count} corpus messages "
        f"(slowest message {worst_us:.1f} µs; target < {PARSE_TARGET_US:.0f} µs) {verdict}"
    )

    message = "用 Pro 画一只戴墨镜的柴犬,16:9,4K"
    commands = {
        "python -m skill parse --json": [sys.executable, "-m", "skill", "parse", "--json", message],
        "python -c pass (interpreter floor)": [sys.executable, "-c", "pass"],
    }
    script = shutil.which("ima-nano-banana") or str(Path(sys.executable).parent / "ima-nano-banana")
    if Path(script).exists():
        commands["ima-nano-banana parse --json"] = [script, "parse", "--json", message]
    for label, command in commands.items():
        ms = cold_start(command, args.runs)
        verdict = "" if "floor" in label else ("ok" if ms < COLD_TARGET_MS else "OVER TARGET")
        print(
            f"cold start: {label}: median {ms:.0f} ms over {args.runs} runs "
            f"(target < {COLD_TARGET_MS:.0f} ms) {verdict}".rstrip()
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
