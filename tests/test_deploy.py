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
    assert set(services) == {"redis", "engine", "guard", "chatkit", "telegram"}
    assert all("healthcheck" in s for s in services.values())
    parser = build_parser()
    for name in ("chatkit", "telegram"):
        command = [c.replace("${CHATKIT_WORKERS:-4}", "4") for c in services[name]["command"]]
        assert command[0] == "chatkit"
        parser.parse_args(command[1:])
        assert "./chatkit.toml:/etc/chatkit/chatkit.toml:ro" in services[name]["volumes"]
    assert "--served-model-name" in services["engine"]["command"]
    assert (DEPLOY / "Dockerfile").is_file()


def test_the_optional_guard_engine_is_wired_to_the_guard_policy() -> None:
    from chatkit.policies.guard import GuardPolicy
    from chatkit.policies.registry import build_policy_set

    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    guard = compose["services"]["guard"]
    assert guard["profiles"] == ["guard"]  # started only with --profile guard
    assert compose["services"]["chatkit"]["depends_on"]["guard"] == {"condition": "service_healthy", "required": False}
    served = guard["command"][guard["command"].index("--served-model-name") + 1]
    settings = load_settings(DEPLOY / "chatkit.toml")
    rule = settings.policies.rules["guard"]
    assert not rule.enabled  # off until the guard service runs
    enabled = {**settings.policies.rules, "guard": rule.model_copy(update={"enabled": True})}
    policy = build_policy_set(enabled).input[-1]
    assert isinstance(policy, GuardPolicy) and policy.base_url == "http://guard:8000/v1" and policy.model == served
    assert rule.timeout_s > policy.timeout_s * (policy.retries + 1) + policy.backoff_s
