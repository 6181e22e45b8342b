"""The LaTeX packages a section needs in the paper's preamble, as typed data.

One owner for the rule: the citation style's package, then the packages the template
declares (``((= requires: ... =))``), then the packages of the commands the section contains
(amsmath, amssymb, mathtools, mathrsfs, bm, physics for math; hyperref for links), from the
table the math allowlist is made of (``latex.packages``). The section header's "Requires in
the preamble" line is written from this list, never read back; the preview and the zip's
``main.tex`` load exactly these packages.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..config import Config
from ..latex import Package
from ..latex.packages import CITE_PACKAGES, packages_used
from .environment import find_template


def required_packages(cite: str, requires: Sequence[str], lines: Iterable[str]) -> list[Package]:
    """Packages for a section in ``cite`` style from a template that ``requires`` packages,
    whose body is ``lines``: the packages of the math commands and links in it are added."""
    names = list(CITE_PACKAGES[cite])
    names += [p for p in requires if p not in names]
    names += [p for p in packages_used(lines) if p not in names]
    return [Package(name) for name in names]


def section_packages(config: Config, section_text: str) -> list[Package]:
    """The packages of a section built with ``config`` (its cite style and template) whose
    text is ``section_text``: what ``Rendered.packages`` held when it was built. For callers
    that have the written file rather than the build result (the Overleaf zip)."""
    info = find_template(config.template, config)
    return required_packages(config.cite, info.requires, section_text.split("\n"))
