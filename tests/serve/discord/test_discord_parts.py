"""The Discord door's parts on their own: the signature check, the settings, the buttons'
ids and rows, what a press says, the command as registered, the note another replica reads."""

from __future__ import annotations

import time

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from skill.intent import parse
from skill.job import Job, JobRequest, Offer
from skill.render import Renderer
from skill.serve.discord.buttons import SAID, Press, components_for, custom_id, read_custom_id
from skill.serve.discord.command import RATIOS, imagine_command
from skill.serve.discord.config import DEFAULT_API_BASE_URL, DiscordConfig, DiscordConfigError
from skill.serve.discord.sink import Place
from skill.serve.discord.verify import Verifier
from skill.serve.discord.wire import Interaction, snowflake_time
from tests.serve.discord.fakediscord import snowflake

KEY = Ed25519PrivateKey.generate()
PUBLIC = KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
BODY = b'{"type":1}'
OWNER = "111111111111111111"
NB2, PRO = "gemini-3.1-flash-image", "gemini-3-pro-image"


def signed(body: bytes = BODY, at: float | None = None) -> tuple[str, str]:
    stamp = str(int(time.time() if at is None else at))
    return KEY.sign(stamp.encode() + body).hex(), stamp


def test_a_signature_of_the_timestamp_and_body_is_accepted() -> None:
    assert Verifier(PUBLIC).verify(*signed(), BODY)


@pytest.mark.parametrize(
    ("signature", "stamp"),
    [
        (None, "1"),
        ("", ""),
        ("zz" * 64, "now"),  # not hex
        ("ab" * 10, "now"),  # too short
        ("ab" * 64, "nan"),
        ("ab" * 64, "inf"),
    ],
)
def test_a_malformed_signature_or_timestamp_is_refused(signature: str | None, stamp: str) -> None:
    real, now = signed()
    assert not Verifier(PUBLIC).verify(signature, now if stamp == "now" else stamp, BODY)
    assert Verifier(PUBLIC).verify(real, now, BODY)


def test_a_signature_is_bound_to_its_timestamp_and_body_and_to_now() -> None:
    signature, stamp = signed()
    verifier = Verifier(PUBLIC)
    assert not verifier.verify(signature, str(int(stamp) + 1), BODY)
    assert not verifier.verify(signature, stamp, BODY + b" ")
    old = time.time() - 3600
    assert not verifier.verify(*signed(at=old), BODY)
    assert Verifier(PUBLIC, now=lambda: old).verify(*signed(at=old), BODY)


def env(**changes: str) -> dict[str, str]:
    base = {
        "DISCORD_APPLICATION_ID": "112233445566778899",
        "DISCORD_PUBLIC_KEY": PUBLIC,
        "DISCORD_BOT_TOKEN": "MTEy.token-for-the-settings-test",
    }
    return {k: v for k, v in {**base, **changes}.items() if v}


def test_the_settings_default_to_discords_api_and_name_what_is_missing() -> None:
    config = DiscordConfig.from_env(env())
    assert config.api_base_url == DEFAULT_API_BASE_URL
    assert "MTEy" not in repr(config)
    with pytest.raises(DiscordConfigError, match="DISCORD_APPLICATION_ID, DISCORD_BOT_TOKEN"):
        DiscordConfig.from_env(env(DISCORD_APPLICATION_ID="", DISCORD_BOT_TOKEN=""))
    with pytest.raises(DiscordConfigError, match="numeric id"):
        DiscordConfig.from_env(env(DISCORD_APPLICATION_ID="my-app"))
    with pytest.raises(DiscordConfigError, match="64 hexadecimal"):
        DiscordConfig.from_env(env(DISCORD_PUBLIC_KEY="abc"))


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://discord.com/api/v10", True),
        ("http://127.0.0.1:9999/api/v10/", True),
        ("http://discord.com/api/v10", False),  # plain http off loopback
        ("https://discord.com.evil.example/api", False),
        ("https://user:pw@discord.com/api", False),
    ],
)
def test_the_api_base_is_discord_over_https_or_loopback(url: str, ok: bool) -> None:
    if ok:
        assert DiscordConfig.from_env(env(DISCORD_API_BASE_URL=url)).api_base_url == url.rstrip("/")
    else:
        with pytest.raises(DiscordConfigError, match="DISCORD_API_BASE_URL") as refused:
            DiscordConfig.from_env(env(DISCORD_API_BASE_URL=url))
        assert url not in str(refused.value)


def test_a_custom_id_carries_its_action_and_owner_and_nothing_else_is_read() -> None:
    made = custom_id("portrait", OWNER)
    assert len(made) <= 100
    assert read_custom_id(made) == Press("portrait", OWNER)
    for other in ("", "ima:upscale:1", "ima:again:me", "x:again:1", made + ":more", None):
        assert read_custom_id(other) is None
    with pytest.raises(ValueError, match="user id"):
        custom_id("again", "1" * 21)


