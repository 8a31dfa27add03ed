"""``ima-nano-banana sim``: serve the IMA simulator on a loopback port until Ctrl-C."""

from __future__ import annotations

import argparse
import sys
import threading

from skill.settings import (
    ENV_API_KEY,
    ENV_BASE_URL,
    ENV_IM_BASE_URL,
    ENV_TIME_SCALE,
    is_loopback_host,
)

#: The key the hint suggests: any ``ima_`` key of 8 characters or more is valid here.
DEMO_KEY = "ima_sim_demo_key"
EXIT_USAGE = 2


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
        threading.Event().wait()  # until KeyboardInterrupt; the with-block closes the socket
    return 0
