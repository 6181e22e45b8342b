"""`relwork --version` and `--help` start fast: they import click and no stage of relwork."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from paths import REPO

from relwork import __version__

#: what may load before a command runs: the package's name and version, and the command line
#: the command modules of cli/ (they register their commands); no stage
ALLOWED = {"relwork", "relwork.__main__", "relwork.cli", "relwork.cli.main", "relwork.cli.lookup",
           "relwork.cli.publish", "relwork.cli.review"}


def imported_modules(*args: str, cwd: Path | None = None) -> tuple[set[str], str]:
    """The modules ``python -m relwork ARGS`` imports (from ``-X importtime``), and stdout."""
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "relwork", *args],
                          capture_output=True, text=True, env=env, timeout=60, check=True,
                          cwd=cwd)
    names = {line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines()
             if line.startswith("import time:") and "|" in line}
    names.discard("imported package")  # the header line of -X importtime
    return names, proc.stdout


@pytest.mark.parametrize("args", [("--version",), ("--help",), ("build", "--help"),
                                  ("check", "--help")])
def test_version_and_help_import_no_stage(args: tuple[str, ...]) -> None:
    names, out = imported_modules(*args)
    assert "relwork" in out  # the command ran and printed
    ours = {n for n in names if n == "relwork" or n.startswith("relwork.")}
    assert "relwork.cli" in ours  # the measurement sees relwork's own imports
    if args == ("--version",):  # answered before the command line is built
        assert out == f"relwork, version {__version__}\n"  # as click would print it
        assert "click" not in names and "typing" not in names
    else:
        assert "relwork.cli.main" in ours
    assert ours <= ALLOWED, f"imported at start-up: {sorted(ours - ALLOWED)}"
    # nor the heavy libraries the stages use
    assert not names & {"yaml", "jinja2", "markdown_it", "rapidfuzz", "bibtexparser",
                        "watchdog", "wcwidth"}


def test_a_command_still_imports_what_it_needs(tmp_path: Path) -> None:
    # the counter-check: a command that reads the config does load it when it runs
    (tmp_path / "relwork.yaml").write_text("cite: biblatex\nnotes:\n  - papers\n", "utf-8")
    names, out = imported_modules("config", cwd=tmp_path)
    assert "relwork.config" in names and "yaml" in names
    assert "# config:" in out and "biblatex" in out
    assert not (tmp_path / ".relwork").exists()  # reading a config creates no cache


def test_a_warm_run_reads_the_config_without_yaml(tmp_path: Path) -> None:
    # where a build made the cache folder, the parsed settings are kept there: the next
    # run reads them without importing PyYAML, and prints the same
    (tmp_path / "relwork.yaml").write_text("cite: biblatex\nnotes:\n  - papers\n", "utf-8")
    (tmp_path / ".relwork" / "cache").mkdir(parents=True)
    first, out = imported_modules("config", cwd=tmp_path)
    assert "yaml" in first and (tmp_path / ".relwork" / "cache" / "config.json").is_file()
    again, out_again = imported_modules("config", cwd=tmp_path)
    assert "relwork.config" in again and "yaml" not in again
    assert out_again == out and "relwork.yaml:1" in out
    # an edit is read again
    (tmp_path / "relwork.yaml").write_text("cite: natbib\n", "utf-8")
    edited, out_edited = imported_modules("config", cwd=tmp_path)
    assert "yaml" in edited and "natbib" in out_edited
