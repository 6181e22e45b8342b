"""One test per note shape, on the fixtures in tests/fixtures/notes/."""

from __future__ import annotations

import datetime
import json

from paths import FIXTURES

from relwork.notes import NotesResult, entry_to_json, parse_note

FIXTURES = FIXTURES / "notes"


def parse(name: str, **kw) -> NotesResult:
    return parse_note((FIXTURES / name).read_text(encoding="utf-8"), name, **kw)


def summary(result: NotesResult) -> list[tuple[int, tuple[str, ...], str]]:
    return [(e.source.line, e.group, e.title) for e in result.entries]


def test_front_matter_obsidian_literature_note():
    r = parse("front_matter_obsidian.md")
    assert summary(r) == [(2, (), "Adaptive Computation Time for Recurrent Neural Networks")]
    e = r.entries[0]
    assert e.ids == {
        "key": ["graves2016adaptive"],
        "doi": ["10.48550/arxiv.1603.08983"],
        "arxiv": ["1603.08983"],
    }
    assert e.meta == {
        "authors": ["Alex Graves"], "year": 2016, "tags": ["rnn", "halting"],
        "status": "read", "venue": "arXiv preprint",
        "zotero": "zotero://select/items/ABCD1234",
    }
    # the '# Title' and '## Summary' heading lines and the Questions section are not body
    assert e.body_line == 17
    assert e.body == ("the network learns **how many steps** to think before it emits an "
                      "output.\n\n- a halting unit with a ponder cost.\n- fewer steps on easy "
                      "inputs.")
    assert [(p.label, p.source.line, p.text) for p in e.points] == [
        ("Idea", 19, "a halting unit with a ponder cost."),
        ("Results", 20, "fewer steps on easy inputs."),
    ]
    assert r.problems == []


def test_front_matter_jekyll_post():
    r = parse("front_matter_jekyll.md")
    assert summary(r) == [
        (3, (), "Neural Machine Translation by Jointly Learning to Align and Translate")]
    e = r.entries[0]
    assert e.ids == {"key": ["bahdanau2015neural"], "arxiv": ["1409.0473"]}
    assert e.meta["authors"] == ["Dzmitry Bahdanau", "Kyunghyun Cho", "Yoshua Bengio"]
    assert e.meta["tags"] == ["attention", "seq2seq"]
    assert e.meta["layout"] == "post" and e.meta["categories"] == "nlp"
    assert e.meta["date"] == datetime.date(2019, 3, 2)
    assert e.body_line == 12 and e.body.startswith("The encoder-decoder reads")
    data = entry_to_json(e)
    assert data["meta"]["date"] == "2019-03-02"
    json.dumps(data)  # serialisable


def test_bad_front_matter_is_a_problem_with_line():
    r = parse("front_matter_bad.md")
    assert [(p.severity, str(p.source), p.code) for p in r.problems] == [
        ("error", "front_matter_bad.md:2", "front-matter")]
    assert "invalid YAML front matter" in r.problems[0].message
    # the rest of the note is still read
    assert summary(r) == [(6, (), "Attention Is All You Need")]


def test_front_matter_title_only_with_papers_section_is_file_metadata():
    r = parse("jekyll_weekly.md")
    assert summary(r) == [
        (11, (), "Deep Residual Learning for Image Recognition"),
        (14, (), "Batch Normalization"),
    ]
    assert all(e.meta == {"tags": ["reading-group"]} for e in r.entries)


def test_link_headings_give_title_and_ids():
    r = parse("link_headings.md")
    assert summary(r) == [
        (3, (), "Adaptive Computation Time for Recurrent Neural Networks"),
        (7, (), "Deep Residual Learning for Image Recognition"),
        (11, (), "Layer Normalization"),
    ]
    act, resnet, layernorm = r.entries
    assert act.ids == {"arxiv": ["1603.08983"], "url": ["http://arxiv.org/abs/1603.08983"]}
    assert resnet.ids == {"doi": ["10.1109/cvpr.2016.90"],
                          "url": ["https://doi.org/10.1109/CVPR.2016.90"]}
    assert layernorm.ids["arxiv"] == ["1607.06450"]  # version and .pdf dropped
    assert act.body == "Learns how many computation steps to take per input."
    assert act.body_line == 5


