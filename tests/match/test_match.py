"""Matching note entries to bib keys: every evidence kind, the traps, problems and stubs."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from paths import FIXTURES, REPO

from relwork import bib, notes
from relwork.config import load_config
from relwork.ids import normalize_arxiv, normalize_doi
from relwork.match import (
    compare_words,
    lookup_for,
    make_stub,
    match_entries,
)
from relwork.model import Entry, Match, Source

ROOT = REPO
FIXTURES = FIXTURES / "match"


@pytest.fixture(scope="module")
def traps() -> bib.BibIndex:
    path = FIXTURES / "traps.bib"
    return bib.parse_bib_text(path.read_text(encoding="utf-8"), "traps.bib")


@pytest.fixture(scope="module")
def example_index() -> bib.BibIndex:
    """The example project's bibliography, loaded by the real bib stage."""
    config = load_config(ROOT / "relwork.yaml")
    return bib.load_bib([ROOT / "bib" / "references.bib"], config, use_cache=False)


def entry(title: str, line: int = 7, **kw: object) -> Entry:
    e = Entry(title=title, source=Source("notes/week.md", line))
    for kind in ("key", "doi", "arxiv", "url"):
        for value in kw.pop(kind, []) or []:  # type: ignore[attr-defined]
            e.add_id(kind, value)
    e.meta.update(kw)
    return e


def one(index: bib.BibIndex, e: Entry, **kw: object) -> tuple[Match, list]:
    matches, problems = match_entries([e], index, **kw)  # type: ignore[arg-type]
    assert len(matches) == 1 and matches[0].entry is e
    return matches[0], problems


# --------------------------------------------------------------------- the example report


def test_example_report_headings(example_index: bib.BibIndex) -> None:
    """The weekly report's headings, parsed by the notes stage, against references.bib."""
    config = load_config(ROOT / "relwork.yaml")
    text = (ROOT / "summaries" / "weekly_report.md").read_text(encoding="utf-8")
    parsed = notes.parse_note(text, "summaries/weekly_report.md")
    matches, problems = match_entries(parsed.entries, example_index, aliases=config.aliases)
    got = {m.entry.title: m for m in matches}
    assert problems == []
    expect = {
        "Latent Space Oddity: on the Curvature of Deep Generative Models":
            ("arvanitidis2018latent", "title"),
        "Score-based Generative Modeling in Latent Space": ("vahdat2021score", "title"),
        "PULSE: Self-Supervised Photo Upsampling via Latent Space Exploration of Generative "
        "Models": ("menon2020pulse", "title"),
        # two typos ("Learining", "space" for "spaces") in a long title, nothing else close:
        # cited, with the score and the runner-up in the reason
        "Learining deep latent space for multi-label classification":
            ("yeh2017learning", "fuzzy"),
        # hyphen and case differ only: the normalised titles are equal
        "learning latent space energy based prior model": ("pang2020learning", "title"),
        "styleclip": ("patashnik2021styleclip", "shorttitle"),
        "stylegan": ("karras2019style", "alias"),
    }
    for title, (key, method) in expect.items():
        m = got[title]
        assert (m.key, m.method, m.status) == (key, method, "matched"), m.reason
        assert m.reason
    fuzzy = got["Learining deep latent space for multi-label classification"]
    assert 90 <= fuzzy.score < 100
    assert "next best" in fuzzy.reason


def test_weekly_heading_trailing_colon_and_case(example_index: bib.BibIndex) -> None:
    m, _ = one(example_index, entry("StyleCLIP:"))
    assert (m.key, m.method, m.status) == ("patashnik2021styleclip", "shorttitle", "matched")
    assert "StyleCLIP" in m.reason


# --------------------------------------------------------------------- evidence kinds


def test_explicit_key_wins_over_a_vague_title(traps: bib.BibIndex) -> None:
    m, problems = one(traps, entry("my notes on that paper", key=["hochreiter1997long"]))
    assert (m.key, m.method, m.status, m.score) == ("hochreiter1997long", "key", "matched", 100)
    assert "[@hochreiter1997long]" in m.reason
    assert problems == []


