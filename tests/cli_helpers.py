"""Running the relwork command inside a project folder, for end-to-end tests."""

from __future__ import annotations

import os
from pathlib import Path

from click.testing import CliRunner

from relwork.cli import main


def run(project: Path, *args: str) -> tuple[int, str, str]:
    """``relwork ARGS`` inside ``project``: exit code, stdout, stderr."""
    cwd = os.getcwd()
    os.chdir(project)
    try:
        result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(cwd)
    return result.exit_code, result.stdout, result.stderr