def test_placeholder_headings_take_title_from_bullets():
    r = parse("placeholder_bullets.md")
    assert summary(r) == [
        (2, (), "Generative Adversarial Networks"),
        (11, (), "Auto-Encoding Variational Bayes"),
        (18, (), "Density estimation using Real NVP"),
    ]
    gan, vae, nvp = r.entries
    assert gan.ids == {"arxiv": ["1406.2661"], "url": ["https://arxiv.org/abs/1406.2661"]}
    assert gan.meta == {"heading": "Paper", "authors": [
        "Ian Goodfellow", "Jean Pouget-Abadie", "Mehdi Mirza"], "year": 2014,
        "tags": ["gan", "generative"]}
    # metadata bullets are not body and not points
    assert gan.body == "* a generator and a discriminator play a minimax game."
    assert gan.body_line == 8
    assert [(p.label, p.text) for p in gan.points] == [
        ("Summary", "a generator and a discriminator play a minimax game.")]
    assert vae.meta["authors"] == ["Diederik P. Kingma", "Max Welling"]
    assert vae.meta["year"] == 2013 and vae.ids == {}
    assert vae.body == "The reparameterisation trick gives low-variance gradients."
    assert nvp.ids["arxiv"] == ["1605.08803"] and nvp.meta["tags"] == ["flows"]
    assert nvp.body == "Coupling layers with tractable Jacobians." and nvp.body_line == 22
    assert r.problems == []


def test_placeholder_without_title_bullet_warns():
    r = parse_note("# Paper\n\nSome text.\n", "p.md")
    assert summary(r) == [(1, (), "Paper")]
    assert [(p.severity, p.code, str(p.source)) for p in r.problems] == [
        ("warning", "placeholder", "p.md:1")]


def test_citations_and_identifiers_in_text():
    r = parse("citations.md")
    assert summary(r) == [(3, (), "Attention Is All You Need"), (16, (), "Broken keys")]
    e = r.entries[0]
    assert e.ids == {
        "key": ["vaswani2017attention", "bahdanau2015neural", "luong2015effective",
                "devlin2019bert", "gehring2017conv", "wu2016google", "shazeer2017outrageous"],
        "arxiv": ["1706.03762"],
        "doi": ["10.5555/3295222.3295349"],
    }
    # e-mail, @handle, code spans and fenced code are not keys
    keys = e.ids["key"]
    assert not {"example.com", "karpathy", "not2020code", "torch.no_grad", "inside2020fence"} & set(
        keys)
    assert "[@vaswani2017attention]" not in e.title


def test_bad_citation_keys_are_problems_with_line():
    r = parse("citations.md")
    bad = [(p.severity, str(p.source), p.code, p.message) for p in r.problems]
    assert [b[:3] for b in bad] == [("error", "citations.md:18", "bad-key")] * 3
    assert ["key with spaces" in bad[0][3], "bad\\key" in bad[1][3], "bad%key" in bad[2][3]] == [
        True, True, True]
    assert r.entries[1].ids == {}


def test_setext_headings_and_empty_sections():
    r = parse("setext.md")
    assert summary(r) == [
        (4, (), "Convolutional Sequence to Sequence Learning"),
        (9, (), "Empty Paper Section"),
        (12, (), "Another Paper"),
    ]
    conv, empty, other = r.entries
    assert conv.body == "Fully convolutional encoder-decoder with gated linear units."
    assert conv.body_line == 7
    assert (empty.body, empty.body_line, empty.points) == ("", 0, [])
    assert (other.body, other.body_line) == ("Short summary.", 14)


def test_several_notes_per_file_grouped_by_headings():
    r = parse("several_per_file.md")
    assert summary(r) == [
        (5, ("Sequence models",), "Attention Is All You Need"),
        (8, ("Sequence models",), "Long Short-Term Memory"),
        (13, ("Generative models",), "Auto-Encoding Variational Bayes"),
    ]
    assert r.problems == []


