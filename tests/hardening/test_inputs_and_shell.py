"""Image-to-image inputs go out only as https URLs (plain http only toward loopback), passed
as they are and never fetched here; refusals say so plainly and send nothing. User text never
reaches a shell: the package starts no process at all, and shell syntax in a message is just
words in the prompt."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

import skill
from skill.ima import InvalidImage
from skill.ima.upload import check_url, validate_inputs
from skill.sim import SimServer
from tests.conftest import SimEnv
from tests.hardening.helpers import events, listener

PACKAGE = Path(skill.__file__).resolve().parent
EDIT_ZH = "把它变成蓝色"


@pytest.mark.parametrize(
    "url",
    [
        "https://cdn.example.com/a.png",
        "https://cdn.example.com/a.png?sig=x&y=1",
        "http://127.0.0.1:8765/_sim/files/a.png",
        "http://127.5.6.7/a.png",
        "http://[::1]:9/a.png",
        "http://localhost/a.png",
    ],
)
def test_https_or_loopback_http_urls_pass_unchanged(url: str) -> None:
    assert check_url(url) == url
    assert validate_inputs([url]) == [url]


@pytest.mark.parametrize(
    "url",
    [
        "http://cdn.example.com/a.png",
        "http://10.0.0.1/a.png",
        "http://169.254.169.254/latest/meta-data",  # cloud metadata: never a plain-http target
        "ftp://cdn.example.com/a.png",
        "file:///etc/passwd",
        "javascript://alert(1)",
        "gopher://127.0.0.1/a.png",
        "https:///a.png",
    ],
)
def test_other_urls_are_refused_as_not_https(url: str) -> None:
    with pytest.raises(InvalidImage) as caught:
        validate_inputs([url])
    assert caught.value.why == "not_https"


def test_a_data_uri_is_not_a_url_and_not_a_file() -> None:
    with pytest.raises(InvalidImage) as caught:
        validate_inputs(["data:image/png;base64,iVBORw0KGgo="])
    assert caught.value.why == "missing"  # read as a file name, which does not exist


def test_run_refuses_a_plain_http_image_and_sends_nothing(
    fast_sim_server: SimServer, sim_env: SimEnv
) -> None:
    url = "http://cdn.example.com/a.png"  # the other refused forms share check_url (above)
    result = events(sim_env(fast_sim_server), "run", "--format", "jsonl", EDIT_ZH, "--image", url)
    assert result.code == 2, result.err
    result.assert_clean()
    failure = result.one("failure")
    assert failure["reason"] == "invalid_image"
    assert "https" in failure["text"]  # says what a usable link looks like
    assert fast_sim_server.sim.requests == []  # not even the product list


def test_create_refuses_a_plain_http_image_and_sends_nothing(
    fast_sim_server: SimServer, sim_env: SimEnv
) -> None:
    result = events(
        sim_env(fast_sim_server),
        "create",
        "--task-type",
        "image_to_image",
        "--prompt",
        "make it blue",
        "--input-images",
        "http://cdn.example.com/a.png",
        "--output-json",
    )
    assert result.code == 2
    assert json.loads(result.out)["error"]["reason"] == "invalid_image"
    assert fast_sim_server.sim.requests == []


def test_an_image_url_is_passed_on_as_it_is_and_never_fetched_here(
    fast_sim_server: SimServer, sim_env: SimEnv
) -> None:
    with listener() as ear:
        url = f"{ear.url}/photo.png?size=big"
        result = events(
            sim_env(fast_sim_server), "run", "--format", "jsonl", EDIT_ZH, "--image", url
        )
        assert ear.connections() == 0  # we never download the person's image
    assert result.code == 0, result.err
    creates = [r for r in fast_sim_server.sim.requests if r.path == "/open/v1/tasks/create"]
    assert len(creates) == 1
    assert url in creates[0].body.decode()


# --- no shell, no processes ----------------------------------------------------------------
#: Modules of the package allowed to start processes, with why. None today: keep it that way
#: unless a reason is written here.
ALLOWED_PROCESS_USE: dict[str, str] = {}
_FORBIDDEN_MODULES = {"subprocess", "pty", "pexpect", "commands"}
_FORBIDDEN_CALLS = {
    ("os", "system"),
    ("os", "popen"),
    ("os", "fork"),
    ("os", "forkpty"),
    ("asyncio", "create_subprocess_exec"),
    ("asyncio", "create_subprocess_shell"),
}
_FORBIDDEN_PREFIXES = (("os", "exec"), ("os", "spawn"), ("os", "posix_spawn"))


def _problems(tree: ast.AST) -> list[str]:
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if a.name in _FORBIDDEN_MODULES]
        elif isinstance(node, ast.ImportFrom) and node.module in _FORBIDDEN_MODULES:
            found.append(f"from {node.module} import ...")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            pair = (node.value.id, node.attr)
            if pair in _FORBIDDEN_CALLS or any(
                pair[0] == mod and pair[1].startswith(prefix) for mod, prefix in _FORBIDDEN_PREFIXES
            ):
                found.append(".".join(pair))
        elif isinstance(node, ast.keyword) and node.arg == "shell":
            found.append("shell=")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("eval", "exec", "__import__")
        ):
            found.append(f"{node.func.id}()")
    return found


def test_the_package_starts_no_process_and_evaluates_no_text() -> None:
    sources = sorted(PACKAGE.rglob("*.py"))
    assert len(sources) > 30
    report = {}
    for path in sources:
        name = str(path.relative_to(PACKAGE.parent))
        problems = _problems(ast.parse(path.read_text("utf-8"), filename=name))
        if problems and name not in ALLOWED_PROCESS_USE:
            report[name] = problems
    assert report == {}


def test_the_checker_catches_what_it_looks_for() -> None:
    sample = "import subprocess\nimport os\nos.system('x')\nos.execvp('a', [])\nf(shell=True)\n"
    assert _problems(ast.parse(sample)) == [
        "import subprocess",
        "os.system",
        "os.execvp",
        "shell=",
    ]


SHELLY = "画一只猫 $(touch pwned_a) `touch pwned_b`; touch pwned_c && echo $IMA_API_KEY | x"


@pytest.mark.parametrize("how", ["argument", "text-env"])
def test_shell_syntax_in_a_message_is_only_words(
    fast_sim_server: SimServer, sim_env: SimEnv, tmp_path: Path, how: str
) -> None:
    env = sim_env(fast_sim_server, USER_MESSAGE=SHELLY)
    args = [SHELLY] if how == "argument" else ["--text-env", "USER_MESSAGE"]
    result = events(env, "run", "--format", "jsonl", *args)
    assert result.code == 0, result.err
    (create,) = [r for r in fast_sim_server.sim.requests if r.path == "/open/v1/tasks/create"]
    assert "$(touch pwned_a)" in create.body.decode()  # reached the server as words
    made = [p.name for p in tmp_path.rglob("pwned_*")] + [
        p.name for p in Path.cwd().glob("pwned_*")
    ]
    assert made == []
