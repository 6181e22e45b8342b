"""The command line and everything it prints: commands, terminal output, watch, init."""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing
if TYPE_CHECKING:
    from typing import Any

__all__ = ["main", "run"]


def run() -> None:
    """The ``relwork`` command. ``relwork --version`` answers before click is imported
    (it prints what click's version option prints)."""
    import sys

    if sys.argv[1:] == ["--version"]:
        from .. import __version__

        print(f"relwork, version {__version__}")
        return
    from .main import run as run_main

    run_main()


def __getattr__(name: str) -> Any:
    """``main`` (the click group), imported when first asked for (PEP 562)."""
    if name == "main":
        from .main import main

        return main
    raise AttributeError(f"module 'relwork.cli' has no attribute {name!r}")
