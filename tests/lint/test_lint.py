"""Tone check: note-style text is flagged at its exact line; paper-style text is not."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from needs import unavailable
from paths import REPO

from relwork.config import Config, load_config
from relwork.lint import RULES, check_config, lint_entries, lint_text, words_from_titles
from relwork.model import Entry, Problem, Source
from relwork.notes import parse_note, read_notes

ROOT = REPO
WEEKLY = ROOT / "summaries" / "weekly_report.md"

CLEAN = (
    "We build on variational autoencoders, which learn a latent space with an encoder and a "
    "decoder. The prior is an energy-based model trained with short-run MCMC, following "
    "Pang et al. (2020), and the decoder is a convolutional network. Compared with GANs and "
    "StyleGAN, sampling needs fewer network evaluations (e.g. 10 instead of 1000), and "
    "Table I reports results on CIFAR-10."
)


@pytest.fixture()
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Config:
    monkeypatch.chdir(tmp_path)
    return load_config(None, search=False)


def hunspell_or_skip() -> None:
    """The spell rule needs hunspell + en_US; CI installs them (hunspell hunspell-en-us)."""
    from relwork.lint import spell_checker

    if spell_checker() is None:
        unavailable("hunspell with an en_US dictionary is not installed (apt-get install "
                    "hunspell hunspell-en-us)")


def found(problems: list[Problem]) -> set[tuple[int, str, str]]:
    """(line, rule, phrase) of each finding; the phrase is the first quoted text."""
    out = set()
    for p in problems:
        assert p.source is not None and p.code.startswith("lint-"), p
        phrase = p.message.split('"')[1] if '"' in p.message else ""
        out.add((p.source.line, p.code.removeprefix("lint-"), phrase))
    return out


def entry(body: str, line: int = 10, path: str = "notes.md", **meta: object) -> Entry:
    return Entry(title="A Paper", source=Source(path, line - 1), body=body, body_line=line,
                 meta=dict(meta))


# --- the example reports ------------------------------------------------------------------


def test_weekly_report_findings_at_exact_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    config = load_config(None, search=False)
    parsed = read_notes([Path("summaries/weekly_report.md")], config)
    problems = lint_entries(parsed.entries, config, known_words=set())
    got = found(problems)
    lines = WEEKLY.read_text(encoding="utf-8").splitlines()
    assert "I dont' think it's" in lines[50 - 1] and "i will" in lines[40 - 1]
    expected = {
        (47, "lowercase", "more a new upsampling method than a generative mo\u2026"),
    }
    assert expected <= got
    # the question to the advisor (line 40) and the note to self (line 50, "I dont' think
    # it's a generative model. gonna look at it again") never reach the section: not checked
    assert not any(g[0] in (40, 50) for g in got)
    long = [p for p in problems if p.code == "lint-long-sentence"]
    assert [p.source.line for p in long if p.source] == [37]
    # the 'Detailed' summaries written as prose have no tone findings besides that
    assert {g for g in got if g[0] < 37} == set()
    for p in problems:
        assert p.source is not None and p.source.path == "summaries/weekly_report.md"
        assert p.severity == "warning" and p.hint


def test_may30_report_findings(monkeypatch: pytest.MonkeyPatch, may30_report: Path) -> None:
    monkeypatch.chdir(may30_report.parent)
    config = load_config(None, search=False)
    parsed = read_notes([Path(may30_report.name)], config)
    got = found(lint_entries(parsed.entries, config, known_words=set()))
    lines = may30_report.read_text(encoding="utf-8").splitlines()
    line = next(i for i, t in enumerate(lines, 1) if t.startswith("I dont' think"))
    question = next(i for i, t in enumerate(lines, 1) if t.startswith("Are those good ones?"))
    # the note to self ("I dont' think it's a generative model.but I still gonna see it
    # after the meeting") and the question to the advisor are private text: they never
    # reach the section, so they are not checked
    assert not any(g[0] in (line, question) for g in got)
    # the styleclip summary is its "description:" point; its "conclusion: it's mainly
    # about" paragraph does not reach the section, so it is not checked
    it_s = next(i for i, t in enumerate(lines, 1) if t.startswith("conclusion: it's"))
    assert not any(g[0] == it_s for g in got)
    # the questions for the advisor are not a paper's summary: not linted
    assert not any(g[0] < 30 for g in got)


def test_clean_scientific_paragraph_has_no_findings(config: Config) -> None:
    hunspell_or_skip()
    problems = lint_entries([entry(CLEAN)], config, known_words=set())
    assert problems == []


# --- each rule on its own ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "rule", "phrase", "offset"),
    [
        ("The model is simple.\nI dont' think it's a generative model.", "contraction", "dont'", 1),
        ("Fast.\nBut it doesn\u2019t scale.", "contraction", "doesn\u2019t", 1),
        ("That's the main idea.", "contraction", "That's", 0),
        ("It is fast.\nI'm not sure about the proof.", "first-person", "I'm", 1),
        ("The proof is short.\nif so, i will rewrite it.", "first-person", "i", 1),
        ("In my view the bound is loose.", "first-person", "my", 0),
        ("It seems useful to me.", "first-person", "me", 0),
        ("The method is gonna scale.", "slang", "gonna", 0),
        ("It is kinda slow.", "slang", "kinda", 0),
        ("The paper does a lot of stuff.", "slang", "a lot", 0),
        ("The paper does many things and other stuff.", "slang", "stuff", 0),
        ("This is pretty\nmuch the same as VQ-VAE.", "slang", "pretty much", 0),
        ("It is fast.\n\nAre these two good enough?", "question", "Are these two good enough?", 2),
        ("It works. but only on faces.", "lowercase", "but only on faces.", 0),
    ],
)
def test_rule(config: Config, body: str, rule: str, phrase: str, offset: int) -> None:
    problems = lint_entries([entry(body, line=20)], config, known_words=set())
    assert (20 + offset, rule, phrase) in found(problems), problems


def test_long_sentence_uses_config_limit(config: Config) -> None:
    sentence = " ".join(["word"] * 30) + "."
    assert not [p for p in lint_text(sentence, Source("n.md", 3), config)
                if p.code == "lint-long-sentence"]
    config.lint_max_sentence_words = 20
    problems = [p for p in lint_text("Short one.\n" + sentence, Source("n.md", 3), config)
                if p.code == "lint-long-sentence"]
    assert len(problems) == 1 and problems[0].source == Source("n.md", 4)
    assert "30 words (limit 20)" in problems[0].message


def test_spelling_flags_typos_with_suggestion(config: Config) -> None:
    hunspell_or_skip()
    problems = lint_entries(
        [entry("The model learns a latent space.\nIt uses a learining rate schedule.")],
        config, known_words=set(),
    )
    spelled = [p for p in problems if p.code == "lint-spelling"]
    assert len(spelled) == 1
    assert spelled[0].source == Source("notes.md", 11)
    assert '"learining"' in spelled[0].message and "learning" in (spelled[0].hint or "")


def test_spelling_accepts_known_words_acronyms_names_code_math_urls(config: Config) -> None:
    hunspell_or_skip()
    body = (
        "Flurbination with FlurbNet and FLRB improves results [@flurb2020quux] and "
        "\\citet{flurb2021zorp}. See `flurb_run --zorpify`, $\\flurbx + y$ and "
        "https://example.org/zorpify/flurbination. Zorpify words stay."
    )
    problems = lint_entries([entry(body)], config, known_words={"flurbination"})
    assert [p.message for p in problems if p.code == "lint-spelling"] == [
        'unknown word "Zorpify"'
    ]
    config.lint_ignore_words = ["zorpify"]
    assert not [p for p in lint_entries([entry(body)], config, known_words={"flurbination"})
                if p.code == "lint-spelling"]


def test_spelling_accepts_title_words_and_technical_compounds(config: Config) -> None:
    hunspell_or_skip()
    body = "The autoencoder uses upsampling, denoising and hyperparameters from DLFormer."
    e = entry(body)
    e.title = "DLFormer: Discrete Latent Transformer"
    assert lint_entries([e], config, known_words=words_from_titles(["Foo"])) == []


def test_not_flagged_in_paper_style(config: Config) -> None:
    body = (
        "We show that the paper's bound holds, i.e. the Type I error is small.\n"
        "Smith et al. report it, e.g. in Fig. 3. The model, cf. Sec. 4, is fast.\n"
        "The code `don't_stop()` and the URL https://gonna.example/it's are ignored.\n"
        "Math such as $i = 1$ is ignored. The i.i.d. assumption holds.\n"
        "It has two parts: (i) an encoder and (ii) a decoder; i) and I) are items too."
    )
    config.lint_disable = ["spelling"]
    assert lint_entries([entry(body)], config, known_words=set()) == []


# --- silencing ----------------------------------------------------------------------------

NOTE = """---
title: Attention Is All You Need
{front}---
The model is gonna replace recurrence.{comment}
It is fast, and it's simple. <!-- relwork: ignore-line -->
Are these good enough?
"""


def lint_note(tmp_path: Path, config: Config, front: str = "year: 2017\n", comment: str = ""
              ) -> set[tuple[int, str, str]]:
    path = tmp_path / "note.md"
    path.write_text(NOTE.format(front=front, comment=comment), encoding="utf-8")
    parsed = read_notes([path], config)
    assert len(parsed.entries) == 1
    return found(lint_entries(parsed.entries, config, known_words=set()))


def test_ignore_line_marker(tmp_path: Path, config: Config) -> None:
    got = lint_note(tmp_path, config)
    assert got == {(5, "slang", "gonna"), (7, "question", "Are these good enough?")}


def test_front_matter_lint_false_silences_note(tmp_path: Path, config: Config) -> None:
    assert lint_note(tmp_path, config, front="lint: false\n") == set()
    assert lint_note(tmp_path, config, front="lint: [question]\n") == {(5, "slang", "gonna")}
    assert lint_note(tmp_path, config, front="lint: slang\n") == {
        (7, "question", "Are these good enough?")}


def test_no_lint_comment_silences_note(tmp_path: Path, config: Config) -> None:
    assert lint_note(tmp_path, config, comment=" <!-- relwork: no-lint -->") == set()
    got = lint_note(tmp_path, config, comment=" <!-- relwork: no-lint slang -->")
    assert got == {(7, "question", "Are these good enough?")}


def test_config_disable_and_unknown_rule(config: Config, tmp_path: Path) -> None:
    config.lint_disable = ["question", "lint-slang", "spellling"]
    problems = lint_entries([entry("It is gonna work?")], config, known_words=set())
    assert all(p.code not in ("lint-question", "lint-slang") for p in problems)
    warnings = [p for p in problems if p.code == "config"]
    assert len(warnings) == 1 and "spellling" in warnings[0].message
    assert check_config(load_config(None, search=False)) == []


def test_file_front_matter_and_markers_in_multi_paper_file(tmp_path: Path,
                                                           config: Config) -> None:
    text = (
        "# Reading\n\n"
        "## Attention Is All You Need\n"
        "It's gonna be big.\n"
        "<!-- relwork: no-lint -->\n\n"
        "## Deep Residual Learning for Image Recognition\n"
        "It's deep.\n"
    )
    path = tmp_path / "week.md"
    path.write_text(text, encoding="utf-8")
    parsed = read_notes([path], config)
    assert len(parsed.entries) == 2
    # the marker silences the first paper only
    assert found(lint_entries(parsed.entries, config)) == {(8, "contraction", "It's")}
    path.write_text("---\nlint: false\n---\n" + text, encoding="utf-8")
    parsed = read_notes([path], config)
    assert lint_entries(parsed.entries, config) == []


def test_exact_lines_after_private_text(tmp_path: Path, config: Config) -> None:
    text = (
        "# Reading\n\n"
        "## Attention Is All You Need\n"
        "1. Description: The model replaces recurrence.\n"
        "<!-- a comment\nover two lines -->\n"
        "!! ask the advisor about this one\n\n"
        "2. It's fast.\n"
        "3. Is it gonna scale?\n"
    )
    path = tmp_path / "week.md"
    path.write_text(text, encoding="utf-8")
    config.summary_budget = "full"  # the whole note reaches the section
    parsed = read_notes([path], config)
    got = found(lint_entries(parsed.entries, config))
    assert got == {(9, "contraction", "It's"), (10, "slang", "gonna"),
                   (10, "question", "Is it gonna scale?")}


def test_rules_are_documented() -> None:
    doc = (ROOT / "docs" / "lint.md").read_text(encoding="utf-8")
    for rule in RULES:
        assert f"lint-{rule}" in doc, rule


def test_parse_note_entries_work_without_files(config: Config) -> None:
    # entries whose file cannot be read (e.g. built in memory) still get checked
    parsed = parse_note("# R\n\n## Attention Is All You Need\nIt's gonna work.\n", "gone.md")
    got = found(lint_entries(parsed.entries, config))
    assert got == {(4, "contraction", "It's"), (4, "slang", "gonna")}


def test_missing_hunspell_is_reported_once_as_info(config: Config,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(Path(shutil.which("python3") or "/usr/bin").parent / "nx"))
    problems = lint_entries([entry("Flurbination one."), entry("Zorpify two.")], config)
    infos = [p for p in problems if p.severity == "info"]
    assert len(infos) == 1 and "hunspell" in infos[0].message + (infos[0].hint or "")
    assert not infos[0].code.startswith("lint")  # --strict must not fail on a missing tool


def test_clean_related_work_note_has_no_findings(tmp_path: Path, config: Config) -> None:
    hunspell_or_skip()
    note = tmp_path / "clean.md"
    shutil.copy(ROOT / "tests" / "fixtures" / "lint" / "clean_related_work.md", note)
    parsed = read_notes([note], config)
    assert len(parsed.entries) == 4
    assert lint_entries(parsed.entries, config, known_words=set()) == []


def test_names_and_sentence_after_url(config: Config) -> None:
    hunspell_or_skip()
    body = ("Qiaoling and Zhu propose it, as do Wenxiu et al. and Wenxiu's group "
            "(see https://example.org/a.b). Flurbinate is flagged at a sentence start, "
            "and so is lowercase zorpify.")
    problems = lint_entries([entry(body)], config, known_words=set())
    assert [p.message for p in problems] == ['unknown word "Flurbinate"',
                                             'unknown word "zorpify"']
    e = entry("Zorpify extends the model.", authors=["Zorpify, Ann"])
    assert lint_entries([e], config, known_words=set()) == []


def test_uses_body_lines_recorded_by_the_notes_stage(config: Config) -> None:
    e = entry("It's fast.\nIs it gonna scale?", line=3, path="missing.md")
    e.body_lines = [3, 9]  # a private paragraph was cut between the two lines
    assert found(lint_entries([e], config)) == {
        (3, "contraction", "It's"), (9, "slang", "gonna"), (9, "question", "Is it gonna scale?")}
