"""Command-line interface: each command loads the config, calls the library, prints.

Exit codes: 0 ok, 1 findings or build errors, 2 usage or configuration errors.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from .. import __version__

# Only click at import: `relwork --version` and `--help` load no stage, not even the config
# (PyYAML); each command imports what it uses when it runs.
if TYPE_CHECKING:
    from ..config import Config
    from ..model import BuildResult, Problem

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Context:
    config_path: str | None
    quiet: bool
    verbose: bool

    def load(self, **overrides: Any) -> Config:
        from ..config import load_config
        from ..infra.settings import cached_settings

        return load_config(self.config_path, overrides, reader=cached_settings)

    @property
    def color(self) -> bool:
        from .output import use_color

        return use_color(sys.stdout)


def _out(ctx: Context, text: str, *, err: bool = False) -> None:
    if text and not (ctx.quiet and not err):
        click.echo(text, err=err)


def _problems(ctx: Context, problems: Sequence[Problem]) -> None:
    from .output import format_problems, use_color

    text = format_problems(problems, color=use_color(sys.stderr), verbose=ctx.verbose)
    if ctx.quiet:
        text = "\n".join(line for line in text.splitlines() if "error" in line)
    if text:
        click.echo(text, err=True)


@contextlib.contextmanager
def _activity(ctx: Context, label: str) -> Iterator[Callable[[str], None]]:
    """What the long steps report: with --verbose a line per step; on a terminal a spinner
    naming the current step (erased at the end); nothing when piped or --quiet."""
    if ctx.verbose and not ctx.quiet:
        yield lambda msg: click.echo(f"relwork: {msg}...", err=True)
        return
    from .output import spinner

    with spinner(label, quiet=ctx.quiet) as state:
        yield state


paths_argument = click.argument("paths", nargs=-1, type=click.Path())
bib_option = click.option(
    "--bib", "bibs", multiple=True, type=click.Path(),
    help="BibTeX file or folder (repeatable); overrides 'bib' in relwork.yaml.",
)


def build_options(f: F) -> F:
    """Options shared by the commands that render the section."""
    options = [
        click.option("--template", "-t", default=None,
                     help="Template name (see 'relwork templates') or a .tex.j2 file."),
        click.option("--cite", type=click.Choice(["natbib", "biblatex", "plain"]),
                     default=None, help="Citation commands: \\citet/\\citep, "
                     "\\textcite/\\parencite, or \\cite."),
        click.option("--engine", type=click.Choice(["pdflatex", "xelatex", "lualatex"]),
                     default=None, help="TeX engine the text is prepared for."),
        click.option("--accept-review", is_flag=True, default=None,
                     help="Cite 'review' matches as well."),
        click.option("--stubs", is_flag=True, default=None,
                     help="Cite a generated @misc stub for each unmatched paper."),
        click.option("--strict", is_flag=True, default=None,
                     help="Exit 1 when anything is review, unmatched or a lint finding."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _json_safe(value: Any) -> Any:
    """Front matter may hold .inf or .nan, which JSON cannot carry: they become text."""
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return str(value)
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value


def _note_paths(paths: Sequence[str]) -> list[str] | None:
    """Note paths from the command line; a .bib among them is a slip (``--bib a.bib b.bib``
    from a shell glob), not a note: say how to give several bibliographies."""
    from ..errors import UsageError

    for path in paths:
        if path.lower().endswith(".bib"):
            raise UsageError(f"{path} is a BibTeX file, given where notes go",
                             hint="repeat --bib for each file: --bib a.bib --bib b.bib")
    return list(paths) or None


def _overrides(**kwargs: Any) -> dict[str, Any]:
    return {k: v for k, v in kwargs.items() if v is not None}


#: the group's own flags, accepted after the command too ("relwork build -v")
GLOBAL_FLAGS = ("-v", "--verbose", "-q", "--quiet")


def global_flags_first(args: list[str]) -> list[str]:
    """``args`` with the group's flags that follow the command moved before it, so
    ``relwork build -v`` means ``relwork -v build`` (no command has a -v or -q of its own);
    nothing after ``--`` moves."""
    end = args.index("--") if "--" in args else len(args)
    flags = [a for a in args[:end] if a in GLOBAL_FLAGS]
    return flags + [a for a in args[:end] if a not in GLOBAL_FLAGS] + args[end:]


class RelworkGroup(click.Group):
    """The command group: global flags may come before or after the command."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, global_flags_first(list(args)))