def job(model: str, ratio: str | None, offers: tuple[Offer, ...] = ()) -> Job:
    request = JobRequest(prompt="a cat", model_id=model, aspect_ratio=ratio)
    return Job(request=request, offers=list(offers))


def labels(rows: list[dict[str, object]]) -> list[str]:
    return [b["label"] for row in rows for b in row["components"]]  # type: ignore[index, attr-defined]


def test_the_buttons_under_a_picture_offer_what_it_is_not() -> None:
    renderer = Renderer()
    square = components_for(job(NB2, None), "success", owner=OWNER, lang="en", renderer=renderer)
    assert labels(square) == [
        "🔁 Another one",
        "📱 Make it portrait",
        "🖼️ Make it landscape",
        "✨ Again with Nano Banana Pro",
    ]
    tall = components_for(job(PRO, "9:16"), "success", owner=OWNER, lang="zh", renderer=renderer)
    assert labels(tall) == ["🔁 再来一张", "🖼️ 换成横图", "✨ 用 Nano Banana 2 再画一次"]
    (row,) = tall
    assert [b["custom_id"] for b in row["components"]] == [
        f"ima:again:{OWNER}",
        f"ima:landscape:{OWNER}",
        f"ima:nb2:{OWNER}",
    ]


def test_the_buttons_under_a_failure_are_its_alternatives() -> None:
    offers = (
        Offer(model_id=PRO, model_name="Nano Banana Pro", credits_min=10, credits_max=18),
        Offer(model_id=NB2, model_name="Nano Banana 2", size="1K", credits_min=6, credits_max=6),
    )
    rows = components_for(
        job(NB2, None, offers), "failure", owner=OWNER, lang="en", renderer=Renderer()
    )
    assert labels(rows) == ["Try Nano Banana Pro", "Nano Banana 2 at 1K"]
    assert (
        components_for(job(NB2, None), "failure", owner=OWNER, lang="en", renderer=Renderer()) == []
    )
    assert components_for(None, "success", owner=OWNER, lang="en", renderer=Renderer()) == []


EXPECTED = {
    "again": ("again", {}),
    "portrait": ("change", {"aspect_ratio": "9:16"}),
    "landscape": ("change", {"aspect_ratio": "16:9"}),
    "pro": ("change", {"model_id": PRO}),
    "nb2": ("change", {"model_id": NB2}),
    "pick1": ("choose", {}),
    "pick2": ("choose", {}),
}


@pytest.mark.parametrize("action", sorted(SAID))
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_what_a_press_says_is_the_follow_up_it_stands_for(action: str, lang: str) -> None:
    followup = parse(SAID[action][lang]).followup
    assert followup is not None
    kind, changes = EXPECTED[action]
    assert followup.kind == kind
    for key, value in changes.items():
        assert dict(followup.changes)[key] == value


def test_the_command_fits_discords_limits_in_both_languages() -> None:
    command = imagine_command()
    texts = [command["description"], *command["description_localizations"].values()]
    for option in command["options"]:
        texts += [option["description"], *option["description_localizations"].values()]
        for choice in option.get("choices", []):
            texts += [choice["name"], *choice.get("name_localizations", {}).values()]
    assert all(1 <= len(text) <= 100 for text in texts)
    ratio = next(o for o in command["options"] if o["name"] == "ratio")
    assert [c["value"] for c in ratio["choices"]] == list(RATIOS)
    assert ratio["choices"][1]["name"] == "16:9 widescreen"
    assert ratio["choices"][1]["name_localizations"]["zh-TW"] == "16:9 宽屏"


def test_the_place_another_replica_reads_is_the_place_kept() -> None:
    place = Place(
        token="tok",
        channel_id="1",
        owner=OWNER,
        lang="zh",
        spent_at=12.5,
        upload_limit=99,
        original_id="7",
    )
    assert Place.from_note(place.to_note()) == place
    assert Place.from_note({"card": "x"}) is None


def test_an_interaction_knows_its_time_person_and_language() -> None:
    made = time.time() - 60
    interaction = Interaction.model_validate(
        {
            "id": snowflake(made),
            "application_id": "1",
            "type": 2,
            "token": "t",
            "user": {"id": OWNER},
            "channel_id": "5",
            "locale": "zh-TW",
        }
    )
    assert abs(interaction.created_at() - made) < 0.01
    assert (interaction.user_id, interaction.where, interaction.lang) == (OWNER, "5", "zh")
    assert snowflake_time("not a number") == 0.0
