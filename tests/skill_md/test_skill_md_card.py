"""SKILL.md: the frontmatter OpenClaw gates on, and a body an agent can follow safely.

The frontmatter is read with a tiny reader for the YAML subset the card uses (double-quoted
scalars and one JSON-shaped ``metadata`` block), so no YAML library is needed; the real OpenClaw
loader reads the same file in ``test_openclaw_loader.py``.
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest

from skill.cli import build_parser
from skill.events import REASONS
from skill.render import violations

ROOT = Path(__file__).resolve().parents[2]
CARD = ROOT / "SKILL.md"

#: Words a person must never read (DESIGN.md principles and the seed card's "never say" table).
NEVER_SAY = re.compile(
    r"\.py\b|ima_image_create|attribute_id|model_version|form_config|task_id|resource_status"
    r"|credit_rules|gemini-|\bscript\b|脚本|API 调用|\bHTTP\b|\b(?:400|401|403|404|429|500|502|503"
    r"|4008|6006|6010)\b|Traceback|IMA_API_KEY|--[a-z]",
    re.IGNORECASE,
)


def split_card(text: str) -> tuple[str, str]:
    """(frontmatter, body) of a card that starts with a ``---`` fenced block."""
    lines = text.split("\n")
    assert lines[0] == "---", "the card must start with a frontmatter fence"
    end = lines.index("---", 1)
    return "\n".join(lines[1:end]), "\n".join(lines[end + 1 :])


def read_frontmatter(block: str) -> dict[str, Any]:
    """Top-level ``key: value`` pairs; a key with an empty value owns the indented lines below it.

    Values are double-quoted (JSON string syntax, a YAML subset), plain words, or an indented
    JSON object (a YAML flow mapping, which is how OpenClaw documents ``metadata``).
    """
    out: dict[str, Any] = {}
    lines = block.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip():
            continue
        assert not line[0].isspace(), f"unexpected indentation: {line!r}"
        key, sep, value = line.partition(":")
        assert sep, f"not a key: value line: {line!r}"
        value = value.strip()
        if value:
            out[key] = json.loads(value) if value.startswith('"') else value
            continue
        nested: list[str] = []
        while i < len(lines) and (not lines[i].strip() or lines[i][0].isspace()):
            nested.append(lines[i])
            i += 1
        out[key] = json.loads("\n".join(nested))
    return out


@pytest.fixture(scope="module")
def card() -> tuple[dict[str, Any], str]:
    front, body = split_card(CARD.read_text(encoding="utf-8"))
    return read_frontmatter(front), body


def test_frontmatter_names_the_skill_and_says_when_to_use_it(
    card: tuple[dict[str, Any], str],
) -> None:
    front, _ = card
    assert front["name"] == "ima-nano-banana"
    description = front["description"]
    assert 100 < len(description) < 1024
    # The agent sees only the description until it opens the card: it must say when to use the
    # skill and that it runs through its command.
    assert "ima-nano-banana run" in description
    assert "Nano Banana" in description
    assert re.search(r"picture|image", description)
    assert not re.search(r"\.py\b|\bscript\b|gemini-", description, re.IGNORECASE)


def test_openclaw_metadata_gates_on_the_key_and_the_command(
    card: tuple[dict[str, Any], str],
) -> None:
    front, _ = card
    meta = front["metadata"]["openclaw"]
    assert meta["emoji"]
    assert meta["homepage"].startswith("https://")
    assert meta["primaryEnv"] == "IMA_API_KEY"
    assert meta["requires"]["env"] == ["IMA_API_KEY"]
    assert meta["requires"]["bins"] == ["ima-nano-banana"]
    # The required binary is the console script this package installs.
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^ima-nano-banana = "skill\.cli:main"$', pyproject, re.MULTILINE)


def test_install_entry_matches_the_loaders_schema(card: tuple[dict[str, Any], str]) -> None:
    front, _ = card
    (install,) = front["metadata"]["openclaw"]["install"]
    # OpenClaw's installer kinds; a uv spec without a safe package name is silently dropped.
    assert install["kind"] == "uv"
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._\-\[\]=<>!~+,]*", install["package"])
    assert install["package"] == "ima-nano-banana"
    assert install["bins"] == ["ima-nano-banana"]
    assert install["id"]
    assert install["label"]


def test_body_is_short_enough(card: tuple[dict[str, Any], str]) -> None:
    assert len(CARD.read_text(encoding="utf-8").splitlines()) < 500


def json_blocks(body: str) -> list[dict[str, Any]]:
    blocks = re.findall(r"```json\n(.*?)```", body, re.DOTALL)
    return [json.loads(block) for block in blocks]


def test_every_tool_call_example_is_valid_json(card: tuple[dict[str, Any], str]) -> None:
    _, body = card
    calls = json_blocks(body)
    tools = [call["tool"] for call in calls]
    assert tools.count("exec") == 1
    assert "process" in tools
    assert "message" in tools


def test_the_message_never_reaches_the_command_line(card: tuple[dict[str, Any], str]) -> None:
    _, body = card
    (exec_call,) = [c for c in json_blocks(body) if c["tool"] == "exec"]
    argv = shlex.split(exec_call["command"])
    assert argv[:2] == ["ima-nano-banana", "run"]
    assert argv[argv.index("--text-env") + 1] in exec_call["env"]
    assert argv[argv.index("--format") + 1] == "jsonl"
    # Every value on the command line is a constant or an environment reference, never chat text.
    assert all(not arg.startswith("<") for arg in argv)
    assert exec_call["yieldMs"] <= 2000
    # Background polling reads new lines as they come.
    (poll,) = [c for c in json_blocks(body) if c["tool"] == "process"]
    assert poll["action"] == "poll"


def test_relay_rules_cover_every_event(card: tuple[dict[str, Any], str]) -> None:
    _, body = card
    for event in ("ack", "start", "progress", "success", "failure", "summary", "done"):
        assert re.search(rf"^\| `{event}`", body, re.MULTILINE), event
    assert "NO_REPLY" in body
    (success_send,) = [c for c in json_blocks(body) if c.get("media")]
    assert success_send["action"] == "send"
    assert "caption" in success_send


def section(body: str, title: str) -> str:
    return body.split(f"\n## {title}", 1)[1].split("\n## ", 1)[0]


def test_every_message_goes_to_the_command_and_the_agent_composes_no_retry(
    card: tuple[dict[str, Any], str],
) -> None:
    _, body = card
    part = section(body, "3. Every message")
    # The follow-ups are the command's: the agent passes "好的" and friends as they are.
    for said in ("好的", "第二个", "再来一张", "上一张图呢", "算了"):
        assert said in part, said
    assert "Never rewrite it into a new request yourself" in part
    # No table of reasons telling the agent how to compose a retry, anywhere.
    assert not re.search(r"^\|", part, re.MULTILINE)
    assert [reason for reason in REASONS if f"`{reason}`" in body] == []
    assert "<original message>" not in body
    # What the agent still decides fits in a few lines.
    decisions = part.split("What is still yours to decide:", 1)[1]
    bullets = [line for line in decisions.splitlines() if line.startswith("- ")]
    assert 1 <= len(bullets) <= 3
    assert len([line for line in decisions.splitlines() if line.strip()]) <= 6


def test_the_chat_and_the_sender_go_through_the_environment(
    card: tuple[dict[str, Any], str],
) -> None:
    _, body = card
    (exec_call,) = [c for c in json_blocks(body) if c["tool"] == "exec"]
    argv = shlex.split(exec_call["command"])
    for flag, variable in (("--chat-id", "IMA_CHAT_ID"), ("--user-id", "IMA_USER_ID")):
        assert argv[argv.index(flag) + 1] == f"${variable}"
        assert variable in exec_call["env"]


def commands_in(body: str) -> list[list[str]]:
    """Every ``ima-nano-banana ...`` invocation in the card, as argv lists."""
    found: list[list[str]] = []
    for call in json_blocks(body):
        if call["tool"] == "exec":
            found.append(shlex.split(call["command"]))
    for span in re.findall(r"`(ima-nano-banana [^`]+)`", body):
        found.append(shlex.split(span))
    return found


def test_every_flag_the_card_uses_exists(card: tuple[dict[str, Any], str]) -> None:
    _, body = card
    invocations = commands_in(body)
    assert len(invocations) >= 5
    parser = build_parser()
    for argv in invocations:
        # Placeholders stand for values; the parser must accept the whole line.
        args = [re.sub(r"^<.*>$", "value", a).replace("$IMA_USER_ID", "u1") for a in argv[1:]]
        parser.parse_args(args)
    # Flags mentioned on their own in the prose belong to `run`.
    (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    run = commands.choices["run"]
    run_flags = {opt for action in run._actions for opt in action.option_strings}
    for flag in set(re.findall(r"`(--[a-z-]+)", body)):
        assert flag in run_flags, flag


def test_what_the_agent_may_repeat_has_no_never_say_word(
    card: tuple[dict[str, Any], str],
) -> None:
    _, body = card
    quoted = [line[2:] for line in body.splitlines() if line.startswith("> ")]
    assert len(quoted) >= 2
    leaks = [line for line in quoted if NEVER_SAY.search(line) or violations(line)]
    assert leaks == []
    # The guard itself must catch what it is meant to catch.
    assert NEVER_SAY.search("运行 ima_image_create.py 时出错 401")
    assert NEVER_SAY.search("set --text-env")