@click.group(cls=RelworkGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="relwork")
@click.option("--config", "-c", "config_path", type=click.Path(dir_okay=False), default=None,
              help="Config file (default: ./relwork.yaml if present).")
@click.option("--quiet", "-q", is_flag=True, help="Print errors only.")
@click.option("--verbose", "-v", is_flag=True, help="Print steps, info and overfull boxes.")
@click.pass_context
def main(ctx: click.Context, config_path: str | None, quiet: bool, verbose: bool) -> None:
    """Turn Markdown paper summaries into a LaTeX Related Work section.

    \b
    Typical use:
      relwork build              # notes + bib -> latex/related_work.tex
      relwork check              # what matched, what needs you
      relwork build --compile    # also compile a preview PDF
      relwork sync               # push the section to Overleaf

    Exit codes: 0 ok, 1 findings or build errors, 2 usage or configuration errors.
    """
    ctx.obj = Context(config_path, quiet, verbose)


def _written(run_build: Callable[[], BuildResult]) -> BuildResult:
    """The build ``run_build()`` wrote. An output it refused to overwrite (edited by hand)
    or could not write becomes an error of that build, so the caller still prints the
    build's problems and its summary line ("...; 1 error, nothing written")."""
    from ..errors import OutputEditedError, OutputWriteError
    from ..model import Problem

    try:
        return _settled(run_build())
    except (OutputEditedError, OutputWriteError) as exc:
        if exc.result is None:
            raise
        code = "output-edited" if isinstance(exc, OutputEditedError) else "output-write"
        exc.result.problems.append(Problem("error", exc.message, exc.source, exc.hint, code))
        return exc.result


def _settled(result: BuildResult) -> BuildResult:
    """``result``, with the objects the build made (the bib index: hundreds of thousands,
    without cycles) moved out of the collector's way: the next collection would scan them
    all (~0.1 s) to free nothing."""
    import gc

    gc.freeze()
    return result


def _finish(ctx: Context, result: BuildResult, config: Config) -> None:
    from .output import summary_line

    _problems(ctx, result.problems)
    _out(ctx, summary_line(result, config.problems))
    counts = result.counts()
    if result.errors:
        sys.exit(1)
    lint_found = any(p.code.startswith("lint") and p.severity != "info"
                     for p in result.problems)
    if config.strict and (counts["review"] or counts["unmatched"] or lint_found):
        click.echo("strict: review, unmatched or lint findings (exit 1)", err=True)
        sys.exit(1)


@main.command()
@paths_argument
@bib_option
@build_options
@click.option("--force", is_flag=True, help="Overwrite outputs edited by hand (keeps a backup).")
@click.option("--compile", "compile_", is_flag=True, help="Compile a preview PDF with latexmk.")
@click.option("--document", type=click.Choice(["article", "ieee", "acm"]), default=None,
              help="Preview document class (with --compile).")
@click.option("--png", is_flag=True, help="Also write PNG page images (with --compile).")
@click.option("--lookup", is_flag=True, default=None,
              help="Look papers missing from the bib up online (into bib/lookup.bib).")
@click.option("--offline", "lookup_offline", is_flag=True, default=None,
              help="With --lookup: use only answers cached by earlier lookups.")
@click.option("--allow-empty", is_flag=True,
              help="Write the outputs even when no paper is selected (else exit 1).")
@click.pass_obj
def build(ctx: Context, paths: tuple[str, ...], bibs: tuple[str, ...], force: bool,
          compile_: bool, document: str | None, png: bool, allow_empty: bool,
          **options: Any) -> None:
    """Build latex/related_work.tex and the cited-only latex/references.bib.

    \b
    Examples:
      relwork build
      relwork build --template table --cite biblatex
      relwork build notes/ --bib ~/Zotero/library.bib --compile --png
      relwork build --lookup
    """
    from ..pipeline import build as run_build

    config = ctx.load(document=document, **_overrides(**options))
    _problems(ctx, config.problems)
    with _activity(ctx, "building") as say:
        result = _written(lambda: run_build(config, paths=_note_paths(paths),
                                            bibs=bibs or None, write=True, force=force,
                                            progress=say, allow_empty=allow_empty))
        if compile_ and not result.errors:
            say("compiling the preview")
            _compile(ctx, config, result, png=png, bibs=bibs or None, progress=say)
    if result.lookups:
        from ..lookup import count_outcomes
        from .lookup import summary_text

        counts = count_outcomes(result.lookups)
        _out(ctx, "online lookup, " + summary_text(counts, None, "", 0), err=True)
    _finish(ctx, result, config)


