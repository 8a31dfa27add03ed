"""``python -m skill`` is the same as the ``ima-nano-banana`` command."""

from skill.cli import main

raise SystemExit(main())
