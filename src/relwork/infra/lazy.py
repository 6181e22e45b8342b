"""Libraries imported on first use, not at start-up.

rapidfuzz costs about 17 ms to import; a warm run whose matches all come from the cache
never scores a title. Each accessor imports its module once and returns it (a cached call
costs ~50 ns, a function-level ``import`` statement ~430 ns: these sit in scoring loops).
"""

from __future__ import annotations

from functools import cache
from types import ModuleType


@cache
def fuzz() -> ModuleType:
    """``rapidfuzz.fuzz`` (ratio, token_sort_ratio)."""
    from rapidfuzz import fuzz as module

    return module


@cache
def process() -> ModuleType:
    """``rapidfuzz.process`` (extract, extractOne)."""
    from rapidfuzz import process as module

    return module
