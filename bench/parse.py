"""Benchmark the intent parser: median parse time per message over the test corpus.

    .venv/bin/python bench/parse.py [--rounds N]

Target (issue 3): under 50 µs a message. The ``parse`` command's cold start is measured by
``bench/cold_start.py``. This prints figures only; it is not a test (timings depend on the
machine).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = [ROOT / "tests" / "intent" / f"corpus_{lang}.jsonl" for lang in ("zh", "en")]
#: How people answer a picture ("好的", "第二个", "再来一张"): timed on its own line.
FOLLOWUP_CORPUS = [ROOT / "tests" / "intent" / "corpus_followup.jsonl"]
PARSE_TARGET_US = 50.0


def load_messages(corpus: list[Path] = CORPUS) -> list[tuple[str, list[str]]]:
    messages = []
    for path in corpus:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                case = json.loads(line)
                messages.append((case["text"], case.get("flags", [])))
    return messages


def bench_parse(rounds: int, corpus: list[Path] = CORPUS) -> tuple[float, float, int]:
    sys.path.insert(0, str(ROOT))
    from skill.intent import parse

    messages = load_messages(corpus)
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200, help="parses per corpus message")
    args = parser.parse_args()

    median_us, worst_us, count = bench_parse(args.rounds)
    verdict = "ok" if median_us < PARSE_TARGET_US else "OVER TARGET"
    print(
        f"parse: median {median_us:.1f} µs/message over {count} corpus messages "
        f"(slowest message {worst_us:.1f} µs; target < {PARSE_TARGET_US:.0f} µs) {verdict}"
    )
    median_us, worst_us, count = bench_parse(args.rounds, FOLLOWUP_CORPUS)
    print(
        f"parse, follow-ups: median {median_us:.1f} µs/message over {count} follow-up phrasings "
        f"(slowest {worst_us:.1f} µs)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
