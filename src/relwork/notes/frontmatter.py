"""YAML front matter at the top of a note, and whether it describes one paper."""

from __future__ import annotations

import re
from typing import Any

from ..model import Problem, Source


def front_matter(
    lines: list[str], path: str, problems: list[Problem]
) -> tuple[dict[str, Any] | None, int]:
    """YAML front matter between ``---`` lines at the top: (mapping, first body line).

    Invalid YAML or a value that is not a mapping adds to ``problems`` and gives ``{}``.
    """
    if not lines or lines[0].rstrip() != "---":
        return None, 0
    end = -1
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            end = i
            break
    if end < 0:
        return None, 0
    yaml_text = "\n".join(lines[1:end])
    first = next((ln for ln in lines[1:end] if ln.strip() and not ln.startswith("#")), "")
    if first and not _YAML_KEY_RE.match(first):
        return None, 0  # a rule and a setext heading, not front matter
    import yaml  # ~25 ms of import: only when a note with front matter is parsed

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml is ~10x faster
    try:
        data = yaml.load(yaml_text, Loader=loader) if yaml_text.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        why = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        problems.append(Problem(
            "error", f"invalid YAML front matter: {why}", Source(path, line),
            "fix the YAML between the '---' lines (quote titles that contain ': ')",
            "front-matter",
        ))
        return {}, end + 1
    if data is None:
        data = {}
    if not isinstance(data, dict):
        problems.append(Problem(
            "warning", "front matter is not a mapping of keys to values; ignored",
            Source(path, 1), "write it as 'key: value' lines", "front-matter",
        ))
        return {}, end + 1
    title_line = 0
    key_lines: dict[str, int] = {}
    for i in range(1, end):
        key = _YAML_KEY_RE.match(lines[i])
        if key:
            key_lines.setdefault(lines[i].split(":", 1)[0].strip().strip("'\"").lower(), i + 1)
        if lines[i].lower().startswith("title:") and not title_line:
            title_line = i + 1
    data = {str(k): v for k, v in data.items()}
    data["__lines__"] = key_lines
    data["__line__"] = 1
    data["__title_line__"] = title_line or 1
    return data, end + 1


_YAML_KEY_RE = re.compile(r"^[\w\"'][^:]*:(?:\s|$)")

_PAPER_KEYS = frozenset(
    "citekey key id doi arxiv authors author year citation_key bibkey eprint".split())


def is_single_note(front: dict[str, Any], *, has_papers_section: bool) -> bool:
    """Front matter that describes a paper makes the whole file one entry.

    A title alone (a Jekyll post "Week 5 reading") does not when the file has a papers
    section: then the headings are the papers and the front matter is about the file.
    """
    keys = {k.lower() for k in front}
    if keys & _PAPER_KEYS:
        return True
    return "title" in keys and not has_papers_section
