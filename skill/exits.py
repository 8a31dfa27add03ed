"""The exit codes of every command (the contract in docs/contracts.md), defined once.

Below the command line on purpose: the conversation, the reason table and the front doors all
speak of exit codes, and none of them may import the command line to learn them.
"""

from __future__ import annotations

#: The picture was made (or delivered again).
EXIT_OK = 0
#: The generation failed and the person was told why.
EXIT_FAILED = 1
#: Bad usage or bad input (a clear one-line reason); nothing was charged.
EXIT_USAGE = 2
#: Interrupted (SIGINT or SIGTERM); a task already started can still be fetched.
EXIT_INTERRUPTED = 130

EXIT_CODES: tuple[int, ...] = (EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED)
