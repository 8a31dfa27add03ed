"""docs/contracts.md, the page other programs are written against, lists what the code does:
every failure reason a ``failure`` event can carry and every exit code the command returns."""

from __future__ import annotations

import re
from pathlib import Path

from skill import cli
from skill.events import REASONS

CONTRACTS = Path(__file__).resolve().parent.parent / "docs" / "contracts.md"


def section(heading: str) -> str:
    """The text under ``heading`` (a whole line, e.g. ``## Exit codes``), up to the next heading
    of the same or a higher level."""
    text = CONTRACTS.read_text(encoding="utf-8")
    level = heading.split(" ", 1)[0]
    start = text.index(f"\n{heading}\n") + len(heading) + 2
    following = re.compile(rf"^#{{1,{len(level)}}} ", re.MULTILINE)
    end = following.search(text, start)
    return text[start : end.start() if end else len(text)]


def first_cells(table_text: str) -> list[str]:
    """The first cell of each body row of the Markdown table(s) in ``table_text``."""
    cells = []
    for line in table_text.splitlines():
        if not line.startswith("|") or set(line) <= set("|-: "):
            continue
        cells.append(line.split("|")[1].strip().strip("`"))
    return cells[1:] if cells else cells  # the header row


def test_every_failure_reason_is_documented_and_no_other() -> None:
    listed = first_cells(section("### Failure reasons"))
    assert sorted(listed) == sorted(REASONS)
    assert len(listed) == len(set(listed))


def test_every_exit_code_is_documented_and_no_other() -> None:
    codes = {value for name, value in vars(cli).items() if name.startswith("EXIT_")}
    assert codes == {0, 1, 2, 130}  # the contract's codes, written out
    listed = [int(cell) for cell in first_cells(section("## Exit codes"))]
    assert sorted(listed) == sorted(codes)


def test_the_readme_points_at_the_contracts() -> None:
    readme = (CONTRACTS.parent.parent / "README.md").read_text(encoding="utf-8")
    assert "docs/contracts.md" in readme
    assert "shared design folder" not in readme
