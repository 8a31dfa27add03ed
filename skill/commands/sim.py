"""``ima-nano-banana sim``: serve the IMA simulator on a loopback port until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from skill.exits import EXIT_INTERRUPTED, EXIT_USAGE
from skill.settings import (
    ENV_API_KEY,
    ENV_BASE_URL,
    ENV_IM_BASE_URL,
    ENV_TIME_SCALE,
    is_loopback_host,
)

#: The key the hint suggests: any ``ima_`` key of 8 characters or more is valid here.
DEMO_KEY = "ima_sim_demo_key"

#: How often the waiting main thread wakes to notice a stop request (seconds).
STOP_CHECK_S = 0.2


def main(args: argparse.Namespace) -> int:
    """Serve until interrupted; refuse any host that is not a loopback address."""
    host: str = args.host
    if not is_loopback_host(host):
        print(
            f"sim: refusing to listen on {host!r}: the simulator serves loopback only "
            "(use 127.0.0.1, ::1 or localhost)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if args.speed <= 0:
        print("sim: --speed must be positive", file=sys.stderr)
        return EXIT_USAGE
    if not 0 <= args.port <= 65535:
        print("sim: --port must be between 0 and 65535", file=sys.stderr)
        return EXIT_USAGE

    from skill.sim import SimServer, Simulator  # only this command needs the simulator

    # Handlers first: whoever reads the hint lines below may signal at once.
    stop = _install_stop_handlers()
    try:
        server = SimServer(Simulator(speed=args.speed), host=host, port=args.port)
    except OSError as exc:
        print(f"sim: cannot listen on {host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    with server:
        url = server.url
        print(f"IMA simulator on {url} (speed x{args.speed:g}); Ctrl-C stops it.", flush=True)
        hint = f"export {ENV_BASE_URL}={url} {ENV_IM_BASE_URL}={url} {ENV_API_KEY}={DEMO_KEY}"
        if args.speed != 1:
            hint += f" {ENV_TIME_SCALE}={args.speed:g}"
        print(hint, flush=True)
        while not stop.wait(STOP_CHECK_S):
            pass
    return EXIT_INTERRUPTED


def _install_stop_handlers() -> threading.Event:
    """An event set by SIGINT or SIGTERM.

    Handlers are installed rather than relying on Python's default Ctrl-C handling: a
    process started in the background by a non-interactive shell inherits SIGINT *ignored*,
    and would then never stop. The with-block around the wait closes the socket.
    """
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, on_signal)
    return stop