def test_doi_in_any_spelling(traps: bib.BibIndex) -> None:
    for doi in ("10.1038/nature14539", "https://doi.org/10.1038/NATURE14539",
                "doi:10.1038/nature14539"):
        m, _ = one(traps, entry("LeCun's review", doi=[doi]))
        assert (m.key, m.method, m.status) == ("lecun2015deep", "doi", "matched")


@pytest.mark.parametrize("value, key", [
    ("1507.01526", "kalchbrenner2016grid"),  # bib eprint field
    ("arXiv:1803.06567v2", "dvijotham2018dual"),  # bib journal = {arXiv preprint arXiv:...}
    ("2006.11239", "ho2020denoising"),  # bib url
])
def test_arxiv_ids_from_eprint_journal_and_url(traps: bib.BibIndex, value: str,
                                               key: str) -> None:
    m, _ = one(traps, entry("placeholder heading", arxiv=[value]))
    assert (m.key, m.method, m.status) == (key, "arxiv", "matched")


def test_arxiv_link_in_note_url(traps: bib.BibIndex) -> None:
    m, _ = one(traps, entry("Grid thing", url=["https://arxiv.org/abs/1507.01526v3"]))
    assert (m.key, m.method) == ("kalchbrenner2016grid", "arxiv")


def test_alias_is_case_and_punctuation_insensitive(traps: bib.BibIndex) -> None:
    m, _ = one(traps, entry("Grid-LSTM:"), aliases={"grid lstm": "kalchbrenner2016grid"})
    assert (m.key, m.method, m.status) == ("kalchbrenner2016grid", "alias", "matched")


def test_exact_title_despite_braces_and_accents(traps: bib.BibIndex) -> None:
    m, _ = one(traps, entry("On random graphs I: Étude des graphes aléatoires"))
    assert (m.key, m.method, m.status) == ("erdos1959random", "title", "matched")


def test_shorttitle_field(traps: bib.BibIndex) -> None:
    m, _ = one(traps, entry("tempsearch"))
    assert (m.key, m.method, m.status) == ("smith2019calibrating", "shorttitle", "matched")


def test_acronym_in_heading_spelled_out_in_title(traps: bib.BibIndex) -> None:
    m, _ = one(traps, entry("Grid LSTM"))
    assert (m.key, m.method, m.status) == ("kalchbrenner2016grid", "fuzzy", "matched")
    assert "acronym" in m.reason


def test_fuzzy_typos_checked_against_authors_and_year(traps: bib.BibIndex) -> None:
    title = "Learning a probablistic latent space of object shapes via 3D generative modelling"
    m, _ = one(traps, entry(title))
    assert (m.key, m.status) == ("wu2016learning", "review")  # a word of the title is missing
    assert "the title has adversarial" in m.reason
    m, _ = one(traps, entry(title, authors=["Jiajun Wu", "Chengkai Zhang"], year=2016))
    assert (m.key, m.status) == ("wu2016learning", "matched")  # the note's authors and year
    m, _ = one(traps, entry(title, authors=["Someone Else"], year=2016))
    assert (m.key, m.status) == ("wu2016learning", "review")
    assert "authors" in m.reason


def test_a_changed_word_is_not_a_typo(traps: bib.BibIndex) -> None:
    m, _ = one(traps, entry("Calibrating deep ensembles against distribution shift with "
                            "temperature scaling"))
    assert (m.key, m.status) == ("smith2019calibrating", "review")
    assert "scaling" in m.reason and "search" in m.reason
    m, _ = one(traps, entry("Calibratng deep ensembls against distributon shift with "
                            "temprature serch"))
    assert (m.key, m.status) == ("smith2019calibrating", "matched")


def test_lookup_tables_are_built_once_per_index(traps: bib.BibIndex) -> None:
    assert lookup_for(traps) is lookup_for(traps)
    other = bib.parse_bib_text((FIXTURES / "traps.bib").read_text(encoding="utf-8"), "x.bib")
    assert lookup_for(other) is not lookup_for(traps)


