"""What the tools do with their arguments, over stdio (the transport makes no difference here:
test_mcp_server.py drives both): structured fields winning over words, the offline reading,
a server without a key, and a fetch with nothing to fetch."""

from __future__ import annotations

from pathlib import Path

from skill.sim import SimServer
from tests.conftest import SimEnv
from tests.mcp.mcpkit import connect, mcp_env, texts

CREATE = "/open/v1/tasks/create"


def create_bodies(server: SimServer) -> list[dict]:
    return [r.json for r in server.sim.requests if r.path == CREATE]


async def test_structured_fields_win_over_the_words(
    server_env: dict[str, str], fast_sim_server: SimServer, tmp_path: Path
) -> None:
    arguments = {
        "request": "用 Nano Banana 2 画一只猫,16:9, 4K",
        "model": "nano banana pro",
        "size": "2k",
        "aspect_ratio": "9：16",
    }
    async with connect("stdio", server_env, tmp_path) as link:
        result = await link.call("generate_image", arguments)
    assert not result.is_error, texts(result)
    (body,) = create_bodies(fast_sim_server)
    (parameter,) = body["parameters"]
    assert parameter["model_id"] == "gemini-3-pro-image"
    inner = parameter["parameters"]
    assert (inner["size"], inner["aspect_ratio"]) == ("2K", "9:16")
    assert inner["prompt"] == "一只猫"
    facts = result.structured_content
    assert facts is not None
    assert (facts["model"], facts["size"], facts["aspect_ratio"]) == (
        "Nano Banana Pro",
        "2K",
        "9:16",
    )
    # A model chosen in a field is for this picture: nothing was saved for next time.
    prefs = Path(server_env["HOME"]) / ".openclaw" / "memory" / "ima_prefs.json"
    assert not prefs.exists() or "gemini-3-pro-image" not in prefs.read_text()


async def test_understand_request_reads_and_prices_without_the_network(
    server_env: dict[str, str], fast_sim_server: SimServer, tmp_path: Path
) -> None:
    sim = fast_sim_server.sim
    async with connect("stdio", server_env, tmp_path) as link:
        first = await link.call("understand_request", {"request": "draw a dog in 4K, 16:9"})
        assert len(sim.requests) == 0  # nothing left this machine
        listed = await link.call("list_models", {"task_type": "text_to_image"})
        before = len(sim.requests)
        priced = await link.call(
            "understand_request", {"request": "draw a dog in 4K, 16:9", "model": "Nano Banana Pro"}
        )
        refused = await link.call("understand_request", {"request": "a dog", "aspect_ratio": "5:7"})
        empty = await link.call("understand_request", {"request": "帮我画"})
        assert len(sim.requests) == before
    assert not first.is_error
    unpriced = first.structured_content
    assert unpriced is not None
    assert unpriced["ready"] is True
    assert (unpriced["model"], unpriced["size"], unpriced["aspect_ratio"]) == (
        "Nano Banana 2",
        "4K",
        "16:9",
    )
    assert unpriced["credits"] is None
    assert unpriced["priced_from"] is None
    assert unpriced["eta_s"] == [20, 40]
    assert "dog" in unpriced["acknowledgement"]  # the first reply the person would get

    models = listed.structured_content
    assert models is not None
    pro = next(m for m in models["models"] if m["model"] == "Nano Banana Pro")
    pro_4k = next(s["credits"] for s in pro["sizes"] if s["size"] == "4K")
    facts = priced.structured_content
    assert facts is not None
    assert (facts["model"], facts["credits"], facts["priced_from"]) == (
        "Nano Banana Pro",
        pro_4k,
        "product_list",
    )
    assert facts["price_age_s"] is not None
    assert facts["price_age_s"] >= 0

    no = refused.structured_content
    assert no is not None
    assert no["ready"] is False
    assert no["reason"] == "unsupported_aspect_ratio"
    assert "Use a supported aspect ratio" in no["problem"]
    nothing = empty.structured_content
    assert nothing is not None
    assert (nothing["ready"], nothing["missing"]) == (False, "prompt")
    assert fast_sim_server.sim.stats()["creates"] == 0


async def test_a_server_without_a_key_starts_and_says_so(
    fast_sim_server: SimServer, sim_env: SimEnv, tmp_path: Path
) -> None:
    env = mcp_env(sim_env(fast_sim_server, key=None))
    async with connect("stdio", env, tmp_path) as link:
        tools = (await link.session.list_tools()).tools
        made = await link.call("generate_image", {"request": "画一只猫"})
        listed = await link.call("list_models", {})
        understood = await link.call("understand_request", {"request": "画一只猫"})
        logged = link.stderr()
    assert len(tools) == 4
    for result in (made, listed):
        assert result.is_error
        assert result.structured_content is not None
        assert result.structured_content["reason"] == "unauthorized"
    # In the request's language, with what to do about it.
    assert "还没有设置 API 密钥" in texts(made)[0]
    assert "IMA_API_KEY" in texts(made)[0]
    assert not understood.is_error
    assert "IMA_API_KEY is not set" in logged
    assert len(fast_sim_server.sim.requests) == 0


async def test_get_last_image_with_nothing_to_fetch_says_so(
    server_env: dict[str, str], fast_sim_server: SimServer, tmp_path: Path
) -> None:
    async with connect("stdio", server_env, tmp_path) as link:
        result = await link.call("get_last_image", {"chat_id": "a-new-chat", "language": "en"})
    assert result.is_error
    assert result.structured_content is not None
    assert result.structured_content["reason"] == "bad_request"
    assert "no unfinished picture" in texts(result)[0]
    assert fast_sim_server.sim.stats()["creates"] == 0


async def test_yes_after_a_failure_makes_the_retry_that_was_offered(
    server_env: dict[str, str], fast_sim_server: SimServer, tmp_path: Path
) -> None:
    chat = {"chat_id": "c-retry", "user_id": "u-retry"}
    fast_sim_server.sim.inject("resource_failed")
    async with connect("stdio", server_env, tmp_path) as link:
        failed = await link.call("generate_image", {"request": "画一只猫", **chat})
        assert failed.is_error
        assert failed.structured_content is not None
        offered = failed.structured_content["alternatives"][0]["model"]
        retried = await link.call("generate_image", {"request": "好的", **chat})
    assert not retried.is_error, texts(retried)
    assert retried.structured_content is not None
    assert retried.structured_content["model"] == offered
    _, second = create_bodies(fast_sim_server)
    assert second["parameters"][0]["parameters"]["prompt"] == "一只猫"
    assert second["parameters"][0]["model_id"] == "gemini-3-pro-image"
