"""Terminal output: colour only for terminals, aligned tables, one-line summaries."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from relwork.cli.output import (
    format_matches,
    format_problems,
    match_to_json,
    progress,
    spinner,
    summary_line,
    text_width,
    use_color,
)
from relwork.model import BuildResult, Candidate, Entry, Match, Problem, Source

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def match(title: str, line: int, key: str | None, method: str, score: float, status: str,
          candidates: list[Candidate] | None = None) -> Match:
    entry = Entry(title=title, source=Source("summaries/weekly_report.md", line))
    return Match(entry, key, method, score, status, candidates or [],  # type: ignore[arg-type]
                 reason=f"{method} match")


MATCHES = [
    match("Latent Space Oddity: on the Curvature of Deep Generative Models", 31,
          "arvanitidis2018latent", "title", 100, "matched"),
    match("Learining deep latent space for multi-label classification", 49,
          "yeh2017learning", "fuzzy", 88.4, "review",
          [Candidate("yeh2017learning", "Learning Deep Latent Spaces for Multi-Label "
                     "Classification", 88.4)]),
    match("stylegan", 58, None, "none", 0, "unmatched", [
        Candidate("karras2019style", "A Style-Based Generator Architecture for GANs", 61),
        Candidate("karras2020analyzing", "Analyzing and Improving the Image Quality of "
                  "StyleGAN", 55),
        Candidate("patashnik2021styleclip", "StyleCLIP: Text-Driven Manipulation", 40),
        Candidate("fourth2020", "Not shown", 10),
    ]),
]


def test_plain_table_is_aligned_and_has_no_escape_codes() -> None:
    text = format_matches(MATCHES, color=False, verbose=False)
    assert not ANSI.search(text)
    lines = text.splitlines()
    header = lines[0]
    assert header.split() == ["where", "title", "key", "method", "score", "status"]
    rows = [ln for ln in lines[1:] if ln.startswith("summaries/")]
    assert len(rows) == 3
    # every column starts at the same position in every row
    for column in ("title", "key", "method", "status"):
        start = header.index(column)
        for row in rows:
            assert row[start - 2:start] == "  " and row[start] != " ", (column, row)
    assert rows[0].index("arvanitidis2018latent") == header.index("key")
    assert rows[2].endswith("unmatched")
    # the unmatched entry lists its best three candidates, the fourth is left out
    assert "karras2019style" in text and "patashnik2021styleclip" in text
    assert "fourth2020" not in text
    assert lines[-1] == "3 entries: 1 matched, 1 review, 1 unmatched"


def test_long_titles_are_cut_unless_verbose() -> None:
    short = format_matches(MATCHES, color=False, verbose=False)
    full = format_matches(MATCHES, color=False, verbose=True)
    assert "Latent Space Oddity: on the Curvature of Deep Generative Models" not in short
    assert "\u2026" in short
    assert "Latent Space Oddity: on the Curvature of Deep Generative Models" in full
    # verbose: reasons and the review entry's candidates too
    assert "fuzzy match" in full and full.count("yeh2017learning") == 2


def test_colour_codes_only_with_color_true() -> None:
    coloured = format_matches(MATCHES, color=True, verbose=False)
    assert ANSI.search(coloured)
    assert "\x1b[31m" in coloured or "\x1b[91m" in coloured  # red for unmatched
    # without the codes the coloured table is the plain one, so columns still align
    assert ANSI.sub("", coloured) == format_matches(MATCHES, color=False, verbose=False)


def test_problems_plain_and_coloured() -> None:
    problems = [
        Problem("warning", 'contraction "it\'s"', Source("notes.md", 50), 'write "it is"',
                "lint-contraction"),
        Problem("error", "key 'nope' is not in the bibliography", Source("notes.md", 12),
                "add it to your .bib", "key"),
        Problem("info", "private text left out", Source("notes.md", 7), None, "private"),
    ]
    plain = format_problems(problems, color=False, verbose=False)
    assert plain.splitlines() == [
        "notes.md:12: error: key 'nope' is not in the bibliography (add it to your .bib)",
        "notes.md:50: warning: contraction \"it's\" (write \"it is\")",
    ]
    verbose = format_problems(problems, color=False, verbose=True)
    assert "notes.md:7: info: private text left out [private]" in verbose.splitlines()
    assert "[lint-contraction]" in verbose
    coloured = format_problems(problems, color=True, verbose=False)
    assert ANSI.search(coloured) and ANSI.sub("", coloured) == plain


def test_summary_line() -> None:
    result = BuildResult(matches=MATCHES[:1] * 2,
                         outputs=["latex/related_work.tex", "latex/references.bib"])
    assert summary_line(result) == (
        "2 entries: 2 matched, 0 review, 0 unmatched -> latex/related_work.tex, "
        "latex/references.bib"
    )
    result = BuildResult(matches=MATCHES, problems=[
        Problem("error", "bad", Source("a.md", 1)), Problem("warning", "meh", None)])
    assert summary_line(result) == (
        "3 entries: 1 matched, 1 review, 1 unmatched; 1 error, nothing written; 1 warning"
    )
    assert not ANSI.search(summary_line(result))


def test_match_to_json() -> None:
    data = match_to_json(MATCHES[2])
    assert data["file"] == "summaries/weekly_report.md" and data["line"] == 58
    assert data["key"] is None and data["status"] == "unmatched"
    assert [c["key"] for c in data["candidates"]] == [
        "karras2019style", "karras2020analyzing", "patashnik2021styleclip"]


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_use_color_follows_tty_and_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_color(FakeTTY()) is True
    assert use_color(io.StringIO()) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_color(FakeTTY()) is False


def test_progress_and_spinner_silent_when_piped_or_quiet() -> None:
    piped = io.StringIO()
    with progress(range(5), label="reading", stream=piped) as items:
        assert list(items) == [0, 1, 2, 3, 4]
    with spinner("building", stream=piped) as spin:
        spin.update("matching")
    assert piped.getvalue() == ""
    tty = FakeTTY()
    with progress(range(3), label="reading", quiet=True, stream=tty) as items:
        assert list(items) == [0, 1, 2]
    assert tty.getvalue() == ""


def test_progress_and_spinner_draw_on_a_terminal() -> None:
    tty = FakeTTY()
    with progress(range(3), label="reading notes", stream=tty) as items:
        assert list(items) == [0, 1, 2]
    assert "reading notes" in tty.getvalue()
    tty = FakeTTY()
    with spinner("building", stream=tty, interval=0.01) as spin:
        spin.update("matching")
        import time

        time.sleep(0.05)
    out = tty.getvalue()
    assert "matching" in out and out.endswith("\r\x1b[K")


def test_wide_characters_keep_columns_aligned() -> None:
    rows = [match("\u6f5c\u5728\u7a7a\u95f4\u6a21\u578b", 3, "li2020", "title", 100,
                  "matched"),
            match("Latent", 4, "smith2020", "title", 100, "matched")]
    lines = format_matches(rows, color=False, verbose=False).splitlines()[1:3]
    keys = [text_width(ln[: ln.index(k)]) for ln, k in zip(lines, ["li2020", "smith2020"],
                                                               strict=True)]
    assert keys[0] == keys[1]


@pytest.mark.parametrize(("text", "columns"), [
    ("Latent Space Oddity", 19),
    ("\u6f5c\u5728\u7a7a\u95f4", 8),          # CJK: two columns each
    ("Gro\u0308bner bases", 13),               # a combining diaeresis takes no column
    ("Gr\u00f6bner bases, Erd\u0151s\u2026", 21),  # accented Latin and an ellipsis: one each
    ("soft\u00adhyphen", 11),                   # not printable: measured by wcwidth
    ("thumbs \U0001f44d\U0001f3fd up", 12),    # emoji with a skin-tone modifier: two columns
])
def test_text_width_counts_terminal_columns(text: str, columns: int) -> None:
    assert text_width(text) == columns


def test_narrow_characters_measured_without_wcwidth_are_one_column_for_it() -> None:
    import wcwidth

    from relwork.cli.output import _narrow

    narrow = [chr(c) for c in (*range(0x20, 0x300), *range(0x370, 0x400),
                               *range(0x2010, 0x205F)) if _narrow(chr(c))]
    assert len(narrow) > 600 and "\u2019" in narrow and "\u2013" in narrow and "\u03b2" in narrow
    assert all(wcwidth.wcwidth(c) == 1 for c in narrow)
    assert not _narrow("\u0300") and not _narrow("\u2028") and not _narrow("\u2060")
    title = "\u201cBeyond\u201d \u2013 \u03b2-VAE\u2019s \u2026"
    assert _narrow(title) and text_width(title) == wcwidth.wcswidth(title) == len(title)


def test_cut_titles_of_wide_characters_fit_the_column() -> None:
    title = "\u6f5c\u5728\u7a7a\u95f4\u6a21\u578b" * 10  # 120 columns of CJK
    rows = [match(title, 3, "li2020", "title", 100, "matched")]
    row = format_matches(rows, color=False, verbose=False).splitlines()[1]
    cell = row[len("summaries/weekly_report.md:3  "): row.index("li2020")].rstrip()
    assert cell.endswith("\u2026") and 40 <= text_width(cell) <= 44


def test_cli_output_is_plain_when_piped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # CliRunner's streams are not terminals: the report must carry no escape codes
    from click.testing import CliRunner

    from relwork.cli import main
    from relwork.cli.init import init_project

    init_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    result = CliRunner().invoke(main, ["check"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert not ANSI.search(result.output)
    assert "2 entries: 2 matched, 0 review, 0 unmatched" in result.stdout


@pytest.mark.parametrize(("shell", "marker"), [("bash", "complete -o"), ("zsh", "#compdef"),
                                               ("fish", "complete ")])
def test_shell_completion_scripts(shell: str, marker: str) -> None:
    # the commands the README gives: eval "$(_RELWORK_COMPLETE=bash_source relwork)"
    from click.testing import CliRunner

    from relwork.cli import main

    result = CliRunner().invoke(main, [], prog_name="relwork",
                                env={"_RELWORK_COMPLETE": f"{shell}_source"})
    assert result.exit_code == 0 and marker in result.output
    assert "_RELWORK_COMPLETE" in result.output
