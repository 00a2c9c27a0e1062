"""The ``chatkit`` command. Heavy libraries load only inside the subcommands that need them."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from chatkit.errors import ChatkitError

log = logging.getLogger("chatkit")


def _chat(args: argparse.Namespace) -> int:
    from adapters.console import ConsoleChat
    from chatkit.bot import ChatBot

    settings = _settings(args)
    bot = ChatBot.from_config(settings=settings)
    return ConsoleChat(bot, conversation=args.conversation, system_prompt=args.system).run()


def _config_show(args: argparse.Namespace) -> int:
    sys.stdout.write(_settings(args).to_toml())
    return 0


def _settings(args: argparse.Namespace):  # -> Settings, imported lazily
    from chatkit.config import load_settings

    settings = load_settings(args.config)
    if getattr(args, "model", None):
        settings = settings.updated("model", path=args.model)
    if getattr(args, "device", None):
        settings = settings.updated("model", device=args.device)
    decoding = {k: v for k, v in {"preset": getattr(args, "preset", None), "max_new_tokens": getattr(args, "max_new_tokens", None),
                                  "temperature": getattr(args, "temperature", None), "seed": getattr(args, "seed", None)}.items()
                if v is not None}
    if decoding:
        settings = settings.updated("decoding", **decoding)
    return settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chatkit", description="Chatbots that are safe to put in front of people.")
    parser.add_argument("--version", action="version", version=f"chatkit {_version()}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="FILE", help="config file (default: $CHATKIT_CONFIG or ./chatkit.toml)")

    chat = sub.add_parser("chat", parents=[common], help="chat in the terminal",
                          description="Chat in the terminal. Reads one message per line when stdin is not a terminal.")
    chat.add_argument("--model", metavar="PATH", help="local model directory (default: the bundled model)")
    chat.add_argument("--device", help="auto, cpu, cuda, cuda:N or mps")
    chat.add_argument("--conversation", default="console", metavar="NAME", help="conversation to continue (default: console)")
    chat.add_argument("--system", metavar="TEXT", help="system prompt for this conversation")
    chat.add_argument("--preset", help="decoding preset: greedy, balanced or creative")
    chat.add_argument("--max-new-tokens", type=int, metavar="N", help="longest reply in tokens")
    chat.add_argument("--temperature", type=float, help="sampling temperature (0: greedy)")
    chat.add_argument("--seed", type=int, help="fixed sampling seed, for reproducible replies")
    chat.set_defaults(func=_chat)

    config = sub.add_parser("config", help="show the configuration")
    config_sub = config.add_subparsers(dest="action", required=True, metavar="ACTION")
    show = config_sub.add_parser("show", parents=[common], help="print the effective configuration as TOML")
    show.set_defaults(func=_config_show)
    return parser


def _version() -> str:
    from chatkit import __version__

    return __version__


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    # No model hub is reachable, and chatkit never needs one: fail fast instead of waiting on the network.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    try:
        return int(args.func(args))
    except ChatkitError as e:
        print(f"chatkit: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
