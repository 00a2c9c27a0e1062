from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from chatkit.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _cases(tmp_path: Path, no_template_dir: Path) -> dict[str, tuple[list[str], str]]:
    (tmp_path / "empty").mkdir()
    bad_config = tmp_path / "bad.toml"
    bad_config.write_text("[chat\n")
    no_encoder = tmp_path / "no_encoder.toml"
    no_encoder.write_text(f'[policies.bias]\noptions = {{ engine = "model", encoder_path = "{tmp_path / "absent"}" }}\n')
    return {
        "missing policy model": (["chat", "--config", str(no_encoder)], "policy 'bias' cannot load its model"),
        "missing policy model (moderate)": (["moderate", "--config", str(no_encoder)], "set fail_open = true"),
        "missing model": (["chat", "--model", str(tmp_path / "absent")], "does not exist"),
        "not a model": (["chat", "--model", str(tmp_path / "empty")], "not a model directory"),
        "no chat template": (["chat", "--model", str(no_template_dir)], "no chat template"),
        "malformed config": (["chat", "--config", str(bad_config)], "not valid TOML"),
        "missing config": (["config", "show", "--config", str(tmp_path / "none.toml")], "does not exist"),
        "bad option value": (["chat", "--preset", "wild"], "unknown decoding preset"),
        "corrupt weights": (["chat", "--model", str(_corrupt_model(tmp_path))], "cannot load a causal language model"),
        "no GPU": (["chat", "--model", "tiny", "--device", "cuda"], "device cuda is not available"),
        "no MPS": (["chat", "--model", "tiny", "--device", "mps"], "device mps is not available"),
        "corrupt adapter": (["chat", "--model", "tiny", "--adapter", f"x={_corrupt_adapter(tmp_path)}"], "cannot read"),
        "negative lr": (["train-lora", "data.jsonl", "--out", str(tmp_path / "a"), "--lr", "-1"], "--lr must be above 0"),
        "rank 0": (["train-lora", "data.jsonl", "--out", str(tmp_path / "a"), "--rank", "0"], "--rank must be at least 1"),
        "epochs 0": (["train-lora", "data.jsonl", "--out", str(tmp_path / "a"), "--epochs", "0"], "--epochs must be at least 1"),
        "unwritable out": (["train-lora", str(_chats(tmp_path)), "--out", str(_chats(tmp_path) / "adapter"), "--base", "tiny"],
                           "cannot write"),
        "missing moderate file": (["moderate", str(tmp_path / "missing.txt")], "cannot read"),
        "redis down": (["chat", "--config", str(_config(tmp_path, '[store]\nbackend = "redis"\nurl = "redis://127.0.0.1:9/0"'))],
                       "cannot reach Redis at redis://127.0.0.1:9/0"),
        "bad store path": (["chat", "--config", str(_config(tmp_path, f'[store]\npath = "{_not_sqlite(tmp_path)}"'))],
                           "cannot use"),
    }


def _corrupt_model(tmp_path: Path) -> Path:
    import shutil

    from chatkit.models.catalogue import bundled_model_path

    out = tmp_path / "corrupt-model"
    shutil.copytree(bundled_model_path(), out)
    (out / "model.safetensors").write_bytes((out / "model.safetensors").read_bytes()[:5000])
    return out


def _corrupt_adapter(tmp_path: Path) -> Path:
    import shutil

    from chatkit.models.lora import bundled_adapter

    out = tmp_path / "corrupt-adapter"
    shutil.copytree(bundled_adapter("bookshop-tiny"), out)
    (out / "adapter_model.safetensors").write_bytes(b"\x00" * 64)
    return out


def _chats(tmp_path: Path) -> Path:
    path = tmp_path / "chats.jsonl"
    path.write_text('{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}\n' * 4)
    return path


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / f"config-{abs(hash(text))}.toml"
    path.write_text(text + "\n")
    return path


def _not_sqlite(tmp_path: Path) -> Path:
    path = tmp_path / "not-a-database.sqlite3"
    path.write_bytes(b"this is not SQLite" * 100)
    return path


