"""Read one section of the README (code fences are skipped when looking for headings)."""

from __future__ import annotations

from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_section(title: str, level: int = 2) -> str:
    """The text under the README heading ``title`` of ``level``, up to the next heading of
    that level or higher outside a code fence."""
    lines = README.read_text(encoding="utf-8").splitlines()
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
        raise AssertionError(f"README has no section '{marker}{title}'")
    return "\n".join(out) + "\n"
