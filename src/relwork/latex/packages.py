"""A LaTeX package a document must load: its name, its options and its ``\\usepackage`` line."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Package:
    """``\\usepackage[options]{name}`` as data, so callers never parse it back from text."""

    name: str
    options: tuple[str, ...] = ()

    def usepackage(self) -> str:
        """The preamble line, e.g. ``\\usepackage[backend=biber]{biblatex}``."""
        options = f"[{','.join(self.options)}]" if self.options else ""
        return f"\\usepackage{options}{{{self.name}}}"
