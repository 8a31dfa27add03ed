"""The ``ima-nano-banana`` command line.

Thin on purpose: it parses arguments and hands each command to its module in
``skill.commands``, imported only when that command runs (``parse`` must start fast).
Exit codes (docs/contracts.md): 0 the image was made; 1 the generation failed and the person
was told; 2 bad usage or bad input, and also a package the skill needs that is not installed
(one line on stderr, no traceback; nothing was sent or charged); 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import TypeAlias

from skill.exits import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE

__all__ = ["EXIT_FAILED", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USAGE", "build_parser", "main"]


def _add_text_source(p: argparse.ArgumentParser) -> None:
    p.add_argument("text", nargs="?", help="the chat message (or use --text-env)")
    p.add_argument(
        "--text-env",
        metavar="VAR",
        help="read the message from this environment variable (never quote user text into a shell)",
    )
    p.add_argument(
        "--image",
        action="append",
        default=[],
        metavar="PATH_OR_URL",
        help="an input image (local file or https URL); repeatable",
    )


def _add_key(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--api-key",
        help="accepted for compatibility with the vendor script; prefer IMA_API_KEY",
    )


#: What ``add_subparsers`` returns (argparse names it privately).
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def _add_run(sub: Subparsers) -> None:
    run = sub.add_parser("run", help="the whole conversation for one chat message")
    _add_text_source(run)
    _add_key(run)
    run.add_argument(
        "--user-id",
        default="default",
        help="who is asking: keys saved preferences and, with --chat-id, the follow-up memory",
    )
    run.add_argument(
        "--chat-id",
        help="the chat the message came from: keys the follow-up memory (with --user-id); "
        "with --channel feishu, also the chat to post in",
    )
    run.add_argument("--lang", choices=("auto", "zh", "en"), default="auto")
    run.add_argument("--format", choices=("text", "jsonl"), default="text", dest="output_format")
    run.add_argument("--timeout", type=float, help="give up waiting after this many seconds")
    run.add_argument(
        "--poll-interval",
        type=float,
        help="poll at this fixed interval (seconds); by default polls follow the expected time",
    )
    run.add_argument("--out-dir", help="also download the image into this folder")
    run.add_argument(
        "--channel",
        choices=("stdout", "feishu", "discord"),
        default="stdout",
        help="where replies go: stdout (per --format), or straight to Feishu or Discord",
    )
    run.add_argument("--webhook-url", help="Discord webhook (with --channel discord)")


def _add_parse(sub: Subparsers) -> None:
    parse = sub.add_parser("parse", help="show how a message is understood (no network)")
    _add_text_source(parse)
    parse.add_argument("--json", action="store_true", help="print the intent as JSON")
    # Accepted as run takes them, so an agent passes the same flags to both; the words alone
    # decide what parse says (whether there is a picture to follow is run's business).
    parse.add_argument(
        "--user-id", default="default", help="as for run (does not change the output)"
    )
    parse.add_argument("--chat-id", help="as for run (does not change the output)")


def _add_create(sub: Subparsers) -> None:
    create = sub.add_parser("create", help="one generation without the conversation")
    _add_key(create)
    create.add_argument("--task-type", choices=("text_to_image", "image_to_image"))
    create.add_argument("--model-id")
    create.add_argument("--prompt")
    create.add_argument("--size")
    create.add_argument("--aspect-ratio")
    create.add_argument("--input-images", nargs="+", default=[], metavar="X")
    create.add_argument("--extra-params", help="JSON object merged into the inner parameters")
    create.add_argument("--user-id", default="default")
    create.add_argument("--language", choices=("en", "zh"), default="en")
    create.add_argument("--output-json", action="store_true")
    create.add_argument("--list-models", action="store_true")
    create.add_argument("--timeout", type=float)
    create.add_argument(
        "--poll-interval",
        type=float,
        help="poll at this fixed interval (seconds); by default polls follow the expected time",
    )


def _add_models(sub: Subparsers) -> None:
    models = sub.add_parser("models", help="the Nano Banana models, sizes, points and ratios")
    _add_key(models)
    models.add_argument("--task-type", choices=("text_to_image", "image_to_image"))
    models.add_argument("--json", action="store_true")


def _add_prefs(sub: Subparsers) -> None:
    prefs = sub.add_parser("prefs", help="show, set or clear saved model preferences")
    prefs_sub = prefs.add_subparsers(dest="prefs_command", metavar="ACTION")
    prefs_sub.required = True
    shown = "show the saved Nano Banana model choices as JSON"
    p_show = prefs_sub.add_parser("show", help=shown, description=shown + ".")
    p_show.add_argument("--user-id", help="only this user's choices (default: every user's)")
    saved = "save a model as a user's choice for a task type"
    p_set = prefs_sub.add_parser("set", help=saved, description=saved + ".")
    p_set.add_argument("--user-id", required=True, help="the user the choice is saved for")
    p_set.add_argument(
        "--model-id",
        required=True,
        help="a Nano Banana model id: gemini-3.1-flash-image or gemini-3-pro-image",
    )
    p_set.add_argument(
        "--task-type",
        default="text_to_image",
        help="text_to_image (the default) or image_to_image",
    )
    cleared = "forget saved model choices, so the default model is used again"
    p_clear = prefs_sub.add_parser("clear", help=cleared, description=cleared + ".")
    p_clear.add_argument("--user-id", help="only this user's choices (default: every user's)")


def _add_demo(sub: Subparsers) -> None:
    demo = sub.add_parser("demo", help="the whole conversation against the built-in simulator")
    demo.add_argument("text", nargs="?", help="the chat message (default: a sample message)")
    demo.add_argument(
        "--text-env",
        metavar="VAR",
        help="read the message from this environment variable (as make demo does)",
    )
    demo.add_argument(
        "--lang",
        choices=("auto", "zh", "en"),
        default="auto",
        help="the language of the replies (auto: the message's own)",
    )
    demo.add_argument(
        "--format",
        choices=("text", "jsonl"),
        default="text",
        dest="output_format",
        help="text for a person, or one JSON object a line as run --format jsonl prints",
    )
    demo.add_argument("--out-dir", default="out", help="where the picture is saved")


def _add_sim(sub: Subparsers) -> None:
    sim = sub.add_parser("sim", help="serve the IMA simulator on loopback")
    sim.add_argument(
        "--host", default="127.0.0.1", help="a loopback address to listen on (default 127.0.0.1)"
    )
    sim.add_argument(
        "--port",
        type=int,
        default=8765,
        help="the port to listen on (default 8765; 0: any free one)",
    )
    sim.add_argument("--speed", type=float, default=1.0, help="simulated seconds per real second")


def _add_resume(sub: Subparsers) -> None:
    resume = sub.add_parser("resume", help="deliver a task whose run died or timed out")
    _add_key(resume)
    resume.add_argument("task_id", nargs="?")
    resume.add_argument("--user-id")
    resume.add_argument("--lang", choices=("auto", "zh", "en"), default="auto")
    resume.add_argument("--format", choices=("text", "jsonl"), default="text", dest="output_format")
    resume.add_argument("--timeout", type=float)
    resume.add_argument("--out-dir")


def _add_mcp(sub: Subparsers) -> None:
    mcp = sub.add_parser(
        "mcp",
        help="serve the tools over MCP (stdio, or streamable HTTP with --http)",
        description="The MCP server: tools generate_image, list_models, understand_request and "
        "get_last_image. The key comes from IMA_API_KEY in the server's environment only. "
        "Needs the mcp extra: pip install 'ima-nano-banana[mcp]'.",
    )
    mcp.add_argument(
        "--http",
        action="store_true",
        help="serve streamable HTTP at http://HOST:PORT/mcp instead of stdio",
    )
    mcp.add_argument(
        "--host",
        default="127.0.0.1",
        help="with --http: the address to listen on (default 127.0.0.1); any address other "
        "than loopback needs a bearer token in IMA_MCP_TOKEN",
    )
    mcp.add_argument(
        "--port",
        type=int,
        default=8766,
        help="with --http: the port (default 8766; 0: any free one, printed on stderr)",
    )


def _add_serve_feishu(platforms: Subparsers) -> None:
    from skill.serve.feishu.arguments import add_arguments

    add_arguments(
        platforms.add_parser(
            "feishu",
            help="a Feishu bot (long connection by default, or --webhook)",
            description="A Feishu bot of its own: FEISHU_APP_ID and FEISHU_APP_SECRET (with "
            "--webhook also FEISHU_VERIFICATION_TOKEN and FEISHU_ENCRYPT_KEY), IMA_API_KEY, and "
            "IMA_STORE_URL=redis://... to share one app between replicas. See docs/feishu.md. "
            "Needs the feishu extra: pip install 'ima-nano-banana[feishu]'.",
        )
    )


def _add_serve_discord(platforms: Subparsers) -> None:
    discord = platforms.add_parser(
        "discord",
        help="/imagine and its buttons over Discord's interactions endpoint",
        description="Serves Discord's interactions at POST /discord/interactions (and GET "
        "/healthz): no gateway connection, so replicas can share one URL (with "
        "IMA_STORE_URL=redis://...). Needs DISCORD_APPLICATION_ID, DISCORD_PUBLIC_KEY, "
        "DISCORD_BOT_TOKEN and IMA_API_KEY, and the discord extra: "
        "pip install 'ima-nano-banana[discord]'. See docs/discord.md.",
    )
    discord.add_argument(
        "--host", default="127.0.0.1", help="the address to listen on (default 127.0.0.1)"
    )
    discord.add_argument(
        "--port", type=int, default=8767, help="the port (default 8767; 0: any free one)"
    )
    discord.add_argument(
        "--register",
        action="store_true",
        help="create or update the /imagine command through Discord's API, then exit",
    )


#: Each platform ``serve`` has, and what adds its sub-command (its flags live with its bot).
_SERVE_PLATFORMS: dict[str, Callable[[Subparsers], None]] = {
    "discord": _add_serve_discord,
    "feishu": _add_serve_feishu,
}


def _add_serve(sub: Subparsers) -> None:
    serve = sub.add_parser(
        "serve",
        help="a bot of its own on a chat platform (Feishu, Discord)",
        description="A bot that answers people on a chat platform by itself; GET /healthz on its "
        "HTTP port. IMA_SERVE_CONCURRENCY, IMA_BUDGET_USER_CREDITS, IMA_BUDGET_CHAT_CREDITS and "
        "IMA_SERVE_STOP_S set its limits.",
    )
    platforms = serve.add_subparsers(dest="platform", metavar="PLATFORM")
    platforms.required = True
    for add in _SERVE_PLATFORMS.values():
        add(platforms)


def _add_tool_schema(sub: Subparsers) -> None:
    schema = sub.add_parser("tool-schema", help="the generate_image tool for agent frameworks")
    schema.add_argument("--format", choices=("openai", "anthropic", "both"), default="both")


#: Each command and what adds its arguments, in the order ``--help`` lists them.
_COMMANDS: dict[str, Callable[[Subparsers], None]] = {
    "run": _add_run,
    "parse": _add_parse,
    "create": _add_create,
    "models": _add_models,
    "prefs": _add_prefs,
    "demo": _add_demo,
    "sim": _add_sim,
    "resume": _add_resume,
    "tool-schema": _add_tool_schema,
    "mcp": _add_mcp,
    "serve": _add_serve,
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; with ``command``, only that command's arguments.

    Building every command's arguments costs a few milliseconds that ``parse`` and ``run``'s
    first reply should not pay (issue 7), so :func:`main` builds the one named; ``--help``,
    a misspelt command and the tests get them all.
    """
    parser = argparse.ArgumentParser(
        prog="ima-nano-banana",
        description="Nano Banana images on the IMA Open API, with a conversation that never "
        "leaves people waiting in silence.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, add in _COMMANDS.items():
        if command is None or name == command:
            add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script and of ``python -m skill``."""
    words = sys.argv[1:] if argv is None else list(argv)
    named = words[0] if words and words[0] in _COMMANDS else None
    args = build_parser(named).parse_args(words)
    try:
        module = importlib.import_module(f"skill.commands.{args.command.replace('-', '_')}")
        code: int = module.main(args)
    except ModuleNotFoundError as exc:
        missing = _third_party(exc)
        if missing is None:
            raise  # one of our own modules, or the standard library's: a bug, keep the trace
        print(
            f"ima-nano-banana: a package it needs is missing ({missing}); install the skill "
            "with its dependencies: pip install ima-nano-banana (or pip install . in its folder)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # Whoever read our output went away (an agent that stopped, `| head`). Nobody is left
        # to tell; a task already created stays in the journal for `resume`.
        _silence_stdout()
        print("Output closed by the reader; stopped.", file=sys.stderr)
        return EXIT_INTERRUPTED
    return code


def _third_party(exc: ModuleNotFoundError) -> str | None:
    """The top-level name of the missing module when it is a third-party package's, else None
    (a module of the skill's own or of the standard library)."""
    root = (exc.name or "").partition(".")[0]
    if not root or root == "skill" or root in sys.stdlib_module_names:
        return None
    return root


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
