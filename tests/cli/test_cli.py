"""The command line: help for every command, version, errors without tracebacks."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from relwork import __version__
from relwork.cli import main

COMMANDS = sorted(main.commands)


def run(args: list[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_version() -> None:
    code, out, _ = run(["--version"])
    assert code == 0 and __version__ in out


def test_main_help_lists_every_command() -> None:
    code, out, _ = run(["--help"])
    assert code == 0
    for name in COMMANDS:
        assert name in out


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_with_an_example(name: str) -> None:
    code, out, _ = run([name, "--help"])
    assert code == 0
    assert "Example" in out, f"'relwork {name} --help' shows no example"
    command = main.commands[name]
    for param in command.params:
        if param.param_type_name == "option":
            assert getattr(param, "help", None), f"{name} {param.opts} has no help"


def test_bad_flag_is_a_usage_error() -> None:
    code, _, err = run(["build", "--cite", "apa"])
    assert code == 2 and "apa" in err


def test_bad_yaml_is_two_lines_with_file_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("relwork.yaml").write_text("template: [oops\n")
    code, _, err = run(["build"])
    assert code == 2
    assert "relwork.yaml:" in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) <= 2


def test_config_shows_values_and_origins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("relwork.yaml").write_text("cite: plain\nunknwn: 1\n")
    code, out, err = run(["config"])
    assert code == 0
    assert 'cite = "plain"    # relwork.yaml:1' in out
    assert 'template = "paragraphs"    # default' in out
    assert "relwork.yaml:2" in err and "unknwn" in err


def test_missing_config_file_flag(tmp_path: Path) -> None:
    code, _, err = run(["--config", str(tmp_path / "none.yaml"), "build"])
    assert code == 2 and "not found" in err


def test_config_never_prints_a_token_in_the_remote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("relwork.yaml").write_text(
        "overleaf:\n  remote: https://git:olp_SECRET123@git.overleaf.com/abc\n")
    code, out, _ = run(["config"])
    assert code == 0
    assert "olp_SECRET123" not in out and "git.overleaf.com/abc" in out


@pytest.mark.parametrize("args", [["-v", "check"], ["check", "-v"], ["check", "--verbose"]])
def test_global_flags_may_follow_the_command(args: list[str]) -> None:
    """'relwork check -v' is 'relwork -v check' (a user types it that way; no command has
    a -v of its own); an argument after '--' is never taken for a flag."""
    from paths import REPO

    from relwork.cli.main import global_flags_first

    result = CliRunner().invoke(main, ["--config", str(REPO / "relwork.yaml"), *args])
    assert result.exit_code == 0, result.output
    assert "relwork: reading notes" in result.output
    assert global_flags_first(["build", "-q", "--", "-v"]) == ["-q", "build", "--", "-v"]
