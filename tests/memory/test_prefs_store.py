"""skill.store.prefs.PreferenceStore: the vendor's file format, sibling skills' entries and
corruption."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest

from skill import catalog
from skill.store import Preference, PreferenceStore

PRO = catalog.NANO_BANANA_PRO
NB2 = catalog.NANO_BANANA_2
T2I = "text_to_image"
I2I = "image_to_image"
FIXED = datetime(2026, 11, 26, 7, 30, tzinfo=timezone.utc)


def _store(path: Path) -> PreferenceStore:
    return PreferenceStore(path, now=lambda: FIXED)


def test_default_path_follows_home(home: Path) -> None:
    store = PreferenceStore()
    store.save("a", T2I, model_id=PRO.model_id, model_name=PRO.display_name, credit=10)
    assert (home / ".openclaw" / "memory" / "ima_prefs.json").is_file()


def test_save_then_get_round_trips_in_the_vendor_shape(tmp_path: Path) -> None:
    path = tmp_path / "ima_prefs.json"
    store = _store(path)
    assert store.get("42", T2I) is None
    store.save("42", T2I, model_id=PRO.model_id, model_name="Nano Banana Pro", credit=10)
    assert store.get("42", T2I) == Preference(
        model_id=PRO.model_id,
        model_name="Nano Banana Pro",
        credit=10,
        last_used="2026-11-26T07:30:00+00:00",
    )
    assert store.get("42", I2I) is None
    assert store.get("43", T2I) is None
    on_disk = json.loads(path.read_text(encoding="utf-8"))
    assert on_disk == {
        "user_42": {
            T2I: {
                "model_id": PRO.model_id,
                "model_name": "Nano Banana Pro",
                "credit": 10,
                "last_used": "2026-11-26T07:30:00+00:00",
            }
        }
    }


def test_vendor_file_with_numbers_siblings_and_unknown_keys(tmp_path: Path) -> None:
    path = tmp_path / "ima_prefs.json"
    sibling_video = {"model_id": "wan2.6-t2v", "model_name": "Wan 2.6", "credit": 25}
    sibling_image = {"model_id": "doubao-seedream-4.5", "model_name": "SeeDream 4.5"}
    vendor = {
        "user_7": {
            T2I: {
                "model_id": NB2.model_id,
                "model_name": "Nano Banana2",
                "credit": 6,
                "last_used": 1764142200,  # epoch seconds, as some writers store it
                "version_id": "v-9",  # a key we do not know
            },
            "text_to_video": sibling_video,
        },
        "user_8": {T2I: sibling_image},
        "schema": "kept as is",
    }
    path.write_text(json.dumps(vendor), encoding="utf-8")
    store = _store(path)

    got = store.get("7", T2I)
    assert got is not None
    assert got.model_id == NB2.model_id
    assert datetime.fromisoformat(got.last_used) == datetime.fromtimestamp(
        1764142200, tz=timezone.utc
    )
    # A sibling skill's model is ignored on read...
    assert store.get("8", T2I) is None
    assert store.get("7", "text_to_video") is None
    assert store.show() == {
        "user_7": {
            T2I: {
                "model_id": NB2.model_id,
                "model_name": "Nano Banana2",
                "credit": 6,
                "last_used": got.last_used,
            }
        }
    }

    # ...and saving or clearing ours leaves everything else in place.
    store.save("7", I2I, model_id=PRO.model_id, model_name=PRO.display_name, credit=None)
    assert store.clear() == 2
    after = json.loads(path.read_text(encoding="utf-8"))
    assert after == {
        "user_7": {"text_to_video": sibling_video},
        "user_8": {T2I: sibling_image},
        "schema": "kept as is",
    }


def test_save_keeps_unknown_keys_inside_the_entry(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(
        json.dumps({"user_a": {T2I: {"model_id": NB2.model_id, "version_id": "v-1"}}}),
        encoding="utf-8",
    )
    _store(path).save("a", T2I, model_id=PRO.model_id, model_name="Pro", credit=None)
    entry = json.loads(path.read_text(encoding="utf-8"))["user_a"][T2I]
    assert entry["version_id"] == "v-1"
    assert entry["model_id"] == PRO.model_id
    assert entry["credit"] is None


def test_missing_name_falls_back_to_the_catalog(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"user_a": {T2I: {"model_id": PRO.model_id}}}), encoding="utf-8")
    got = _store(path).get("a", T2I)
    assert got is not None
    assert got.model_name == PRO.display_name
    assert got.credit is None


def test_save_refuses_other_models(tmp_path: Path) -> None:
    store = _store(tmp_path / "p.json")
    with pytest.raises(ValueError, match="Nano Banana"):
        store.save("a", T2I, model_id="doubao-seedream-4.5", model_name="x", credit=5)
    assert not (tmp_path / "p.json").exists()


def test_clear_one_user_one_type_or_everything(tmp_path: Path) -> None:
    store = _store(tmp_path / "p.json")
    for user in ("a", "b"):
        for task_type in (T2I, I2I):
            store.save(user, task_type, model_id=PRO.model_id, model_name="Pro", credit=None)
    assert store.clear("a", T2I) == 1
    assert store.get("a", T2I) is None
    assert store.get("a", I2I) is not None
    assert store.clear("a") == 1
    assert store.show("a") == {}
    assert store.clear("nobody") == 0
    assert store.clear() == 2
    assert store.show() == {}


def test_corrupt_file_is_kept_and_the_store_carries_on(tmp_path: Path) -> None:
    path = tmp_path / "ima_prefs.json"
    path.write_bytes(b'{"user_a": {"text_to_image": {"model_')
    store = _store(path)
    assert store.get("a", T2I) is None
    store.save("a", T2I, model_id=NB2.model_id, model_name="NB2", credit=6)
    assert store.get("a", T2I) is not None
    aside = list(tmp_path.glob("ima_prefs.json.corrupt-*"))
    assert [p.read_bytes() for p in aside] == [b'{"user_a": {"text_to_image": {"model_']


def test_fifty_threads_saving_fifty_users_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    store = _store(path)
    ids = [m.model_id for m in catalog.MODELS.values()]

    def save(i: int) -> None:
        model = ids[i % len(ids)]
        store.save(f"u{i}", T2I, model_id=model, model_name=model, credit=i)

    threads = [threading.Thread(target=save, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    data = json.loads(path.read_text(encoding="utf-8"))
    assert len(data) == 50
    for i in range(50):
        got = store.get(f"u{i}", T2I)
        assert got is not None
        assert (got.model_id, got.credit) == (ids[i % len(ids)], i)
