"""``relwork lookup``: find the papers missing from the bibliography online, print one line
per paper and a summary."""

from __future__ import annotations

import dataclasses
import json
import sys
from typing import TYPE_CHECKING, Any

import click

from .main import Context, _activity, _note_paths, _out, _overrides, _problems, bib_option, main

if TYPE_CHECKING:
    from ..model import LookupOutcome

_STATUS_COLOR = {"found": "green", "in-bib": "green", "review": "yellow",
                 "not-found": "red", "failed": "red"}


def outcome_line(outcome: LookupOutcome, *, color: bool) -> str:
    """``file:line  status  key  title/value``: one row of the lookup table."""
    status = outcome.status.ljust(9)
    if color:
        status = click.style(status, fg=_STATUS_COLOR.get(outcome.status))
    shown = outcome.paper.title if outcome.paper else outcome.value
    return f"{outcome.source or '-'}  {status}  {outcome.key or '-'}  {shown}"


def outcome_to_json(outcome: LookupOutcome) -> dict[str, Any]:
    """A lookup outcome as plain JSON data (``relwork lookup --format json``)."""

    def paper(candidate: Any) -> dict[str, Any] | None:
        if candidate is None:
            return None
        data = dataclasses.asdict(candidate)
        data["authors"] = list(candidate.authors)
        return data

    source = outcome.source
    return {"file": source.path if source else None, "line": source.line if source else None,
            "query": {"kind": outcome.kind, "value": outcome.value},
            "status": outcome.status, "key": outcome.key, "reason": outcome.reason,
            "cached": outcome.cached, "acceptable": outcome.acceptable,
            "paper": paper(outcome.paper),
            "candidates": [paper(c) for c in outcome.candidates]}


def summary_text(counts: dict[str, int], requests: int | None, target: str,
                 written: int) -> str:
    """"2 papers: 2 found, 0 review, 0 not found, 0 failed; 1 from cache; 4 requests"."""
    n = sum(counts[k] for k in ("found", "in-bib", "review", "not-found", "failed"))
    text = (f"{n} paper{'s' if n != 1 else ''}: {counts['found']} found, "
            f"{counts['in-bib']} already in the bib, {counts['review']} review, "
            f"{counts['not-found']} not found, {counts['failed']} failed; "
            f"{counts['cached']} from cache")
    if requests is not None:
        text += f"; {requests} request{'s' if requests != 1 else ''}"
    if written:
        text += f" -> {target} (+{written})"
    return text


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@bib_option
@click.option("--offline", is_flag=True, default=None,
              help="Use only answers cached by earlier lookups; never the network.")
@click.option("--accept-review", is_flag=True, default=None,
              help="Also write a review result that has one clear candidate.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              help="Lines for people, JSON (with each review's candidates) for scripts.")
@click.pass_obj
def lookup(ctx: Context, paths: tuple[str, ...], bibs: tuple[str, ...], fmt: str,
           **options: Any) -> None:
    """Find the summarised papers that are not in the bibliography online and write them
    to bib/lookup.bib (read automatically by every build); also each [@doi:...] or
    [@arxiv:...] citation in the notes that no bib entry has, by that identifier.

    A DOI in the note is looked up at Crossref, an arXiv id at arXiv (preferring the
    published version), a title at DBLP, Crossref and Semantic Scholar. A title result is
    taken only when it is surely the paper; anything else is listed for review.

    With --format json: a JSON array with one object per paper: file, line, query
    {kind, value}, status, key, reason, cached, acceptable, paper and candidates (each
    {title, authors, year, venue, score, service, doi, arxiv, preprint}).

    \b
    Examples:
      relwork lookup
      relwork lookup summaries/week23.md --offline
    """
    from ..pipeline import lookup_papers

    values = _overrides(**options)
    if "offline" in values:
        values["lookup_offline"] = values.pop("offline")
    config = ctx.load(**values)
    _problems(ctx, config.problems)
    with _activity(ctx, "looking up") as say:
        def on_paper(n: int, total: int, what: str) -> None:
            say(f"paper {n} of {total}: {what}")

        _, run, problems = lookup_papers(config, _note_paths(paths), bibs or None,
                                         progress=say, on_paper=on_paper)
    _problems(ctx, problems + [p for p in run.problems if p.code != "lookup-found"
                               and p.code != "lookup-in-bib"])
    if fmt == "json":
        click.echo(json.dumps([outcome_to_json(o) for o in run.outcomes], indent=2,
                              ensure_ascii=False))
    for outcome in run.outcomes if fmt == "text" else []:
        _out(ctx, outcome_line(outcome, color=ctx.color))
    from ..lookup import count_outcomes

    counts = count_outcomes(run.outcomes)
    _out(ctx, summary_text(counts, run.requests, config.display(config.lookup_bib),
                           len(run.written)), err=fmt == "json")
    if any(p.severity == "error" for p in problems):
        sys.exit(1)
    if config.strict and any(o.status != "found" and o.status != "in-bib"
                             for o in run.outcomes):
        sys.exit(1)
