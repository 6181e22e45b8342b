"""The weekly report shape: papers under group headings under a papers section."""

from __future__ import annotations

from pathlib import Path

import pytest
from paths import REPO

from relwork.notes import parse_note

WEEKLY = REPO / "summaries" / "weekly_report.md"

MAY30_ENTRIES = [
    (32, ("Detailed",), "Latent Space Oddity: on the Curvature of Deep Generative Models"),
    (38, ("Detailed",), "Score-based Generative Modeling in Latent Space"),
    (55, ("Not sure",),
     "PULSE: Self-Supervised Photo Upsampling via Latent Space Exploration of Generative Models"),
    (58, ("Not sure",), "Learining deep latent space for multi-label classification"),
    (62, ("Not sure",), "learning latent space energy based prior model"),
    (65, ("Not sure",),
     "Learning a Probabilistic Latent Space of Object Shapes via 3D Generative-Adversarial "
     "Modeling"),
    (69, ("Not sure",), "stylegan"),
    (78, ("Not sure",), "styleclip"),
]


@pytest.fixture(scope="module")
def may30(may30_report: Path):
    return parse_note(may30_report.read_text(encoding="utf-8"), "may30_report.md")


def test_may30_finds_exactly_the_eight_papers(may30):
    got = [(e.source.line, e.group, e.title) for e in may30.entries]
    assert got == MAY30_ENTRIES
    assert all(e.source.path == "may30_report.md" for e in may30.entries)
    assert may30.problems == []
    # the question to the advisor ("Are those good ones? If they are, i will update on
    # overleaf") and the note to self ("I dont' think it's a generative model.but I still
    # gonna see it after the meeting") are left out and listed
    assert [(p.source.line, p.message) for p in may30.dropped
            if p.source and p.code == "private"] == [
        (46, "private text left out: a question to the reader (1 line)"),
        (59, "private text left out: a note in the first person (2 sentences)")]
    assert not any("after the meeting" in e.body for e in may30.entries)
    assert not any("Are those good ones" in e.body or "Are those good ones" in e.summary
                   for e in may30.entries)


def test_may30_other_sections_do_not_leak(may30):
    text = "\n".join(e.body for e in may30.entries)
    for phrase in ("transform the proper papers", "currently reading", "quetions",
                   "should I look further into gans", "The paper summaries listed"):
        assert phrase not in text
    titles = {e.title.lower() for e in may30.entries}
    assert not titles & {"todo", "done", "doing", "detailed", "not sure", "conclusion on papers"}


def test_may30_bodies_labels_and_points(may30):
    oddity, score, pulse, *_rest, stylegan, styleclip = may30.entries
    assert oddity.body_line == 33
    assert oddity.body.startswith("1. Deep generative models provide")
    assert "Description:" not in oddity.body
    assert [(p.label, p.source.line, p.depth) for p in oddity.points] == [("Description", 33, 0)]
    assert oddity.points[0].text.startswith("Deep generative models provide")

    assert [p.source.line for p in score.points] == [39, 40, 42]
    assert score.points[1].text.endswith("to data space")  # continuation line is kept
    assert not score.body.rstrip().endswith("-")  # the rule before "### Not sure" is cut

    assert pulse.points == []
    assert pulse.body.startswith("this paper aims at doing super resolution")
    assert pulse.body_line == 56

    assert [p.source.line for p in stylegan.points] == [70, 74]
    assert styleclip.points[0].label == "Description"
    assert styleclip.points[0].text.startswith("modifying the latent space")
    assert "conclusion:" not in styleclip.body.lower()
    assert "it's mainly about how to utilize" in styleclip.body


def test_bundled_weekly_report_groups():
    result = parse_note(WEEKLY.read_text(encoding="utf-8"), "weekly_report.md")
    got = [(e.group, e.title) for e in result.entries]
    assert [t for _g, t in got] == [t for _l, _g, t in MAY30_ENTRIES]
    assert [g for g, _t in got] == [g for _l, g, _t in MAY30_ENTRIES]
    assert result.problems == []


@pytest.mark.parametrize(("paragraph", "private"), [
    ("I dont' think it's a generative model. gonna look at it again after the meeting.", True),
    ("Maybe I'm missing something, but the gains look small.", True),
    ("i will rewrite this on overleaf later.", True),
    ("I really enjoyed the ablations.", True),
    ("Controls Type I and Type II errors with a sequential test.", False),
    ("Phase I trains the encoder; phase II fine-tunes the decoder.", False),
    ("The loss sums over $x_i$ for i in the batch, weighted by $w_i$.", False),
    ("Loops `for i in range(n)` over the layers.", False),
])
def test_a_sentence_in_the_first_person_is_a_note_to_self(paragraph, private):
    note = f"# Reading\n\n## A Paper About Things\n{paragraph}\n\nIt proposes a method.\n"
    parsed = parse_note(note, "week.md")
    [entry] = parsed.entries
    assert (paragraph not in entry.body) is private
    assert "It proposes a method." in entry.body
    listed = [p.source.line for p in parsed.dropped
              if p.source and "first person" in p.message]
    assert "It proposes a method." in entry.body
    assert listed == ([4] if private else [])


def test_only_the_first_person_sentence_of_a_paragraph_goes():
    note = ("# Reading\n\n## Soft Actor-Critic\nThe off-policy algorithm under CURL. "
            "I dont think it needs its own paragraph.\n- Entropy bonus. I liked it.\n")
    parsed = parse_note(note, "week.md")
    [entry] = parsed.entries
    assert "The off-policy algorithm under CURL." in entry.body
    assert "Entropy bonus." in entry.body
    assert "paragraph" not in entry.body and "liked" not in entry.body
    assert [p.source.line for p in parsed.dropped if "first person" in p.message] == [4, 5]


def test_a_summary_cut_to_the_budget_is_listed_and_keeps_more_than_one_point(may30):
    """The LSGM summary: three points, the second a long one. Whole points would keep the
    background sentence alone; the cut falls inside the second point instead, and is listed
    at the first line it leaves out."""
    lsgm = next(e for e in may30.entries if e.title.startswith("Score-based"))
    assert "Latent Score-based Generative Model (LSGM)" in lsgm.summary
    assert "Moving from data to latent space" not in lsgm.summary
    cut = [p for p in may30.dropped if p.code == "summary-cut"]
    assert [(p.source.line, p.message) for p in cut] == [
        (41, "summary of 'Score-based Generative Modeling in Latent Space' cut to the "
             "70-word budget: 75 of 148 words kept")]
    assert "summary: full" in (cut[0].hint or "")
