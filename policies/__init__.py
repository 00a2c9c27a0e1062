"""Moderation policies for chatkit: the contract and the built-in policies."""

from policies.base import Action, Decision, Policy, PolicyContext, PolicySet, Stage, Verdict

__all__ = ["Action", "Decision", "Policy", "PolicyContext", "PolicySet", "Stage", "Verdict"]