# --------------------------------------------------------------------- traps


def test_same_title_different_papers_is_review(traps: bib.BibIndex) -> None:
    m, _ = one(traps, entry("Deep Learning"))
    assert m.status == "review"
    assert {c.key for c in m.candidates} >= {"lecun2015deep", "goodfellow2016deep"}
    assert "different papers" in m.reason


def test_authors_single_out_one_of_two_same_titles(traps: bib.BibIndex) -> None:
    m, _ = one(traps, entry("Deep learning", authors=["LeCun", "Bengio", "Hinton"], year=2015))
    assert (m.key, m.status) == ("lecun2015deep", "matched")
    m, _ = one(traps, entry("Deep learning", authors=["Goodfellow, Ian"], year=2016))
    assert (m.key, m.status) == ("goodfellow2016deep", "matched")


def test_close_runner_up_blocks_auto_cite(traps: bib.BibIndex) -> None:
    m, _ = one(traps, entry("Learning to learn by gradient decent by gradient decent"))
    assert (m.key, m.status) == ("andrychowicz2016learning", "review")
    assert "chen2017learning is close behind" in m.reason
    assert m.candidates[1].key == "chen2017learning"


def test_heading_that_starts_a_longer_title_is_not_cited(traps: bib.BibIndex) -> None:
    m, _ = one(traps, entry("The Cityscapes dataset"))
    assert (m.key, m.status) == ("cordts2016cityscapes", "review")
    assert "start" in m.reason


def test_one_word_heading_is_never_fuzzy_cited(traps: bib.BibIndex) -> None:
    m, _ = one(traps, entry("LSTM"))
    assert m.status != "matched"
    assert m.candidates and m.candidates[0].key == "hochreiter1997long"


def test_paper_absent_but_a_close_title_present(traps: bib.BibIndex) -> None:
    m, _ = one(traps, entry("Neural Processes", authors=["Garnelo"], year=2018))
    assert m.status != "matched"
    m, _ = one(traps, entry("Deep learning via Hessian-free optimisation with momentum"))
    assert m.status != "matched"


def test_duplicate_entries_of_one_paper_cite_the_first(traps: bib.BibIndex) -> None:
    m, problems = one(traps, entry("attention is all you need"))
    assert (m.key, m.status) == ("vaswani2017attention", "matched")
    assert "vaswani2017attentionarxiv" in m.reason
    assert [p.code for p in problems] == ["match-duplicate"]
    assert problems[0].severity == "info"


def test_unmatched_carries_three_candidates(traps: bib.BibIndex) -> None:
    m, _ = one(traps, entry("Learning deep structured semantic models for web search"))
    assert (m.key, m.status, m.method) == (None, "unmatched", "none")
    assert len(m.candidates) == 3
    assert all(0 <= c.score <= 100 and c.title for c in m.candidates)
    assert m.candidates == sorted(m.candidates, key=lambda c: -c.score)


# --------------------------------------------------------------------- conflicts, problems


def test_doi_and_title_disagree_is_review(traps: bib.BibIndex) -> None:
    e = entry("Grid Long Short-Term Memory", doi=["10.1038/nature14539"])
    m, _ = one(traps, e)
    assert m.status == "review"
    assert "conflicting evidence" in m.reason
    assert {c.key for c in m.candidates} >= {"lecun2015deep", "kalchbrenner2016grid"}
    m, _ = one(traps, e, accept_review=True)
    assert m.status == "review"  # conflicts are never accepted wholesale


def test_two_explicit_keys_is_review(traps: bib.BibIndex) -> None:
    m, _ = one(traps, entry("x", key=["lecun2015deep", "goodfellow2016deep"]))
    assert m.status == "review"
    assert "different keys" in m.reason


