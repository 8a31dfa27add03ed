"""Run a command with stdin and stdout passed through, keeping a copy of every byte it writes
to stdout: the raw bytes an MCP client reads from a stdio server.

    python tee_stdout.py COPY_PATH COMMAND [ARG...]

stderr is the command's own (inherited). The exit code is the command's.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading

CHUNK = 65536


def main() -> int:
    copy_path, *command = sys.argv[1:]
    child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
    assert child.stdin is not None
    assert child.stdout is not None
    child_in, child_out = child.stdin, child.stdout

    def feed() -> None:
        try:
            while chunk := os.read(0, CHUNK):
                child_in.write(chunk)
                child_in.flush()
        except (BrokenPipeError, OSError):
            pass
        finally:
            with contextlib.suppress(OSError):
                child_in.close()

    threading.Thread(target=feed, daemon=True).start()
    with open(copy_path, "wb") as copy:
        while chunk := os.read(child_out.fileno(), CHUNK):
            copy.write(chunk)
            copy.flush()
            try:
                view = memoryview(chunk)
                while view:
                    view = view[os.write(1, view) :]
            except OSError:
                break
    return child.wait()


if __name__ == "__main__":
    raise SystemExit(main())