def _compile(ctx: Context, config: Config, result: BuildResult, *, png: bool,
             bibs: Sequence[str] | None = None,
             progress: Callable[[str], None] | None = None) -> None:
    from ..pipeline import compile_preview

    compiled = compile_preview(config, result, bibs=bibs, png=png, verbose=ctx.verbose,
                               progress=progress)
    result.problems += compiled.problems
    if compiled.pdf is not None:
        result.outputs.append(config.display(compiled.pdf))
    result.outputs += [config.display(p) for p in compiled.pngs]


@main.command()
@paths_argument
@bib_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              help="Table for people, JSON for scripts.")
@click.option("--accept-review", is_flag=True, default=None, help="Count review as cited.")
@click.option("--strict", is_flag=True, default=None,
              help="Exit 1 if anything is review or unmatched.")
@click.pass_obj
def check(ctx: Context, paths: tuple[str, ...], bibs: tuple[str, ...], fmt: str,
          **options: Any) -> None:
    """Show how each summarised paper matched the bibliography (writes nothing).

    Prints one row per entry: file:line, title, key, method, score, status, then counts.
    With --format json: a JSON array of objects with file, line, title, group, key,
    method, score, status, candidates [{key, title, score}].

    \b
    Examples:
      relwork check
      relwork check notes/ --bib refs.bib --format json | jq '.[] | select(.status != "matched")'
    """
    from ..pipeline import build as run_build
    from .output import format_matches, match_to_json

    config = ctx.load(**_overrides(**options))
    _problems(ctx, config.problems)
    with _activity(ctx, "checking") as say:
        result = _settled(run_build(config, paths=_note_paths(paths), bibs=bibs or None,
                                    write=False, progress=say, render=False))
    if fmt == "json":
        click.echo(json.dumps([match_to_json(m) for m in result.matches], indent=2,
                              ensure_ascii=False))
        _problems(ctx, [p for p in result.problems if p.severity == "error"])
    else:
        _problems(ctx, [p for p in result.problems if not p.code.startswith("lint")])
        if not ctx.verbose and not ctx.quiet:  # the entries of one work: shown by check
            from .output import format_problems, use_color

            works = [p for p in result.problems if p.code == "match-duplicate"]
            if works:
                click.echo(format_problems(works, color=use_color(sys.stderr), verbose=True),
                           err=True)
        _out(ctx, format_matches(result.matches, color=ctx.color, verbose=ctx.verbose))
    counts = result.counts()
    if result.errors:
        sys.exit(1)
    if config.strict and (counts["review"] or counts["unmatched"]):
        sys.exit(1)


@main.command()
@paths_argument
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              help="Lines for people, JSON for scripts.")
@click.pass_obj
def entries(ctx: Context, paths: tuple[str, ...], fmt: str) -> None:
    """List the paper entries found in the notes (file:line, group, title, identifiers).

    With --format json: a JSON array with one object per entry: file, line, title,
    group, ids, meta.

    \b
    Examples:
      relwork entries
      relwork entries ~/notes/papers --format json
    """
    from .. import notes
    from .output import plural

    config = ctx.load()
    files, problems = notes.collect_note_files(config, _note_paths(paths))
    parsed = notes.read_notes(files, config)
    problems = (config.problems + problems + parsed.problems
                + (parsed.dropped if ctx.verbose else []))
    if fmt == "json":
        data = [_json_safe(notes.entry_to_json(e)) for e in parsed.entries]
        click.echo(json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False))
    else:
        for entry in parsed.entries:
            group = " / ".join(entry.group) or "-"
            ids = ", ".join(f"{k}={v}" for k, vs in entry.ids.items() for v in vs)
            line = f"{entry.source}\t{group}\t{entry.title}"
            _out(ctx, f"{line}\t{ids}" if ids else line)
        _out(ctx, f"{plural(len(parsed.entries), 'entry')} in {plural(len(files), 'file')}",
             err=True)
    _problems(ctx, problems)
    if any(p.severity == "error" for p in problems):
        sys.exit(1)


