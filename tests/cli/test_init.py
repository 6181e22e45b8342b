"""relwork init: a working project in one command, never overwriting anything."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from paths import REPO

from relwork.cli import main
from relwork.cli.init import config_text, init_project, project_files, relwork_command
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
        assert re.search(rf"^{target}:\n\t\$\(RELWORK_FOUND\)\n\t\$\(RELWORK\) "
                         rf"{re.escape(command)}$", makefile, re.M)
    if shutil.which("make"):
        # --no-print-directory: under an outer make (make test) it would add Entering lines
        dry = subprocess.run(["make", "--no-print-directory", "-n", "tex", "pdf", "check",
                              "sync", "RELWORK=relwork"], cwd=tmp_path / "survey",
                             capture_output=True, text=True, check=True)
        commands = [line for line in dry.stdout.splitlines() if line.startswith("relwork ")]
        assert commands == ["relwork build", "relwork build --compile", "relwork check",
                            "relwork sync"]


# --- the Makefile runs the relwork that created the project ------------------------------

SRC = REPO / "src"


def launcher(folder: Path) -> Path:
    """A ``relwork`` script like the one ``pip install`` puts in ``.venv/bin``, running this
    checkout's relwork; its folder is not on PATH (the README's ``make tex`` install)."""
    folder.mkdir(parents=True)
    script = folder / "relwork"
    script.write_text(f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(SRC)!r})\n"
                      "from relwork.cli import run\nrun()\n", encoding="utf-8")
    script.chmod(0o755)
    return script


def bare_env() -> dict[str, str]:
    """An environment whose PATH has no relwork (only the system folders) and no
    PYTHONPATH, as in a new shell."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "RELWORK", "MAKEFLAGS",
                                                               "MAKELEVEL", "MFLAGS")}
    env["PATH"] = "/usr/bin:/bin"
    return env


needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="make not installed")


@needs_make
@pytest.mark.slow
def test_make_tex_runs_the_relwork_that_created_the_project(tmp_path: Path) -> None:
    script = launcher(tmp_path / "venv" / "bin")
    env = bare_env()
    assert shutil.which("relwork", path=env["PATH"]) is None
    done = subprocess.run([str(script), "init", "survey"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "next: cd survey && make tex" in done.stderr
    project = tmp_path / "survey"
    makefile = (project / "Makefile").read_text(encoding="utf-8")
    assert f"RELWORK ?= {script}\n" in makefile
    made = subprocess.run(["make", "--no-print-directory", "tex"], cwd=project, env=env,
                          capture_output=True, text=True, check=False)
    assert made.returncode == 0, made.stdout + made.stderr
    assert "2 entries: 2 matched, 0 review, 0 unmatched" in made.stdout
    assert "\\citet{" in (project / "latex" / "related_work.tex").read_text(encoding="utf-8")


@needs_make
@pytest.mark.slow
def test_python_m_relwork_writes_its_interpreter_into_the_makefile(tmp_path: Path) -> None:
    env = bare_env() | {"PYTHONPATH": str(SRC)}
    done = subprocess.run([sys.executable, "-m", "relwork", "init", "survey"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    makefile = (tmp_path / "survey" / "Makefile").read_text(encoding="utf-8")
    assert f"RELWORK ?= {shlex.quote(sys.executable)} -m relwork\n" in makefile
    made = subprocess.run(["make", "--no-print-directory", "check"], cwd=tmp_path / "survey",
                          env=env, capture_output=True, text=True, check=False)
    assert made.returncode == 0, made.stdout + made.stderr
    assert "2 entries: 2 matched" in made.stdout


@needs_make
def test_a_relwork_that_moved_is_named_and_relwork_overrides_it(tmp_path: Path) -> None:
    script = launcher(tmp_path / "venv" / "bin")
    init_project(tmp_path / "survey", relwork=str(tmp_path / "gone" / "relwork"))
    env = bare_env()
    made = subprocess.run(["make", "--no-print-directory", "tex"], cwd=tmp_path / "survey",
                          env=env, capture_output=True, text=True, check=False)
    assert made.returncode != 0
    assert f"'{tmp_path / 'gone' / 'relwork'}' not found" in made.stderr
    assert "make tex RELWORK=" in made.stderr  # says how to point it at one
    assert not (tmp_path / "survey" / "latex" / "related_work.tex").exists()
    # the documented override: on the command line, or in the environment
    made = subprocess.run(["make", "--no-print-directory", "tex", f"RELWORK={script}"],
                          cwd=tmp_path / "survey", env=env, capture_output=True, text=True,
                          check=False)
    assert made.returncode == 0, made.stdout + made.stderr
    assert (tmp_path / "survey" / "latex" / "related_work.tex").is_file()
    made = subprocess.run(["make", "--no-print-directory", "check"], cwd=tmp_path / "survey",
                          env=env | {"RELWORK": str(script)}, capture_output=True, text=True,
                          check=False)
    assert made.returncode == 0 and "2 matched" in made.stdout


def test_relwork_command_is_the_script_or_this_interpreter(tmp_path: Path) -> None:
    script = launcher(tmp_path / "my venv" / "bin")
    assert relwork_command(str(script)) == shlex.quote(str(script))  # spaces quoted
    python_m = f"{shlex.quote(sys.executable)} -m relwork"
    assert relwork_command(str(SRC / "relwork" / "__main__.py")) == python_m
    assert relwork_command(str(tmp_path / "missing" / "relwork")) == python_m
    assert relwork_command("pytest") == python_m
    assert project_files("x/relwork")["Makefile"].count("RELWORK ?= x/relwork\n") == 1


def test_getting_started_lists_every_file_init_creates() -> None:
    page = (REPO / "docs" / "index.md").read_text(encoding="utf-8")
    section = page.split("## Start a project: `relwork init`")[1].split("\n## ")[0]
    created = set(re.findall(r"^created my-survey/(\S+)$", section, re.M))
    table = set(re.findall(r"^\| `([^`]+)` \|", section, re.M))
    assert created == set(project_files()) == EXPECTED
    assert table == EXPECTED
