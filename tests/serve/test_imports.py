"""What each part costs to import: the bot and the store factory load no web server and no
Redis client unless they are used (a long-connection bot needs no HTTP server; a file store
needs no redis)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import sys
import skill.serve.bot, skill.session, skill.store
skill.store.open_store({"HOME": sys.argv[1]})
heavy = sorted(m for m in ("starlette", "uvicorn", "redis") if m in sys.modules)
print(",".join(heavy))
"""


def test_the_bot_and_a_file_store_import_no_server_and_no_redis(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        timeout=60,
    )
    assert done.stdout.strip() == ""
