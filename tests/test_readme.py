"""The README's examples, run as a user would run them: copied out of the README into a fresh directory.

They run on the bundled ``tiny`` model (a config file names it; ``CHATKIT_CONFIG`` points at it), so the suite
downloads nothing; everything else is the README's text as written.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from chatkit.config import validate_settings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BIN = Path(sys.executable).parent  # the installed `chatkit` command lives next to this Python


def fenced_blocks(text: str) -> list[tuple[str, str]]:
    """(language, code) of every fenced block, in order."""
    blocks, lang, lines = [], None, []
    for line in text.splitlines():
        if line.startswith("```"):
            if lang is None:
                lang, lines = line[3:].strip(), []
            else:
                blocks.append((lang, "\n".join(lines) + "\n"))
                lang = None
        elif lang is not None:
            lines.append(line)
    return blocks


def block(lang: str, containing: str) -> str:
    found = [code for kind, code in fenced_blocks(README) if kind == lang and containing in code]
    assert len(found) == 1, f"expected one {lang} block with {containing!r} in the README, found {len(found)}"
    return found[0]


@pytest.fixture
def user_dir(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A fresh directory and the environment of a user whose config picks the tiny model."""
    config = tmp_path / "tiny.toml"
    config.write_text(f'[model]\npath = "tiny"\n[store]\npath = "{tmp_path / "conversations.sqlite3"}"\n')
    env = {**os.environ, "CHATKIT_CONFIG": str(config), "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
           "XDG_DATA_HOME": str(tmp_path / "data")}
    env.pop("PYTHONPATH", None)
    work = tmp_path / "work"
    work.mkdir()
    return work, env


def run(cmd: list[str] | str, cwd: Path, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env, input=stdin, capture_output=True, text=True, timeout=300,
                          shell=isinstance(cmd, str), executable="/bin/bash" if isinstance(cmd, str) else None)


@pytest.mark.slow
def test_the_embedding_example(user_dir: tuple[Path, dict[str, str]]) -> None:
    work, env = user_dir
    (work / "example.py").write_text(block("python", "ChatBot.from_config() as bot"))
    done = run([sys.executable, "example.py"], work, env)
    assert done.returncode == 0, done.stderr
    assert "Usage(prompt_tokens=" in done.stdout and "Verdict(policy=" in done.stdout
    assert "Warning" not in done.stderr, f"third-party warnings reach a library user: {done.stderr}"


@pytest.mark.slow
def test_the_scripted_chat_example(user_dir: tuple[Path, dict[str, str]]) -> None:
    work, env = user_dir
    command = next(line for line in block("sh", "| chatkit chat").splitlines() if "| chatkit chat" in line)
    done = run(command, work, env)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 2 and all(line.strip() for line in done.stdout.splitlines())


def test_the_custom_policy_example_works_from_a_fresh_directory(user_dir: tuple[Path, dict[str, str]]) -> None:
    work, env = user_dir
    code = block("python", "# mybot/policies.py")
    (work / "mybot").mkdir()
    (work / "mybot" / "policies.py").write_text(code)
    rule = block("toml", "[policies.shouting]")
    (work / "chatkit.toml").write_text('[model]\npath = "tiny"\n' + rule)
    elsewhere = work.parent / "elsewhere"  # the chatkit command run from another directory still finds mybot/
    elsewhere.mkdir()
    done = run(["chatkit", "moderate", "--stage", "input", "--config", str(work / "chatkit.toml")], elsewhere, env,
               stdin="WHY IS EVERYONE SHOUTING\nhello there, friend\n")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert '"policy": "shouting", "action": "flag"' in lines[0] and '"policy": "shouting", "action": "allow"' in lines[1]


def test_the_configuration_reference_is_valid() -> None:
    data = tomllib.loads(block("toml", "[model]\npath = "))
    settings = validate_settings(data, "README.md")
    assert settings.model.path == "smollm2-135m" and settings.model.max_context_tokens == 2048
    shown = tomllib.loads(settings.to_toml())
    assert shown["model"] == data["model"], "the README shows the defaults `chatkit config show` prints"


def test_every_command_of_the_command_line_reference_exists() -> None:
    from chatkit.cli import build_parser

    reference = block("", "chatkit chat [--config FILE]")
    commands = {line.split()[1] for line in reference.splitlines()
                if line.startswith("chatkit ") and not line.startswith("chatkit --")}
    parser = build_parser()
    for command in commands:
        with pytest.raises(SystemExit) as done:
            parser.parse_args([command, "--help"])
        assert done.value.code == 0, command


