"""OpenClaw's own MCP client accepts the server: ``openclaw mcp add`` (which probes before it
saves) as the README writes it, then ``openclaw mcp doctor <name> --probe``.

Node 24 and OpenClaw come from the registries into ``.cache/`` exactly as for the loader test
(tests/skill_md/test_openclaw_loader.py), so this test pays only for the two commands (about
half a minute, most of it OpenClaw starting). Skipped only when ``npm`` itself is absent.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from skill.sim import SimServer
from tests.conftest import SIM_TEST_KEY
from tests.skill_md.test_openclaw_loader import _node, _openclaw

pytestmark = pytest.mark.slow

NAME = "nano-banana"
TOOLS = "generate_image,list_models,understand_request,get_last_image"
#: OpenClaw waits 60 s for a tool call by default; a Nano Banana Pro picture can take 120 s.
TIMEOUT_S = "300"


def openclaw(home: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed: cannot install OpenClaw")
    node, entry = _node(), _openclaw(npm)
    return subprocess.run(
        [str(node), str(entry), *args],
        env={**env, "HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_openclaw_adds_the_server_and_its_doctor_probe_passes(
    fast_sim_server: SimServer, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    scripts = Path(sys.executable).parent
    assert (scripts / "ima-nano-banana").exists()
    env = {
        "PATH": os.pathsep.join([str(scripts), "/usr/local/bin", "/usr/bin", "/bin"]),
        "NO_COLOR": "1",
        "LANG": "C.UTF-8",
        # The config refers to the key by name (${IMA_API_KEY}); OpenClaw fills it in.
        "IMA_API_KEY": SIM_TEST_KEY,
    }
    added = openclaw(
        home,
        env,
        "mcp",
        "add",
        NAME,
        "--command",
        "ima-nano-banana",
        "--arg",
        "mcp",
        "--env",
        "IMA_API_KEY=${IMA_API_KEY}",
        "--env",
        f"IMA_BASE_URL={fast_sim_server.url}",
        "--env",
        f"IMA_IM_BASE_URL={fast_sim_server.url}",
        "--timeout",
        TIMEOUT_S,
        "--include",
        TOOLS,
    )
    assert added.returncode == 0, added.stdout + added.stderr
    config = json.loads((home / ".openclaw" / "openclaw.json").read_text("utf-8"))
    server = config["mcp"]["servers"][NAME]
    assert server["command"] == "ima-nano-banana"
    assert server["env"]["IMA_API_KEY"] == "${IMA_API_KEY}"  # the key itself is not written

    doctor = openclaw(home, env, "mcp", "doctor", NAME, "--probe", "--json")
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    report = json.loads(doctor.stdout[doctor.stdout.index("{") :])
    assert report["ok"] is True, report
    (checked,) = report["servers"]
    assert checked["name"] == NAME
    assert checked["ok"] is True
    assert not [i for i in checked["issues"] if i["level"] == "error"]
    for output in (added, doctor):
        assert SIM_TEST_KEY not in output.stdout + output.stderr
