"""Where one whole ``run``'s memory goes: the resident set each import on its path adds.

    PYTHONDONTWRITEBYTECODE= .venv/bin/python bench/memory_by_import.py [--message TEXT]

Runs ``ima-nano-banana run MESSAGE --format jsonl`` once, to its end, against a simulator
served by this process on loopback (as bench/cold_start.py does), in a child whose imports are
watched: each module imported for the first time is charged the growth of the child's RSS
(``/proc/self/status``) while it loads, its own imports included. The table groups that by
package and names who first asked for it; the last lines give the RSS at start, at the end of
the imports, and at the peak. For information beside bench/cold_start.py's peak (issue 12's
memory target): it says what a smaller peak would have to leave out.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.cold_start import SIM_SPEED, child_env  # noqa: E402 -- after the path is set
from skill.sim import SimServer, Simulator  # noqa: E402

MESSAGE = "用 Pro 画一只戴墨镜的柴犬,16:9,4K"
#: Packages whose share is below this are summed into one line.
SHOWN_KB = 300

#: Runs in the child: charges each first import the RSS it adds, then runs the command.
CHILD = r"""
import builtins, json, os, sys

def _status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1])
    return 0

# Each frame: [package, RSS before, RSS its own imports added]. A module is charged what it
# added itself, its imports charged to theirs, so nothing is counted twice.
_charged, _first_by, _stack, _real = {}, {}, [["(the command)", 0, 0]], builtins.__import__
# What each library the skill itself imports costs with everything it brings along.
_whole = {}

def _watch(name, globals=None, locals=None, fromlist=(), level=0):
    if level or name in sys.modules:
        return _real(name, globals, locals, fromlist, level)
    package, parent = name.split(".")[0], _stack[-1]
    _first_by.setdefault(package, parent[0])
    frame = [package, _status("VmRSS"), 0]
    _stack.append(frame)
    try:
        return _real(name, globals, locals, fromlist, level)
    finally:
        _stack.pop()
        added = _status("VmRSS") - frame[1]
        _charged[package] = _charged.get(package, 0) + added - frame[2]
        parent[2] += added
        if parent[0] in ("skill", "(the command)") and package != "skill":
            _whole[package] = _whole.get(package, 0) + added

_start = _status("VmRSS")
builtins.__import__ = _watch
sys.argv = ["ima-nano-banana", *sys.argv[1:]]
try:
    from skill.cli import main
    code = main()
finally:
    sys.stdout.flush()
    report = {"start": _start, "end": _status("VmRSS"), "peak": _status("VmHWM"),
              "charged": {k: [v, _first_by[k]] for k, v in _charged.items()}, "whole": _whole}
    os.write(2, ("\n@@" + json.dumps(report) + "\n").encode())
sys.exit(code)
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--message", default=MESSAGE, help="the chat message to run")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="ima-bench-mem-") as scratch,
        SimServer(Simulator(speed=SIM_SPEED, seed=7)) as server,
    ):
        base = Path(scratch)
        home = base / "home"
        home.mkdir()
        env = child_env(server, home, base / "tmp", base / "pyc")  # as installed: bytecode kept
        command = [sys.executable, "-c", CHILD, "run", args.message, "--format", "jsonl"]
        subprocess.run(command, env=env, capture_output=True, check=False)  # fills the caches
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0 or "@@" not in done.stderr:
        print(f"the run failed ({done.returncode}): {done.stderr[-500:]}", file=sys.stderr)
        return 1
    figures = json.loads(done.stderr.rsplit("@@", 1)[1])
    charged = {name: (int(kb), str(by)) for name, (kb, by) in figures["charged"].items()}
    print(f"one whole run of {args.message!r}: the RSS each package adds while it is imported")
    print(f"{'package':28} {'MB':>6}  first imported by")
    small = 0
    for name, (kb, by) in sorted(charged.items(), key=lambda item: -item[1][0]):
        if kb < SHOWN_KB:
            small += kb
            continue
        print(f"{name:28} {kb / 1024:6.1f}  {by}")
    print(f"{'(the others, each < 0.3 MB)':28} {small / 1024:6.1f}")
    print("\nwhat each package the skill imports brings along (itself and all it imports first):")
    for name, kb in sorted(figures["whole"].items(), key=lambda item: -item[1]):
        if kb >= SHOWN_KB:
            print(f"{name:28} {kb / 1024:6.1f}")
    start, end, peak = (figures[k] / 1024 for k in ("start", "end", "peak"))
    imports = sum(kb for kb, _ in charged.values()) / 1024
    print(
        f"\nRSS at start {start:.1f} MB; imports add {imports:.1f} MB; at the end {end:.1f} MB; "
        f"peak {peak:.1f} MB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
