"""Templates: finding them by name (the user's folders before the built-ins), listing them,
and the sandboxed Jinja2 environment that renders them with LaTeX-friendly delimiters.

Templates use ``((* block *))``, ``((( value )))`` and ``((= comment =))``, run in a sandbox
(they come from users' folders), and every printed value is LaTeX-escaped unless it is
trusted LaTeX (``latex.Latex`` or pylatex ``NoEscape``).
"""

from __future__ import annotations

import difflib
import os
import re
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..config import Config
from ..errors import TemplateError
from ..latex import Latex, escape_latex, is_trusted
from ..model import Source

#: Folder of the built-in templates shipped in the package.
BUILTIN_DIR = Path(__file__).parent / "templates"
SUFFIX = ".tex.j2"


@dataclass(frozen=True)
class TemplateInfo:
    """A template found by name: built-in or from one of ``config.template_dirs``."""

    name: str
    description: str
    path: Path
    builtin: bool = True
    requires: tuple[str, ...] = ()


def _template_dirs(config: Config) -> list[Path]:
    return [config.resolve(d) for d in config.template_dirs]


def _read_header(path: Path) -> tuple[str, tuple[str, ...]]:
    """The ``description:`` and ``requires:`` comments at the top of a template."""
    description = ""
    requires: tuple[str, ...] = ()
    try:
        head = path.read_text(encoding="utf-8").splitlines()[:5]
    except (OSError, UnicodeDecodeError):
        return "(unreadable)", ()
    for line in head:
        m = re.match(r"\s*\(\(=\s*(description|requires)\s*:(.*?)=\)\)", line)
        if m and m.group(1) == "description":
            description = m.group(2).strip()
        elif m:
            requires = tuple(p.strip() for p in m.group(2).split(",") if p.strip())
    return description, requires


def template_files(config: Config) -> list[Path]:
    """Every file a render of ``config`` may load besides the built-in templates: the
    files under the user's template folders and, for a template given as a path, under
    its folder (``extends`` and ``include`` reach any of them). What a rendered section
    is kept in the cache for (with the built-ins, which are part of relwork's code)."""
    folders = _template_dirs(config)
    if _is_path(config.template):
        path = Path(config.template).expanduser()
        folders.append((path if path.is_file() else config.resolve(config.template)).parent)
    found: list[Path] = []
    for folder in folders:
        if folder.is_dir():
            found += sorted(p for p in folder.rglob("*") if p.is_file())
    return found


def list_templates(config: Config) -> list[TemplateInfo]:
    """Templates by name: the user's folders first, then built-ins they do not override."""
    found: dict[str, TemplateInfo] = {}
    sources = [(d, False) for d in _template_dirs(config)] + [(BUILTIN_DIR, True)]
    for folder, builtin in sources:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob(f"*{SUFFIX}")):
            name = path.name[: -len(SUFFIX)]
            if name not in found:
                description, requires = _read_header(path)
                found[name] = TemplateInfo(name, description, path, builtin, requires)
    return sorted(found.values(), key=lambda t: t.name)


def _is_path(name: str) -> bool:
    return name.endswith(SUFFIX) or "/" in name or os.sep in name


def _template_setting(config: Config, name: str) -> Source | None:
    """Where ``template`` was set in relwork.yaml, when ``name`` is that setting (None when
    a flag set it, or the name came from elsewhere, e.g. 'relwork templates --show')."""
    where = config.where("template")
    if name != config.template or where is None:
        return None
    return where if config.origins.get("template") == str(where) else None


def find_template(name: str, config: Config) -> TemplateInfo:
    """The template ``name`` (a name or a path to a .tex.j2 file) or a TemplateError."""
    if _is_path(name):
        path = Path(name).expanduser()
        if not path.is_file():
            path = config.resolve(name)
        if not path.is_file():
            raise TemplateError(
                f"template file not found: {name}",
                source=_template_setting(config, name),
                hint="give an existing .tex.j2 file or a name from 'relwork templates'",
            )
        description, requires = _read_header(path)
        stem = path.name[: -len(SUFFIX)] if path.name.endswith(SUFFIX) else path.stem
        return TemplateInfo(stem, description, path.resolve(), False, requires)
    known = list_templates(config)
    for info in known:
        if info.name == name:
            return info
    raise TemplateError(
        f"unknown template '{name}'",
        source=_template_setting(config, name),
        hint=f"known templates: {', '.join(t.name for t in known)}; or give a path to a "
        f"{SUFFIX} file (see 'relwork templates')",
    )


