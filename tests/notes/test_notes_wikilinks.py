"""Wikilinks between notes: resolved by file name and alias, ambiguous names reported."""

from __future__ import annotations

from relwork.model import Entry, Match, Source
from relwork.notes import link_matches, parse_note


def match(path: str, key: str | None, summary: str = "", **meta: object) -> Match:
    entry = Entry(path.rsplit("/", 1)[-1].removesuffix(".md"), Source(path, 1), meta=dict(meta),
                  body=summary, summary=summary, summary_lines=[3] * len(summary.split("\n")))
    return Match(entry, key, "key", 100.0, "matched" if key else "unmatched")


def test_links_by_name_alias_and_citekey() -> None:
    text = ("Like [[DDPM]], unlike [[Latent Space Oddity|the geometry paper]], after "
            "[[@esser2021taming]] and [[Concept]] and [[@nothere2020]].")
    ms = [match("v/a.md", "a2020", text), match("v/Denoising.md", "ho2020denoising",
                                                    aliases=["DDPM"]),
          match("v/Latent Space Oddity.md", "arvanitidis2018latent"),
          match("v/@esser2021taming.md", "esser2021taming")]
    out, problems = link_matches(ms, {"a2020", "ho2020denoising", "arvanitidis2018latent",
                                      "esser2021taming"})
    assert out[0].entry.summary == (
        "Like DDPM [@ho2020denoising], unlike the geometry paper [@arvanitidis2018latent], "
        "after @esser2021taming and Concept and nothere2020.")
    assert ms[0].entry.summary == text  # the notes stage's entry is not changed
    assert [(p.severity, p.source.line if p.source else 0) for p in problems] == [
        ("info", 3), ("info", 3)]


def test_an_ambiguous_name_is_a_warning_naming_both_files_and_cites_neither() -> None:
    # two aliases, and two file names in different folders: no wrong paper is cited
    ms = [match("v/one/Taming.md", "a2017", aliases=["DDPM"]),
          match("v/two/Denoising.md", "b2018", aliases=["DDPM"]),
          match("v/x/Codes.md", "d2020"), match("v/y/Codes.md", "e2021"),
          match("v/n.md", "c2019", "see [[DDPM]] and [[Codes]]")]
    out, problems = link_matches(ms, {"a2017", "b2018", "c2019", "d2020", "e2021"})
    warnings = [p.message for p in problems if p.severity == "warning"]
    assert len(warnings) == 2
    assert "v/x/Codes.md" in warnings[0] and "v/y/Codes.md" in warnings[0]
    assert "v/one/Taming.md" in warnings[1] and "v/two/Denoising.md" in warnings[1]
    assert out[4].entry.summary == "see DDPM and Codes"


def test_a_file_name_wins_over_another_notes_alias() -> None:
    ms = [match("v/one/VQ-VAE.md", "a2017"), match("v/two/Other.md", "b2018", aliases=["VQ-VAE"]),
          match("v/n.md", "c2019", "see [[VQ-VAE]]")]
    out, problems = link_matches(ms, {"a2017", "b2018", "c2019"})
    assert [p for p in problems if p.severity == "warning"] == []
    assert out[2].entry.summary == "see VQ-VAE [@a2017]"  # as Obsidian resolves it


def test_inline_tags_join_the_front_matter_tags() -> None:
    text = "---\ntitle: A Paper\ntags: [lit]\n---\n\nText about it. #diffusion #vae\n"
    [entry] = parse_note(text, "a.md").entries
    assert entry.meta["tags"] == ["lit", "diffusion", "vae"]
    assert "#" not in entry.summary


def test_a_note_that_is_not_a_paper_keeps_its_file_name() -> None:
    # Concepts/DDPM.md is a concept note; Obsidian opens it for [[DDPM]], not the paper
    # whose alias is DDPM, so the link is text
    ms = [match("v/Denoising.md", "ho2020denoising", aliases=["DDPM"]),
          match("v/n.md", "c2019", "see [[DDPM]] and [[Denoising]]")]
    notes = ["v/Concepts/DDPM.md", "v/Denoising.md", "v/n.md"]
    out, problems = link_matches(ms, {"ho2020denoising", "c2019"}, notes)
    assert out[1].entry.summary == "see DDPM and Denoising [@ho2020denoising]"
    assert [p.severity for p in problems] == ["info"]
    assert link_matches(ms, {"ho2020denoising", "c2019"})[0][1].entry.summary == (
        "see DDPM [@ho2020denoising] and Denoising [@ho2020denoising]")
