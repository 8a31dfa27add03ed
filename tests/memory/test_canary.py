"""A canary key must never reach stdout, stderr, log files, preferences or the journal.

This covers the memory layer now; the full-run canary (every failure of ``run``, a server
message quoting the key) lands with the conversation.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import socket
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from skill.ima import Plan
from skill.job import Job, JobRequest
from skill.logs import install_redacting_streams, register_secret, setup_logging
from skill.store import PreferenceStore, TaskJournal

CANARY = "ima_CANARY_7c1d0f9e2b8a4d63aa51"
FRAGMENT = CANARY[len("ima_") :]  # even the part after the prefix must not appear


def all_bytes_under(folder: Path) -> dict[Path, bytes]:
    """Every regular file below ``folder`` and its content."""
    return {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _assert_clean(where: dict[str, bytes]) -> None:
    for name, raw in where.items():
        assert CANARY.encode() not in raw, f"canary key in {name}"
        assert FRAGMENT.encode() not in raw, f"part of the canary key in {name}"


def test_canary_never_reaches_disk_or_streams_through_the_library(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("IMA_API_KEY", CANARY)
    register_secret(CANARY)  # what the IMA client does with the key it is given
    monkeypatch.setattr(sys, "stdout", sys.stdout)  # restored after the test
    monkeypatch.setattr(sys, "stderr", sys.stderr)
    install_redacting_streams()
    setup_logging()
    log = logging.getLogger("skill.ima.client")

    log.info("POST /open/v1/tasks/create Authorization: Bearer %s", CANARY)
    log.warning(f"server said: 401 key {CANARY} is invalid")
    try:
        raise PermissionError(f"401 from server: {{'message': 'bad key {CANARY}'}}")
    except PermissionError:
        log.exception("create failed")
    journal = TaskJournal()
    job = journal.record(
        Job(
            request=JobRequest(
                model_id="gemini-3-pro-image",
                size="4K",
                prompt=f"draw the words {CANARY}",
                language="en",
                user_id="u1",
            ),
            plan=Plan(
                task_type="text_to_image",
                model_id="gemini-3-pro-image",
                model_name="Nano Banana Pro",
                model_version="v1",
                attribute_id=1,
                credit=10,
                size="4K",
            ),
            task_ids=["t-canary"],
            created_at=datetime.now(timezone.utc).isoformat(),
        )
    )
    assert CANARY not in job.request.prompt  # what the journal hands back is the stored job
    finished_at = datetime.now(timezone.utc).isoformat()
    journal.record(job.model_copy(update={"status": "failed", "finished_at": finished_at}))
    PreferenceStore().save(
        "u1",
        "text_to_image",
        model_id="gemini-3-pro-image",
        model_name="Nano Banana Pro",
        credit=10,
    )
    print(f"an unexpected message quoting {CANARY}")
    print(f"and on stderr {CANARY}", file=sys.stderr)

    out, err = capsys.readouterr()
    for handler in logging.getLogger().handlers:
        handler.flush()
    files = all_bytes_under(home)
    assert any(p.suffix == ".log" for p in files)  # the layer really wrote something
    assert any(p.parent.name == "finished" and p.parent.parent.name == "ima_tasks" for p in files)
    assert "ima_***" in out
    assert "ima_***" in err
    _assert_clean({str(p): raw for p, raw in files.items()})
    _assert_clean({"stdout": out.encode(), "stderr": err.encode()})


def test_canary_pasted_beside_the_prompt_never_reaches_the_journal(home: Path) -> None:
    register_secret(CANARY)
    journal = TaskJournal()
    journal.record(
        Job(
            request=JobRequest(
                prompt="a cat",
                input_images=(f"https://img.example/cat.png?k={CANARY}",),
                extra_params={"note": f"key {CANARY}"},
                user_id="u1",
            ),
            task_ids=["t-canary-2"],
        )
    )
    files = all_bytes_under(home)
    assert any(p.parent.name == "pending" and p.suffix == ".json" for p in files)
    _assert_clean({str(p): raw for p, raw in files.items()})


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(HOME=str(home), IMA_API_KEY=CANARY, **extra)
    return env


def test_canary_in_the_environment_never_reaches_prefs_command_output(tmp_path: Path) -> None:
    outputs: dict[str, bytes] = {}
    for args in (
        ["set", "--user-id", "u1", "--model-id", "gemini-3-pro-image"],
        ["set", "--user-id", "u1", "--model-id", CANARY],  # refused, and the refusal is redacted
        ["show"],
        ["clear"],
    ):
        result = subprocess.run(
            [sys.executable, "-m", "skill", "prefs", *args],
            env=_env(tmp_path),
            capture_output=True,
            check=False,
            timeout=60,
        )
        outputs[f"{args[0]} stdout"] = result.stdout
        outputs[f"{args[0]} stderr"] = result.stderr
    assert b"ima_***" in outputs["set stderr"]
    _assert_clean(outputs)
    _assert_clean({str(p): raw for p, raw in all_bytes_under(tmp_path).items()})


CREATE = [sys.executable, "-m", "skill", "create", "--task-type", "text_to_image"]


def _closed_loopback_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"  # nothing listens there once the socket is closed


@pytest.mark.skipif(
    importlib.util.find_spec("skill.commands.create") is None,
    reason="the create command has not landed yet",
)
def test_canary_by_flag_never_reaches_create_output_or_files(tmp_path: Path) -> None:
    dead = _closed_loopback_url()
    result = subprocess.run(
        [*CREATE, "--api-key", CANARY, "--prompt", "a cat", "--output-json"],
        env=_env(tmp_path, IMA_BASE_URL=dead, IMA_IM_BASE_URL=dead),
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert result.returncode != 0  # nothing listens: the generation cannot succeed
    _assert_clean({"stdout": result.stdout, "stderr": result.stderr})
    _assert_clean({str(p): raw for p, raw in all_bytes_under(tmp_path).items()})