@pytest.mark.parametrize("case", ["missing model", "not a model", "no chat template", "malformed config",
                                  "missing config", "bad option value", "missing policy model",
                                  "missing policy model (moderate)", "corrupt weights", "no GPU", "no MPS", "corrupt adapter",
                                  "negative lr", "rank 0", "epochs 0", "unwritable out", "missing moderate file", "redis down",
                                  "bad store path"])
def test_user_errors_print_one_line_and_exit_non_zero(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, no_template_dir: Path, case: str) -> None:
    argv, message = _cases(tmp_path, no_template_dir)[case]
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert err.startswith("chatkit: error: ") and message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_config_show_prints_the_effective_toml(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[decoding]\npreset = "greedy"\n')
    code, out, _ = run(capsys, "config", "show", "--config", str(config))
    assert code == 0
    assert tomllib.loads(out)["decoding"]["preset"] == "greedy"


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    assert "chat" in capsys.readouterr().out


@pytest.fixture
def store_config(tmp_path: Path) -> Path:
    config = tmp_path / "chatkit.toml"
    config.write_text(f'[store]\nbackend = "sqlite"\npath = "{tmp_path / "c.sqlite3"}"\n')
    return config


async def _fill(config: Path) -> None:
    from fakes import CountingGenerator

    from chatkit import ChatBot, load_settings, open_store

    bot = ChatBot(CountingGenerator(), store=open_store(load_settings(config).store))
    await bot.reply("alpha", "hello there")
    await bot.reply("alpha", "how are you")
    await bot.reply("beta", "good morning")
    await bot.aclose()


async def test_conversations_list_show_export_import_reset_delete(
        capsys: pytest.CaptureFixture[str], store_config: Path, tmp_path: Path) -> None:
    import asyncio
    import json

    await _fill(store_config)
    cfg = ["--config", str(store_config)]

    def cli(*argv: str) -> tuple[int, str, str]:
        return asyncio.get_running_loop().run_in_executor(None, lambda: run(capsys, *argv))  # type: ignore[return-value]

    code, out, _ = await cli("conversations", "list", *cfg)
    assert code == 0 and [line.split("\t")[0] for line in out.splitlines()] == ["beta", "alpha"]
    code, out, _ = await cli("conversations", "show", "alpha", *cfg)
    assert out.splitlines() == ["user: hello there", "assistant: saw 1", "user: how are you", "assistant: saw 3"]
    export = tmp_path / "export.json"
    assert (await cli("conversations", "export", "-o", str(export), *cfg))[0] == 0
    assert (await cli("conversations", "delete", "alpha", *cfg))[0] == 0
    assert (await cli("conversations", "reset", "beta", *cfg))[0] == 0
    code, out, _ = await cli("conversations", "list", "--json", *cfg)
    assert [(c["key"], c["message_count"]) for c in json.loads(out)] == [("beta", 0)]
    code, _, err = await cli("conversations", "import", str(export), *cfg)
    assert code == 2 and "already exist: beta" in err, "nothing is overwritten without asking"
    assert (await cli("conversations", "import", str(export), "--replace", *cfg))[0] == 0
    code, out, _ = await cli("conversations", "export", *cfg)
    assert json.loads(out) == json.loads(export.read_text())


@pytest.mark.parametrize(("argv", "message"), [
    (["conversations", "show", "ghost"], "no conversation 'ghost'"),
    (["conversations", "delete", "ghost"], "no conversation 'ghost'"),
    (["conversations", "export", "ghost"], "no conversation 'ghost'"),
])
def test_unknown_conversations_are_reported(capsys: pytest.CaptureFixture[str], store_config: Path,
                                            argv: list[str], message: str) -> None:
    code, _, err = run(capsys, *argv, "--config", str(store_config))
    assert code == 2 and message in err


@pytest.mark.parametrize("content", ["{not json", '{"format": "other"}', '{"format": "chatkit.conversations/1", '
                                     '"conversations": [{"key": "a", "messages": [{"role": "wizard", "content": "x"}]}]}'])
def test_malformed_imports_write_nothing(capsys: pytest.CaptureFixture[str], store_config: Path, tmp_path: Path,
                                         content: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    code, _, err = run(capsys, "conversations", "import", str(bad), "--config", str(store_config))
    assert code == 2 and err.startswith("chatkit: error:")
    assert run(capsys, "conversations", "list", "--config", str(store_config))[1] == ""


def test_moderate_reports_every_verdict_and_fails_on_a_block(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import json

    lines = ["what a lovely day", '{"id": 7, "text": "write to me at jo@example.com"}', "", "all immigrants are vermin",
             "x" * 9000]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    code, out, _ = run(capsys, "moderate", "-")
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 1
    assert [r["line"] for r in records] == [1, 2, 4, 5]
    assert records[0]["action"] == "allow"
    assert {v["policy"] for v in records[0]["verdicts"]} == {"hazard", "toxicity", "bias", "pii", "context"}
    assert records[1]["id"] == 7 and records[1]["redacted"] == "write to me at [EMAIL]" and records[1]["action"] == "redact"
    assert records[2]["action"] == "block"
    assert records[3]["action"] == "block" and "over the limit" in records[3]["error"]


def test_moderate_exits_zero_when_nothing_is_blocked(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    source = tmp_path / "in.txt"
    source.write_bytes(b"hello there\nhow are you doing today\n\xff\xfe junk bytes\n")
    code, out, _ = run(capsys, "moderate", str(source), "--stage", "output")
    assert code == 0 and len(out.splitlines()) == 3


def test_config_show_never_prints_secrets(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[telegram]\ntoken = "123456:very-secret"\nwebhook_secret = "hush"\n')
    code, out, _ = run(capsys, "config", "show", "--config", str(config))
    assert code == 0 and "very-secret" not in out and "hush" not in out
    assert 'token = "***"' in out


def test_config_show_says_where_a_secret_comes_from(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:from-the-env")
    monkeypatch.delenv("TELEGRAM_WEBHOOK_SECRET", raising=False)
    monkeypatch.delenv("CHATKIT_CONFIG", raising=False)
    code, out, _ = run(capsys, "config", "show")
    assert code == 0 and "from-the-env" not in out
    assert 'token = "***"  # from $TELEGRAM_BOT_TOKEN' in out
    assert 'webhook_secret = ""  # unset; $TELEGRAM_WEBHOOK_SECRET is unset too' in out
    assert tomllib.loads(out)["telegram"]["token"] == "***"


@pytest.mark.parametrize("argv", [["chat", "-v", "--model", "/nonexistent"], ["-v", "chat", "--model", "/nonexistent"],
                                  ["models", "list", "-v"]])
def test_verbose_goes_before_or_after_the_subcommand(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    from chatkit.cli import build_parser

    assert build_parser().parse_args(argv).verbose == 1


def test_the_tokenizer_error_is_one_whole_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], gpt2_dir: Path) -> None:
    import shutil

    broken = tmp_path / "broken-tokenizer"
    shutil.copytree(gpt2_dir, broken)
    (broken / "tokenizer.json").write_text("{not json")
    code, _, err = run(capsys, "chat", "--model", str(broken))
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert err.startswith(f"chatkit: error: cannot load a tokenizer from {broken}")


def test_moderate_format_openai_prints_the_endpoints_objects(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    import json

    from openai.types import ModerationCreateResponse

    config = tmp_path / "c.toml"
    off = "".join(f"[policies.{name}]\nenabled = false\n" for name in ("hazard", "toxicity", "bias", "language", "pii", "context"))
    config.write_text(off + '[policies.keyword]\nuse = "category_policies:Keyword"\nstages = ["input"]\n'
                      'options = { rules = { hateful = { category = "hate", score = 0.9 } } }\n')
    source = tmp_path / "in.txt"
    source.write_text('fine words\n\n{"id": 7, "text": "a hateful remark"}\n' + "x" * 9000 + "\n")
    code, out, _ = run(capsys, "moderate", str(source), "--stage", "input", "--format", "openai", "--config", str(config))
    fine, hate, long = (json.loads(line) for line in out.splitlines())
    assert code == 1
    for record in (fine, hate):
        parsed = ModerationCreateResponse.model_validate(record)
        assert parsed.model == "chatkit-input" and len(parsed.results) == 1
    assert fine["line"] == 1 and not fine["results"][0]["flagged"]
    assert hate["line"] == 3 and hate["metadata"] == {"id": 7}
    assert hate["results"][0]["categories"]["hate"] and hate["results"][0]["chatkit"]["action"] == "block"
    assert long["line"] == 4 and "over the limit" in long["error"]["message"]
