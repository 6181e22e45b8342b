"""pyproject.toml in the form current build tools read without deprecation warnings."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from needs import unavailable
from paths import REPO

tomllib = pytest.importorskip("tomllib")


def pyproject() -> dict[str, Any]:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def test_license_is_an_spdx_expression_with_a_backend_that_reads_it() -> None:
    data = pyproject()
    # a table ({text = ...}) is deprecated since setuptools 77, which reads the SPDX string
    assert data["project"]["license"] == "MIT"
    [setuptools] = [r for r in data["build-system"]["requires"] if r.startswith("setuptools")]
    minimum = re.fullmatch(r"setuptools>=(\d+).*", setuptools)
    assert minimum and int(minimum.group(1)) >= 77


@pytest.mark.slow
def test_building_the_wheel_prints_no_deprecation(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(tmp_path), str(REPO)],
        capture_output=True, text=True, timeout=600, check=False)
    output = done.stdout + done.stderr
    if done.returncode and ("No matching distribution" in output
                            or "Could not find a version" in output):
        unavailable("no package index reachable to fetch setuptools")
    assert done.returncode == 0, output
    assert "deprecated" not in output.lower()
    assert list(tmp_path.glob("relwork-*.whl"))