def test_private_text_is_dropped_and_reported():
    r = parse("private.md")
    assert summary(r) == [(3, (), "Masked Autoencoders Are Scalable Vision Learners")]
    e = r.entries[0]
    assert e.body == (
        "MAE masks 75% of the patches and reconstructs them.\n\n"
        "- encoder sees only visible patches\n- decoder is light-weight\n\n"
        "Kept line after the comment.\n\nFinal sentence.")
    for secret in ("Jan", "BEiT", "still private", "audio", "also private", "obsidian",
                   "html comment"):
        assert secret not in e.body
    assert [(p.source.line, p.text) for p in e.points] == [
        (9, "encoder sees only visible patches"), (12, "decoder is light-weight")]
    assert [(p.severity, p.source.line if p.source else 0) for p in r.dropped] == [
        ("info", 5), ("info", 6), ("info", 10), ("info", 14), ("info", 18)]
    assert all(p.code == "private" for p in r.dropped)
    assert r.problems == []


def test_private_marker_is_configurable():
    text = "# Papers\n\n## A Paper\n\nKept: secret\n\n// private line\nPublic.\n"
    r = parse_note(text, "m.md", private_marker="//")
    assert r.entries[0].body == "Kept: secret"
    assert [p.source.line for p in r.dropped if p.source] == [7]


def test_entry_to_json_shape():
    e = parse("link_headings.md").entries[0]
    assert entry_to_json(e) == {
        "file": "link_headings.md",
        "line": 3,
        "title": "Adaptive Computation Time for Recurrent Neural Networks",
        "group": [],
        "ids": {"arxiv": ["1603.08983"], "url": ["http://arxiv.org/abs/1603.08983"]},
        "meta": {},
    }


def test_headings_that_are_never_papers():
    text = ("# Report\n\n## TODO\n\ntext\n\n## Done:\n\ntext\n\n## Doing\n\ntext\n\n"
            "## Questions for the advisor\n\ntext\n\n## Notes\n\ntext\n\n"
            "## A Real Paper Title\n\nIts summary.\n")
    r = parse_note(text, "r.md")
    assert summary(r) == [(23, (), "A Real Paper Title")]


def test_one_paper_per_file_with_part_headings():
    r = parse("single_note_sections.md")
    assert summary(r) == [(1, (), "Attention Is All You Need")]
    e = r.entries[0]
    # 'Method overview', 'Experiments on WMT', 'Key ideas' are parts of the note, not papers
    assert (e.body, e.body_line) == ("Self-attention.\n\nBLEU 28.4.\n\n- no recurrence", 4)
    assert [(p.source.line, p.text) for p in e.points] == [(10, "no recurrence")]
    # the private section (its heading, line 12) and the marked line in it are listed
    assert [p.source.line for p in r.dropped if p.source] == [12, 13]
    assert e.summary == "- no recurrence"  # 'Key ideas' is the summary section


def test_file_without_headings_is_one_note_named_by_file():
    r = parse_note("Residual connections make deep nets trainable [@he2016deep].\n",
                   "notes/Deep_Residual_Learning.md")
    assert summary(r) == [(1, (), "Deep Residual Learning")]
    assert r.entries[0].ids == {"key": ["he2016deep"]}
    assert r.entries[0].body_line == 1


def test_prose_that_looks_like_metadata_stays_in_the_body():
    text = ("# Papers\n\n## Some Paper\nPaper: this one is great, see below.\n"
            "Key: the key insight is attention.\nStatus: read twice\n"
            "Link: https://example.org/paper\nYear: 2020\n")
    r = parse_note(text, "m.md")
    e = r.entries[0]
    assert e.body == "Paper: this one is great, see below.\nKey: the key insight is attention."
    assert e.ids == {"url": ["https://example.org/paper"]}
    assert e.meta == {"status": "read twice", "year": 2020}
    assert r.problems == []


def test_leading_rule_and_setext_heading_is_not_front_matter():
    r = parse_note("---\nJust a line\n---\n\n# Papers\n\n## A Paper\ntext\n", "x.md")
    assert summary(r) == [(7, (), "A Paper")]
    assert r.problems == []
