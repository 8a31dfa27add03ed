"""``--help`` says what each action and option is for: a newcomer should not need the source."""

from __future__ import annotations

import re

import pytest

from skill.cli import build_parser

#: An entry starts at most this far in (options at 2, subcommands at 4); deeper lines carry on
#: the entry above them (argparse wraps long descriptions onto them).
ENTRY_INDENT = 4


def help_of(*words: str, capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as info:
        build_parser().parse_args([*words, "--help"])
    assert info.value.code == 0
    return capsys.readouterr().out


def described(help_text: str) -> dict[str, str]:
    """Each listed action, option or argument (by its first spelling), and its description."""
    entries: dict[str, str] = {}
    current: str | None = None
    for line in help_text.splitlines():
        indent = len(line) - len(line.lstrip(" "))
        if not line.strip() or indent == 0:
            current = None  # a heading, the usage or a blank line
        elif indent <= ENTRY_INDENT:
            # "  --port PORT    the port to..." (or the description on the next lines)
            listed, *description = re.split(r"\s{2,}", line.strip(), maxsplit=1)
            current = listed.split()[0].rstrip(",")
            entries[current] = " ".join(description)
        elif current is not None:
            entries[current] = f"{entries[current]} {line.strip()}".strip()
    return entries


def assert_described(help_text: str, names: list[str]) -> None:
    entries = described(help_text)
    for name in names:
        assert name in entries, f"{name} is not listed:\n{help_text}"
        assert len(entries[name].split()) >= 3, f"{name} has no description:\n{help_text}"


def test_prefs_lists_its_actions_with_what_each_does(capsys: pytest.CaptureFixture[str]) -> None:
    text = help_of("prefs", capsys=capsys)
    assert_described(text, ["show", "set", "clear"])


@pytest.mark.parametrize(
    ("action", "options"),
    [
        ("show", ["--user-id"]),
        ("set", ["--user-id", "--model-id", "--task-type"]),
        ("clear", ["--user-id"]),
    ],
)
def test_each_prefs_action_describes_itself_and_its_options(
    action: str, options: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    text = help_of("prefs", action, capsys=capsys)
    assert_described(text, options)
    usage_end = text.index("\n\n")
    description = text[usage_end:].strip().splitlines()[0]
    assert len(description.split()) >= 3  # the line under the usage says what it does


def test_demo_describes_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    text = help_of("demo", capsys=capsys)
    assert_described(text, ["text", "--text-env", "--lang", "--format", "--out-dir"])


def test_sim_describes_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    text = help_of("sim", capsys=capsys)
    assert_described(text, ["--host", "--port", "--speed"])
