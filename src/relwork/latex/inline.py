"""Rules for inline Markdown: text with citations and bare URLs, emphasis, code, inline
math, links, footnote references, and what is dropped (raw HTML, images, strikethrough).

Each rule has markdown-it-py's signature ``rule(renderer, tokens, idx, options, env)`` and
writes to the conversion ``State``; ``INLINE_RULES`` maps token types to them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from ..ids import is_valid_key
from ..model import Severity
from .cite import CITE_RE, Citation, parse_citation
from .escape import CharIssue, Latex, escape_url
from .math import MathCheck, check_math, convert_math
from .state import Rule, State, Writer, state_of

if TYPE_CHECKING:
    from markdown_it.token import Token

    from .markdown import LatexRenderer


def _r_inline(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any, env: Any) -> None:
    render_inline(r, tokens[i].children or [], o, env)


def render_inline(r: LatexRenderer, children: Sequence[Token], o: Any, env: Any) -> None:
    """Inline children: runs of text are joined (citations and URLs can span escapes)."""
    state = state_of(env)
    k = 0
    while k < len(children):
        tok = children[k]
        if tok.type in ("text", "text_special"):
            parts: list[tuple[str, bool]] = []
            while k < len(children) and children[k].type in ("text", "text_special"):
                parts.append((children[k].content, children[k].type == "text_special"))
                k += 1
            _write_text(state, parts)
            continue
        rule = r.rules.get(tok.type)
        if rule is not None:
            last = rule(r, children, k, o, env)
            k = (last if isinstance(last, int) else k) + 1
        else:
            if tok.children:
                render_inline(r, tok.children, o, env)
            k += 1


_WEB_LINK = re.compile(r"(?i)(https?|ftp)://[^\s]|mailto:[^\s]")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
_UNSMART = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'})
_URL_RE = re.compile(r"https?://[^\s<>\"{}|\\^`\[\]]+")


def _write_text(state: State, parts: list[tuple[str, bool]]) -> None:
    """Write a run of text: citations, bare URLs, unmatched ``$`` warnings, escaping."""
    text = "".join(p for p, _ in parts)
    for content, special in parts:
        # an unescaped $ left in text is a formula that was never closed ($5 is money)
        if not special and re.search(r"\$(?!\d)", content):
            state.problem("warning", "unmatched $: written as a dollar sign, not math",
                          "close the formula with $, or write \\$ for a dollar sign",
                          "latex-dollar")
            break
    if "@" not in text and "\\" not in text:
        _write_plain(state, text)
        return
    last = 0
    for m in CITE_RE.finditer(text):
        citation = parse_citation(m) if state.cite is not None else None
        if citation is None:  # no callback, or [text with @ that is no citation]
            continue
        bad = [k for k in citation.keys if not is_valid_key(k)]
        if bad:
            state.problem("warning", f"citation key {bad[0]!r} is not a valid key; kept as text",
                          "keys may use letters, digits and _ : . - + /", "latex-cite-key")
            continue
        if citation.dropped_notes:
            state.problem("info", "notes between citation keys dropped; only the first "
                          "prenote and the last postnote are kept",
                          "split the citation: [see @a, p. 3] [@b, ch. 2]", "latex-cite-notes")
        _write_plain(state, text[last: m.start()])
        _write_cite(state, citation)
        if citation.trailing:
            _write_plain(state, citation.trailing)
        last = m.end()
    _write_plain(state, text[last:])


def _write_plain(state: State, text: str) -> None:
    if not text:
        return
    if state.link_depth or state.in_heading:  # no \url inside links or moving arguments
        write_escaped(state, state.text(text))
        return
    last = 0
    for m in _URL_RE.finditer(text):
        # undo smart quotes inside the URL (same length, so positions still match)
        url = m.group(0).translate(_UNSMART)
        trimmed = url.rstrip(".,;:!?'\"*_")
        while trimmed.endswith(")") and trimmed.count(")") > trimmed.count("("):
            trimmed = trimmed[:-1]
        write_escaped(state, state.text(text[last: m.start()]))
        write_escaped(state, r"\url{" + escape_url(trimmed) + "}")
        last = m.start() + len(trimmed)
    write_escaped(state, state.text(text[last:]))


def write_escaped(state: State, latex: str) -> None:
    """Write escaped text; visible output lets a following \\newline end a line."""
    if latex.strip():
        state.has_content = True
    state.out.write(latex)


def _write_cite(state: State, c: Citation) -> None:
    assert state.cite is not None
    # a ~ in notes is LaTeX's no-break space (p.~3), not a tilde
    pre = Latex(state.text(c.prenote.replace("~", "\u00a0"))) if c.prenote else Latex("")
    post = Latex(state.text(c.postnote.replace("~", "\u00a0"))) if c.postnote else Latex("")
    if (pre or post) and state.cite_notes == "pos":
        result = state.cite(list(c.keys), c.mode, pre, post)
    elif (pre or post) and state.cite_notes == "kw":
        result = state.cite(list(c.keys), c.mode, prenote=pre, postnote=post)
    else:
        result = state.cite(list(c.keys), c.mode)
        if pre:
            result = f"{pre} {result}"
        if post:
            result = f"{result}, {post}"
    write_escaped(state, str(result))


def _r_softbreak(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any, env: Any) -> None:
    state = state_of(env)
    state.out.line += 1
    if state.in_heading:
        state.out.write(" ")
    else:
        state.out.newline()


def _r_hardbreak(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any, env: Any) -> None:
    state = state_of(env)
    if state.has_content and not state.in_heading:
        state.out.write(r"\newline")  # \newline (not \\): a following [ is no option
    _r_softbreak(r, tokens, i, o, env)


def _wrap(open_: str, close: str) -> tuple[Rule, Rule]:
    def opener(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any, env: Any) -> None:
        state_of(env).out.write(open_)

    def closer(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any, env: Any) -> None:
        state_of(env).out.write(close)

    return opener, closer


def _r_code_inline(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any, env: Any) -> None:
    state = state_of(env)
    state.has_content = True
    state.out.write(r"\texttt{" + state.text(tokens[i].content, code=True) + "}")


def math_or_text(state: State, content: str) -> str | None:
    """Checked math content, or None after reporting it (then it is written as text)."""
    check = check_math(content, macros=state.macros)
    if check is None:
        issues: list[CharIssue] = []
        converted = convert_math(content, state.engine, issues)
        # x^ⁱ would become x^^{i}; a dropped mark can leave \
        check = check_math(converted, macros=state.macros)
        if check is None:
            state.issues(issues)
            return converted
        if check.kind == "unsafe":  # only conversion made it so: the note is not hostile
            check = MathCheck("malformed", "a Unicode superscript follows ^",
                              "write x^{i} instead of x^ⁱ")
    severity: Severity = "error" if check.kind == "unsafe" else "warning"
    state.problem(severity, f"{check.message}; the formula is written as text", check.hint,
                  f"latex-math-{check.kind}")
    return None


def write_lines(state: State, text: str) -> None:
    """Write text that may span note lines, advancing the note line at each newline."""
    for k, part in enumerate(text.split("\n")):
        if k:
            state.out.line += 1
            state.out.newline()
        state.out.write(part)


def _r_math_inline(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any, env: Any) -> None:
    state = state_of(env)
    state.has_content = True
    tok = tokens[i]
    display = tok.type == "math_inline_double"
    math = math_or_text(state, tok.content)
    if math is None:
        write_lines(state, state.text(tok.markup + tok.content + tok.markup))
        return
    math = math.strip()
    opener, closer = ("$", "$")
    if display:
        # \[...\] cannot sit in a heading, a link text or a one-line (argument) context
        boxed = state.one_line or state.in_heading or state.heading_nested or state.link_depth
        opener, closer = (r"$\displaystyle ", "$") if boxed else (r"\[", r"\]")
    write_lines(state, opener + math + closer)


def _r_html(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any, env: Any) -> None:
    state = state_of(env)
    content = tokens[i].content.strip()
    if content.startswith("<!--"):
        return  # comments are the writer's own notes
    state.problem("warning", f"raw HTML dropped: {content[:40]!r}",
                  "write it in Markdown, or remove it", "latex-html")


def _r_image(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any, env: Any) -> None:
    state = state_of(env)
    src = tokens[i].attrGet("src")
    state.problem("warning", f"image dropped: {src}",
                  "images are not exported to the Related Work section", "latex-image")


def _r_link_open(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any, env: Any) -> int:
    state = state_of(env)
    tok = tokens[i]
    href = str(tok.attrGet("href") or "")
    close = i + 1
    depth = 1
    while close < len(tokens):
        if tokens[close].type == "link_open":
            depth += 1
        elif tokens[close].type == "link_close":
            depth -= 1
            if depth == 0:
                break
        close += 1
    inner = tokens[i + 1: close]
    web = bool(_WEB_LINK.match(href))
    if not web:
        scheme = _SCHEME.match(href)
        if scheme:  # run:, file:, javascript:...: a PDF action that opens files or programs
            state.problem("warning", f"link to {href[:60]!r} not exported: a "
                          f"{scheme.group(1).lower()}: link could open files or run programs "
                          "from the PDF; its text is kept", "link to an http(s) or mailto "
                          "address, or remove the link", "latex-link")
        else:  # a relative path or #anchor (a link between notes): nothing to point to
            state.problem("info", f"link to {href[:60]!r} kept as text: only web and mail "
                          "links are exported", "link to an http(s) address", "latex-link")
    if state.in_heading or not web:
        # \paragraph{} is written to the .toc/.aux, where \url's % and # break the file;
        # non-web targets would become PDF launch/file actions: keep the text
        if tok.markup == "autolink" or not inner:
            write_escaped(state, state.text("".join(t.content for t in inner) or href))
        else:
            render_inline(r, inner, o, env)
        return close
    if tok.markup == "autolink" or not inner:
        state.has_content = True
        if href.startswith("mailto:"):
            state.out.write(r"\href{" + escape_url(href) + "}{")
            write_lines(state, state.text(href[len("mailto:"):]))
            state.out.write("}")
        else:
            state.out.write(r"\url{" + escape_url(href) + "}")
        return close
    state.out.write(r"\href{" + escape_url(href) + "}{")
    state.link_depth += 1
    render_inline(r, inner, o, env)
    state.link_depth -= 1
    state.out.write("}")
    return close


def _r_footnote_ref(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any, env: Any) -> None:
    state = state_of(env)
    tok = tokens[i]
    note = env.get("footnotes", {}).get("list", {}).get(tok.meta.get("id"))
    if note is None:
        return
    state.has_content = True
    if "tokens" in note:  # inline footnote ^[...]: render it now
        saved, state.out = state.out, Writer(state.out.line)
        in_heading, state.in_heading = state.in_heading, False
        render_inline(r, note["tokens"], o, env)
        state.out.ensure_newline()
        rendered: tuple[list[str], list[int]] | None = (state.out.lines, state.out.srcs)
        state.out, state.in_heading = saved, in_heading
    else:
        rendered = (state.footnotes or {}).get(note.get("label"))
    if rendered is None:
        return
    if state.in_heading:
        # a heading is a moving (and, for \paragraph, delayed) argument: the footnote
        # goes right after it, where it still follows the run-in heading text
        state.heading_notes.append(rendered)
        return
    state.out.write(r"\footnote{")
    state.out.splice(*rendered)
    state.out.write("}")


def _r_skip(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any, env: Any) -> None:
    return None


def _r_strike(r: LatexRenderer, tokens: Sequence[Token], i: int, o: Any, env: Any) -> None:
    """Strikethrough needs ulem, which the preamble may lack: the text is kept plain."""
    return None


_EM = _wrap(r"\emph{", "}")
_STRONG = _wrap(r"\textbf{", "}")

#: Token type -> rule, for inline tokens (and raw HTML blocks, dropped like inline HTML).
INLINE_RULES: Mapping[str, Rule] = MappingProxyType({
    "inline": _r_inline,
    "softbreak": _r_softbreak,
    "hardbreak": _r_hardbreak,
    "em_open": _EM[0],
    "em_close": _EM[1],
    "strong_open": _STRONG[0],
    "strong_close": _STRONG[1],
    "s_open": _r_strike,
    "s_close": _r_strike,
    "code_inline": _r_code_inline,
    "math_inline": _r_math_inline,
    "math_inline_double": _r_math_inline,
    "html_block": _r_html,
    "html_inline": _r_html,
    "image": _r_image,
    "link_open": _r_link_open,
    "link_close": _r_skip,
    "footnote_ref": _r_footnote_ref,
})
