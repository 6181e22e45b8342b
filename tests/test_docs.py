"""The README stays a short front door, and the manual (docs/) covers every command."""

from __future__ import annotations

import importlib.util
import re
from types import ModuleType

import click
import pytest
import yaml
from readme_sections import DOCS, README, ROOT, docs_page

from relwork.cli import main

COMMANDS = sorted(main.commands)
#: [text](target) outside code spans; images and autolinks are not used in the README
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def hooks() -> ModuleType:
    """docs/hooks.py, the mkdocs hook that fills the CLI reference."""
    spec = importlib.util.spec_from_file_location("relwork_docs_hooks", DOCS / "hooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_is_short() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) < 200, f"README.md has {len(lines)} lines; move detail into docs/"


def test_readme_links_only_to_docs_pages_that_exist() -> None:
    text = README.read_text(encoding="utf-8")
    targets = [t for t in LINK.findall(text) if not t.startswith(("http://", "https://"))]
    assert targets, "the README links into docs/"
    for target in targets:
        path = target.split("#", 1)[0]
        assert path.startswith("docs/") and path.endswith(".md"), target
        assert (ROOT / path).is_file(), f"README links to {target}, which does not exist"


def test_readme_command_table_lists_every_command() -> None:
    text = README.read_text(encoding="utf-8")
    for name in COMMANDS:
        assert f"| `relwork {name}" in text, name


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_text(name: str) -> None:
    command = main.commands[name]
    assert command.help and command.help.strip(), f"relwork {name} has no help text"
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert param.help, f"relwork {name} {param.opts[0]} has no help text"


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_a_section_in_the_cli_reference(name: str) -> None:
    page = docs_page("cli")
    assert f"\n### relwork {name}\n" in page, f"docs/cli.md has no '### relwork {name}'"
    assert f"<!-- relwork-help {name} -->" in page, f"docs/cli.md has no help marker for {name}"


def test_cli_reference_is_filled_from_the_commands_help() -> None:
    module = hooks()
    assert module.command_names() == COMMANDS
    filled = module.fill_markers(docs_page("cli"))
    assert "<!-- relwork-help" not in filled
    assert "Usage: relwork [OPTIONS] COMMAND [ARGS]..." in filled
    for name in COMMANDS:
        assert f"Usage: relwork {name} " in filled, name
        help_text = main.commands[name].help or ""
        first_line = help_text.strip().splitlines()[0].split(".")[0]
        assert first_line[:40] in " ".join(filled.split()), name


def test_cli_reference_fails_for_a_command_without_a_marker() -> None:
    module = hooks()
    page = docs_page("cli").replace("<!-- relwork-help zip -->", "")
    with pytest.raises(ValueError, match="zip"):
        module.fill_markers(page)


def test_every_docs_page_is_in_the_navigation() -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    nav = {page for item in config["nav"] for page in item.values()}
    pages = {p.name for p in DOCS.glob("*.md")}
    assert nav == pages
    assert "index.md" in pages


def test_docs_link_only_to_pages_that_exist() -> None:
    # mkdocs build --strict checks this too; the test catches it without mkdocs installed
    for page in sorted(DOCS.glob("*.md")):
        text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
        text = re.sub(r"``.*?``|`[^`\n]*`", "", text)  # links shown as code are examples
        for target in LINK.findall(text):
            path = target.split("#", 1)[0]
            if target.startswith(("http://", "https://", "mailto:", "#")) or not path:
                continue
            assert (DOCS / path).is_file(), f"{page.name} links to {target}"
