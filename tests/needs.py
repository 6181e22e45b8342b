"""What a test needs from the machine: skip when it is missing, fail in CI.

CI installs everything the tests use (TeX Live, hunspell with en_US, git) and reaches the
package index; it sets ``RELWORK_REQUIRE_TEX=1`` (and ``RELWORK_REQUIRE_SHARED=1`` for
``../shared``), so there a missing tool is a failure, never a silent skip.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

#: set to 1 in CI: every tool the tests use must be there
REQUIRE_TOOLS = "RELWORK_REQUIRE_TEX"


def unavailable(what: str, variable: str = REQUIRE_TOOLS) -> NoReturn:
    """Skip because ``what`` is missing, or fail when ``variable`` is 1 (CI provides it all,
    so a missing one there is a defect)."""
    if os.environ.get(variable) == "1":
        pytest.fail(f"{what} and {variable}=1")
    pytest.skip(f"{what} (set {variable}=1 to make this an error)")
