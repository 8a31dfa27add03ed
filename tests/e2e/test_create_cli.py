"""``ima-nano-banana create`` as a subprocess against the simulator on a loopback port.

Each test asserts what a caller sees (exit code, the stderr line, the one stdout object) and
what the server received (the recorded request bodies): one create per run, retries only on
safe requests, ids and prices from whatever list is served, the key nowhere in output.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from skill.events import REASONS
from skill.resources import sim_data_dir
from skill.sim import SimServer, Simulator

NB2 = "gemini-3.1-flash-image"
PRO = "gemini-3-pro-image"
KEY = "ima_test_key_123"  # the sim_env fixture's key
#: The reference prices and ids (PROTOCOL.md), used only to check the served reference list.
T2I = {
    NB2: {"512px": (4400, 4), "1K": (4401, 6), "2K": (4402, 10), "4K": (4403, 13)},
    PRO: {"1K": (2399, 10), "2K": (2400, 10), "4K": (2401, 18)},
}
I2I_NB2_1K = (4405, 6)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
#: Polling cadence in simulated seconds: with the fast simulator this is a few ms of real time.
FAST = ("--poll-interval", "2")


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def json(self) -> dict[str, Any]:
        lines = [line for line in self.out.splitlines() if line.strip()]
        assert len(lines) == 1, f"stdout must hold exactly one JSON object: {self.out!r}"
        data: dict[str, Any] = json.loads(lines[0])
        return data


def create(env: dict[str, str], *args: str) -> Run:
    proc = subprocess.run(
        [sys.executable, "-m", "skill", "create", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    run = Run(proc.returncode, proc.stdout, proc.stderr)
    assert KEY not in run.out
    assert KEY not in run.err
    return run


def bodies(sim: Simulator, path: str) -> list[Any]:
    return [r.json for r in sim.requests if r.path == path]


def count(sim: Simulator, path: str) -> int:
    return sum(1 for r in sim.requests if r.path == path)


CREATE = "/open/v1/tasks/create"
DETAIL = "/open/v1/tasks/detail"
LIST = "/open/v1/product/list"
TOKEN = "/api/rest/oss/getuploadtoken"


@pytest.fixture
def env(fast_sim_server: SimServer, sim_env: Any) -> dict[str, str]:
    built: dict[str, str] = sim_env(fast_sim_server)
    return built


def inject(
    server: SimServer, fault: str, endpoint: str | None = None, times: int | None = 1
) -> None:
    body: dict[str, Any] = {"fault": fault, "times": times}
    if endpoint:
        body["endpoint"] = endpoint
    response = httpx.post(f"{server.url}/_sim/faults", json=body)
    assert response.status_code == 200, response.text


# --- the happy paths ---------------------------------------------------------------------------
@pytest.mark.parametrize(("model_id", "size"), [(m, s) for m, sizes in T2I.items() for s in sizes])
def test_text_to_image_every_model_and_size(
    env: dict[str, str], fast_sim: Simulator, model_id: str, size: str
) -> None:
    run = create(
        env,
        "--task-type", "text_to_image",
        "--model-id", model_id,
        "--prompt", "a cute puppy on grass",
        "--size", size.lower(),
        "--aspect-ratio", "16:9",
        "--output-json", *FAST,
    )  # fmt: skip
    assert run.code == 0, run.err
    attribute_id, points = T2I[model_id][size]
    result = run.json
    assert result["url"].startswith("http://127.0.0.1:")
    assert (result["model_id"], result["size"], result["aspect_ratio"]) == (model_id, size, "16:9")
    assert (result["attribute_id"], result["credit"]) == (attribute_id, points)
    assert result["width"] > result["height"]
    assert result["elapsed_s"] > 0
    assert set(result) == {
        "task_id", "url", "cover_url", "model_id", "model_name", "model_version",
        "attribute_id", "credit", "size", "aspect_ratio", "width", "height", "elapsed_s",
    }  # fmt: skip
    (body,) = bodies(fast_sim, CREATE)
    param = body["parameters"][0]
    assert (param["attribute_id"], param["credit"]) == (attribute_id, points)
    assert param["parameters"]["cast"] == {"points": points, "attribute_id": attribute_id}
    assert param["parameters"]["size"] == size
    assert param["parameters"]["prompt"] == "a cute puppy on grass"
    assert fast_sim.stats()["accepted_creates"] == 1
    assert "Starting your image" in run.err  # the start notice, as the conversation says it
    assert "Image generated!" in run.err
    for request in fast_sim.requests:
        assert KEY not in str(request.query)
        assert request.headers.get("authorization") == f"Bearer {KEY}"
        assert request.headers.get("x-app-source") == "ima_skills"


def test_image_to_image_with_a_local_file(
    env: dict[str, str], fast_sim: Simulator, tmp_path: Path
) -> None:
    image = tmp_path / "photo.bin"
    image.write_bytes(PNG)
    run = create(
        env,
        "--task-type", "image_to_image",
        "--prompt", "turn into an oil painting",
        "--input-images", str(image),
        "--output-json", *FAST,
    )  # fmt: skip
    assert run.code == 0, run.err
    (uploaded,) = fast_sim.uploads.values()
    assert uploaded == PNG
    (token_request,) = [r for r in fast_sim.requests if r.path == TOKEN]
    assert token_request.method == "POST"
    assert token_request.form is not None
    assert token_request.form["fContentType"] == "image/png"
    assert KEY not in str(token_request.query)
    (body,) = bodies(fast_sim, CREATE)
    (url,) = body["src_img_url"]
    assert "/_sim/files/" in url
    assert body["parameters"][0]["parameters"]["input_images"] == [url]
    assert (body["parameters"][0]["attribute_id"], run.json["credit"]) == I2I_NB2_1K


def test_image_to_image_with_a_url(env: dict[str, str], fast_sim: Simulator) -> None:
    url = "https://example.com/photo.jpg"
    run = create(
        env,
        "--task-type", "image_to_image",
        "--model-id", PRO,
        "--prompt", "make it night",
        "--input-images", url,
        "--output-json", *FAST,
    )  # fmt: skip
    assert run.code == 0, run.err
    assert count(fast_sim, TOKEN) == 0
    (body,) = bodies(fast_sim, CREATE)
    assert body["src_img_url"] == [url]
    assert body["parameters"][0]["parameters"]["input_images"] == [url]


def test_ids_and_prices_come_from_the_served_list(
    env: dict[str, str], fast_sim: Simulator, fast_sim_server: SimServer
) -> None:
    served = json.loads((sim_data_dir() / "product_list.text_to_image.json").read_text())
    changed = copy.deepcopy(served)
    leaf = changed["data"][0]["children"][0]
    assert leaf["model_id"] == NB2
    leaf["id"] = "gemini-3.1-flash-image-2027"
    for i, rule in enumerate(leaf["credit_rules"]):
        rule["attribute_id"] = 91000 + i
        rule["points"] = rule["origin_point"] = 3 + i * 7
    response = httpx.put(f"{fast_sim_server.url}/_sim/products/text_to_image", json=changed)
    assert response.status_code == 200, response.text
    run = create(
        env, "--task-type", "text_to_image", "--prompt", "x", "--size", "2K", "--output-json", *FAST
    )
    assert run.code == 0, run.err
    result = run.json
    assert (result["attribute_id"], result["credit"]) == (91002, 17)
    assert result["model_version"] == "gemini-3.1-flash-image-2027"
    (body,) = bodies(fast_sim, CREATE)
    param = body["parameters"][0]
    assert (param["attribute_id"], param["credit"], param["model_version"]) == (
        91002,
        17,
        "gemini-3.1-flash-image-2027",
    )
    assert param["parameters"]["cast"] == {"points": 17, "attribute_id": 91002}


def test_plain_output_is_the_url(env: dict[str, str]) -> None:
    run = create(env, "--task-type", "text_to_image", "--prompt", "x", *FAST)
    assert run.code == 0, run.err
    assert run.out.strip().startswith("http://127.0.0.1:")


# --- refused before anything is sent -------------------------------------------------------------
def test_no_key_sends_nothing(
    fast_sim_server: SimServer, fast_sim: Simulator, sim_env: Any
) -> None:
    run = create(
        sim_env(fast_sim_server, key=None), "--task-type", "text_to_image", "--prompt", "x"
    )
    assert run.code == 2
    assert "IMA_API_KEY" in run.err
    assert len(run.err.strip().splitlines()) == 1
    assert fast_sim.requests == []


def test_public_endpoint_override_is_refused(
    fast_sim_server: SimServer, fast_sim: Simulator, sim_env: Any
) -> None:
    env = sim_env(fast_sim_server, IMA_BASE_URL="https://api.example.com")
    run = create(env, "--task-type", "text_to_image", "--prompt", "x", "--output-json")
    assert run.code == 2
    assert "refused" in run.err
    assert run.json["error"]["reason"] == "bad_request"
    assert fast_sim.requests == []


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--model-id", "midjourney"], "Nano Banana"),
        (["--model-id", PRO, "--aspect-ratio", "1:8"], "21:9"),
        (["--model-id", PRO, "--size", "512px"], "1K, 2K, 4K"),
        (["--extra-params", "[1, 2]"], "JSON object"),
        (["--input-images", "https://example.com/a.jpg"], "image_to_image"),
    ],
)
def test_bad_input_exits_2_without_a_create(
    env: dict[str, str], fast_sim: Simulator, args: list[str], needle: str
) -> None:
    run = create(env, "--task-type", "text_to_image", "--prompt", "x", *args)
    assert run.code == 2
    assert needle in run.err
    assert count(fast_sim, CREATE) == 0


def test_broken_image_is_refused_before_any_request(
    env: dict[str, str], fast_sim: Simulator, tmp_path: Path
) -> None:
    fake = tmp_path / "cat.png"
    fake.write_text("not really a picture")
    run = create(env, "--task-type", "image_to_image", "--prompt", "x", "--input-images", str(fake))
    assert run.code == 2
    assert "not an image" in run.err
    assert fast_sim.requests == []


# --- faults on create: told plainly, never a second create ---------------------------------------
@pytest.mark.parametrize(
    ("fault", "reason", "words"),
    [
        ("unauthorized", "unauthorized", "API key is invalid"),
        ("insufficient_points", "insufficient_points", "Buy credits"),
        ("subscription_required", "subscription_required", "subscription"),
        ("credit_mismatch", "credit_mismatch", "Points calculation"),
        ("no_rule", "invalid_attribute", "Configuration error"),
        ("attribute_mismatch", "attribute_mismatch", "incompatible"),
        ("invalid_product_attribute", "invalid_attribute", "Configuration error"),
        ("bad_request", "bad_request", "adjust the size"),
        ("server_error", "server_error", "image service"),
        ("bad_gateway", "server_error", "image service"),
        ("unavailable", "server_error", "image service"),
        # No readable answer to a create: it may have been made, so it is not sent again.
        ("malformed_json", "unconfirmed", "connection dropped"),
        ("drop_connection", "unconfirmed", "connection dropped"),
    ],
)
def test_create_faults(
    env: dict[str, str],
    fast_sim: Simulator,
    fast_sim_server: SimServer,
    fault: str,
    reason: str,
    words: str,
) -> None:
    inject(fast_sim_server, fault, "create", times=None)
    run = create(env, "--task-type", "text_to_image", "--prompt", "x", "--output-json", *FAST)
    assert run.code == 1
    assert run.json["error"]["reason"] == reason
    (line,) = [line for line in run.err.splitlines() if line.startswith("error:")]
    assert words in line
    assert fast_sim.stats()["creates"] == 1
    assert count(fast_sim, DETAIL) == 0


# --- faults on safe requests: retried, the run still succeeds ------------------------------------
@pytest.mark.parametrize(
    "fault",
    [
        "server_error",
        "bad_gateway",
        "unavailable",
        "rate_limited",
        "malformed_json",
        "drop_connection",
    ],
)
def test_detail_faults_are_retried(
    env: dict[str, str], fast_sim: Simulator, fast_sim_server: SimServer, fault: str
) -> None:
    inject(fast_sim_server, fault, "detail", times=2)
    run = create(env, "--task-type", "text_to_image", "--prompt", "x", "--output-json", *FAST)
    assert run.code == 0, run.err
    assert fast_sim.stats()["creates"] == 1
    assert count(fast_sim, DETAIL) >= 3  # two failed answers, then at least the finished one
    polled = {b["task_id"] for b in bodies(fast_sim, DETAIL)}
    assert polled == {run.json["task_id"]}


def test_detail_failing_always_gives_up_after_the_retry_budget(
    env: dict[str, str], fast_sim: Simulator, fast_sim_server: SimServer
) -> None:
    inject(fast_sim_server, "server_error", "detail", times=None)
    run = create(env, "--task-type", "text_to_image", "--prompt", "x", "--output-json", *FAST)
    assert run.code == 1
    assert run.json["error"]["reason"] == "server_error"
    assert count(fast_sim, DETAIL) == 4  # catalog.RETRY_ATTEMPTS
    assert fast_sim.stats()["creates"] == 1


@pytest.mark.parametrize("fault", ["rate_limited", "drop_connection"])
def test_product_list_faults_are_retried(
    env: dict[str, str], fast_sim: Simulator, fast_sim_server: SimServer, fault: str
) -> None:
    inject(fast_sim_server, fault, "product_list")
    run = create(env, "--task-type", "text_to_image", "--prompt", "x", *FAST)
    assert run.code == 0, run.err
    assert count(fast_sim, LIST) == 2


def test_unauthorized_product_list_stops_before_create(
    env: dict[str, str], fast_sim: Simulator, fast_sim_server: SimServer
) -> None:
    inject(fast_sim_server, "unauthorized", "product_list")
    run = create(env, "--task-type", "text_to_image", "--prompt", "x", *FAST)
    assert run.code == 1
    assert "API key is invalid" in run.err
    assert count(fast_sim, LIST) == 1
    assert fast_sim.stats()["creates"] == 0


def test_upload_token_fault_is_retried(
    env: dict[str, str], fast_sim: Simulator, fast_sim_server: SimServer, tmp_path: Path
) -> None:
    image = tmp_path / "a.png"
    image.write_bytes(PNG)
    inject(fast_sim_server, "server_error", "upload_token")
    run = create(
        env, "--task-type", "image_to_image", "--prompt", "x", "--input-images", str(image), *FAST
    )
    assert run.code == 0, run.err
    assert count(fast_sim, TOKEN) == 2
    assert list(fast_sim.uploads.values()) == [PNG]


def test_upload_put_dropped_is_repeated_and_one_that_never_lands_creates_nothing(
    env: dict[str, str], fast_sim: Simulator, fast_sim_server: SimServer, tmp_path: Path
) -> None:
    # A PUT of the same bytes to the same URL is idempotent and free: repeating it is safe.
    image = tmp_path / "a.png"
    image.write_bytes(PNG)
    args = ("--task-type", "image_to_image", "--prompt", "x", "--input-images", str(image))
    inject(fast_sim_server, "drop_connection", "upload_put")
    run = create(env, *args, *FAST)
    assert run.code == 0, run.err
    assert sum(1 for r in fast_sim.requests if r.method == "PUT") == 2
    assert list(fast_sim.uploads.values()) == [PNG]
    assert fast_sim.stats()["creates"] == 1
    inject(fast_sim_server, "drop_connection", "upload_put", times=None)
    run = create(env, *args, *FAST)
    assert run.code == 1
    assert "Network" in run.err
    assert sum(1 for r in fast_sim.requests if r.method == "PUT") == 2 + 4  # RETRY_ATTEMPTS
    assert fast_sim.stats()["creates"] == 1  # the failed upload created nothing


# --- the task itself fails ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("resource_failed", "generation_failed"),
        ("resource_deleted", "generation_failed"),
        ("status_failed", "task_failed"),
    ],
)
def test_task_outcome_faults(
    env: dict[str, str], fast_sim: Simulator, fast_sim_server: SimServer, fault: str, reason: str
) -> None:
    inject(fast_sim_server, fault)
    run = create(env, "--task-type", "text_to_image", "--prompt", "x", "--output-json", *FAST)
    assert run.code == 1
    error = run.json["error"]
    assert error["reason"] == reason
    assert error["task_id"]
    assert fast_sim.stats()["creates"] == 1


def test_never_finishing_task_times_out_with_its_id(
    env: dict[str, str], fast_sim: Simulator, fast_sim_server: SimServer
) -> None:
    inject(fast_sim_server, "never_finishes")
    run = create(
        env, "--task-type", "text_to_image", "--prompt", "x", "--timeout", "60",
        "--output-json", *FAST,
    )  # fmt: skip
    assert run.code == 1
    error = run.json["error"]
    assert error["reason"] == "timeout"
    assert error["task_id"] in run.err
    assert fast_sim.stats()["creates"] == 1
    # It kept polling until the deadline (each poll also costs some simulated time).
    assert count(fast_sim, DETAIL) >= 10


def test_a_create_refused_with_429_is_sent_once_more_and_then_told(
    env: dict[str, str], fast_sim: Simulator, fast_sim_server: SimServer
) -> None:
    inject(fast_sim_server, "rate_limited", "create")
    run = create(env, "--task-type", "text_to_image", "--prompt", "x", "--output-json", *FAST)
    assert run.code == 0, run.err
    assert fast_sim.stats()["creates"] == 2
    assert fast_sim.stats()["accepted_creates"] == 1
    inject(fast_sim_server, "rate_limited", "create", times=None)
    run = create(env, "--task-type", "text_to_image", "--prompt", "x", "--output-json", *FAST)
    assert run.code == 1
    assert run.json["error"]["reason"] == "rate_limited"
    (line,) = [line for line in run.err.splitlines() if line.startswith("error:")]
    assert "Too many requests" in line
    assert fast_sim.stats()["accepted_creates"] == 1  # the second run created nothing


@pytest.mark.parametrize("reason", sorted(REASONS))
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_reason_has_a_plain_hint_in_both_languages(reason: str, lang: str) -> None:
    from skill.commands._access import hint_line
    from skill.reasons import Reason

    line = hint_line(Reason(reason), lang)
    assert line.startswith("错误:" if lang == "zh" else "error: ")
    assert "4008" not in line
    assert "401" not in line
    assert len(line.splitlines()) == 1
