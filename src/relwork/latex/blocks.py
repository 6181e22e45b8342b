"""Rules for block Markdown: paragraphs, headings, lists, block quotes, code blocks,
display math and thematic breaks.

Paragraph breaks that relwork writes itself are ``\\endgraf`` (the primitive ``\\par`` under
another name): a footnote or code block may sit in the argument of ``\\emph``, ``\\textbf``
or a template macro, where a ``\\par`` token or a blank line is an error ("Paragraph ended
before ..."). ``BLOCK_RULES`` maps token types to the rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from .inline import math_or_text
from .math import convert_math
from .state import Rule, list_depth, open_block, state_of

if TYPE_CHECKING:
    from markdown_it.token import Token

    from .markdown import LatexRenderer

#: Deepest list nesting written as LaTeX lists; one level is left for the template.
MAX_LIST_DEPTH_PER_KIND = 3
MAX_LIST_DEPTH_TOTAL = 5
_ENUM_COUNTERS = ("enumi", "enumii", "enumiii", "enumiv")


def _r_math_block(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any, env: Any) -> None:
    state = state_of(env)
    tok = tokens[i]
    open_block(state)
    assert tok.map is not None
    content = tok.content
    math = math_or_text(state, content)
    if tok.type == "math_block_label":
        state.problem("info", f"equation label ({tok.info}) ignored",
                      "labels in notes are not exported", "latex-math-label")
    # $$ alone on the first line: the formula starts on the next note line
    starts_next = content.startswith("\n")
    body = content[1:] if starts_next else content
    body = body[:-1] if body.endswith("\n") else body
    state.out.ensure_newline()
    if math is None:  # written as text, line by line (no blank line: it may be in a footnote)
        state.out.write(state.text("$$"))
        if starts_next:
            state.out.line += 1
        for k, line in enumerate(body.split("\n")):
            if k:
                state.out.line += 1
            if line.strip():
                state.out.newline()
                state.out.write(state.text(line.strip()))
        state.out.write(state.text("$$"))
        state.out.newline()
        state.has_content = True
        return
    converted = convert_math(body, state.engine, [])
    state.out.write(r"\[")
    state.out.newline()
    if starts_next:
        state.out.line += 1
    for k, line in enumerate(converted.split("\n")):
        if k:
            state.out.line += 1
        if line.strip():  # a blank line inside \[...\] is a \par: an error
            state.out.write(line.strip())
            state.out.newline()
    state.out.line = tok.map[1] - 1
    state.out.write(r"\]")
    state.out.newline()


def _r_paragraph_open(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any,
                      env: Any) -> None:
    state = state_of(env)
    open_block(state, hidden=tokens[i].hidden)
    if not tokens[i].hidden:
        state.has_content = False


def _r_paragraph_close(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any,
                       env: Any) -> None:
    state = state_of(env)
    if not tokens[i].hidden:
        state.out.ensure_newline()


def _r_heading_open(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any, env: Any) -> None:
    state = state_of(env)
    open_block(state)
    if state.out.cur.strip() != r"\item":
        state.out.ensure_newline()
    # \paragraph right after \item, in a quote or in a footnote is a LaTeX error
    state.heading_nested = bool(state.lists or state.quotes or state.block_sep)
    if state.heading_nested:
        state.out.write(r"\textbf{")
        return
    state.in_heading = True
    state.out.write(r"\paragraph{")


def _r_heading_close(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any,
                     env: Any) -> None:
    state = state_of(env)
    state.in_heading = False
    state.out.cur = state.out.cur.rstrip(" ")
    if state.heading_nested:
        state.out.write("}")
        state.out.newline()
        state.heading_nested = False
        state.has_content = True
        return
    # A run-in \paragraph is typeset (and written to the .toc) when the next paragraph
    # starts; \leavevmode starts it here, in plain context (inside \url the heading's \%
    # would reach the .toc as a bare %), and also when no text follows the heading.
    state.out.write(r"}\leavevmode")
    state.out.newline()
    for lines, srcs in state.heading_notes:
        state.out.write(r"\footnote{")
        state.out.splice(lines, srcs)
        state.out.write("}")
        state.out.newline()
    state.heading_notes = []
    following = tokens[i + 1].type if i + 1 < len(tokens) else ""
    # the text after the heading continues its paragraph (a blank line would end it)
    state.glue_next = following == "paragraph_open"
    state.has_content = False


def _list_open(kind: str) -> Rule:
    def rule(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any, env: Any) -> None:
        state = state_of(env)
        open_block(state)
        state.out.ensure_newline()
        b_item, b_enum, _ = state.base_depth
        same = sum(1 for k in state.lists if k == kind) + (b_item if kind == "itemize" else b_enum)
        total = list_depth(state)
        flat = bool(state.lists and state.lists[-1].startswith("flat"))
        if flat or same >= MAX_LIST_DEPTH_PER_KIND or total >= MAX_LIST_DEPTH_TOTAL:
            if not flat:
                state.problem("warning", "list nested too deeply for LaTeX; deeper items are "
                              "written as paragraphs", "use at most 3 levels of nested lists",
                              "latex-list-depth")
            state.lists.append("flat-" + kind)
        else:
            state.lists.append(kind)
            state.out.write(f"\\begin{{{kind}}}")
            state.out.newline()
            start = tokens[i].attrGet("start") if kind == "enumerate" else None
            if start is not None and str(start) != "1":
                counter = _ENUM_COUNTERS[min(same, 3)]
                state.out.write(f"\\setcounter{{{counter}}}{{{int(start) - 1}}}")
                state.out.newline()
        start_attr = tokens[i].attrGet("start")
        state.counters.append(int(start_attr) if start_attr is not None else 1)
        state.siblings.append("")
    return rule


def _r_list_close(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any, env: Any) -> None:
    state = state_of(env)
    state.out.ensure_newline()
    kind = state.lists.pop()
    state.counters.pop()
    state.siblings.pop()
    if not kind.startswith("flat"):
        state.out.write(f"\\end{{{kind}}}")
        state.out.newline()


def _r_item_open(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any, env: Any) -> None:
    state = state_of(env)
    state.out.ensure_newline()
    kind = state.lists[-1] if state.lists else "itemize"
    if kind.startswith("flat"):
        state.out.blank(state.block_sep or r"\endgraf")
        number = state.counters[-1]
        state.counters[-1] += 1
        marker = r"\textbullet{}" if kind == "flat-itemize" else f"{number}."
        state.out.write(f"{marker}~")
    else:
        state.out.write(r"\item ")
        state.out.item_guard = True
    state.has_content = False
    state.siblings.append("")


def _r_item_close(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any, env: Any) -> None:
    state = state_of(env)
    state.siblings.pop()
    state.out.item_guard = False
    state.out.ensure_newline()


def _r_quote_open(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any, env: Any) -> None:
    state = state_of(env)
    open_block(state)
    state.out.ensure_newline()
    # quote is a list to LaTeX: it counts toward the nesting limit shared with lists
    if list_depth(state) >= MAX_LIST_DEPTH_TOTAL:
        if not state.quote_stack or state.quote_stack[-1]:
            state.problem("warning", "block quotes nested too deeply for LaTeX; the deeper "
                          "ones are written as plain paragraphs", "nest fewer quotes and lists",
                          "latex-list-depth")
        state.quote_stack.append(False)
    else:
        state.out.write(r"\begin{quote}")
        state.out.newline()
        state.quotes += 1
        state.quote_stack.append(True)
    state.siblings.append("")


def _r_quote_close(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any, env: Any) -> None:
    state = state_of(env)
    state.out.ensure_newline()
    if state.quote_stack.pop():
        state.out.write(r"\end{quote}")
        state.out.newline()
        state.quotes -= 1
    state.siblings.pop()


def _r_code_block(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any, env: Any) -> None:
    """Code blocks: typewriter lines in a group (no verbatim: it breaks inside arguments)."""
    state = state_of(env)
    tok = tokens[i]
    if not tok.content.strip("\n"):
        return
    open_block(state)
    state.out.ensure_newline()
    state.out.write(r"{\noindent\ttfamily\raggedright")
    state.out.newline()
    if tok.type == "fence":
        state.out.line += 1  # content starts after the ``` line
    lines = tok.content.rstrip("\n").split("\n")
    for k, line in enumerate(lines):
        if k:
            state.out.line += 1
        body = state.text(line.replace("\t", "    "), code=True)
        body = ("\\ " + body[1:]) if body.startswith(" ") else body
        end = r"\newline" if k < len(lines) - 1 else r"\endgraf}"
        state.out.write((body or r"\mbox{}") + end)
        state.out.newline()


def _r_hr(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any, env: Any) -> None:
    """A thematic break separates paragraphs; nothing is drawn."""
    state_of(env).siblings[-1] = "block"


#: Token type -> rule, for block tokens.
BLOCK_RULES: Mapping[str, Rule] = MappingProxyType({
    "math_block": _r_math_block,
    "math_block_label": _r_math_block,
    "paragraph_open": _r_paragraph_open,
    "paragraph_close": _r_paragraph_close,
    "heading_open": _r_heading_open,
    "heading_close": _r_heading_close,
    "bullet_list_open": _list_open("itemize"),
    "bullet_list_close": _r_list_close,
    "ordered_list_open": _list_open("enumerate"),
    "ordered_list_close": _r_list_close,
    "list_item_open": _r_item_open,
    "list_item_close": _r_item_close,
    "blockquote_open": _r_quote_open,
    "blockquote_close": _r_quote_close,
    "code_block": _r_code_block,
    "fence": _r_code_block,
    "hr": _r_hr,
})
