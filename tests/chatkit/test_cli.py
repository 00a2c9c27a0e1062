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
    return {
        "missing model": (["chat", "--model", str(tmp_path / "absent")], "does not exist"),
        "not a model": (["chat", "--model", str(tmp_path / "empty")], "not a model directory"),
        "no chat template": (["chat", "--model", str(no_template_dir)], "no chat template"),
        "malformed config": (["chat", "--config", str(bad_config)], "not valid TOML"),
        "missing config": (["config", "show", "--config", str(tmp_path / "none.toml")], "does not exist"),
        "bad option value": (["chat", "--preset", "wild"], "unknown decoding preset"),
    }


@pytest.mark.parametrize("case", ["missing model", "not a model", "no chat template", "malformed config",
                                  "missing config", "bad option value"])
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
