"""deploy/: the compose file and its chatkit config are what chatkit accepts (docker itself is not run here)."""

from __future__ import annotations

from pathlib import Path

import yaml

from chatkit.cli import build_parser
from chatkit.config import load_settings

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


def test_the_deployed_config_is_valid_and_uses_the_shared_services() -> None:
    settings = load_settings(DEPLOY / "chatkit.toml")
    assert settings.model.backend == "openai" and settings.model.base_url == "http://engine:8000/v1"
    assert settings.store.backend == "redis" and settings.store.url.startswith("redis://redis:")
    assert settings.serve.host == "0.0.0.0" and settings.telegram.webhook_host == "0.0.0.0"


def test_every_service_has_a_health_check_and_runs_a_real_chatkit_command() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"redis", "engine", "chatkit", "telegram"}
    assert all("healthcheck" in s for s in services.values())
    parser = build_parser()
    for name in ("chatkit", "telegram"):
        command = [c.replace("${CHATKIT_WORKERS:-4}", "4") for c in services[name]["command"]]
        assert command[0] == "chatkit"
        parser.parse_args(command[1:])
        assert "./chatkit.toml:/etc/chatkit/chatkit.toml:ro" in services[name]["volumes"]
    assert "--served-model-name" in services["engine"]["command"]
    assert (DEPLOY / "Dockerfile").is_file()