def template_text(name: str, config: Config) -> str:
    """The source of template ``name`` (for ``relwork templates --show``)."""
    return find_template(name, config).path.read_text(encoding="utf-8")


def make_environment(config: Config, extra_dirs: Sequence[Path] = ()) -> Any:
    """The sandboxed Jinja2 environment: LaTeX delimiters, strict, escaping every value.

    Search order: ``extra_dirs`` (a template file's own folder), ``config.template_dirs``,
    the built-ins; built-ins stay reachable as ``builtin/NAME.tex.j2`` for ``extends``.
    """
    return _make_environment(config.engine, _search_dirs(config, extra_dirs))


def _search_dirs(config: Config, extra_dirs: Sequence[Path]) -> tuple[str, ...]:
    """The existing folders searched before the built-ins, in order."""
    return tuple(str(d) for d in (*extra_dirs, *_template_dirs(config)) if d.is_dir())


def _make_environment(engine: str, dirs: Sequence[str]) -> Any:
    from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    def finalize(value: object) -> str:
        if value is None:
            return ""
        if is_trusted(value):
            return str(value)
        if isinstance(value, (bool, int, float)):
            return str(value)
        # everything else is text from notes, bib or config: never trusted LaTeX
        return escape_latex(str(value), engine)

    def join(items: Iterable[object], separator: str = "") -> Latex:
        """Like Jinja's join, but escapes untrusted items and keeps trusted ones."""
        return Latex(str(separator).join(finalize(item) for item in items))

    builtin = FileSystemLoader(str(BUILTIN_DIR))
    loader = ChoiceLoader([FileSystemLoader(list(dirs)), builtin,
                           PrefixLoader({"builtin": builtin})])
    env = SandboxedEnvironment(
        loader=loader,
        block_start_string="((*",
        block_end_string="*))",
        variable_start_string="(((",
        variable_end_string=")))",
        comment_start_string="((=",
        comment_end_string="=))",
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        undefined=StrictUndefined,
        finalize=finalize,
    )

    def indent(value: object, width: int = 4, first: bool = False) -> Latex:
        """Like Jinja's indent, for LaTeX: continuation lines get ``width`` spaces."""
        lines = finalize(value).split("\n")
        pad = " " * int(width)
        body = [lines[0] if not first else pad + lines[0]]
        body += [pad + line if line.strip() else line for line in lines[1:]]
        return Latex("\n".join(body))

    env.filters["join"] = join
    env.filters["indent"] = indent
    env.filters["latex"] = lambda value: Latex(finalize(value))
    return env

def environment(config: Config, extra_dirs: Sequence[Path] = ()) -> Any:
    """make_environment, kept per engine when only the built-in templates can be loaded
    (files of the package), so a rebuild in the same process does not compile its template
    again. With user folders a new one is made each time: a template edited twice within the
    file system's mtime resolution would look unchanged to Jinja2's reload check."""
    dirs = _search_dirs(config, extra_dirs)
    if dirs:
        return _make_environment(config.engine, dirs)
    return _builtin_environment(config.engine)


@lru_cache(maxsize=8)
def _builtin_environment(engine: str) -> Any:
    return _make_environment(engine, ())


def template_error(exc: BaseException, info: TemplateInfo, config: Config,
                   names: Iterable[str] = ()) -> TemplateError:
    """A Jinja2 or helper exception -> TemplateError naming the template file:line;
    ``names`` are the variables a template can use (for a "did you mean" hint)."""
    from jinja2 import TemplateSyntaxError

    shown = (f"built-in template {info.path.name}" if info.builtin
             else config.display(info.path))
    line = 0
    if isinstance(exc, TemplateSyntaxError):
        line = exc.lineno or 0
        if exc.filename and not exc.filename.endswith(info.path.name):
            shown = config.display(exc.filename)
    else:
        frames = [f for f in traceback.extract_tb(exc.__traceback__)
                  if f.filename.endswith(SUFFIX)]
        if frames:
            line = frames[-1].lineno or 0
            if not frames[-1].filename.endswith(info.path.name):
                shown = config.display(frames[-1].filename)
    message = getattr(exc, "message", None) or str(exc)
    hint = ("fix the template (the README lists the variables it can use) "
            "or pick another with --template")
    missing = re.search(r"has no attribute '(\w+)'|'(\w+)' is undefined", message)
    if missing:
        close = difflib.get_close_matches(missing.group(1) or missing.group(2),
                                          sorted(names), n=1)
        if close:
            hint = f"did you mean '{close[0]}'? " + hint
    return TemplateError(f"template '{info.name}' failed: {message}",
                         source=Source(shown, line), hint=hint)

