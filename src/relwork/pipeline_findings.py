"""What the pipeline finds across stages: which entries the group settings select, and the
problems no single stage can see (a group name no note has, a paper summarised twice, an
alias to a missing key, why an entry is not cited, an empty selection)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .config import Config
from .model import Entry, Match, Problem, Source

if TYPE_CHECKING:
    from .bib import BibIndex


def norm_group(name: str) -> str:
    return " ".join(name.strip().rstrip(":").split()).casefold()


def select_entries(entries: Sequence[Entry], config: Config) -> list[Entry]:
    """Apply ``include_groups`` / ``exclude_groups`` (case-insensitive, any level of the path)."""
    include = {norm_group(g) for g in config.include_groups}
    exclude = {norm_group(g) for g in config.exclude_groups}
    if not include and not exclude:
        return list(entries)  # no group settings: every entry
    chosen = []
    for entry in entries:
        path = {norm_group(g) for g in entry.group}
        path.update(norm_group(t) for t in entry.meta.get("tags", []) or [])
        if exclude & path:
            continue
        if include and not include & path:
            continue
        chosen.append(entry)
    return chosen


def empty_selection(config: Config, paths: Sequence[str] | None, notes_read: Sequence[str],
                     entries_found: int) -> Problem:
    """The error for a build that selected no paper: what was asked for and what matched.
    It is placed at the first note read when there is one, else at the configured notes."""
    asked = ", ".join(f"'{p}'" for p in (paths or config.notes)) or "no note paths"
    files_found = len(notes_read)
    where = (Source(notes_read[0], 1) if notes_read
             else None if paths else config.where("notes"))
    if not files_found:
        found = "no note files"
    elif not entries_found:
        found = f"{files_found} note file(s) with no paper headings"
    else:
        found = (f"{entries_found} paper(s) in {files_found} note file(s), none left after "
                 "include_groups/exclude_groups")
    return Problem(
        "error", f"no papers selected: {asked} matched {found}; the previous outputs were "
        "kept", where,
        "check the paths or patterns (quote globs), or pass --allow-empty to write an "
        "empty section", "empty-selection")


def group_findings(entries: Sequence[Entry], config: Config) -> list[Problem]:
    """A name in include_groups/exclude_groups that no note has: most likely a typo, and
    with exclude_groups the papers meant to stay out would go into the section."""
    if not config.include_groups and not config.exclude_groups:
        return []  # no names to look for
    known: dict[str, str] = {}
    for entry in entries:
        for name in (*entry.group, *(entry.meta.get("tags", []) or [])):
            known.setdefault(norm_group(str(name)), str(name).strip().rstrip(":"))
    found = []
    for attr in ("include_groups", "exclude_groups"):
        for name in getattr(config, attr):
            if norm_group(name) in known:
                continue
            import difflib  # for the hint: most names are found

            close = difflib.get_close_matches(norm_group(name), list(known), n=1)
            hint = (f"did you mean '{known[close[0]]}'?" if close
                    else f"the notes have: {', '.join(sorted(known.values())) or 'no groups'}")
            found.append(Problem(
                "warning", f"{attr.replace('_', ' ').rstrip('s')} '{name}' matches no group "
                "or tag in the notes", config.where(attr), hint, "group"))
    return found


def twice_findings(matches: Sequence[Match]) -> list[Problem]:
    """One paper summarised in two places is written into the section twice."""
    first: dict[str, Match] = {}
    found = []
    for m in matches:
        if not m.cited or m.key is None:
            continue
        if m.key in first:
            found.append(Problem(
                "warning", f"{m.key} is summarised twice: here and at "
                f"{first[m.key].entry.source}; the section shows both",
                m.entry.source, "merge the two summaries or leave one group out", "twice"))
        else:
            first[m.key] = m
    return found


def alias_findings(config: Config, index: BibIndex) -> list[Problem]:
    """An alias whose key is not in the bibliography, even if no note uses it yet."""
    found = []
    for name, key in config.aliases.items():
        if key not in index.records:
            import difflib  # for the hint: most aliases are found

            close = difflib.get_close_matches(key, list(index.records), n=1)
            found.append(Problem(
                "warning", f"alias '{name}' points to '{key}', which is not in the bibliography",
                config.where("aliases"),
                f"did you mean '{close[0]}'?" if close else "fix the key under 'aliases'",
                "alias",
            ))
    return found


def match_findings(matches: Sequence[Match]) -> list[Problem]:
    """One warning per entry that is not cited, saying why and what to do."""
    found = []
    for m in matches:
        if m.not_in_bib:
            continue  # the user said so in relwork.yaml
        if m.broken is not None and m.status != "matched":
            found.append(Problem(
                "warning", f"'{m.entry.title}' is the title of the bib entry at {m.broken}, "
                "which could not be read; left out of the section", m.entry.source,
                f"fix that entry at {m.broken} (a missing brace, comma or quote)",
                "unmatched-broken"))
            continue
        if m.status == "review":
            acceptable = m.acceptable  # only then does --accept-review cite the paper
            found.append(Problem(
                "warning",
                f"'{m.entry.title}' probably is {m.key} ({m.method}, score {m.score:.0f}); "
                "not cited until accepted",
                m.entry.source,
                "add an alias in relwork.yaml, a [@key] in the note, or use --accept-review"
                if acceptable else f"if it is that paper, add [@{m.key}] to the heading or an "
                "alias in relwork.yaml ('relwork -v check' says why it was not accepted)",
                "review",
            ))
        elif m.status == "unmatched":
            best = ", ".join(c.key for c in m.candidates[:3]) or "none"
            found.append(Problem(
                "warning",
                f"'{m.entry.title}' has no entry in the bibliography (closest: {best}); "
                "left out of the section",
                m.entry.source,
                "add the paper to your .bib, add [@key] to the note's heading, an alias "
                "in relwork.yaml, or use --stubs",
                "unmatched",
            ))
    return found
