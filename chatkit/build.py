"""The PolicySet a configuration describes (``[policies]``), built and loaded with errors that name the config file."""

from __future__ import annotations

import sys
from pathlib import Path

from chatkit.config import Settings
from chatkit.errors import ConfigError, ModelLoadError
from chatkit.policies.base import PolicyLoadError, PolicySet


def policies_from_settings(settings: Settings, *, load: bool = False) -> PolicySet:
    """The PolicySet that ``[policies]`` describes; a policy that cannot be found or built is a ConfigError.
    With ``load``, the policies' models load now, and one that cannot is a ModelLoadError."""
    from chatkit.policies.registry import PolicyConfigError, build_policy_set

    config_dir = Path(settings.source).parent.resolve() if Path(settings.source).is_file() else None
    if config_dir is not None and str(config_dir) not in sys.path:
        # `use = "mybot.policies:Shouting"` finds mybot/ next to chatkit.toml, as a user expects; the chatkit
        # command, unlike `python -m`, does not put the working directory on the import path
        sys.path.append(str(config_dir))
    try:
        policies = build_policy_set(settings.policies.rules, fail_fast=settings.policies.fail_fast)
    except PolicyConfigError as e:
        raise ConfigError(f"{settings.source}: {e}") from None
    try:
        if load:
            policies.load()
    except PolicyLoadError as e:
        raise ModelLoadError(f"{e}. Fix its [policies.NAME] options in {settings.source}, or set fail_open = true "
                             "there to run without it") from None
    return policies
