"""The lint settings of relwork.yaml: rules switched off, and unknown rule names."""

from __future__ import annotations

from ..config import Config
from ..model import Problem
from .rules import RULES


def disabled_rules(config: Config) -> set[str]:
    """Rule names in ``lint.disable``, without a ``lint-`` prefix."""
    return {r.lower().removeprefix("lint-") for r in config.lint_disable}


def check_config(config: Config) -> list[Problem]:
    """Warnings for unknown rule names in ``lint.disable``."""
    bad = sorted(disabled_rules(config) - set(RULES))
    if not bad:
        return []
    return [Problem("warning", f"unknown lint rule(s) in lint.disable: {', '.join(bad)}",
                    config.where("lint_disable"),
                    f"known rules: {', '.join(RULES)}", "config")]
