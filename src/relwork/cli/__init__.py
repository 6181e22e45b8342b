"""The command line and everything it prints: commands, terminal output, watch, init."""

from .main import main, run

__all__ = ["main", "run"]
