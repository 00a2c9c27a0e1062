"""Moderation policies for chatkit: the contract and the built-in policies."""

from chatkit.policies.base import Action, Decision, Policy, PolicyContext, PolicySet, Stage, Verdict
from chatkit.policies.function import FunctionPolicy

__all__ = ["Action", "Decision", "FunctionPolicy", "Policy", "PolicyContext", "PolicySet", "Stage", "Verdict"]
