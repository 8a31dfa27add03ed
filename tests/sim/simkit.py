"""Helpers for the simulator's own tests: valid create bodies built from the served list."""

from __future__ import annotations

import copy
import hashlib
import secrets
import time
from typing import Any

from skill.sim.products import iter_leaves
from skill.sim.upload import APP_ID, APP_KEY

KEY = "ima_test_key_123"
AUTH = {"Authorization": f"Bearer {KEY}"}
NB2 = "gemini-3.1-flash-image"
PRO = "gemini-3-pro-image"
LIST_QUERY = {"app": "ima", "platform": "web"}


def leaf_for(lists: dict[str, Any], task_type: str, model_id: str) -> dict[str, Any]:
    """The last leaf with this model id (the vendor's rule)."""
    tree = lists[task_type]["data"]
    leaves = [leaf for leaf in iter_leaves(tree) if leaf["model_id"] == model_id]
    assert leaves, f"{model_id} not in {task_type}"
    return leaves[-1]


def create_body(
    lists: dict[str, Any],
    *,
    task_type: str = "text_to_image",
    model_id: str = NB2,
    size: str = "1K",
    aspect_ratio: str = "1:1",
    prompt: str = "a cat in a hat",
    images: list[str] | None = None,
) -> dict[str, Any]:
    """A create body the gateway accepts, with ids and points read from ``lists``."""
    leaf = leaf_for(lists, task_type, model_id)
    rule = next(r for r in leaf["credit_rules"] if r["attributes"].get("size") == size)
    urls = list(images or [])
    inner = {
        "size": size,
        "aspect_ratio": aspect_ratio,
        "prompt": prompt,
        "n": 1,
        "input_images": copy.copy(urls),
        "cast": {"points": rule["points"], "attribute_id": rule["attribute_id"]},
    }
    return {
        "task_type": task_type,
        "enable_multi_model": False,
        "src_img_url": urls,
        "parameters": [
            {
                "attribute_id": rule["attribute_id"],
                "model_id": model_id,
                "model_name": leaf["name"],
                "model_version": leaf["id"],
                "app": "ima",
                "platform": "web",
                "category": task_type,
                "credit": rule["points"],
                "parameters": inner,
            }
        ],
    }


def token_form(key: str = KEY, *, suffix: str = "png", mime: str = "image/png") -> dict[str, str]:
    """A correctly signed upload-token request."""
    timestamp = str(int(time.time()))
    nonce = secrets.token_hex(11)[:21]
    text = f"{APP_ID}|{APP_KEY}|{timestamp}|{nonce}"
    sign = hashlib.sha1(text.encode()).hexdigest().upper()  # noqa: S324  # the vendor's scheme
    return {
        "appUid": key,
        "cmimToken": key,
        "appId": APP_ID,
        "appKey": APP_KEY,
        "sign": sign,
        "timestamp": timestamp,
        "nonce": nonce,
        "fService": "privite",
        "fType": "picture",
        "fSuffix": suffix,
        "fContentType": mime,
    }
