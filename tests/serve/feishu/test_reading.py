"""Reading Feishu's payloads (no network): the words and pictures of a message, who it is
for, the webhook's crypto, and the follow-up words a button press says."""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skill.serve.choices import choice_text
from skill.serve.feishu import crypto
from skill.serve.feishu.crypto import Refused
from skill.serve.feishu.events import read_action, read_envelope, read_message
from tests.serve.feishu.fake_open_platform import BOT_OPEN_ID, card_action, message_event


def read(
    content: dict, *, kind: str = "text", chat_type: str = "p2p", mentions: list | None = None
):
    payload = message_event(
        message_id="om_1",
        chat="oc_1",
        user="ou_1",
        chat_type=chat_type,
        message_type=kind,
        content=content,
        mentions=mentions or [],
    )
    return read_message(read_envelope(payload), BOT_OPEN_ID)


BOT = {"key": "@_user_1", "id": {"open_id": BOT_OPEN_ID}, "name": "画图小助手"}
ALICE = {"key": "@_user_2", "id": {"open_id": "ou_alice"}, "name": "Alice"}


def test_a_group_message_is_for_the_bot_only_with_its_mention_which_is_taken_out() -> None:
    asked = read(
        {"text": "@_user_1 画一只 @_user_2 家的猫"}, chat_type="group", mentions=[BOT, ALICE]
    )
    assert asked.for_bot
    assert asked.text == "画一只 @Alice 家的猫"
    chatter = read({"text": "@_user_2 画一只猫"}, chat_type="group", mentions=[ALICE])
    assert not chatter.for_bot
    private = read({"text": "画一只猫"})
    assert private.for_bot
    assert private.text == "画一只猫"


def test_a_post_gives_its_words_and_pictures_and_an_image_its_picture() -> None:
    post = {
        "zh_cn": {
            "title": "水彩",
            "content": [
                [
                    {"tag": "at", "user_id": "@_user_1", "user_name": "bot"},
                    {"tag": "text", "text": " 把这张图改成"},
                    {"tag": "a", "text": "水彩风格", "href": "https://x"},
                ],
                [{"tag": "img", "image_key": "img_a"}],
                [{"tag": "emotion", "emoji_type": "SMILE"}, {"tag": "img", "image_key": "img_b"}],
            ],
        }
    }
    event = read(post, kind="post", chat_type="group", mentions=[BOT])
    assert event.for_bot
    assert event.text == "水彩\n把这张图改成水彩风格"
    assert event.image_keys == ("img_a", "img_b")
    image = read({"image_key": "img_c"}, kind="image")
    assert (image.text, image.image_keys) == ("", ("img_c",))
    sticker = read({"file_key": "f"}, kind="sticker")
    assert (sticker.text, sticker.image_keys) == ("", ())


def test_malformed_events_are_refused_as_400() -> None:
    with pytest.raises(Refused) as no_header:
        read_envelope({"schema": "2.0", "event": {}})
    assert no_header.value.status == 400
    payload = message_event(
        message_id="om_1", chat="oc_1", user="ou_1", chat_type="p2p", message_type="text",
        content={}, mentions=[],
    )  # fmt: skip
    payload["event"]["message"]["content"] = "{not json"
    with pytest.raises(Refused):
        read_message(read_envelope(payload), BOT_OPEN_ID)
    del payload["event"]["message"]
    with pytest.raises(Refused):
        read_message(read_envelope(payload), BOT_OPEN_ID)
    press = card_action({"value": {}}, card="om_c", chat="oc_1", operator="ou_1")
    del press["event"]["context"]
    with pytest.raises(Refused):
        read_action(read_envelope(press))


@given(st.binary(max_size=300), st.text(min_size=1, max_size=40))
def test_what_is_encrypted_decrypts_to_itself(plain: bytes, key: str) -> None:
    assert crypto.decrypt(crypto.encrypt(plain, key), key) == plain


def test_the_documented_example_decrypts() -> None:
    # Feishu's documentation: key "test key", this ciphertext, "hello world" inside.
    encrypted = "P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk="
    assert crypto.decrypt(encrypted, "test key") == b"hello world"


def test_signatures_are_checked_with_their_age() -> None:
    body = json.dumps({"encrypt": "x"}).encode()
    now = time.time()
    stamp = str(int(now))
    headers = {
        "x-lark-request-timestamp": stamp,
        "x-lark-request-nonce": "n1",
        "x-lark-signature": crypto.signature(stamp, "n1", "k", body),
    }
    crypto.verify_signature(headers, body, "k", now=now, max_age_s=60, skew_s=5)
    for changed in (
        {**headers, "x-lark-signature": "ab" * 32},
        {**headers, "x-lark-request-nonce": "n2"},
        {k: v for k, v in headers.items() if k != "x-lark-signature"},
    ):
        with pytest.raises(Refused) as refused:
            crypto.verify_signature(changed, body, "k", now=now, max_age_s=60, skew_s=5)
        assert refused.value.status == 401
    with pytest.raises(Refused):
        crypto.verify_signature(headers, body, "k", now=now + 120, max_age_s=60, skew_s=5)
    with pytest.raises(Refused):
        crypto.verify_signature(headers, body, "other", now=now, max_age_s=60, skew_s=5)


def test_a_press_says_the_words_a_person_would_type() -> None:
    assert [choice_text(n, "zh") for n in (1, 2)] == ["第一个", "第二个"]
    assert [choice_text(n, "en") for n in (1, 2)] == ["the first one", "the second one"]
    with pytest.raises(ValueError, match="no alternative"):
        choice_text(3, "en")
