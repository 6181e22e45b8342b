"""Compile check: a preview document around the section, latexmk, log parsing and mapping.

``compile_preview`` writes ``preview.tex`` next to the section (``tex.document``), runs
latexmk with shell escape off, paranoid file access and a time limit (``tex.run``), copies
the PDF to ``preview.pdf`` and turns the LaTeX log and the BibTeX/Biber log (``tex.log``)
into ``Problem`` objects that name the note or the source ``.bib`` entry each problem came
from (``tex.locate``).
"""

from ..latex.document import Wrapper, cites_anything, preview_source, wrapper_source
from .locate import BibSpan, Locator, scan_bib
from .log import SECTION, LogMessage, parse_biber_log, parse_bibtex_log, parse_log
from .preview import CompileResult, compile_preview

__all__ = [
    "SECTION",
    "BibSpan",
    "CompileResult",
    "Locator",
    "LogMessage",
    "Wrapper",
    "cites_anything",
    "compile_preview",
    "parse_biber_log",
    "parse_bibtex_log",
    "parse_log",
    "preview_source",
    "scan_bib",
    "wrapper_source",
]
