"""LaTeX for note text: symbols and escaping, the math check, citation syntax, and the
Markdown -> LaTeX renderer (``md_to_latex``) with its line map and problems."""

from .cite import Cite
from .escape import ENGINES, Latex, escape_latex, escape_url, is_label_key, is_trusted
from .markdown import LatexRenderer, LatexText, md_inline_to_latex, md_to_latex
from .math import MATH_COMMANDS, MATH_ENVIRONMENTS, MAX_MATH_NESTING, MathCheck, check_math
from .packages import Package
from .symbols import MATH_SYMBOLS, TEXT_SYMBOLS

__all__ = [
    "Cite",
    "ENGINES",
    "Latex",
    "LatexRenderer",
    "LatexText",
    "MATH_COMMANDS",
    "MATH_ENVIRONMENTS",
    "MAX_MATH_NESTING",
    "MATH_SYMBOLS",
    "MathCheck",
    "Package",
    "TEXT_SYMBOLS",
    "check_math",
    "escape_latex",
    "escape_url",
    "is_label_key",
    "is_trusted",
    "md_inline_to_latex",
    "md_to_latex",
]
