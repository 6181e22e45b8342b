"""The command line and everything it prints: commands, terminal output, watch, init."""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing
if TYPE_CHECKING:
    from typing import Any

__all__ = ["main", "run"]

# `relwork --version` is answered by run() before click and the commands are imported
# (about 60 ms); any other use of the package has the command group at hand, as always.
if sys.argv[1:] != ["--version"]:
    from .main import main


def run() -> None:
    """The ``relwork`` command (``--version`` prints what click's version option prints)."""
    if sys.argv[1:] == ["--version"]:
        from .. import __version__

        print(f"relwork, version {__version__}")
        return
    from .main import run as run_main

    run_main()


def __getattr__(name: str) -> Any:
    """``main`` when the package was imported for ``relwork --version`` (PEP 562)."""
    if name == "main":
        from . import main as commands

        group = globals()["main"] = commands.main  # the group, not its module
        return group
    raise AttributeError(f"module 'relwork.cli' has no attribute {name!r}")