def test_missing_explicit_key_is_an_error_naming_the_line(traps: bib.BibIndex) -> None:
    m, problems = one(traps, entry("Long Short-Term Memory", line=42,
                                   key=["hochreiter1997lstm"]))
    assert m.status == "review"  # never silently cite something else
    assert [p.severity for p in problems] == ["error"]
    p = problems[0]
    assert p.source == Source("notes/week.md", 42)
    assert "hochreiter1997lstm" in p.message
    assert p.hint and "hochreiter1997long" in p.hint
    assert str(p).startswith("notes/week.md:42: error:")


def test_alias_to_unknown_key_is_an_error(traps: bib.BibIndex) -> None:
    m, problems = one(traps, entry("stylegan", line=3),
                      aliases={"stylegan": "karras2019stlye"})
    assert m.status != "matched"
    assert [p.code for p in problems] == ["match-alias-missing"]
    assert problems[0].source == Source("notes/week.md", 3)


def test_accept_review_cites_a_plausible_single_candidate(traps: bib.BibIndex) -> None:
    e = entry("Learning a probablistic latent space of object shapes via 3D GAN modelling",
              authors=["Someone Else"])
    m, _ = one(traps, e)
    assert m.status == "review"
    e = entry("Learning to learn by gradient decent by gradient decent")
    m, _ = one(traps, e, accept_review=True)
    assert (m.key, m.status) == ("andrychowicz2016learning", "matched")
    assert "accept_review" in m.reason


def test_problems_and_matches_keep_entry_order(traps: bib.BibIndex) -> None:
    entries = [entry("Deep Learning", line=1), entry("zzz qqq", line=2),
               entry("Long Short-Term Memory", line=3)]
    matches, _ = match_entries(entries, traps)
    assert [m.entry.source.line for m in matches] == [1, 2, 3]
    assert [m.status for m in matches] == ["review", "unmatched", "matched"]


@pytest.mark.parametrize(("authors", "status"), [
    ("Wu et al.", "matched"), (["Jiajun Wu", "et al."], "matched"),
    ("Wu, J. and others", "matched"), ("Smith et al.", "review")])
def test_et_al_is_not_an_author(example_index: bib.BibIndex, authors: object, status: str
                                ) -> None:
    e = entry("Learning a Probabilistic Latent Space of Object Shapes via 3D "
              "Generative-Adversarial Modeling", authors=authors)
    m, _ = one(example_index, e)
    assert (m.status, m.key) == (status, "wu2016learning"), m.reason


@pytest.mark.parametrize(("heading", "title"), [
    ("Unsupervised Hierarchical Clustering", "Supervised Hierarchical Clustering"),
    ("Nonlinear Complementarity for Policy Evaluation", "Linear Complementarity for Policy "
     "Evaluation"),
    ("Offline Adaptation for Mesh Reconstruction", "Online Adaptation for Mesh Reconstruction"),
    ("Sampling with replacement", "Sampling without replacement"),
    ("Implicit Regularization in Deep Networks", "Explicit Regularization in Deep Networks"),
    ("Semi-Supervised Learning with Ladder Networks", "Supervised Learning with Ladder Networks"),
    ("Sorting out typicality without the moment matrix", "Sorting out typicality with the "
     "moment matrix"),
    ("Jump Nonlinear and Non-Linear Plants", "Jump Linear and Non-Linear Plants"),
])
def test_a_changed_prefix_or_opposite_is_never_a_typo(heading: str, title: str) -> None:
    changed = compare_words(bib.normalize_title(heading), bib.normalize_title(title))[2]
    assert changed, (heading, title)


@pytest.mark.parametrize(("heading", "title"), [
    ("Score-based Generative Modelling", "Score-based Generative Modeling"),
    ("Regularisation of Neural Networks by Optimisation", "Regularization of Neural "
     "Networks by Optimization"),
    ("Non-linear Complementarity", "Nonlinear Complementarity"),
    ("Variational auto encoders", "Variational autoencoders"),
    ("Reinforcment lerning for control", "Reinforcement learning for control"),
    ("Residual Dense Network for Image Supe-rResolution", "Residual Dense Network for Image "
     "Super-Resolution"),
    ("Graph convolutions with fast localized spectral filters", "Graph convolutions with "
     "fast localized spectral filtering"),
])
def test_typos_spellings_and_compounds_are_the_same_words(heading: str, title: str) -> None:
    assert compare_words(bib.normalize_title(heading), bib.normalize_title(title),
                         {"control"}) == ([], [], [])


