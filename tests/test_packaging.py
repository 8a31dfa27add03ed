"""The wheel carries what an installed skill needs: templates, catalogs, the simulator's lists."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_ships_templates_catalogs_and_data(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("ima_nano_banana-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"skill/templates/{p.name}" for p in (ROOT / "templates").glob("*.j2")}
    expected |= {
        f"skill/locales/{p.relative_to(ROOT / 'locales')}"
        for p in (ROOT / "locales").rglob("messages.mo")
    }
    expected |= {"skill/py.typed", "skill/sim/data/product_list.text_to_image.json"}
    assert len(expected) > 10
    assert expected <= names, sorted(expected - names)
    entry_points = zipfile.ZipFile(wheel).read(
        next(n for n in names if n.endswith("entry_points.txt"))
    )
    assert b"ima-nano-banana = skill.cli:main" in entry_points
