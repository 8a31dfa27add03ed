"""The acknowledgement leaves before the heavy parts are loaded (issue 7).

``run`` gives its first reply from the parser and the renderer alone; the IMA client (httpx,
pydantic), asyncio and Babel load after it. These tests run the real command in a subprocess
through ``first_reply_probe.py``, which writes down ``sys.modules`` at the moment the first
reply is written (stdout) or sent (a chat channel), and fail if someone brings an eager import
back onto that path. They do not time anything (timings flake): ``bench/cold_start.py`` does.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from skill.sim import SimServer
from tests.channels.fake_platforms import FakeDiscord, FakeFeishu
from tests.conftest import SimEnv

PROBE = Path(__file__).with_name("first_reply_probe.py")

#: Not loaded when the first reply leaves, and why each matters.
NOT_BEFORE_ACK = {
    "httpx": "the HTTP client: needed for the first request, not the first reply",
    "pydantic": "the wire models: the costliest import of all",
    "skill.ima": "the IMA client: it comes with httpx and pydantic",
    "asyncio": "stdout's first reply is written before the event loop exists",
    "babel": "numbers and lists are formatted later; the acknowledgement has neither",
    "mcp": "the MCP SDK: only the mcp command needs it",
}
#: A chat channel sends from the event loop, over httpx: only these must still wait.
NOT_BEFORE_CHAT_ACK = ("pydantic", "skill.ima")


def probe(env: dict[str, str], where: str, *args: str, tmp: Path) -> tuple[Any, str, int]:
    """Run ``ima-nano-banana ARGS`` under the probe; (its record, stdout, exit code)."""
    record = tmp / f"first-{where}.json"
    proc = subprocess.run(
        [sys.executable, str(PROBE), str(record), where, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert record.exists(), proc.stderr[-2000:]
    return json.loads(record.read_text(encoding="utf-8")), proc.stdout, proc.returncode


#: The stand-in for httpx's command line that the skill puts in place of the real one
#: (skill/_lazy_httpx_cli.py): a name in sys.modules, no httpx code.
STAND_INS = {"httpx._main"}


def loaded(modules: list[str], names: Any) -> list[str]:
    real = [m for m in modules if m not in STAND_INS]
    return [name for name in names if name in real or any(m.startswith(f"{name}.") for m in real)]


@pytest.mark.parametrize("fmt", ["jsonl", "text"])
def test_stdout_ack_is_written_before_the_heavy_imports(
    fast_sim_server: SimServer, sim_env: SimEnv, tmp_path: Path, fmt: str
) -> None:
    env = sim_env(fast_sim_server)
    record, out, code = probe(env, "stdout", "run", "画一只猫", "--format", fmt, tmp=tmp_path)
    assert code == 0, out
    assert loaded(record["modules"], NOT_BEFORE_ACK) == []
    # The probe saw the acknowledgement, and the run went on to the picture as always.
    assert "猫" in record["first"]
    if fmt == "jsonl":
        assert json.loads(record["first"])["event"] == "ack"
        kinds = [json.loads(line)["event"] for line in out.splitlines()]
        assert kinds[0] == "ack"
        assert kinds.count("ack") == 1
        assert kinds[-2:] == ["success", "done"]
    else:
        assert out.startswith(record["first"])
        assert out.count(record["first"]) == 1
        assert "🖼️" in out


def test_a_message_that_only_remembers_a_model_still_acks_first(
    fast_sim_server: SimServer, sim_env: SimEnv, tmp_path: Path
) -> None:
    # The only first reply that writes a file (the preference): still nothing heavy before it.
    env = sim_env(fast_sim_server)
    record, out, code = probe(
        env, "stdout", "run", "以后都用 Pro", "--format", "jsonl", tmp=tmp_path
    )
    assert code == 0, out  # only a saved choice: confirmed, nothing else asked
    assert loaded(record["modules"], NOT_BEFORE_ACK) == []
    assert "Nano Banana Pro" in json.loads(record["first"])["text"]
    saved = json.loads((Path(env["HOME"]) / ".openclaw/memory/ima_prefs.json").read_text())
    assert saved["user_default"]["text_to_image"]["model_id"] == "gemini-3-pro-image"


def test_feishu_ack_is_sent_before_the_ima_client_loads(
    fast_sim_server: SimServer, sim_env: SimEnv, tmp_path: Path
) -> None:
    feishu = FakeFeishu()
    with feishu:
        env = sim_env(
            fast_sim_server,
            FEISHU_APP_ID=feishu.APP_ID,
            FEISHU_APP_SECRET=feishu.APP_SECRET,
            FEISHU_BASE_URL=feishu.url,
        )
        args = ("run", "画一只猫", "--channel", "feishu", "--chat-id", "oc_cold")
        record, _, code = probe(env, "feishu", *args, tmp=tmp_path)
    assert feishu.problems == []
    assert code == 0
    assert record["first"]["event"] == "ack"
    assert loaded(record["modules"], NOT_BEFORE_CHAT_ACK) == []


def test_discord_ack_is_sent_before_the_ima_client_loads(
    fast_sim_server: SimServer, sim_env: SimEnv, tmp_path: Path
) -> None:
    discord = FakeDiscord()
    with discord:
        args = ("run", "draw a cat", "--channel", "discord", "--webhook-url", discord.webhook_url)
        record, _, code = probe(sim_env(fast_sim_server), "discord", *args, tmp=tmp_path)
    assert discord.problems == []
    assert code == 0
    assert record["first"] == {
        "event": "ack",
        "text": "OK! Drawing a cute cat for you 🐱",
        "lang": "en",
    }
    assert loaded(record["modules"], NOT_BEFORE_CHAT_ACK) == []


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_right_after_the_early_ack_still_gets_its_last_message(
    fast_sim_server: SimServer, sim_env: SimEnv, signum: int
) -> None:
    # The ack now leaves while the rest is still loading, before the conversation's signal
    # handlers exist: a stop in that gap must still end with the interrupted message and done.
    command = [sys.executable, "-m", "skill", "run", "--format", "jsonl", "画一只猫"]
    with subprocess.Popen(
        command, env=sim_env(fast_sim_server), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as proc:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        proc.send_signal(signum)
        rest, err = proc.communicate(timeout=30)
    kinds = [json.loads(line)["event"] for line in (first + rest).decode().splitlines()]
    assert (proc.returncode, kinds) == (130, ["ack", "failure", "done"]), err.decode()[-2000:]
    assert fast_sim_server.sim.stats()["creates"] == 0


def test_a_follow_up_reads_the_chats_memory_before_the_heavy_imports(
    fast_sim_server: SimServer, sim_env: SimEnv, tmp_path: Path
) -> None:
    # "好的" needs the last job of the chat (and the claim) for its first reply: read as plain
    # JSON, so the reply still leaves before pydantic and the IMA client load.
    env = sim_env(fast_sim_server)
    fast_sim_server.sim.inject("resource_failed")
    ids = ("--chat-id", "oc_cold", "--user-id", "ou_cold")
    first = subprocess.run(
        [sys.executable, "-m", "skill", "run", "画一只猫", "--format", "jsonl", *ids],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert first.returncode == 1, first.stderr
    record, out, code = probe(env, "stdout", "run", "好的", "--format", "jsonl", *ids, tmp=tmp_path)
    assert code == 0, out
    assert loaded(record["modules"], NOT_BEFORE_ACK) == []
    assert json.loads(record["first"])["text"] == "好的,换 Nano Banana Pro 再试一次 🎨"
    assert fast_sim_server.sim.stats()["creates"] == 2


def test_an_acknowledgement_seen_before_needs_no_template_engine(
    fast_sim_server: SimServer, sim_env: SimEnv, tmp_path: Path
) -> None:
    env = sim_env(fast_sim_server)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # the memo is written like bytecode is
    first, _, code = probe(env, "stdout", "run", "画一只猫", "--format", "jsonl", tmp=tmp_path)
    assert code == 0
    assert loaded(first["modules"], ["jinja2"]) == ["jinja2"]  # new: rendered from its template
    again, _, code = probe(env, "stdout", "run", "画一只猫", "--format", "jsonl", tmp=tmp_path)
    assert code == 0
    # Nor anything else the words once rendered need: the other message records (two dozen
    # dataclasses, 18 ms), OpenSSL's hashes (the claim's file name needs only SHA-256).
    assert loaded(again["modules"], ["jinja2", "babel", "skill.render.messages", "hashlib"]) == []
    assert again["first"] == first["first"]  # the same words, read back