def test_a_real_word_that_looks_like_another_is_not_a_typo() -> None:
    heading, title = "planning with latent dynamics", "learning with latent dynamics"
    assert compare_words(heading, title)[2] == []  # no vocabulary: may be a typo
    assert compare_words(heading, title, {"planning", "learning"})[2] == [
        ("planning", "learning")]


def test_opposite_titles_are_review_with_the_reason(tmp_path: Path) -> None:
    index = bib.parse_bib_text(
        "@article{a, title={Supervised Hierarchical Clustering with Exponential Linkage},"
        " author={Yadav, N.}, year={2019}}\n", "refs.bib")
    e = entry("Unsupervised Hierarchical Clustering with Exponential Linkage",
              authors=["Yadav"], year=2019)
    m, _ = one(index, e)
    assert m.status == "review" and m.key == "a"
    assert "'unsupervised' for 'supervised'" in m.reason
    m, _ = one(index, e, accept_review=True)
    assert m.status == "review"  # accepting reviews does not cite another paper


@pytest.mark.parametrize(("heading", "key", "status"), [
    ("PointNet", "qi2017pointnet", "matched"), ("PointNet++", "qi2017pointnetpp", "matched"),
    ("PointNet ++", "qi2017pointnetpp", "matched")])
def test_plus_plus_names_another_paper(heading: str, key: str, status: str) -> None:
    index = bib.parse_bib_text(
        "@inproceedings{qi2017pointnetpp, title={PointNet++: Deep Hierarchical Feature "
        "Learning on Point Sets in a Metric Space}, author={Qi, C.}, year={2017}}\n"
        "@inproceedings{qi2017pointnet, title={PointNet: Deep Learning on Point Sets for 3D "
        "Classification and Segmentation}, author={Qi, C.}, year={2017}}\n", "refs.bib")
    m, _ = one(index, entry(heading))
    assert (m.key, m.status) == (key, status), m.reason


def test_plus_plus_alone_is_not_its_predecessor() -> None:
    index = bib.parse_bib_text(
        "@inproceedings{qi2017pointnetpp, title={PointNet++: Deep Hierarchical Feature "
        "Learning on Point Sets in a Metric Space}, author={Qi, C.}, year={2017}}\n",
        "refs.bib")
    for heading in ("PointNet", "PointNet: Deep Hierarchical Feature Learning on Point Sets "
                    "in a Metric Space"):
        m, _ = one(index, entry(heading))
        assert m.status != "matched", (heading, m.reason)


# --------------------------------------------------------------------- stubs and helpers


def test_make_stub_is_a_marked_misc_entry_bibtex_can_read() -> None:
    e = entry("Learining deep latent space for multi-label classification & 100% more_",
              line=49, authors=["Chih-Kuan Yeh"], year=2017, doi=["10.1609/aaai.v31i1.10769"])
    stub = make_stub(e)
    assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", stub.key)
    assert stub.key.startswith("missing_learining_deep_latent")
    assert stub.type == "misc"
    assert "relwork: missing from bibliography, see notes/week.md:49" in stub.raw
    assert r"\&" in stub.raw and r"\%" in stub.raw and r"\_" in stub.raw
    assert stub.raw.startswith("@misc{" + stub.key + ",")
    back = bib.parse_bib_text(stub.raw, "stub.bib")
    assert not back.failed and list(back.records) == [stub.key]
    assert back.records[stub.key].year == 2017
    assert back.records[stub.key].doi == "10.1609/aaai.v31i1.10769"
    assert make_stub(e) == stub  # deterministic


