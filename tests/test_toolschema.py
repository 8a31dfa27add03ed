"""The generate_image tool: valid JSON Schema shape, and every argument is a real `run` flag."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from typing import Any

import pytest

from skill.cli import build_parser
from skill.toolschema import (
    PARAMETERS,
    RUN_FLAGS,
    TEXT_ENV,
    TOOL_NAME,
    anthropic_tool,
    openai_tool,
    run_command,
)

#: The keywords this schema may use, per JSON Schema (draft 2020-12 validation vocabulary).
KEYWORDS = {
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "maxItems",
    "minLength",
    "enum",
    "default",
    "description",
    "exclusiveMinimum",
}
PY_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "number": (int, float),
}


def validate(schema: dict[str, Any], value: Any, where: str = "$") -> list[str]:
    """Errors of ``value`` under the subset of JSON Schema the tool uses."""
    errors: list[str] = []
    expected = PY_TYPES[schema["type"]]
    if not isinstance(value, expected) or isinstance(value, bool):
        return [f"{where}: expected {schema['type']}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{where}: not one of {schema['enum']}")
    if "minLength" in schema and len(value) < schema["minLength"]:
        errors.append(f"{where}: too short")
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        errors.append(f"{where}: too many items")
    if "exclusiveMinimum" in schema and not value > schema["exclusiveMinimum"]:
        errors.append(f"{where}: too small")
    if schema["type"] == "array":
        for i, item in enumerate(value):
            errors += validate(schema["items"], item, f"{where}[{i}]")
    if schema["type"] == "object":
        errors += [f"{where}: missing {k}" for k in schema.get("required", []) if k not in value]
        for key, item in value.items():
            if key in schema["properties"]:
                errors += validate(schema["properties"][key], item, f"{where}.{key}")
            elif schema.get("additionalProperties") is False:
                errors.append(f"{where}: unexpected {key}")
    return errors


def walk(schema: dict[str, Any], where: str = "$") -> None:
    """Assert that every node is a well-formed schema of the subset."""
    assert set(schema) <= KEYWORDS, f"{where}: {set(schema) - KEYWORDS}"
    assert schema["type"] in PY_TYPES, where
    if schema["type"] == "object":
        assert set(schema["required"]) <= set(schema["properties"]), where
        for key, sub in schema["properties"].items():
            assert sub.get("description"), f"{where}.{key} needs a description"
            walk(sub, f"{where}.{key}")
    if schema["type"] == "array":
        walk(schema["items"], f"{where}[]")
    if "default" in schema:
        assert validate(schema, schema["default"]) == [], f"{where}: default is invalid"


def test_both_formats_carry_the_same_valid_schema() -> None:
    openai, anthropic = openai_tool(), anthropic_tool()
    assert openai["type"] == "function"
    assert set(openai["function"]) == {"name", "description", "parameters"}
    assert set(anthropic) == {"name", "description", "input_schema"}
    assert openai["function"]["name"] == anthropic["name"] == TOOL_NAME
    assert openai["function"]["parameters"] == anthropic["input_schema"] == PARAMETERS
    assert 0 < len(anthropic["description"]) < 1024
    walk(PARAMETERS)


def test_the_validator_used_here_can_fail() -> None:
    assert validate(PARAMETERS, {"text": "画一只猫"}) == []
    assert validate(PARAMETERS, {}) != []
    assert validate(PARAMETERS, {"text": "x", "lang": "fr"}) != []
    assert validate(PARAMETERS, {"text": "x", "timeout": 0}) != []
    assert validate(PARAMETERS, {"text": "x", "color": "red"}) != []
    assert validate(PARAMETERS, {"text": "x", "images": ["a"] * 15}) != []


def run_parser() -> argparse.ArgumentParser:
    (commands,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    parser: argparse.ArgumentParser = commands.choices["run"]
    return parser


def test_every_argument_is_a_real_run_flag() -> None:
    assert set(RUN_FLAGS) == set(PARAMETERS["properties"])
    actions = {opt: a for a in run_parser()._actions for opt in a.option_strings}
    for name, flag in RUN_FLAGS.items():
        assert flag in actions, f"{name} -> {flag} is not a run flag"
        schema = PARAMETERS["properties"][name]
        action = actions[flag]
        if "enum" in schema:
            assert list(schema["enum"]) == list(action.choices or ())
        if "default" in schema:
            assert schema["default"] == action.default


def test_a_tool_call_becomes_the_run_it_describes() -> None:
    arguments = {
        "text": '画一只猫"; rm -rf ~ #',
        "images": ["/tmp/a.png", "https://example.com/b.jpg"],
        "user_id": "ou_42",
        "lang": "zh",
        "timeout": 90,
        "out_dir": "/tmp/out",
    }
    assert validate(PARAMETERS, arguments) == []
    argv, env = run_command(arguments)
    # The message stays out of the argument list: it is in the environment.
    assert all(arguments["text"] not in a for a in argv)
    assert env == {TEXT_ENV: arguments["text"]}
    ns = build_parser().parse_args(argv)
    assert ns.command == "run"
    assert ns.text is None
    assert ns.text_env == TEXT_ENV
    assert ns.output_format == "jsonl"
    assert ns.image == arguments["images"]
    assert (ns.user_id, ns.lang, ns.timeout, ns.out_dir) == ("ou_42", "zh", 90.0, "/tmp/out")


def test_minimal_call_uses_runs_defaults() -> None:
    argv, _ = run_command({"text": "a cat"})
    ns = build_parser().parse_args(argv)
    assert (ns.user_id, ns.lang, ns.image, ns.timeout) == ("default", "auto", [], None)
    with pytest.raises(ValueError, match="unknown"):
        run_command({"text": "x", "model": "gemini-3-pro-image"})
    with pytest.raises(ValueError, match="text"):
        run_command({"images": []})


@pytest.mark.parametrize("fmt", ["openai", "anthropic", "both"])
def test_command_prints_the_schema(fmt: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "skill", "tool-schema", "--format", fmt],
        capture_output=True,
        text=True,
        check=True,
    )
    out = json.loads(result.stdout)
    expected = {"openai": openai_tool(), "anthropic": anthropic_tool()}
    assert out == (expected if fmt == "both" else expected[fmt])
