"""The LaTeX packages a section needs in the paper's preamble, as typed data.

One owner for the rule: the citation style's package, then the packages the template
declares (``((= requires: ... =))``), then hyperref when the section has links. The section
header's "Requires in the preamble" line is written from this list, never read back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..config import Config
from ..latex import Package
from .environment import find_template

#: cite style -> the packages its citation commands come from.
CITE_PACKAGES: dict[str, tuple[str, ...]] = {
    "natbib": ("natbib",),
    "biblatex": ("biblatex",),
    "plain": (),
}


def required_packages(cite: str, requires: Sequence[str], lines: Iterable[str]) -> list[Package]:
    """Packages for a section in ``cite`` style from a template that ``requires`` packages,
    whose body is ``lines``: hyperref is added when a line has ``\\href{`` or ``\\url{``."""
    names = list(CITE_PACKAGES[cite])
    names += [p for p in requires if p not in names]
    if "hyperref" not in names and any("\\href{" in ln or "\\url{" in ln for ln in lines):
        names.append("hyperref")  # links from the notes need it in the paper's preamble
    return [Package(name) for name in names]


def section_packages(config: Config, section_text: str) -> list[Package]:
    """The packages of a section built with ``config`` (its cite style and template) whose
    text is ``section_text``: what ``Rendered.packages`` held when it was built. For callers
    that have the written file rather than the build result (the Overleaf zip)."""
    info = find_template(config.template, config)
    return required_packages(config.cite, info.requires, section_text.split("\n"))
