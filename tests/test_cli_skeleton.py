import subprocess
import sys

import pytest

from skill.cli import build_parser


@pytest.mark.parametrize(
    "command",
    ["run", "parse", "create", "models", "prefs", "demo", "sim", "resume", "tool-schema", "mcp"],
)
def test_every_command_has_help(command: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "skill", command, "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "usage:" in result.stdout


def test_unknown_command_is_usage_error() -> None:
    with pytest.raises(SystemExit) as info:
        build_parser().parse_args(["paint"])
    assert info.value.code == 2
