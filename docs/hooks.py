"""mkdocs hook: fills the CLI reference with the current `--help` text of every command.

`docs/cli.md` holds a marker `<!-- relwork-help NAME -->` under each command's heading
(`<!-- relwork-help -->` for `relwork` itself). At build time each marker becomes that
command's help, produced by click from the code, so the reference cannot go stale. A
command without a marker, or a marker without a command, fails the build.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

MARKER = re.compile(r"<!-- relwork-help ?([a-z-]*) -->")
#: help is wrapped at this width whatever the terminal, so the page is the same everywhere
WIDTH = 88


def _main() -> Any:
    """The click group, imported from this checkout's src/ before any installed copy."""
    src = str(Path(__file__).resolve().parents[1] / "src")
    if src not in sys.path:
        sys.path.insert(0, src)
    from relwork.cli import main

    return main


def command_names() -> list[str]:
    """The names of relwork's commands, in alphabetical order."""
    return sorted(_main().commands)


def help_text(name: str = "") -> str:
    """What `relwork NAME --help` prints (`relwork --help` for an empty name)."""
    import click

    main = _main()
    ctx = click.Context(main, info_name="relwork", terminal_width=WIDTH,
                        max_content_width=WIDTH)
    command = main
    if name:
        command = main.commands[name]
        ctx = click.Context(command, info_name=name, parent=ctx)
    return command.get_help(ctx)


def fill_markers(markdown: str) -> str:
    """`markdown` with every marker replaced by the command's help as a text block."""
    named = MARKER.findall(markdown)
    missing = [n for n in command_names() if n not in named]
    unknown = [n for n in named if n and n not in command_names()]
    if missing or unknown:
        raise ValueError(f"docs/cli.md: commands without a help marker: {missing}; "
                         f"markers naming no command: {unknown}")
    return MARKER.sub(lambda m: f"```text\n{help_text(m.group(1))}\n```", markdown)


def on_page_markdown(markdown: str, page: Any, **kwargs: Any) -> str:
    """mkdocs event: fill the CLI reference page; other pages pass through."""
    if page.file.src_uri != "cli.md":
        return markdown
    from mkdocs.exceptions import PluginError

    try:
        return fill_markers(markdown)
    except ValueError as error:
        raise PluginError(str(error)) from error
