"""Issue 9 point 9: every user error is one or two lines naming the file and what to do,
never a traceback; exit 0 ok, 1 findings or build errors, 2 usage or configuration.

tests/test_cli.py covers bad YAML, an unknown key and a bad --cite value for one command;
here every command meets every kind of mistake a user makes.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from paths import REPO

from relwork.cli import main

ROOT = REPO
CONFIG_COMMANDS = ["build", "check", "entries", "lint", "config", "zip", "sync", "templates"]


def run(project: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """``relwork ARGS`` inside ``project``."""
    cwd = os.getcwd()
    os.chdir(project)
    try:
        result = CliRunner(env=env).invoke(main, list(args), catch_exceptions=False,
                                           prog_name="relwork")
    finally:
        os.chdir(cwd)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    for name in ("summaries", "bib"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / "relwork.yaml", tmp_path / "relwork.yaml")
    return tmp_path


def error_lines(err: str) -> list[str]:
    """The error and its hint: the line with 'error' and the indented lines after it."""
    lines = err.strip().splitlines()
    start = next(i for i, ln in enumerate(lines) if re.search(r"(^|: )error: |^Error: ", ln))
    block = [lines[start]]
    block += [ln for ln in lines[start + 1:] if ln.startswith("  ")][:3]
    return block


def assert_user_error(code: int, err: str, expected_code: int, *names: str) -> None:
    assert "Traceback" not in err
    assert code == expected_code, err
    block = error_lines(err)
    assert 1 <= len(block) <= 2, block
    text = "\n".join(block)
    for name in names:
        assert name in text, (name, text)


# ------------------------------------------------------------------ configuration: exit 2


@pytest.mark.parametrize("command", CONFIG_COMMANDS)
def test_bad_yaml_is_a_config_error_for_every_command(project: Path, command: str) -> None:
    (project / "relwork.yaml").write_text("notes:\n  - summaries\n section: {title: x}\n")
    code, _, err = run(project, command)
    assert_user_error(code, err, 2, "relwork.yaml:3", "YAML")
    assert len(err.strip().splitlines()) <= 2


@pytest.mark.parametrize(("yaml", "where", "what"), [
    ("cite: apa\n", "relwork.yaml:1", "natbib"),
    ("compile:\n  timeout: soon\n", "relwork.yaml:2", "compile.timeout"),
    ("aliases: [stylegan]\n", "relwork.yaml:1", "aliases"),
    ("- notes\n- bib\n", "relwork.yaml:1", "mapping"),
    ("template: nosuch\n", "relwork.yaml:1", "paragraphs"),  # lists the known ones
])
def test_bad_config_values_name_the_line_and_the_choices(
        project: Path, yaml: str, where: str, what: str) -> None:
    (project / "relwork.yaml").write_text(yaml)
    code, _, err = run(project, "build")
    assert_user_error(code, err, 2, where, what)


def test_unknown_bib_encoding_is_a_config_error(project: Path) -> None:
    (project / "relwork.yaml").write_text("bib_encoding: klingon\n")
    code, _, err = run(project, "build")
    assert_user_error(code, err, 2, "relwork.yaml:1", "klingon")
    assert len(err.strip().splitlines()) <= 2


def test_config_that_is_not_utf8_is_a_config_error(project: Path) -> None:
    (project / "relwork.yaml").write_bytes(b"template: caf\xe9\n")
    code, _, err = run(project, "build")
    assert_user_error(code, err, 2, "relwork.yaml", "UTF-8")


@pytest.mark.parametrize("command", ["build", "check", "config"])
def test_unknown_key_is_a_warning_with_its_line_and_a_suggestion(
        project: Path, command: str) -> None:
    with (project / "relwork.yaml").open("a") as config:
        config.write("exclude_group:\n  - Detailed\n")
    code, _, err = run(project, command)
    assert code == 0, err
    line = len((project / "relwork.yaml").read_text().splitlines()) - 1
    assert re.search(rf"^relwork\.yaml:{line}: warning: unknown config key 'exclude_group'.*"
                     r"exclude_groups", err, re.M), err


@pytest.mark.parametrize("command", ["entries", "lint", "templates"])
def test_unknown_key_is_reported_by_every_command(project: Path, command: str) -> None:
    with (project / "relwork.yaml").open("a") as config:
        config.write("private_markr: '%%'\n")
    _, _, err = run(project, command)
    assert "unknown config key 'private_markr'" in err


# ------------------------------------------------------------------ usage errors: exit 2


@pytest.mark.parametrize("args", [
    ["build", "--cite", "apa"], ["build", "--document", "latex"], ["build", "--engine", "tex"],
    ["check", "--format", "xml"], ["entries", "--format", "yaml"], ["build", "--nope"],
    ["lint", "--nope"], ["sync", "--nope"], ["zip", "extra"], ["nosuchcommand"],
])
def test_bad_flags_are_usage_errors(project: Path, args: list[str]) -> None:
    code, _, err = run(project, *args)
    assert code == 2 and "Traceback" not in err
    assert "Try 'relwork" in err  # says where the help is


def test_missing_config_file_and_folder_as_config(project: Path) -> None:
    code, _, err = run(project, "--config", "none.yaml", "build")
    assert_user_error(code, err, 2, "none.yaml", "not found")
    code, _, err = run(project, "--config", "summaries", "build")
    assert code == 2 and "Traceback" not in err and "summaries" in err


@pytest.mark.parametrize(("args", "name"), [
    (["build", "-t", "nosuch"], "paragraphs"),
    (["build", "-t", "missing/dir/mine.tex.j2"], "missing/dir/mine.tex.j2"),
])
def test_unknown_template_flag_lists_what_exists(project: Path, args: list[str],
                                                 name: str) -> None:
    code, _, err = run(project, *args)
    assert_user_error(code, err, 2, name)
    assert "relwork.yaml:" not in err  # the name came from the command line


def test_unknown_template_to_show_does_not_blame_the_config(project: Path) -> None:
    code, _, err = run(project, "templates", "--show", "nosuch")
    assert code == 2 and "nosuch" in err
    assert "relwork.yaml:" not in err


@pytest.mark.parametrize(("template", "line", "what"), [
    ("Hello ((( nosuch.attr )))\n", 1, "nosuch"),
    ("line one\n((* if *))\n", 2, "expression"),
    ("((( section.__class__ )))\n", 1, "unsafe"),
])
def test_broken_user_template_names_its_line(project: Path, template: str, line: int,
                                             what: str) -> None:
    folder = project / "latex" / "templates"
    folder.mkdir(parents=True)
    (folder / "mine.tex.j2").write_text(template)
    code, _, err = run(project, "build", "-t", "mine")
    assert_user_error(code, err, 2, f"latex/templates/mine.tex.j2:{line}", what)


# ----------------------------------------------------- missing and unreadable input: exit 1


Setup = Callable[[Path], None]


def _config(text: str) -> Setup:
    def setup(project: Path) -> None:
        (project / "relwork.yaml").write_text(text)
    return setup


def _note(name: str, data: bytes) -> Setup:
    def setup(project: Path) -> None:
        (project / "summaries" / name).write_bytes(data)
    return setup


@pytest.mark.parametrize(("setup", "args", "names"), [
    (_config("notes: [nope]\n"), ["build"], ["relwork.yaml:1", "nope", "notes"]),
    (_config("bib: [nope.bib]\n"), ["build"], ["relwork.yaml:1", "nope.bib", "bib"]),
    (lambda p: None, ["build", "nope/"], ["nope", "notes"]),
    (lambda p: None, ["build", "--bib", "nope.bib"], ["nope.bib", "--bib"]),
    (lambda p: None, ["check", "nope.md"], ["nope.md"]),
    (lambda p: None, ["entries", "nope.md"], ["nope.md"]),
    (lambda p: None, ["lint", "nope.md"], ["nope.md"]),
    (_note("latin.md", b"# P\n\n## Caf\xe9 paper\n"), ["build"],
     ["summaries/latin.md:3", "UTF-8"]),
    (_note("fm.md", b"---\ntitle: [oops\n---\n# X\n"), ["build"], ["summaries/fm.md:", "YAML"]),
    (_note("key.md", b"# Papers\n\n## Attention in Latent Spaces [@nosuchkey2020]\n\nText.\n"),
     ["build"], ["summaries/key.md:3", "nosuchkey2020"]),
])
def test_missing_or_unreadable_input_is_a_build_error_naming_it(
        project: Path, setup: Setup, args: list[str], names: list[str]) -> None:
    setup(project)
    code, _, err = run(project, *args)
    assert_user_error(code, err, 1, *names)


def test_compile_without_tex_says_what_to_install(project: Path, tmp_path: Path) -> None:
    empty = tmp_path / "no-tex-here"
    empty.mkdir()
    code, _, err = run(project, "build", "--compile", env={"PATH": str(empty)})
    assert_user_error(code, err, 1, "latexmk")
    assert "TeX Live" in err or "install" in err
    assert (project / "latex" / "related_work.tex").is_file()  # the section is still built


def test_sync_without_a_remote_is_a_config_error(project: Path) -> None:
    code, _, err = run(project, "sync")
    assert_user_error(code, err, 2, "overleaf.remote")


def test_sync_without_a_remote_says_what_to_do(project: Path) -> None:
    code, _, err = run(project, "sync")
    assert code in (1, 2) and "Traceback" not in err
    text = "\n".join(error_lines(err))
    assert "overleaf.remote" in text and "relwork zip" in text


def test_findings_are_exit_1_only_with_strict(project: Path) -> None:
    (project / "relwork.yaml").write_text("exclude_groups: []\naliases: {}\n")
    code, out, err = run(project, "check")
    assert code == 0 and "unmatched" in out
    code, _, _ = run(project, "check", "--strict")
    assert code == 1
    code, _, err = run(project, "build", "--strict")
    assert code == 1 and "strict" in err


def test_broken_link_in_the_notes_folder_names_the_link(project: Path) -> None:
    (project / "summaries" / "old.md").symlink_to("/nonexistent/old.md")
    code, _, err = run(project, "build")
    assert code == 1 and "Traceback" not in err
    assert "summaries/old.md" in "\n".join(error_lines(err))


def test_a_wrong_bib_path_is_one_error_not_a_page_of_consequences(project: Path) -> None:
    (project / "relwork.yaml").write_text("bib: [nope.bib]\nlint:\n  enabled: false\n")
    code, _, err = run(project, "build")
    assert code in (1, 2)
    assert len(err.strip().splitlines()) <= 2, err


def test_hints_name_the_config_file_in_use(project: Path) -> None:
    (project / "other.yaml").write_text("notes: [nope]\n")
    code, _, err = run(project, "--config", "other.yaml", "build")
    assert code in (1, 2) and "other.yaml:1" in err
    assert "relwork.yaml" not in err


def test_yaml_error_line_is_inside_the_file(project: Path) -> None:
    (project / "relwork.yaml").write_text("template: [oops\n")
    code, _, err = run(project, "build")
    assert code == 2 and "relwork.yaml:1:" in err


def test_overleaf_file_name_that_latex_cannot_input_is_a_config_error(project: Path) -> None:
    with (project / "relwork.yaml").open("a") as config:
        config.write("overleaf:\n  tex: a}b.tex\n")
    code, _, err = run(project, "zip")
    assert code == 2 and "relwork.yaml:" in err and "overleaf.tex" in err


def test_overleaf_path_outside_the_project_is_a_config_error(project: Path) -> None:
    with (project / "relwork.yaml").open("a") as config:
        config.write("overleaf:\n  tex: ../../evil.tex\n")
    code, _, err = run(project, "zip")
    assert_user_error(code, err, 2, "relwork.yaml:", "overleaf.tex")
    assert not (project / "latex" / "related_work.tex").exists()  # stopped before building
