"""``relwork init``: a new notes project that builds out of the box.

Writes summaries/example.md, bib/references.bib (matching the example), latex/.gitkeep,
relwork.yaml (every option, commented, with its default and help, generated from
``config.OPTIONS``), a Makefile that runs the relwork which created it, and a .gitignore.
Refuses to overwrite anything.
"""

from __future__ import annotations

import os
import shlex
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from ..config import CONFIG_NAME, OPTIONS, Option, display_path
from ..errors import UsageError
from ..infra.files import write_new_atomic

#: project path -> file in the packaged skeleton (dot files are stored without the dot,
#: since package-data globs skip them)
SKELETON: dict[str, str] = {
    "summaries/example.md": "summaries/example.md",
    "bib/references.bib": "bib/references.bib",
    "latex/.gitkeep": "latex/gitkeep",
    "latex/templates/.gitkeep": "latex/gitkeep",  # where your own templates go
    "Makefile": "Makefile",
    ".gitignore": "gitignore",
}


def _yaml_value(value: Any) -> str:
    """A default as one line of YAML (flow style for lists and mappings)."""
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10_000)
    return text.strip().removesuffix("...").strip()


def _describe(opt: Option) -> str:
    text = opt.help or ""
    if opt.choices:
        text += f" ({' | '.join(opt.choices)})" if text else " | ".join(opt.choices)
    return text


def config_text() -> str:
    """relwork.yaml with every option of ``OPTIONS`` commented out at its default.

    Removing the leading "# " of an option line (and of its section line, for dotted
    names) gives valid YAML that sets that option.
    """
    lines = [
        "# relwork configuration. Paths are relative to this file.",
        "# Every option is listed at its default: delete the leading '# ' of a line (and of",
        "# its section line, e.g. 'output:') to change it. 'relwork config' shows the values",
        "# in effect and where each came from.",
        "",
    ]
    sections: dict[str, list[Option]] = {}
    order: list[str] = []
    for opt in OPTIONS:
        head = opt.name.split(".")[0] if "." in opt.name else opt.name
        if head not in sections:
            sections[head] = []
            order.append(head)
        sections[head].append(opt)
    for head in order:
        opts = sections[head]
        if "." not in opts[0].name:
            opt = opts[0]
            line = f"# {opt.name}: {_yaml_value(opt.default)}"
            lines.append(f"{line}  # {_describe(opt)}" if _describe(opt) else line)
            continue
        lines.append("")
        lines.append(f"# {head}:")
        for opt in opts:
            sub = opt.name.split(".", 1)[1]
            line = f"#   {sub}: {_yaml_value(opt.default)}"
            lines.append(f"{line}  # {_describe(opt)}" if _describe(opt) else line)
        lines.append("")
    return "\n".join(lines).replace("\n\n\n", "\n\n").rstrip() + "\n"


def relwork_command(argv0: str | None = None) -> str:
    """The shell command that runs this relwork, for the Makefile of a new project.

    The ``relwork`` script this process was started as (``.venv/bin/relwork``, which need
    not be on PATH), as an absolute path; otherwise (``python -m relwork``) this
    interpreter with ``-m relwork``. ``argv0`` defaults to ``sys.argv[0]``.
    """
    script = sys.argv[0] if argv0 is None else argv0
    if (os.path.basename(script).lower().removesuffix(".exe") == "relwork"
            and os.path.isfile(script)):
        return shlex.quote(os.path.abspath(script))
    return f"{shlex.quote(sys.executable)} -m relwork"


def _makefile(text: str, relwork: str) -> str:
    """The skeleton Makefile with ``RELWORK ?=`` set to ``relwork``."""
    line = "RELWORK ?= relwork\n"
    if line not in text:  # the skeleton and this function are kept together
        raise AssertionError("the skeleton Makefile has no 'RELWORK ?= relwork' line")
    return text.replace(line, f"RELWORK ?= {relwork}\n", 1)


def project_files(relwork: str = "relwork") -> dict[str, str]:
    """Project-relative path -> text of every file ``init_project`` writes; ``relwork`` is
    the command the Makefile runs."""
    base = resources.files("relwork") / "skeleton"
    out = {rel: (base / packaged).read_text(encoding="utf-8") for rel, packaged in
           SKELETON.items()}
    out["Makefile"] = _makefile(out["Makefile"], relwork)
    out[CONFIG_NAME] = config_text()
    return dict(sorted(out.items()))


def init_project(target: Path, relwork: str | None = None) -> list[Path]:
    """Create a new notes project in ``target`` (made if missing); return the files written.

    ``relwork`` is the command the project's Makefile runs (default: ``relwork_command()``,
    this relwork). Raises ``UsageError`` naming every file that already exists, before
    writing anything.
    """
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise UsageError(f"{display_path(target.resolve())} exists and is not a folder",
                         hint="pass a folder name: relwork init my-survey")
    files = project_files(relwork_command() if relwork is None else relwork)
    existing = [rel for rel in files if (target / rel).exists() or (target / rel).is_symlink()]
    if existing:
        shown = ", ".join(display_path((target / rel).absolute()) for rel in existing)
        raise UsageError(
            f"relwork init would overwrite {shown}; nothing was written",
            hint="run it in a new or empty folder (relwork init my-survey), "
            "or move those files away first",
        )
    created = []
    for rel, text in files.items():
        path = target / rel
        try:
            write_new_atomic(path, text)
        except FileExistsError:
            raise UsageError(f"{display_path(path.absolute())} appeared while writing; "
                             "not overwritten", hint="run relwork init again") from None
        created.append(path)
    return created
