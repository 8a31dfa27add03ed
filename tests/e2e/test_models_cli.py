"""``ima-nano-banana models`` and ``create --list-models`` as subprocesses against the simulator."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from typing import Any

import httpx

from skill.resources import sim_data_dir
from skill.sim import SimServer, Simulator

KEY = "ima_test_key_123"
LIST = "/open/v1/product/list"


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "skill", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert KEY not in proc.stdout + proc.stderr
    return proc


def test_models_json_lists_both_categories_from_the_live_list(
    fast_sim_server: SimServer, fast_sim: Simulator, sim_env: Any
) -> None:
    proc = cli(sim_env(fast_sim_server), "models", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert set(data) == {"text_to_image", "image_to_image"}
    nb2, pro = data["text_to_image"]
    assert (nb2["model_name"], pro["model_name"]) == ("Nano Banana 2", "Nano Banana Pro")
    assert [(s["size"], s["points"]) for s in nb2["sizes"]] == [
        ("512px", 4),
        ("1K", 6),
        ("2K", 10),
        ("4K", 13),
    ]
    assert len(nb2["aspect_ratios"]) == 14
    assert len(pro["aspect_ratios"]) == 10
    assert [s["attribute_id"] for s in data["image_to_image"][1]["sizes"]] == [2402, 2403, 2404]
    # Nothing but Nano Banana.
    ids = {m["model_id"] for models in data.values() for m in models}
    assert ids == {"gemini-3.1-flash-image", "gemini-3-pro-image"}
    assert sum(1 for r in fast_sim.requests if r.path == LIST) == 2


def test_models_table_follows_a_changed_list(
    fast_sim_server: SimServer, fast_sim: Simulator, sim_env: Any
) -> None:
    served = json.loads((sim_data_dir() / "product_list.image_to_image.json").read_text())
    changed = copy.deepcopy(served)
    pro = changed["data"][0]["children"][1]
    assert pro["model_id"] == "gemini-3-pro-image"
    pro["credit_rules"][2]["points"] = 77
    response = httpx.put(f"{fast_sim_server.url}/_sim/products/image_to_image", json=changed)
    assert response.status_code == 200
    proc = cli(sim_env(fast_sim_server), "models", "--task-type", "image_to_image")
    assert proc.returncode == 0, proc.stderr
    assert "4K 77 pts" in proc.stdout
    assert "text_to_image" not in proc.stdout
    assert [r.query["category"] for r in fast_sim.requests] == ["image_to_image"]


def test_create_list_models_prints_the_same(fast_sim_server: SimServer, sim_env: Any) -> None:
    env = sim_env(fast_sim_server)
    listed = cli(env, "create", "--task-type", "text_to_image", "--list-models", "--output-json")
    models = cli(env, "models", "--task-type", "text_to_image", "--json")
    assert listed.returncode == models.returncode == 0
    assert json.loads(listed.stdout) == json.loads(models.stdout)


def test_models_without_a_key_sends_nothing(
    fast_sim_server: SimServer, fast_sim: Simulator, sim_env: Any
) -> None:
    proc = cli(sim_env(fast_sim_server, key=None), "models")
    assert proc.returncode == 2
    assert "IMA_API_KEY" in proc.stderr
    assert fast_sim.requests == []


def test_models_with_a_rejected_key_fails_plainly(fast_sim_server: SimServer, sim_env: Any) -> None:
    proc = cli(sim_env(fast_sim_server, key="short"), "models")
    assert proc.returncode == 1
    assert "API key is invalid" in proc.stderr
