"""Wire models tolerate what the server is loose about."""

from __future__ import annotations

from ima_fakes import product_list

from skill.ima.tasks import snapshot
from skill.ima.wire import CreateResponse, Envelope, Media, ProductList, ProductNode, TaskDetail


def test_reference_lists_parse_with_unknown_fields_ignored() -> None:
    for category in ("text_to_image", "image_to_image"):
        env = Envelope[ProductList].model_validate(product_list(category))
        assert env.ok
        assert env.data is not None
        groups = [n.type for n in env.data]
        assert set(groups) == {"2"}


def test_loose_node_fields() -> None:
    node = ProductNode.model_validate(
        {"id": 12, "type": 3, "children": None, "form_config": None, "credit_rules": None}
    )
    assert (node.id, node.type, node.is_leaf, node.children) == ("12", "3", True, [])


def test_media_numbers_as_strings_and_blank_status() -> None:
    for raw in (None, ""):
        assert Media.model_validate({"resource_status": raw}).resource_status == 0
    m = Media.model_validate({"resource_status": "1", "width": "1024", "height": "", "x": 1})
    assert (m.resource_status, m.width, m.height) == (1, 1024, None)


def test_task_id_may_be_a_number() -> None:
    assert CreateResponse.model_validate({"id": 98765, "medias": None}).id == "98765"


def test_snapshot_states() -> None:
    def state(*medias: dict[str, object]) -> str:
        return snapshot("t", TaskDetail.model_validate({"medias": list(medias)})).state

    assert state() == "pending"
    assert state({"resource_status": None, "status": "pending"}) == "pending"
    assert state({"resource_status": 0, "status": "processing"}) == "processing"
    assert state({"resource_status": 1, "status": "success", "url": "https://u"}) == "done"
    assert state({"resource_status": 1, "status": "success", "watermark_url": "https://w"}) == (
        "done"
    )
    # Done needs every media done and a URL on the first.
    assert state({"resource_status": 1, "url": "https://u"}, {"resource_status": 0}) != "done"
    assert state({"resource_status": 1, "status": "success"}) != "done"
    assert state({"resource_status": 3}) == "failed"
    assert state({"resource_status": 1, "status": "failed"}) == "failed"
