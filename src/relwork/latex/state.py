"""The state of one Markdown -> LaTeX conversion: output lines with their note lines, open
lists and quotes, footnotes, and the problems found; and the rule signature.

Rules (``blocks``, ``inline``) read and write this state through ``state_of(env)``; it is
made per call, so the shared parser stays reentrant.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..model import Problem, Severity, Source
from .cite import Cite, note_style
from .escape import CharIssue, escape_text

if TYPE_CHECKING:
    from markdown_it.token import Token

    from .markdown import LatexRenderer


class Writer:
    """Output lines, each tagged with the 0-based note line that produced it."""

    def __init__(self, line: int = 0) -> None:
        self.lines: list[str] = []
        self.srcs: list[int] = []
        self.cur = ""
        self.cur_src: int | None = None
        self.line = line
        self.item_guard = False  # just wrote \item: a following "[" must not be its option

    def write(self, text: str) -> None:
        for k, part in enumerate(text.split("\n")):
            if k:
                self.newline()
            if not part:
                continue
            if self.item_guard and part.strip():
                if part.lstrip().startswith("["):
                    part = "{}" + part
                self.item_guard = False
            if self.cur_src is None:
                self.cur_src = self.line
            self.cur += part

    def newline(self) -> None:
        self.lines.append(self.cur.rstrip(" ") if self.cur.strip() else "")
        self.srcs.append(self.line if self.cur_src is None else self.cur_src)
        self.cur, self.cur_src = "", None

    def ensure_newline(self) -> None:
        if self.cur:
            self.newline()

    def blank(self, sep: str = "") -> None:
        self.ensure_newline()
        if self.lines and self.lines[-1] not in ("", sep):
            self.lines.append(sep)
            self.srcs.append(self.line)

    def tail(self) -> str:
        if self.cur:
            return self.cur
        return self.lines[-1] if self.lines else ""

    def splice(self, lines: list[str], srcs: list[int]) -> None:
        """Append pre-rendered lines: the first continues the current line."""
        for k, (text, src) in enumerate(zip(lines, srcs, strict=True)):
            if k:
                self.newline()
            if self.cur_src is None:
                self.cur_src = src
            self.cur += text


class State:
    """Per-call rendering state, kept in ``env`` so the shared parser stays reentrant."""

    def __init__(self, source: Source, engine: str, cite: Cite | None, *, line: int = 0,
                 list_depth: tuple[int, int, int] = (0, 0, 0), footnotes: Any = None,
                 block_sep: str = "") -> None:
        self.source = source
        self.engine = engine
        self.cite = cite
        self.cite_notes = note_style(cite) if cite is not None else ""
        self.out = Writer(line)
        self.problems: list[Problem] = []
        self.seen: set[tuple[str, int, str]] = set()
        self.siblings: list[str] = [""]  # per nesting level: "", "hidden" or "block"
        self.lists: list[str] = []  # "itemize", "enumerate", "flat-itemize", "flat-enumerate"
        self.counters: list[int] = []
        self.base_depth = list_depth  # itemize, enumerate, total already open around us
        self.quotes = 0
        self.quote_stack: list[bool] = []  # per open block quote: written as an environment?
        self.link_depth = 0
        self.in_heading = False
        self.heading_notes: list[tuple[list[str], list[int]]] = []
        self.glue_next = False
        self.heading_nested = False
        self.one_line = False  # md_inline_to_latex: the result may go into an argument
        self.has_content = False
        self.footnotes = footnotes  # label -> pre-rendered (lines, srcs)
        self.block_sep = block_sep
        self.macros: frozenset[str] = frozenset()  # user preamble macros allowed in math

    def here(self) -> Source:
        return Source(self.source.path, self.source.line + self.out.line)

    def problem(self, severity: Severity, message: str, hint: str, code: str) -> None:
        key = (code, self.out.line, message)
        if key not in self.seen:
            self.seen.add(key)
            self.problems.append(Problem(severity, message, self.here(), hint, code))

    def issues(self, issues: list[CharIssue]) -> None:
        for issue in issues:
            self.problem(issue.severity, issue.message, issue.hint, issue.code)

    def text(self, text: str, *, code: bool = False) -> str:
        issues: list[CharIssue] = []
        result = escape_text(text, self.engine, issues, code=code, after=self.out.tail())
        self.issues(issues)
        return result


Rule = Callable[["LatexRenderer", Sequence["Token"], int, Any, Any], Any]


def state_of(env: Mapping[str, Any]) -> State:
    """The conversion state a rule works on (``env["latex"]``)."""
    state: State = env["latex"]
    return state


def open_block(state: State, *, hidden: bool = False) -> None:
    """Separate a block from its previous sibling (blank line, or \\endgraf in footnotes)."""
    previous = state.siblings[-1]
    if state.glue_next:
        state.glue_next = False
        state.out.ensure_newline()
    elif previous == "block" and not hidden:
        state.out.blank(state.block_sep)
    elif previous:
        state.out.ensure_newline()  # tight list text: a nested list just follows it
    state.siblings[-1] = "hidden" if hidden else "block"


def list_depth(state: State) -> int:
    """LaTeX list environments open around the current point (lists, quotes, outer ones)."""
    lists = sum(1 for k in state.lists if not k.startswith("flat"))
    return lists + state.quotes + state.base_depth[2]
