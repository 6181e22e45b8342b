"""The one wrapper document around the section: the preview's ``preview.tex`` and the zip's
``main.tex`` (built with pylatex)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import CompileError

CITE_STYLES = ("natbib", "biblatex", "plain")
DOCUMENTS = ("article", "ieee", "acm")
ENGINES = ("pdflatex", "xelatex", "lualatex")

PREVIEW_NAME = "preview"
#: \typeout markers around the \input, so warnings can be placed in the section reliably
SECTION_BEGIN = "relwork: section begin"
SECTION_END = "relwork: section end"

_DOCUMENT_CLASS = {"article": "article", "ieee": "IEEEtran", "acm": "acmart"}
#: packages the wrapper loads itself (fonts, citations, links): never loaded a second time
_MANAGED = ("iftex", "inputenc", "fontenc", "lmodern", "fontspec", "natbib", "biblatex",
            "hyperref")


#: logged when floats of the section wait for a later page: they will land after the
#: bibliography that follows (in IEEEtran or acmart, in or after the References)
FLOATS_DEFERRED = "relwork: floats deferred past the section"
_DEFERRED_CHECK = (
    r"\makeatletter\ifx\@deferlist\@empty\ifx\@dbldeferlist\@empty\else"
    r"\typeout{" + FLOATS_DEFERRED + r"}\fi\else\typeout{" + FLOATS_DEFERRED + r"}\fi"
    r"\makeatother")


@dataclass(frozen=True)
class Wrapper:
    """What goes around ``\\input{section}``.

    ``section`` and ``bib`` are names relative to the document's folder, without extension.
    ``engine`` ``None`` means any engine: iftex picks the font setup when LaTeX runs.
    ``packages`` are loaded in order after the fonts, exactly those (the ones in ``_MANAGED``
    go where the wrapper puts them: the citation package always follows ``cite``, hyperref
    comes last when listed); ``cite_options`` go to natbib or biblatex
    (after ``backend=biber``); ``bibliography=False`` leaves out the reference list;
    ``markers`` puts ``\\typeout`` lines around the section for the log parser.
    """

    section: str
    bib: str
    cite: str = "natbib"
    document: str = "article"
    engine: str | None = "pdflatex"
    class_options: tuple[str, ...] = ()
    packages: tuple[str, ...] = ()
    cite_options: tuple[str, ...] = ()
    hyperref_options: tuple[str, ...] = ()
    title: str | None = None
    comment: str | None = None
    page_numbers: bool = False
    bibliography: bool = True
    markers: bool = False


def wrapper_source(spec: Wrapper) -> str:
    """LaTeX of the document ``spec`` describes; CompileError on an unknown choice."""
    from pylatex import Command, Document, NoEscape, Package

    check_choice("cite", spec.cite, CITE_STYLES)
    check_choice("document", spec.document, DOCUMENTS)
    if spec.engine is not None:
        check_choice("engine", spec.engine, ENGINES)
    doc = Document(
        documentclass=_DOCUMENT_CLASS[spec.document],
        document_options=[*spec.class_options, *_class_options(spec)] or None,
        fontenc=None, inputenc=None, lmodern=False, textcomp=False, microtype=False,
        indent=True, page_numbers=spec.page_numbers,
    )
    doc.packages.clear()  # every package goes into the preamble below, in this order
    preamble = doc.preamble
    preamble.extend(NoEscape(line) for line in _font_setup(spec))
    done = set(_MANAGED)
    for name in spec.packages:
        if name not in done:
            done.add(name)
            preamble.append(Package(name))
    if spec.cite == "biblatex":
        preamble.append(Package("biblatex", options=["backend=biber", *spec.cite_options]))
    elif spec.cite == "natbib" and spec.document != "acm":  # acmart loads natbib itself
        preamble.append(Package("natbib", options=list(spec.cite_options) or None))
    if spec.document != "acm" and "hyperref" in spec.packages:  # acmart loads it itself
        preamble.append(Package("hyperref", options=list(spec.hyperref_options) or None))
    if spec.cite == "biblatex":
        preamble.append(Command("addbibresource", NoEscape(f"{spec.bib}.bib")))
    preamble.extend(NoEscape(line) for line in _class_setup(spec))
    if spec.title is not None:
        preamble.append(Command("title", spec.title))
        preamble.append(NoEscape(r"\date{}"))
    if spec.title is not None and spec.document != "article":
        doc.append(NoEscape(r"\maketitle"))  # the two-column layout starts with the title
    if spec.markers:
        doc.append(NoEscape(r"\typeout{" + SECTION_BEGIN + "}"))
    doc.append(NoEscape(r"\input{" + spec.section + "}"))
    if spec.markers:
        doc.append(NoEscape(r"\par\typeout{" + SECTION_END + "}"))
        doc.append(NoEscape(_DEFERRED_CHECK))
    if not spec.bibliography:
        pass
    elif spec.cite == "biblatex":
        doc.append(NoEscape(r"\printbibliography"))
    else:
        style = "plain" if spec.cite == "plain" else "plainnat"
        doc.append(NoEscape(r"\bibliographystyle{" + style + "}"))
        doc.append(NoEscape(r"\bibliography{" + spec.bib + "}"))
    head = f"% {spec.comment}\n" if spec.comment else ""
    return head + str(doc.dumps()) + "\n"


def _class_options(spec: Wrapper) -> list[str]:
    if spec.document == "ieee":
        return ["conference"]
    if spec.document == "acm":
        # acmart loads natbib itself unless told not to
        return ["sigconf"] + (["natbib=false"] if spec.cite != "natbib" else [])
    return []


def _font_setup(spec: Wrapper) -> list[str]:
    """Font encoding and fonts: pdfLaTeX's 8-bit setup, or fontspec for Unicode engines."""
    lmodern = spec.document != "acm"  # acmart sets its own fonts
    pdf = ["\\usepackage[T1]{fontenc}", "\\usepackage[utf8]{inputenc}"]
    pdf += ["\\usepackage{lmodern}"] if lmodern else []
    if spec.engine is None:
        return ["\\usepackage{iftex}", "\n".join(
            ["\\ifPDFTeX", *(f"  {line}" for line in pdf), "\\else", "  \\usepackage{fontspec}",
             "\\fi"])]
    return pdf if spec.engine == "pdflatex" else ["\\usepackage{fontspec}"]


