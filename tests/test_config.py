"""relwork.yaml loading: values, overrides, origins, and errors that name file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from relwork.config import OPTIONS, load_config
from relwork.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "relwork.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config()
    assert config.path is None
    assert config.root == tmp_path
    assert config.template == "paragraphs"
    assert config.notes == ["summaries"]
    assert all(origin == "default" for origin in config.origins.values())


def test_nested_values_and_their_origins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "notes: notes/\ncite: biblatex\nsection:\n  title: Background\n"
          "aliases:\n  stylegan: karras2019style\n")
    config = load_config()
    assert config.notes == ["notes/"]  # a single string becomes a list
    assert config.cite == "biblatex"
    assert config.section_title == "Background"
    assert config.aliases == {"stylegan": "karras2019style"}
    assert config.origins["section_title"] == "relwork.yaml:4"
    assert config.origins["template"] == "default"


def test_command_line_overrides_the_file_and_none_does_not(tmp_path: Path) -> None:
    path = write(tmp_path, "template: table\ncite: plain\n")
    config = load_config(path, {"template": "compact", "cite": None})
    assert config.template == "compact"
    assert config.origins["template"] == "command line"
    assert config.cite == "plain"


def test_unknown_key_is_a_warning_with_line_and_suggestion(tmp_path: Path) -> None:
    path = write(tmp_path, "template: table\ntemplte: x\n")
    config = load_config(path)
    (problem,) = config.problems
    assert problem.severity == "warning"
    assert problem.source is not None and problem.source.line == 2
    assert "templte" in problem.message and "template" in (problem.hint or "")


def test_bad_yaml_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "template: table\ncite: [natbib\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.source is not None and info.value.source.line >= 2
    assert info.value.exit_code == 2
    assert "YAML" in info.value.format_message()


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("cite: apa\n", "'cite'"),
        ("match:\n  stubs: maybe\n", "true or false"),
        ("compile:\n  timeout: -3\n", "positive"),
        ("aliases: [a, b]\n", "mapping"),
    ],
)
def test_bad_values_are_config_errors(tmp_path: Path, text: str, words: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert words in info.value.format_message()
    assert info.value.source is not None and info.value.source.path.endswith("relwork.yaml")


def test_missing_config_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.yaml")


def test_every_option_is_documented_in_the_docs() -> None:
    page = (Path(__file__).parents[1] / "docs" / "configuration.md").read_text(encoding="utf-8")
    missing = [o.name for o in OPTIONS if f"`{o.name}`" not in page]
    assert not missing, f"options missing from docs/configuration.md: {missing}"
