"""``main`` builds only the named command's arguments (issue 7: a few milliseconds of every
start); what any command line means, and what it prints, stays what the full parser says."""

from __future__ import annotations

import contextlib
import io

import pytest

from skill.cli import _COMMANDS, build_parser

LINES = [
    ["run", "画一只猫", "--format", "jsonl", "--timeout", "30"],
    ["run", "--text-env", "MSG", "--image", "a.png", "--image", "b.png"],
    ["run", "--format", "xml", "x"],
    ["run", "--bogus"],
    ["run", "--help"],
    ["parse", "--json", "a cat"],
    ["create", "--task-type", "text_to_image", "--prompt", "p", "--output-json"],
    ["create", "--task-type", "bad"],
    ["models", "--json"],
    ["prefs", "set", "--user-id", "u", "--model-id", "m"],
    ["prefs"],
    ["demo", "x", "--lang", "zh"],
    ["sim", "--port", "not-a-port"],
    ["resume", "t1", "--format", "jsonl"],
    ["tool-schema", "--format", "openai"],
]


def outcome(command: str | None, argv: list[str]) -> tuple[object, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            result: object = sorted(vars(build_parser(command).parse_args(argv)).items())
        except SystemExit as exc:
            result = ("exit", exc.code)
    return result, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("argv", LINES, ids=" ".join)
def test_one_command_parses_and_speaks_like_the_whole_parser(argv: list[str]) -> None:
    assert argv[0] in _COMMANDS
    assert outcome(argv[0], argv) == outcome(None, argv)


def test_the_full_parser_lists_every_command() -> None:
    help_text = outcome(None, ["--help"])[1]
    for name in _COMMANDS:
        assert f"    {name}" in help_text