def _class_setup(spec: Wrapper) -> list[str]:
    """What acmart needs to typeset a lone section without complaints."""
    if spec.document != "acm":
        return []
    lines = []
    if spec.engine == "pdflatex":
        # without acmart's Libertine fonts it falls back to bitmap fonts, which
        # microtype's font expansion rejects; Latin Modern is scalable
        lines.append(r"\IfFileExists{libertine.sty}{}{\usepackage{lmodern}}")
    return lines + [r"\settopmatter{printacmref=false}", r"\setcopyright{none}",
                    r"\renewcommand\footnotetextcopyrightpermission[1]{}",
                    r"\acmConference{Preview}{}{}", r"\author{relwork}",
                    r"\affiliation{\institution{Preview}\country{}}"]


def preview_source(section: str, bib: str, *, cite: str = "natbib", document: str = "article",
                   engine: str = "pdflatex", bibliography: bool = True,
                   packages: Sequence[str] = ()) -> str:
    r"""LaTeX of the preview document: ``\input{section}`` plus the bibliography ``bib``.

    ``section`` and ``bib`` are names relative to the preview's folder, without extension.
    ``packages``: what the section requires, loaded on top of the bare document class and the
    engine's font setup, and nothing else, so the preview compiles only if the paper can.
    ``bibliography=False`` leaves out the reference list (a section that cites nothing: BibTeX
    would stop with "I found no \citation commands").
    """
    return wrapper_source(Wrapper(
        section, bib, cite=cite, document=document, engine=engine,
        packages=tuple(packages), title="Related Work preview" if document != "article" else None,
        bibliography=bibliography, markers=True,
    ))


#: a LaTeX comment: % not escaped by a backslash (an even run of backslashes is line breaks)
_COMMENT = re.compile(r"(?<!\\)(?:\\\\)*%.*")
#: any citation command: \cite, \citep, \textcite, \nocite, \footfullcite, ...
_CITE_COMMAND = re.compile(r"\\[A-Za-z]*cite[A-Za-z]*")


def cites_anything(section_text: str) -> bool:
    """Whether a LaTeX section has a citation command outside comments (needs a bibliography).

    Errs towards True (``\\\\cite`` counts), which keeps the bibliography as before.
    """
    return any(_CITE_COMMAND.search(_COMMENT.sub("", line))
               for line in section_text.splitlines())


def check_choice(name: str, value: str, choices: Sequence[str]) -> None:
    """CompileError naming the known values when ``value`` is not one of ``choices``."""
    if value not in choices:
        raise CompileError(f"unknown {name} '{value}'", hint=f"use one of: {', '.join(choices)}")

