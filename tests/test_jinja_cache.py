"""The compiled-template cache (:mod:`skill._jinja_cache`): used when it can be, never a reason
for a message to fail, and written only when Python itself would write bytecode."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
import pytest
from jinja2.bccache import bc_magic

from skill._jinja_cache import QuietBytecodeCache, cache_for
from skill.render.templates import environment as _environment

OPTIONS: dict[str, Any] = {"trim_blocks": True}


class Counting(jinja2.Environment):
    """An environment that counts the templates it compiles from source."""

    compiled = 0

    def compile(self, *args: Any, **kwargs: Any) -> Any:
        type(self).compiled += 1
        return super().compile(*args, **kwargs)


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "hello.j2").write_text("Hello {{ name }}!\n", encoding="utf-8")
    return folder


@pytest.fixture(autouse=True)
def python_writes_bytecode(monkeypatch: pytest.MonkeyPatch) -> None:
    # The suite may run under PYTHONDONTWRITEBYTECODE; each test says what it wants.
    monkeypatch.setattr("sys.dont_write_bytecode", False)
    Counting.compiled = 0


def render(templates: Path, cache: jinja2.BytecodeCache | None) -> str:
    env = Counting(loader=jinja2.FileSystemLoader(str(templates)), bytecode_cache=cache, **OPTIONS)
    return env.get_template("hello.j2").render(name="Ada")


def test_a_second_process_loads_the_compiled_template(templates: Path, tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    folder.mkdir()
    assert render(templates, QuietBytecodeCache(str(folder))) == "Hello Ada!"
    assert Counting.compiled == 1
    assert len(list(folder.iterdir())) == 1
    # A fresh environment and cache object, as in the next run of the command.
    assert render(templates, QuietBytecodeCache(str(folder))) == "Hello Ada!"
    assert Counting.compiled == 1


def test_a_changed_template_is_compiled_again(templates: Path, tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    folder.mkdir()
    render(templates, QuietBytecodeCache(str(folder)))
    (templates / "hello.j2").write_text("Hi {{ name }}.\n", encoding="utf-8")
    assert render(templates, QuietBytecodeCache(str(folder))) == "Hi Ada."
    assert Counting.compiled == 2


def test_nothing_is_written_when_python_writes_no_bytecode(
    templates: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.dont_write_bytecode", True)
    folder = tmp_path / "cache"
    folder.mkdir()
    assert render(templates, QuietBytecodeCache(str(folder))) == "Hello Ada!"
    assert list(folder.iterdir()) == []


def test_a_folder_that_cannot_be_written_only_costs_a_compile(
    templates: Path, tmp_path: Path
) -> None:
    cache = QuietBytecodeCache(str(tmp_path / "gone"))  # never created
    assert render(templates, cache) == "Hello Ada!"
    assert render(templates, cache) == "Hello Ada!"
    assert Counting.compiled == 2


def test_a_broken_cache_file_only_costs_a_compile(templates: Path, tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    folder.mkdir()
    render(templates, QuietBytecodeCache(str(folder)))
    (cached,) = folder.iterdir()
    # Cut short inside the checksum, as by a full disk (Jinja itself only copes with a cut in
    # the code that follows it).
    cached.write_bytes(cached.read_bytes()[: len(bc_magic) + 3])
    assert render(templates, QuietBytecodeCache(str(folder))) == "Hello Ada!"
    assert Counting.compiled == 2


def test_other_options_use_other_files() -> None:
    plain, trimmed = cache_for({}), cache_for({"trim_blocks": True})
    assert isinstance(plain, QuietBytecodeCache)
    assert isinstance(trimmed, QuietBytecodeCache)
    assert plain.pattern != trimmed.pattern
    assert plain.pattern == cache_for({}).pattern  # the same options, the same files


def test_no_private_folder_means_no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    def unsafe(self: object) -> str:
        raise RuntimeError("Cannot determine safe temp directory.")

    monkeypatch.setattr(QuietBytecodeCache, "_get_default_cache_dir", unsafe)
    assert cache_for(OPTIONS) is None


def test_the_renderer_uses_the_cache() -> None:
    assert isinstance(_environment("zh").bytecode_cache, QuietBytecodeCache)
