"""A canary key, by environment and by ``--api-key``, appears in none of stdout, stderr, log
files, preferences or the journal, across a success and every failure the simulator can
inject, while the simulator quotes the key back in every error message it sends.

Each case gets its own simulator and HOME so the cases run in parallel (the suite stays fast).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from skill.sim import FAULTS, SimServer, SimTransport, Simulator
from skill.sim.png import render_png
from tests.conftest import FAST_SIM_SPEED, SIM_SEED, SIM_TEST_KEY
from tests.hardening.helpers import SKILL, assert_absent, files_under

CANARY = "ima_CANARY_run_9d41b7e05c2f"
CAT = "画一只猫"
SLOW = ("--poll-interval", "2")


# --- the simulator really quotes the key ----------------------------------------------------
@pytest.fixture
def client(sim: Simulator) -> Iterator[httpx.Client]:
    sim.echo_key = True
    headers = {"Authorization": f"Bearer {CANARY}"}
    with httpx.Client(
        transport=SimTransport(sim), base_url="http://sim.test", headers=headers
    ) as c:
        yield c


def test_the_simulator_quotes_the_key_in_error_messages(
    sim: Simulator, client: httpx.Client
) -> None:
    sim.inject("unauthorized")
    answer = client.post("/open/v1/tasks/create", json={})
    assert answer.status_code == 401
    assert f"Bearer {CANARY}" in answer.json()["message"]
    sim.inject("bad_gateway")
    assert CANARY in client.post("/open/v1/tasks/create", json={}).text
    # A success is left alone.
    listed = client.get(
        "/open/v1/product/list",
        params={"app": "ima", "platform": "web", "category": "text_to_image"},
    )
    assert listed.json()["code"] == 0
    assert CANARY not in listed.text


def test_the_simulator_quotes_the_upload_form_key(sim: Simulator) -> None:
    sim.echo_key = True
    sim.inject("server_error", endpoint="upload_token")
    with httpx.Client(transport=SimTransport(sim), base_url="http://sim.test") as c:
        answer = c.post(
            "/api/rest/oss/getuploadtoken", data={"appUid": CANARY, "cmimToken": CANARY}
        )
    assert CANARY in answer.json()["message"]


def test_echo_key_is_off_by_default_and_set_through_the_control_api(
    sim: Simulator, sim_server: SimServer
) -> None:
    assert sim.echo_key is False
    with httpx.Client(base_url=sim_server.url) as c:
        assert c.post("/_sim/config", json={"echo_key": True}).status_code == 200
        assert sim.echo_key is True
        assert c.post("/_sim/config", json={"echo_key": "yes"}).status_code == 400
        c.post("/_sim/reset")
    assert sim.echo_key is False


# --- the full-run canary ----------------------------------------------------------------------
@dataclass
class Case:
    """Commands run in order against one fresh simulator (quoting the key) in one HOME."""

    name: str
    commands: list[list[str]]
    setup: Callable[[Simulator], None] = lambda sim: None
    by_flag: bool = False
    outputs: dict[str, bytes] = field(default_factory=dict)


def _inject(fault: str, endpoint: str | None = None) -> Callable[[Simulator], None]:
    return lambda sim: sim.inject(fault, endpoint=endpoint)


def _cases(image: Path) -> list[Case]:
    run = ["run", "--format", "jsonl"]
    create = ["create", "--task-type", "text_to_image", "--prompt", "a cat", "--output-json"]
    cases = [
        Case("success", [[*run, CAT]]),
        Case("create success", [create]),
        Case("image upload", [[*run, "把它变成蓝色", "--image", str(image)]]),
    ]
    for fault in FAULTS:
        if fault == "never_finishes":
            cases.append(
                Case(
                    fault,
                    [[*run, "--timeout", "20", CAT], ["resume", "--timeout", "10"]],
                    _inject(fault),
                )
            )
        else:
            cases.append(Case(fault, [[*run, CAT, *SLOW]], _inject(fault)))
    for endpoint in ("product_list", "detail"):
        cases.append(
            Case(f"unauthorized on {endpoint}", [[*run, CAT]], _inject("unauthorized", endpoint))
        )
    cases.append(
        Case(
            "unauthorized on upload_token",
            [[*run, "把它变成蓝色", "--image", str(image)]],
            _inject("unauthorized", "upload_token"),
        )
    )
    cases.append(Case("create unauthorized", [create], _inject("unauthorized")))
    # The key by flag, over the paths where it travels differently: header, form, echo.
    flagged = {
        "success",
        "create unauthorized",
        "unauthorized on upload_token",
        "server_error",
        "never_finishes",
    }
    for case in list(cases):
        if case.name in flagged:
            cases.append(
                Case(
                    case.name + " (flag)",
                    [[*cmd, "--api-key", CANARY] for cmd in case.commands],
                    case.setup,
                    by_flag=True,
                )
            )
    return cases


def _play(case: Case, home: Path) -> tuple[Case, list[str]]:
    home.mkdir(parents=True)
    sim = Simulator(speed=FAST_SIM_SPEED, seed=SIM_SEED)
    sim.echo_key = True
    case.setup(sim)
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMA_")}
    with SimServer(sim) as server:
        env.update(
            HOME=str(home),
            IMA_BASE_URL=server.url,
            IMA_IM_BASE_URL=server.url,
            IMA_TIME_SCALE=f"{FAST_SIM_SPEED:g}",
        )
        if not case.by_flag:
            env["IMA_API_KEY"] = CANARY
        else:
            env["IMA_API_KEY"] = SIM_TEST_KEY  # the flag must win over the environment
        for i, command in enumerate(case.commands):
            proc = subprocess.run(
                [*SKILL, *command], env=env, capture_output=True, timeout=60, check=False
            )
            case.outputs[f"{case.name} #{i} stdout"] = proc.stdout
            case.outputs[f"{case.name} #{i} stderr"] = proc.stderr
        auths = [r.headers.get("authorization", "") for r in sim.requests]
        forms = [str(r.form) for r in sim.requests if r.form]
    return case, auths + forms


def test_the_canary_key_leaks_nowhere_across_success_and_every_failure(tmp_path: Path) -> None:
    image = tmp_path / "in.png"
    image.write_bytes(render_png(64, 64, "canary"))
    cases = _cases(image)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(
            pool.map(lambda ic: _play(ic[1], tmp_path / f"home{ic[0]}"), enumerate(cases))
        )
    assert {case.name for case, _ in results} >= set(FAULTS) | {"success", "create success"}
    for i, (case, credentials) in enumerate(results):
        # The canary really travelled (so it could have leaked) ...
        assert any(CANARY in c for c in credentials), case.name
        # ... and came back nowhere: not on the streams, not in any file under HOME.
        assert_absent(CANARY, case.outputs)
        home_files = files_under(tmp_path / f"home{i}")
        assert any(name.endswith(".log") for name in home_files), case.name
        assert_absent(CANARY, home_files)
        if case.name in ("unauthorized", "unauthorized on detail", "server_error"):
            # The quoted key did reach the client (masked), so redaction was really tested.
            logs = b"".join(v for k, v in home_files.items() if k.endswith(".log"))
            assert b"received credentials: Bearer ***" in logs, case.name
        stdout = b"".join(v for k, v in case.outputs.items() if k.endswith("stdout"))
        assert stdout.strip(), case.name  # every case told the person something
