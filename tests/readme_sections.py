"""Read a page of the manual (docs/*.md) or one section of it, or of the README (code fences
are skipped when looking for headings)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"


def docs_page(name: str) -> str:
    """The text of ``docs/<name>.md``."""
    return (DOCS / f"{name}.md").read_text(encoding="utf-8")


def _section(path: Path, title: str, level: int) -> str:
    lines = path.read_text(encoding="utf-8").splitlines()
    marker = "#" * level + " "
    out: list[str] = []
    inside = fence = False
    for line in lines:
        if line.startswith("```"):
            fence = not fence
        heading = not fence and line.startswith("#")
        if heading and line == marker + title:
            inside = True
            continue
        if inside and heading and len(line) - len(line.lstrip("#")) <= level:
            break
        if inside:
            out.append(line)
    if not out:
        raise AssertionError(f"{path.name} has no section '{marker}{title}'")
    return "\n".join(out) + "\n"


def docs_section(name: str, title: str, level: int = 2) -> str:
    """The text under the heading ``title`` of ``level`` in ``docs/<name>.md``, up to the
    next heading of that level or higher outside a code fence."""
    return _section(DOCS / f"{name}.md", title, level)


def readme_section(title: str, level: int = 2) -> str:
    """The text under the README heading ``title`` of ``level``, up to the next heading of
    that level or higher outside a code fence."""
    return _section(README, title, level)