@pytest.mark.parametrize("field", ["doi", "url", "title", "authors"])
def test_make_stub_fields_cannot_end_early(field: str) -> None:
    """Whatever the note's text, each field of the stub ends where it should: one entry,
    no @preamble, no TeX command from the note."""
    hostile = "10.1234/a}@preamble{{\\input{/etc/hostname}}}@misc{x,title={y\n@comment{"
    kw: dict[str, object] = {
        "doi": {"doi": [hostile]}, "url": {"url": ["https://x.org/" + hostile]},
        "title": {}, "authors": {"authors": [hostile]}}[field]
    stub = make_stub(entry(hostile if field == "title" else "A paper", **kw))
    back = bib.parse_bib_text(stub.raw + "\n", "stub.bib")
    assert list(back.records) == [stub.key] and not back.failed and not back.preambles
    assert "\\input" not in stub.raw
    assert not any(line.lstrip().startswith("@") for line in stub.raw.splitlines()[1:])
    if field == "doi":  # the DOI ends where DOI characters end (ids.normalize_doi)
        assert stub.fields["doi"] == "{10.1234/a}"


def test_make_stub_without_title_words_is_still_a_valid_key() -> None:
    stub = make_stub(entry("???"))
    assert re.fullmatch(r"missing_[0-9a-f]{8}", stub.key)


def test_cited_bib_text_writes_the_stub(traps: bib.BibIndex) -> None:
    stub = make_stub(entry("A paper nobody has in a bib", line=5))
    text, problems = bib.cited_bib_text(traps, ["lecun2015deep"], [stub])
    assert stub.raw in text and "lecun2015deep" in text
    assert problems == []


def test_identifier_normalisation() -> None:
    assert normalize_doi("https://dx.doi.org/10.1000/ABC.1.") == "10.1000/abc.1"
    assert normalize_doi("no doi here") is None
    assert normalize_arxiv("https://arxiv.org/pdf/1603.08983v2.pdf") == "1603.08983"
    assert normalize_arxiv("arXiv:cs/0112017") == "cs/0112017"


@pytest.mark.parametrize("heading, key", [
    ("Attention is all you need (Vaswani et al., 2017)", "vaswani2017attention"),
    ("Hochreiter and Schmidhuber 1997 - Long short-term memory", "hochreiter1997long"),
    ("[ICLR 2016] Grid Long Short-Term Memory", "kalchbrenner2016grid"),
])
def test_citation_added_to_a_heading_is_read_as_authors_and_year(
        traps: bib.BibIndex, heading: str, key: str) -> None:
    m, _ = one(traps, entry(heading))
    assert (m.key, m.status) == (key, "matched"), m.reason
    assert m.entry.title == heading  # the entry itself is left as written


def test_citation_in_heading_picks_between_same_titles(traps: bib.BibIndex) -> None:
    m, _ = one(traps, entry("Deep Learning (Goodfellow et al., 2016)"))
    assert (m.key, m.status) == ("goodfellow2016deep", "matched")
    m, _ = one(traps, entry("Deep Learning (Schmidhuber, 2015)"))
    assert m.status == "review"


def test_split_heading_leaves_ordinary_parentheses() -> None:
    from relwork.match import split_heading

    assert split_heading("Generative models (see notes)") == (
        "Generative models (see notes)", [], None)
    assert split_heading("End-to-end object detection with transformers (DETR)") == (
        "End-to-end object detection with transformers", [], None)
    assert split_heading("Adam (Kingma & Ba, 2015)") == ("Adam", ["Kingma", "Ba"], 2015)


def test_one_word_title_that_is_a_topic_is_review(traps: bib.BibIndex) -> None:
    m, _ = one(traps, entry("Quantization"))
    assert (m.key, m.status) == ("gray1998quantization", "review")
    m, _ = one(traps, entry("keras"))
    assert (m.key, m.status) == ("chollet2015keras", "matched")