@pytest.mark.slow
def test_the_lora_example_in_three_commands(user_dir: tuple[Path, dict[str, str]]) -> None:
    work, env = user_dir
    commands = [line.split("#")[0].strip() for line in block("sh", "chatkit train-lora").splitlines() if line.strip()]
    assert len(commands) == 3
    make, train, chat = commands
    assert run(make.replace("tools/", f"{ROOT}/tools/"), work, env).returncode == 0
    trained = run(train, work, env)
    assert trained.returncode == 0, trained.stderr
    assert "adapter written to my-adapter" in trained.stdout
    done = run(chat, work, env, stdin="hi, do you sell books?\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()


@pytest.mark.slow
def test_the_http_examples_against_chatkit_serve(user_dir: tuple[Path, dict[str, str]]) -> None:
    from chatkit.testing import free_port, wait_until_serving

    work, env = user_dir
    port = free_port()
    here = f"127.0.0.1:{port}"  # the README's 127.0.0.1:8000, on a port that is free here
    start = next(line.split("#")[0].strip() for line in block("sh", "chatkit serve").splitlines() if "chatkit serve" in line)
    server = subprocess.Popen(f"exec {start} --port {port}", shell=True, cwd=work, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    try:
        assert wait_until_serving(f"http://{here}/healthz", server, 120), server.communicate()[1][-2000:]
        (work / "client.py").write_text(block("python", "client.chat.completions").replace("127.0.0.1:8000", here))
        done = run([sys.executable, "client.py"], work, env)
        assert done.returncode == 0, done.stderr
        first, second = done.stdout.splitlines()[:2]
        assert first.rsplit(" ", 1)[1] in ("stop", "length", "content_filter") and second.strip()
        curls = [line for line in block("sh", "curl -s").splitlines() if line.startswith("curl")]
        outputs = [run(c.replace("127.0.0.1:8000", here), work, env).stdout for c in curls]
        assert '"conversation_id":"alice"' in outputs[0] and "event: reply" in outputs[1]
        assert outputs[2].count('"role":"user"') == 2
        (work / "moderate.py").write_text(block("python", "client.moderations").replace("127.0.0.1:8000", here))
        done = run([sys.executable, "moderate.py"], work, env)
        assert done.returncode == 0 and done.stdout.startswith("[False, "), done.stderr
    finally:
        server.terminate()
        server.wait(60)


def test_the_model_server_example_is_a_valid_config() -> None:
    settings = validate_settings(tomllib.loads(block("toml", 'backend = "openai"')), "README.md")
    assert settings.model.backend == "openai" and settings.adapters.served == {"bookshop": "bookshop"}


@pytest.mark.slow
async def test_the_embedded_telegram_example_answers(user_dir: tuple[Path, dict[str, str]]) -> None:
    import asyncio

    from telegram_server import FakeBotAPI

    work, env = user_dir
    api = FakeBotAPI()
    await api.start()
    # the README's code as written; only the Bot API server is the test one (aiogram's default is bound at import)
    redirect = ("import aiogram.client.session.base as _base\n"
                "from aiogram.client.telegram import TelegramAPIServer as _Server\n"
                "_defaults = list(_base.BaseSession.__init__.__defaults__)\n"
                f"_defaults[0] = _Server.from_base({api.url!r})\n"
                "_base.BaseSession.__init__.__defaults__ = tuple(_defaults)\n")
    (work / "mybot.py").write_text(redirect + block("python", "build_router(chatbot)"))
    proc = await asyncio.create_subprocess_exec(sys.executable, "mybot.py", cwd=work, env=env,
                                                stderr=asyncio.subprocess.PIPE)
    try:
        api.message("hello there", user=5)
        replies = await api.wait_for("sendMessage", 1, chat=5, timeout=120)
        assert replies[0]["text"].strip()
    finally:
        proc.terminate()
        await proc.wait()
        await api.stop()


def test_the_per_category_actions_example_does_what_it_says() -> None:
    from chatkit.build import policies_from_settings
    from chatkit.policies.base import Action, PolicyContext, Stage

    settings = validate_settings({"policies": tomllib.loads(block("toml", "[policies.toxicity.options]"))["policies"]},
                                 "README")
    toxicity = next(p for p in policies_from_settings(settings).output if p.name == "toxicity")
    assert toxicity.check("you are an idiot", PolicyContext(Stage.INPUT)).action == Action.BLOCK
    assert toxicity.check("this fucking printer is broken again", PolicyContext(Stage.INPUT)).action == Action.ALLOW
    assert toxicity.check("this fucking printer is broken again", PolicyContext(Stage.OUTPUT)).action == Action.REGENERATE
    assert toxicity.thresholds == {"hate": 0.9}


def test_the_guard_policy_example_builds_the_policy() -> None:
    from chatkit.policies.guard import GuardPolicy
    from chatkit.policies.registry import build_policy_set

    settings = validate_settings(tomllib.loads(block("toml", "[policies.guard]\nstages")), "README.md")
    policies = build_policy_set({"guard": settings.policies.rules["guard"]})
    assert isinstance(policies.input[0], GuardPolicy) and policies.output == policies.input
    assert policies.input[0].format == "llama-guard-3"
