"""Markdown -> LaTeX for note bodies, with escaping that note text cannot break out of.

In: the Markdown body of a note (``Entry.body``) and the ``Source`` of its first line.
Out: ``LatexText(text, lines, problems)``: LaTeX that compiles in any preamble that loads
hyperref, one ``Source`` per output line (so TeX diagnostics map back to file:line), and
the problems found (dropped HTML/images, unsafe math, Unicode pdflatex cannot typeset).

Safety model (README, "Safety guarantees"): text outside math never becomes a command
(``escape``); math is passed through only when ``check_math`` allows it, else it is
reported and written as escaped text; only relwork's own output, marked ``Latex``, is
trusted by the templates. The rules live in ``blocks`` and ``inline``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar

from ..model import Problem, Source
from .blocks import BLOCK_RULES
from .cite import Cite
from .escape import Latex, check_engine
from .inline import INLINE_RULES
from .state import Rule, State, state_of

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token
    from markdown_it.utils import EnvType, OptionsDict


@dataclass
class LatexText:
    """Rendered LaTeX, the note line of every output line, and the problems found.

    ``text`` is a ``Latex`` (trusted) when made by this module; a plain ``str`` given to
    the constructor stays plain (constructing a LatexText never vouches for its text).
    """

    text: str
    lines: list[Source] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


class LatexRenderer:
    """Renders markdown-it tokens to LaTeX with a dict of rules keyed by token type.

    Follows markdown-it-py's ``RendererProtocol``; rules have the usual signature
    ``rule(renderer, tokens, idx, options, env)`` and write to the state in
    ``env["latex"]``; a rule may return the index of the last token it consumed.
    Replace or add rules in ``rules`` (token type -> rule).
    """

    __output__: ClassVar[str] = "latex"

    def __init__(self, parser: Any = None) -> None:
        self.rules: dict[str, Rule] = {**BLOCK_RULES, **INLINE_RULES}

    def render(self, tokens: Sequence[Token], options: OptionsDict, env: EnvType) -> str:
        state = state_of(env)
        i = 0
        while i < len(tokens):
            token = tokens[i]
            if token.map is not None and token.block:
                state.out.line = token.map[0]
            rule = self.rules.get(token.type)
            if rule is None:
                if token.children:
                    self.render(token.children, options, env)
                i += 1
                continue
            last = rule(self, tokens, i, options, env)
            i = (last if isinstance(last, int) else i) + 1
        return state.out.tail()


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    """The shared MarkdownIt instance (built once: parsers are costly to set up)."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin
    from mdit_py_plugins.footnote import footnote_plugin

    md = MarkdownIt("commonmark", {"typographer": True}, renderer_cls=LatexRenderer)
    md.use(dollarmath_plugin, allow_space=False, allow_digits=False, double_inline=True,
           allow_blank_lines=False)
    md.use(footnote_plugin, inline=True, move_to_end=False)
    md.enable(["smartquotes", "strikethrough"])
    # every link target reaches the link rule, which reports the ones it does not export
    # (markdown-it would leave javascript:/file:/data: links as raw Markdown, unreported)
    setattr(md, "validateLink", lambda url: True)  # noqa: B010
    # keep escaped characters apart from text (an escaped \$ is no unmatched $)
    md.disable(["text_join", "replacements"])
    return md


def _render(markdown: str, source: Source, engine: str, cite: Cite | None, *,
            inline: bool, macros: Collection[str] = ()) -> LatexText:
    check_engine(engine)
    md = _parser()
    env: dict[str, Any] = {}
    tokens = md.parseInline(markdown, env) if inline else md.parse(markdown, env)
    state = State(source, engine, cite)
    state.macros = frozenset(m.lstrip("\\") for m in macros)
    state.one_line = inline
    env["latex"] = state
    # footnote definitions are rendered first and spliced in at their references
    footnotes: dict[str, tuple[list[str], list[int]]] = {}
    body: list[Token] = []
    k = 0
    while k < len(tokens):
        tok = tokens[k]
        if tok.type == "footnote_reference_open":
            end = k
            while tokens[end].type != "footnote_reference_close":
                end += 1
            sub = State(source, engine, cite, line=tok.map[0] if tok.map else 0,
                         list_depth=(2, 2, 4), block_sep=r"\endgraf")
            sub.footnotes = {}
            sub.macros = state.macros
            sub_env = {"latex": sub, "footnotes": env.get("footnotes", {})}
            md.renderer.render(tokens[k + 1: end], md.options, sub_env)
            sub.out.ensure_newline()
            while sub.out.lines and not sub.out.lines[-1]:
                sub.out.lines.pop()
                sub.out.srcs.pop()
            footnotes[str(tok.meta.get("label"))] = (sub.out.lines, sub.out.srcs)
            state.problems.extend(sub.problems)
            k = end + 1
            continue
        body.append(tok)
        k += 1
    state.footnotes = footnotes
    md.renderer.render(body, md.options, env)
    out = state.out
    out.ensure_newline()
    while out.lines and not out.lines[-1]:
        out.lines.pop()
        out.srcs.pop()
    if inline:
        text = " ".join(line.strip() for line in out.lines if line.strip())
        lines = [Source(source.path, source.line)]
    else:
        text = "\n".join(out.lines)
        lines = [Source(source.path, source.line + s) for s in out.srcs]
    state.problems.sort(key=lambda p: (p.source.line if p.source else 0))
    return LatexText(Latex(text), lines, state.problems)


def md_to_latex(markdown: str, *, source: Source, engine: str = "pdflatex",
                cite: Cite | None = None, math_macros: Collection[str] = ()) -> LatexText:
    """Block Markdown (a note body) -> LaTeX paragraphs, lists, quotes and display math.

    ``source`` is the note file and the line of the body's first line; ``result.lines[i]``
    is the note line that produced output line ``i``. ``cite(keys, mode)`` renders
    ``[@key]``/``@key``/``\\cite{key}`` citations (see ``Cite``); without it they stay text.
    ``math_macros``: names of the user's preamble macros that formulas may use (``R`` or
    ``\\R``); all other names outside ``MATH_COMMANDS`` make a formula text (``check_math``).
    """
    return _render(markdown, source, engine, cite, inline=False, macros=math_macros)


def md_inline_to_latex(text: str, *, source: Source, engine: str = "pdflatex",
                       cite: Cite | None = None, math_macros: Collection[str] = ()) -> LatexText:
    """Inline Markdown (a title, a list point) -> one line of LaTeX (no paragraph breaks)."""
    flat = re.sub(r"\s*\n\s*", " ", text.strip())
    return _render(flat, source, engine, cite, inline=True, macros=math_macros)