@main.command()
@click.option("--show", "show", metavar="NAME", default=None,
              help="Print a template's source, to start a custom one from.")
@click.pass_obj
def templates(ctx: Context, show: str | None) -> None:
    """List the templates (built-in and in latex/templates/), or print one.

    \b
    Examples:
      relwork templates
      relwork templates --show table > latex/templates/mytable.tex.j2
    """
    from ..section import list_templates, template_text

    config = ctx.load()
    _problems(ctx, config.problems)
    if show:
        click.echo(template_text(show, config), nl=False)
        return
    infos = list_templates(config)
    width = max((len(t.name) for t in infos), default=0)
    for info in infos:
        where = "built-in" if info.builtin else config.display(info.path)
        click.echo(f"{info.name.ljust(width)}  {info.description}  [{where}]")


@main.command()
@paths_argument
@click.option("--strict", is_flag=True, default=None, help="Exit 1 on any finding.")
@click.pass_obj
def lint(ctx: Context, paths: tuple[str, ...], strict: bool | None) -> None:
    """Flag note text that reads as notes, not a paper (tone check before Overleaf).

    Rules: first person, contractions and slang, questions, unknown words, long sentences.
    Silence one note with '<!-- relwork: no-lint -->', one line with
    '<!-- relwork: ignore-line -->' (see README).

    \b
    Examples:
      relwork lint
      relwork lint summaries/week23.md --strict
    """
    from ..model import Problem
    from ..pipeline import lint_notes
    from .output import plural

    config = ctx.load(strict=strict)
    report = lint_notes(config, _note_paths(paths))
    found = [p for p in report.findings if p.severity != "info"]  # info: no spell checker
    if config.strict:
        found = [Problem("error", p.message, p.source, p.hint, p.code) for p in found]
    notices = [p for p in report.findings if p.severity == "info"]
    _problems(ctx, config.problems + report.file_problems + report.note_problems + found
              + notices)
    _out(ctx, f"{plural(len(found), 'finding')} in {plural(len(report.entries), 'entry')}",
         err=True)
    if (found and config.strict) or any(p.severity == "error" for p in report.file_problems):
        sys.exit(1)


@main.command(name="config")
@click.pass_obj
def config_cmd(ctx: Context) -> None:
    """Print the effective configuration and where each value came from.

    \b
    Example:
      relwork config
    """
    from ..config import OPTIONS

    config = ctx.load()
    _problems(ctx, config.problems)
    source = config.display(config.path) if config.path else "(no relwork.yaml: defaults)"
    click.echo(f"# config: {source}")
    for opt in OPTIONS:
        raw = getattr(config, opt.attr)
        if opt.attr == "overleaf_remote" and raw:
            from ..overleaf import redact_url

            raw = redact_url(raw)  # a token written into the URL is never printed
        value = json.dumps(raw, ensure_ascii=False)
        click.echo(f"{opt.name} = {value}    # {config.origins.get(opt.attr, 'default')}")


@main.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False))
@click.pass_obj
def init(ctx: Context, directory: str) -> None:
    """Create a new notes project (refuses to overwrite existing files).

    Its Makefile runs this relwork (make tex RELWORK=... runs another one).

    \b
    Example:
      relwork init my-survey && cd my-survey && make tex
    """
    from .init import init_project

    created = init_project(Path(directory))
    for path in created:
        _out(ctx, f"created {path}")
    _out(ctx, f"next: cd {directory} && make tex", err=True)


# the command modules register their commands on ``main``
from . import lookup as _lookup_command  # noqa: E402,F401
from . import publish as _publish_commands  # noqa: E402,F401


def _add_commands() -> None:
    from .review import review

    main.add_command(review)


_add_commands()


def run() -> None:
    """The ``relwork`` command. At exit the objects of a large bibliography are frozen
    rather than collected: the process ends anyway, and that collection costs ~40 ms."""
    import atexit
    import gc

    atexit.register(gc.freeze)
    main()
