"""relwork init: a working project in one command, never overwriting anything."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from relwork.cli import main
from relwork.cli.init import config_text, init_project
from relwork.config import OPTIONS, load_config
from relwork.errors import UsageError

EXPECTED = {".gitignore", "Makefile", "bib/references.bib", "latex/.gitkeep", "relwork.yaml",
            "summaries/example.md", "latex/templates/.gitkeep"}


def rel(paths: list[Path], root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in paths}


def test_creates_the_project(tmp_path: Path) -> None:
    target = tmp_path / "survey"
    created = init_project(target)
    assert rel(created, target) == EXPECTED
    assert all(p.is_file() for p in created)
    assert (target / "latex").is_dir()
    assert not list(target.rglob("*.tmp"))  # atomic writes leave no temporaries
    ignore = (target / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert ".relwork/" in ignore and "*.aux" in ignore and "*.log" in ignore


def test_every_option_appears_in_relwork_yaml(tmp_path: Path) -> None:
    init_project(tmp_path)
    text = (tmp_path / "relwork.yaml").read_text(encoding="utf-8")
    for opt in OPTIONS:
        leaf = opt.name.split(".")[-1]
        if "." in opt.name:
            section = opt.name.split(".")[0]
            assert re.search(rf"^# {section}:\s*$", text, re.M), opt.name
            assert re.search(rf"^#   {leaf}: ", text, re.M), opt.name
        else:
            assert re.search(rf"^# {leaf}: ", text, re.M), opt.name
        if opt.help:
            assert opt.help in text, opt.name
        for choice in opt.choices:
            assert choice in text, (opt.name, choice)
    # all commented: the file loads to the defaults
    config = load_config(tmp_path / "relwork.yaml")
    assert config.problems == []
    assert all(config.origins[o.attr] == "default" for o in OPTIONS)


def test_uncommenting_everything_gives_the_defaults(tmp_path: Path) -> None:
    uncommented = "\n".join(
        line[2:] if line.startswith("# ") and not line.startswith("# relwork") and
        re.match(r"# +[a-z_]+:", line) else line
        for line in config_text().splitlines()
    )
    data = yaml.safe_load(uncommented)
    assert isinstance(data, dict) and len(data) > 10
    (tmp_path / "relwork.yaml").write_text(uncommented, encoding="utf-8")
    config = load_config(tmp_path / "relwork.yaml")
    assert config.problems == []
    for opt in OPTIONS:
        assert getattr(config, opt.attr) == opt.default, opt.name
        assert config.origins[opt.attr] != "default", f"{opt.name} not set by the file"


def test_refuses_to_overwrite_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "bib").mkdir()
    (tmp_path / "bib" / "references.bib").write_text("% mine\n", encoding="utf-8")
    (tmp_path / "Makefile").write_text("all:\n", encoding="utf-8")
    with pytest.raises(UsageError) as info:
        init_project(tmp_path)
    message = info.value.format_message()
    assert "references.bib" in message and "Makefile" in message
    assert info.value.exit_code == 2
    assert (tmp_path / "bib" / "references.bib").read_text(encoding="utf-8") == "% mine\n"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["Makefile", "bib", "references.bib"]


def test_existing_folder_with_other_files_is_fine(tmp_path: Path) -> None:
    (tmp_path / "paper.tex").write_text("x", encoding="utf-8")
    (tmp_path / "summaries").mkdir()
    assert rel(init_project(tmp_path), tmp_path) == EXPECTED


def test_target_that_is_a_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x", encoding="utf-8")
    with pytest.raises(UsageError, match="not a folder"):
        init_project(tmp_path / "f")


def test_fresh_project_builds_matches_and_lints_clean(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    init_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    from relwork.lint import spell_checker
    from relwork.pipeline import build

    result = build(load_config(tmp_path / "relwork.yaml"), write=True)
    assert result.errors == []
    assert result.counts() == {"entries": 2, "matched": 2, "review": 0, "unmatched": 0}
    assert set(result.cited_keys) == {"vaswani2017attention", "he2016deep"}
    if spell_checker() is not None:
        assert [p for p in result.problems if p.severity != "info"] == []
    tex = (tmp_path / "latex" / "related_work.tex").read_text(encoding="utf-8")
    assert "private notes" not in tex  # the '!!' line of the example stays out


def test_cli_init_and_make_targets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["init", "survey"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "survey" / "relwork.yaml").is_file()
    again = CliRunner().invoke(main, ["init", "survey"])
    assert again.exit_code == 2 and "overwrite" in again.output
    assert "Traceback" not in again.output
    makefile = (tmp_path / "survey" / "Makefile").read_text(encoding="utf-8")
    for target, command in [("tex", "build"), ("pdf", "build --compile"), ("check", "check"),
                            ("sync", "sync")]:
        assert re.search(rf"^{target}:\n\t\$\(RELWORK\) {re.escape(command)}$", makefile, re.M)
    if shutil.which("make"):
        # --no-print-directory: under an outer make (make test) it would add Entering lines
        dry = subprocess.run(["make", "--no-print-directory", "-n", "tex", "pdf", "check",
                              "sync"], cwd=tmp_path / "survey", capture_output=True,
                             text=True, check=True)
        assert dry.stdout.splitlines() == ["relwork build", "relwork build --compile",
                                           "relwork check", "relwork sync"]
