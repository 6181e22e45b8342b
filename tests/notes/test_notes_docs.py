"""The examples on the "Writing notes" page (docs/notes.md) parse as the text says."""

from __future__ import annotations

import re

from readme_sections import docs_page

from relwork.notes import parse_note


def blocks() -> list[str]:
    text = docs_page("notes")
    return re.findall(r"```markdown\n(.*?)```", text, re.S)


def test_docs_examples():
    found = [[(e.group, e.title) for e in parse_note(b, "doc.md").entries] for b in blocks()]
    assert found[:5] == [
        [(("Detailed",), "Latent Space Oddity: on the Curvature of Deep Generative Models"),
         (("Not sure",), "styleclip")],
        [((), "Adaptive Computation Time for Recurrent Neural Networks")],
        [((), "Adaptive Computation Time for Recurrent Neural Networks"),
         ((), "Deep Residual Learning for Image Recognition")],
        [((), "Generative Adversarial Networks")],
        [(("Sequence models",), "Attention Is All You Need"),
         (("Generative models",), "Auto-Encoding Variational Bayes")],
    ]
    assert found[5:9] == [
        [((), "Hindsight Experience Replay")],
        [((), "Diverse Beam Search: Decoding Diverse Solutions from Neural Sequence Models")],
        [((), "Attention Is All You Need")],
        [((), "PPO")],
    ]
    assert found[9] == [((), "Score-based Generative Modeling in Latent Space")]
    assert len(found) == 11


def test_docs_obsidian_example_leaves_no_markup():
    text = next(b for b in blocks() if "[!abstract]" in b)
    result = parse_note(text, "doc.md")
    [entry] = result.entries
    assert entry.first_id("key") == "vahdat2021score" and entry.meta["venue"] == "NeurIPS"
    assert entry.summary.startswith("LSGM trains")  # its own Summary, not the abstract
    for mark in ("==", "#diffusion", "^a1b2c3", "fig1.png", "[!", "joint training"):
        assert mark not in entry.summary and mark not in entry.body, mark
    assert [p.code for p in result.problems] == ["embed"]


def test_docs_one_paper_examples_keep_private_sections_out():
    texts = blocks()[5:9]
    for text in texts:
        [entry] = parse_note(text, "doc.md").entries
        assert entry.summary
        for private in ("I never got", "Universal Value", "caption generator",
                        "Link to the paper", "ByteNet", "really enjoyed", "nobody seems"):
            assert private not in entry.body and private not in entry.summary
    assert parse_note(texts[1], "doc.md").entries[0].summary.startswith("Beam search returns")


def test_docs_private_example_drops_private_text():
    snippet = next(b for b in blocks() if "MAE masks" in b)
    result = parse_note("# Papers\n\n## MAE\n\n" + snippet, "doc.md")
    body = result.entries[0].body
    assert "Jan" not in body and "BEiT" not in body and "audio" not in body
    assert "decoder is light-weight" in body
