"""``relwork review``: settle the review and unmatched entries one by one in the terminal,
or with ``--accept KEY=TITLE`` / ``--not-in-bib TITLE``, or list them with ``--format json``.
Choices go into relwork.yaml as ``aliases:`` and ``not_in_bib:``."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:  # the stages are imported when the command runs (fast --help)
    from ..config import Config
    from ..match.review import Decision, ReviewItem
    from ..model import BibRecord
    from .main import Context

_CHOICES = "1-3 cite that candidate, k type a key, s skip, n not in my bib, q save and quit"


def _config_file(config: Config) -> Path:
    from ..config import CONFIG_NAME

    return config.path if config.path is not None else config.root / CONFIG_NAME


def _describe(item: ReviewItem, number: int, total: int) -> str:
    lines = [f"[{number}/{total}] {item.title}",
             f"  {item.source}  ({item.status}: {item.reason})"]
    if not item.candidates:
        lines.append("  no candidates")
    for n, c in enumerate(item.candidates, start=1):
        authors = ", ".join(c.authors[:3]) + (" et al." if len(c.authors) > 3 else "")
        facts = "; ".join(x for x in (authors, str(c.year or ""), c.venue) if x)
        lines.append(f"  {n}. {c.key}  {c.title}")
        lines.append(f"     {facts}  (score {c.score:.0f})")
    return "\n".join(lines)


def _ask_key(records: Mapping[str, BibRecord]) -> str | None:
    while True:
        key = click.prompt("  key (empty: back)", default="", show_default=False).strip()
        if not key:
            return None
        if key in records:
            return key
        import difflib  # only for a key that is not in the bib

        close = difflib.get_close_matches(key, list(records), n=3)
        click.echo(f"  {key} is not in the bibliography"
                   + (f"; did you mean {', '.join(close)}?" if close else ""))


def _ask(item: ReviewItem, records: Mapping[str, BibRecord]) -> Decision | None | bool:
    """One item's decision; None to skip it, False to stop."""
    from ..match.review import Decision

    while True:
        answer = click.prompt(f"  choice ({_CHOICES})", default="s",
                              show_default=False).strip().lower()
        if answer.isdigit() and 1 <= int(answer) <= len(item.candidates):
            return Decision(item.title, "alias", item.candidates[int(answer) - 1].key)
        if answer == "k":
            key = _ask_key(records)
            if key is not None:
                return Decision(item.title, "alias", key)
        elif answer == "s":
            return None
        elif answer == "n":
            return Decision(item.title, "not_in_bib")
        elif answer == "q":
            return False
        else:
            click.echo(f"  '{answer}' is not a choice")


def interactive(items: Sequence[ReviewItem], records: Mapping[str, BibRecord]
                ) -> list[Decision]:
    """Walk ``items`` asking for a decision on each; returns the decisions made."""
    from ..match.review import Decision

    decisions: list[Decision] = []
    for number, item in enumerate(items, start=1):
        click.echo(_describe(item, number, len(items)))
        chosen = _ask(item, records)
        if chosen is False:
            break
        if isinstance(chosen, Decision):
            decisions.append(chosen)
        click.echo("")
    return decisions


def _from_options(accept: Sequence[str], missing: Sequence[str], titles: Sequence[str],
                  records: Mapping[str, BibRecord]) -> list[Decision]:
    """``--accept``/``--not-in-bib`` as decisions; a bad key or unknown heading is an error."""
    import difflib

    from ..errors import UsageError
    from ..match.review import Decision, parse_accept

    decisions = []
    known = {" ".join(t.split()).casefold(): t for t in titles}
    for text in list(accept) + [f"={t}" for t in missing]:
        if text.startswith("="):
            key, title = "", text[1:].strip()
        else:
            try:
                key, title = parse_accept(text)
            except ValueError as exc:
                raise UsageError(str(exc), hint="e.g. --accept vaswani2017attention="
                                 "'Attention is all you need'") from None
        heading = known.get(" ".join(title.split()).casefold())
        if heading is None:
            close = difflib.get_close_matches(title, list(titles), n=1)
            raise UsageError(f"no note has the heading '{title}'",
                             hint=f"did you mean '{close[0]}'?" if close
                             else "give the heading as 'relwork check' shows it")
        if key and key not in records:
            close = difflib.get_close_matches(key, list(records), n=3)
            raise UsageError(f"{key} is not in the bibliography",
                             hint=f"did you mean {', '.join(close)}?" if close
                             else "check the key in your .bib")
        decisions.append(Decision(heading, "alias", key) if key
                         else Decision(heading, "not_in_bib"))
    return decisions


@click.command()
@click.option("--accept", "accept", multiple=True, metavar="KEY=TITLE",
              help="Cite bib KEY for the note heading TITLE (repeatable); no questions.")
@click.option("--not-in-bib", "missing", multiple=True, metavar="TITLE",
              help="Mark the note heading TITLE as not in your bib (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              help="json: print the entries to settle, with candidates, and ask nothing.")
@click.pass_obj
def review(ctx: Context, accept: tuple[str, ...], missing: tuple[str, ...], fmt: str) -> None:
    """Settle the review and unmatched papers: accept a candidate, type a key, skip, or
    mark "not in my bib". Choices are written to relwork.yaml (aliases, not_in_bib),
    keeping its comments and order.

    Interactive on a terminal; --accept, --not-in-bib and --format json work anywhere.

    \b
    Examples:
      relwork review
      relwork review --accept vaswani2017attention="Attention is all you need"
      relwork review --format json | jq '.[].candidates[0].key'
    """
    from ..errors import UsageError
    from ..match.review import item_to_json, review_items
    from ..pipeline import build as run_build
    from ..pipeline_cache import load_index

    config = ctx.load()
    result = run_build(config, write=False)
    if any(p.code.startswith("bib") and p.severity == "error" for p in result.problems):
        raise UsageError("the bibliography cannot be read", hint="run relwork check")
    index, _ = load_index(config, None, None)
    items = review_items(result.matches, index.records)
    if fmt == "json":
        click.echo(json.dumps([item_to_json(i) for i in items], indent=2, ensure_ascii=False))
        return
    if accept or missing:
        titles = [m.entry.title for m in result.matches]
        decisions = _from_options(accept, missing, titles, index.records)
    else:
        if not sys.stdin.isatty():
            raise UsageError("relwork review asks questions and needs a terminal",
                             hint="use --accept KEY=TITLE, --not-in-bib TITLE, or "
                             "--format json to list what needs settling")
        if not items:
            click.echo("nothing to review: every paper is matched")
            return
        decisions = interactive(items, index.records)
    _write(_config_file(config), decisions)


def _write(path: Path, decisions: Sequence[Decision]) -> None:
    from ..match.review import write_decisions

    if not decisions:
        click.echo("nothing changed")
        return
    written = write_decisions(path, decisions)
    shown: Any = path.name
    for title, key in written.aliases.items():
        click.echo(f"{shown}: alias '{title}' -> {key}")
    for title in written.not_in_bib:
        click.echo(f"{shown}: not_in_bib '{title}'")
    if not (written.aliases or written.not_in_bib):
        click.echo(f"{shown} already says so: nothing changed")
