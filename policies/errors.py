"""Every error the policies package raises on purpose. A policy never raises for content: these are for a policy
that cannot be found, built or loaded, or that did not answer in time."""

from __future__ import annotations


class PolicyConfigError(ValueError):
    """A policy named in the configuration cannot be found or built."""


class PolicyLoadError(RuntimeError):
    """A policy's model is missing or broken."""


class PolicyTimeout(Exception):
    """A policy did not answer within its time limit."""


class BiasModelError(RuntimeError):
    """The shared sentence encoder (policies/engines/encoder.py) or a head on it is missing or does not fit."""


class HazardModelError(BiasModelError):
    """The hazard guard's heads or encoder (policies/engines/hazard.py) are missing or do not fit."""


class GuardUnavailable(RuntimeError):
    """The guard model's engine did not answer (down, too slow, 5xx after the retries, or a 4xx); names its URL."""


class GuardAnswerError(ValueError):
    """The guard model answered something its format cannot read (malformed, or an unknown category)."""