def test_nickname_in_the_key_is_a_short_title() -> None:
    index = bib.parse_bib_text(
        "@inproceedings{he2016resnet, title={Deep Residual Learning for Image Recognition},"
        " author={He, Kaiming}, year={2016}}\n"
        "@article{brown2020gpt3, title={Language Models are Few-Shot Learners},"
        " author={Brown, Tom}, year={2020}}\n"
        "@inproceedings{vaswani2017attention, title={Attention Is All You Need},"
        " author={Vaswani, Ashish}, year={2017}}\n", "nick.bib")
    m, _ = one(index, entry("ResNet"))
    assert (m.key, m.method, m.status) == ("he2016resnet", "shorttitle", "matched")
    m, _ = one(index, entry("GPT-3"))
    assert (m.key, m.method, m.status) == ("brown2020gpt3", "shorttitle", "matched")
    # "attention" is only the title's first word, not a name for the paper
    m, _ = one(index, entry("Attention"))
    assert m.status != "matched"


def test_arxiv_doi_finds_the_preprint(traps: bib.BibIndex) -> None:
    m, _ = one(traps, entry("Grid thing", doi=["https://doi.org/10.48550/arXiv.1507.01526"]))
    assert (m.key, m.method, m.status) == ("kalchbrenner2016grid", "arxiv", "matched")


def test_accept_review_never_cites_a_look_alike_with_another_word(traps: bib.BibIndex) -> None:
    heading = "Calibrating deep ensembles against distribution shift with temperature scaling"
    m, _ = one(traps, entry(heading), accept_review=True)
    assert (m.key, m.status) == ("smith2019calibrating", "review")
    m, _ = one(traps, entry("The Cityscapes dataset"), accept_review=True)
    assert m.status == "review"


def test_lookup_tables_live_on_the_index_and_without_it() -> None:
    text = (FIXTURES / "traps.bib").read_text(encoding="utf-8")
    index = bib.parse_bib_text(text, "t.bib")
    look = lookup_for(index)
    assert index.memo.lookup is look

    class Plain:  # any object with records works; without a memo its tables are made anew
        def __init__(self, records: dict) -> None:
            self.records = records

    plain = Plain(index.records)
    assert lookup_for(plain) is not lookup_for(plain)
    assert lookup_for(plain).keys == look.keys
    m, _ = one(plain, entry("Long Short-Term Memory"))  # type: ignore[arg-type]
    assert (m.key, m.status) == ("hochreiter1997long", "matched")


@pytest.mark.parametrize(("heading", "authors", "offered"), [
    ("Scoer-bsaed Generatvie Modleing in Latnet Spcae", "", True),
    ("Score-based Generative Modeling in Latent Space", "* **Authors**: Smith, John\n", False),
])
def test_accept_review_is_offered_only_when_it_cites(tmp_path: Path, heading: str,
                                                     authors: str, offered: bool) -> None:
    """The build's review hint names --accept-review exactly when that flag cites the paper."""
    import os

    from click.testing import CliRunner

    from relwork.cli import main

    shutil.copytree(ROOT / "bib", tmp_path / "bib")
    shutil.copy(ROOT / "relwork.yaml", tmp_path / "relwork.yaml")
    (tmp_path / "summaries").mkdir()
    (tmp_path / "summaries" / "p.md").write_text(
        f"# Papers\n\n## {heading}\n\n{authors}\nText.\n", encoding="utf-8")
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        first = CliRunner().invoke(main, ["build"], catch_exceptions=False)
        second = CliRunner().invoke(main, ["build", "--accept-review"], catch_exceptions=False)
    finally:
        os.chdir(cwd)
    assert "summaries/p.md:3: warning: " in first.stderr and "vahdat2021score" in first.stderr
    assert ("--accept-review" in first.stderr) is offered, first.stderr
    tex = (tmp_path / "latex" / "related_work.tex").read_text(encoding="utf-8")
    assert ("vahdat2021score" in tex) is offered, second.stderr
    if not offered:
        assert "[@vahdat2021score]" in first.stderr
