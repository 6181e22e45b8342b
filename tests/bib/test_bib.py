"""The bibliography stage: finding .bib files, parsing, normalised views, problems."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from paths import FIXTURES

from relwork.bib import (
    BibIndex,
    collect_bib_files,
    family_names,
    latex_to_text,
    load_bib,
    normalize_arxiv,
    normalize_title,
    parse_bib_text,
)
from relwork.config import Config, load_config

FIXTURES = FIXTURES / "bib"
MAIN = FIXTURES / "main.bib"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the fixture folder as a project root (caches go into it)."""
    shutil.copytree(FIXTURES, tmp_path / "bib")
    return tmp_path


def config_for(root: Path, **values: object) -> Config:
    config = Config(root=root, bib=["bib"])
    for name, value in values.items():
        setattr(config, name, value)
    return config


@pytest.fixture(scope="module")
def index() -> BibIndex:
    return parse_bib_text(MAIN.read_text(encoding="utf-8"), "main.bib")


# --------------------------------------------------------------------------- files


def test_collect_folder_is_recursive_and_sorted(project: Path) -> None:
    files, problems = collect_bib_files(config_for(project))
    names = [f.relative_to(project / "bib").as_posix() for f in files]
    assert names == ["latin1.bib", "main.bib", "more/deeper/deep.bib", "more/other.bib"]
    assert problems == []


def test_collect_file_and_glob_relative_to_config(project: Path) -> None:
    config = config_for(project, bib=["bib/main.bib", "bib/more/*.bib", "bib/main.bib"])
    files, problems = collect_bib_files(config)
    assert [f.name for f in files] == ["main.bib", "other.bib"]  # de-duplicated, order kept
    assert problems == []


def test_collect_paths_override_config(project: Path) -> None:
    files, problems = collect_bib_files(config_for(project), ["bib/more/deeper"])
    assert [f.name for f in files] == ["deep.bib"]
    assert problems == []


def test_collect_missing_file_is_an_error_naming_the_config_line(project: Path) -> None:
    (project / "relwork.yaml").write_text("notes: [summaries]\nbib:\n  - refs/missing.bib\n")
    config = load_config(project / "relwork.yaml")
    files, problems = collect_bib_files(config)
    assert files == []
    [problem] = problems
    assert problem.severity == "error"
    assert "missing.bib" in problem.message
    assert problem.source is not None and problem.source.line == 3  # the item, not "bib:"
    assert problem.hint and "relwork.yaml" in problem.hint


def test_collect_empty_glob_and_empty_folder(project: Path) -> None:
    (project / "empty").mkdir()
    _files, problems = collect_bib_files(config_for(project), ["nothing/*.bib", "empty"])
    assert [p.severity for p in problems] == ["error", "error"]
    assert "nothing/*.bib" in problems[0].message
    assert "no .bib files" in problems[1].message


# --------------------------------------------------------------------------- records


def test_record_keeps_raw_fields_source_and_exact_text(index: BibIndex) -> None:
    rec = index.records["graves2016adaptive"]
    assert rec.type == "inproceedings"
    assert rec.source.path == "main.bib" and rec.source.line == 10
    assert rec.fields["booktitle"] == "icml"  # a macro stays a macro
    assert rec.fields["month"] == "jan"
    assert rec.fields["title"] == "{Adaptive Computation Time for Recurrent Neural Networks}"
    text = MAIN.read_text(encoding="utf-8")
    assert rec.raw.startswith("@inproceedings{graves2016adaptive,") and rec.raw.endswith("}")
    assert rec.raw in text


def test_field_names_are_lowercase_and_types_too(index: BibIndex) -> None:
    assert index.records["paren2001"].type == "book"
    assert index.records["paren2001"].fields["year"] == "2001"
    assert index.records["deep2019"].fields["author"].startswith('"D{')


def test_title_plain_text(index: BibIndex) -> None:
    assert index.records["schroedinger1926"].title == (
        "Quantisierung als Eigenwertproblem: öffentliche Søren Straße école índice")
    assert index.records["patashnik2021styleclip"].title == (
        "StyleCLIP: Text-Driven Manipulation of StyleGAN Imagery")
    assert index.records["deep2019"].title == "Deeply nested braces with Italic and α-GAN — done"


@pytest.mark.parametrize(
    ("latex", "plain"),
    [
        (r"{\"o}", "ö"), (r"\"{o}", "ö"), (r"\'e", "é"), (r"{\o}", "ø"), (r"Stra\ss e", "Straße"),
        (r"\c{c}a", "ça"), (r"\v{s}", "š"), (r"{\'\i}", "í"), (r"\textit{Deep} \emph{x}", "Deep x"),
        (r"A\&B 50\%", "A&B 50%"), ("pages 1--2", "pages 1–2"), ("a~b", "a b"),
        (r"\LaTeX", "LaTeX"),
    ],
)
def test_latex_to_text(latex: str, plain: str) -> None:
    assert latex_to_text(latex) == plain


@pytest.mark.parametrize(
    ("title", "norm"),
    [
        ("{PULSE}: Self-Supervised Photo Upsampling", "pulse self supervised photo upsampling"),
        (r"Schr{\"o}dinger's {\AE}ther", "schrodinger s aether"),
        ("Schrödinger’s  Æther!", "schrodinger s aether"),
        ("Straße", "strasse"),
        ("  Learning   deep\tlatent spaces. ", "learning deep latent spaces"),
        ("re\u0301sume\u0301", "resume"),  # decomposed accents
        ("", ""),
    ],
)
def test_normalize_title(title: str, norm: str) -> None:
    assert normalize_title(title) == norm


def test_authors_family_names(index: BibIndex) -> None:
    assert index.records["schroedinger1926"].authors == [
        "Schrödinger", "van der Maaten", "van Beethoven", "Google Research"]  # "others" dropped
    assert index.records["deep2019"].authors == ["Díaz", "Müller"]
    assert index.records["parent2020"].authors == ["Editor"]  # editors when no author


@pytest.mark.parametrize(
    ("names", "families"),
    [
        ("Alan Murray and Anthony Smith", ["Murray", "Smith"]),
        ("S. Aalburg and C. Beaugeant and others", ["Aalburg", "Beaugeant"]),
        ("van der Maaten, Laurens AND Hinton, Geoffrey", ["van der Maaten", "Hinton"]),
        ("{Barnes and Noble, Inc.} and John Doe", ["Barnes and Noble, Inc.", "Doe"]),
        ("Mart{\\'{\\i}}n Abadi", ["Abadi"]),
        ("King, Jr, Martin Luther", ["King"]),
    ],
)
def test_family_names(names: str, families: list[str]) -> None:
    assert family_names(names) == families


def test_year_from_year_or_date(index: BibIndex) -> None:
    assert index.records["schroedinger1926"].year == 1926  # bare number
    assert index.records["deep2019"].year == 2019  # quoted
    assert index.records["patashnik2021styleclip"].year == 2021  # biblatex date
    assert index.records["child2020"].year is None


def test_doi_is_lowercase_without_resolver_prefix(index: BibIndex) -> None:
    assert index.records["menon2020pulse"].doi == "10.1109/cvpr42600.2020.00251"
    assert index.records["patashnik2021styleclip"].doi == "10.48550/arxiv.2103.17249"
    assert index.by_doi["10.1109/cvpr42600.2020.00251"] == ["menon2020pulse"]


def test_arxiv_from_every_place_it_hides(index: BibIndex) -> None:
    assert index.records["graves2016adaptive"].arxiv == "1603.08983"  # journal = {arXiv:...}
    assert index.records["scholar2018dual"].arxiv == "1803.06567"  # "arXiv preprint arXiv:"
    assert index.records["patashnik2021styleclip"].arxiv == "2103.17249"  # eprint, version off
    assert index.records["dblp2016corr"].arxiv == "1603.08983"  # DBLP CoRR abs/...
    assert index.records["menon2020pulse"].arxiv is None
    assert index.by_arxiv["1603.08983"] == ["graves2016adaptive", "dblp2016corr"]


def test_arxiv_from_url_and_eprint_variants() -> None:
    text = """
@misc{a, title = {A}, url = {https://arxiv.org/pdf/2106.05931v3.pdf}}
@misc{b, title = {B}, eprint = {hep-th/9901001v1}, archiveprefix = {arXiv}}
@misc{c, title = {C}, eprint = {12345}, eprinttype = {pubmed}}
"""
    index = parse_bib_text(text)
    assert index.records["a"].arxiv == "2106.05931"
    assert index.records["b"].arxiv == "hep-th/9901001"
    assert index.records["c"].arxiv is None
    assert normalize_arxiv("arXiv:1603.08983v2") == "1603.08983"


def test_short_titles(index: BibIndex) -> None:
    assert index.records["patashnik2021styleclip"].shorttitle_norm == "styleclip"  # field
    assert index.records["menon2020pulse"].shorttitle_norm == "pulse"  # before the colon
    assert index.records["schroedinger1926"].shorttitle_norm == "quantisierung als eigenwertproblem"
    assert index.records["graves2016adaptive"].shorttitle_norm == ""  # no colon
    assert index.by_short["pulse"] == ["menon2020pulse"]
    assert index.by_title["deep learning"] == ["lecun2015deep"]


def test_strings_and_preambles_are_kept(index: BibIndex) -> None:
    assert list(index.strings) == ["icml", "jmlr", "pmlr"]
    assert index.strings["jmlr"].raw == '@STRING{ jmlr = "Journal of Machine Learning Research" }'
    assert index.strings["icml"].source.line == 4
    assert len(index.preambles) == 1


# --------------------------------------------------------------------------- problems


def test_duplicate_key_in_one_file_keeps_the_first(index: BibIndex) -> None:
    assert index.records["lecun2015deep"].title == "Deep learning"
    [dup] = [p for p in index.problems if p.code == "bib-duplicate-key"]
    assert dup.severity == "warning"
    assert dup.message == ("key lecun2015deep at main.bib:113 duplicates main.bib:95; "
                           "keeping the first")
    assert dup.source is not None and dup.source.line == 113


def test_broken_block_is_failed_and_parsing_goes_on(index: BibIndex) -> None:
    [failed] = index.failed
    assert failed.key == "broken2017"
    assert failed.source.line == 101
    assert failed.raw.startswith("@article{broken2017,") and "Broke, Ben" in failed.raw
    assert "missing '}'" in failed.error
    assert "broken2017" not in index.records
    assert index.records["after2018broken"].source.line == 107
    [problem] = [p for p in index.problems if p.code == "bib-parse"]
    assert problem.source == failed.source and problem.hint


def test_duplicate_fields_warn_and_keep_the_first(index: BibIndex) -> None:
    rec = index.records["dupfield2020"]
    assert rec.fields["address"] == "{Honolulu, HI, USA}"
    [problem] = [p for p in index.problems if p.code == "bib-duplicate-field"]
    assert "address" in problem.message and problem.source.line == 119  # type: ignore[union-attr]


def test_duplicates_across_files_name_both_places(project: Path) -> None:
    config = config_for(project)
    files = [project / "bib" / "main.bib", project / "bib" / "more" / "other.bib"]
    index = load_bib(files, config, use_cache=False)
    assert index.records["menon2020pulse"].source.path == config.display(files[0])
    assert "other2021" in index.records
    dups = [p.message for p in index.problems if p.code == "bib-duplicate-key"]
    assert (f"key menon2020pulse at {config.display(files[1])}:1 duplicates "
            f"{config.display(files[0])}:60; keeping the first") in dups
    assert index.files == [config.display(f) for f in files]


def test_latin1_file_is_an_error_with_byte_offset_and_hint(project: Path) -> None:
    path = project / "bib" / "latin1.bib"
    index = load_bib([path], config_for(project), use_cache=False)
    assert index.records == {}
    [problem] = index.problems
    assert problem.severity == "error" and problem.code == "bib-encoding"
    offset = path.read_bytes().index(b"\xdc")
    assert f"byte {offset}" in problem.message
    assert problem.source is not None and problem.source.line == 2
    assert problem.hint and "bib_encoding" in problem.hint


def test_bib_encoding_is_honoured(project: Path) -> None:
    path = project / "bib" / "latin1.bib"
    index = load_bib([path], config_for(project, bib_encoding="latin-1"), use_cache=False)
    rec = index.records["mueller1999"]
    assert rec.title == "Über die Straße" and rec.authors == ["Müller"]
    assert index.problems == []


def test_unknown_encoding_is_a_config_error(project: Path) -> None:
    index = load_bib([project / "bib" / "main.bib"], config_for(project, bib_encoding="klingon"),
                     use_cache=False)
    assert [p.code for p in index.problems] == ["bib-encoding"]
    assert "klingon" in index.problems[0].message


def test_windows_newlines_and_bom(project: Path) -> None:
    path = project / "crlf.bib"
    path.write_bytes(b"\xef\xbb\xbf@misc{k1,\r\n  title = {Line One},\r\n}\r\n\r\n"
                     b"@misc{k2, title = {Two}}\r\n")
    index = load_bib([path], config_for(project), use_cache=False)
    assert [r.source.line for r in index.records.values()] == [1, 5]
    assert "\r" not in index.records["k1"].raw
    assert index.problems == []


def test_odd_but_valid_syntax() -> None:
    text = """Text before entries is a comment @ not a block.
@Misc{nofields}
@misc{ spaced ,
  Title = "Quoted {"}inner{"} " # " and " # {Braced},
  note = {An @ sign inside {LeQua @ {CLEF}}},
}
   @misc{indented, title = {Indented Start}}
"""
    index = parse_bib_text(text)
    assert list(index.records) == ["nofields", "spaced", "indented"]
    assert index.records["spaced"].title == 'Quoted "inner" and Braced'
    assert index.records["indented"].source.line == 7
    assert index.problems == [] and index.failed == []


def test_unclosed_last_entry_and_missing_key() -> None:
    index = parse_bib_text("@misc{ok, title={A}}\n@misc{, title = {No key}}\n@misc{open,\n"
                           "  title = {Never closed}\n")
    assert list(index.records) == ["ok"]
    assert [f.source.line for f in index.failed] == [2, 3]
    assert "no key" in index.failed[0].error
    assert "end of the file" in index.failed[1].error


def test_collect_empty_paths_mean_the_config(project: Path) -> None:
    files, problems = collect_bib_files(config_for(project, bib=["bib/main.bib"]), ())
    assert [f.name for f in files] == ["main.bib"] and problems == []


def test_collect_nothing_configured_is_an_error(project: Path) -> None:
    _files, problems = collect_bib_files(config_for(project, bib=[]))
    [problem] = problems
    assert problem.severity == "error" and problem.hint and "bib:" in problem.hint


def test_normalize_title_compatibility_forms_and_greek() -> None:
    title = "ℓ₀-norm Minimization and the ﬁrst ε² 𝕬"
    assert normalize_title(title) == "l0 norm minimization and the first ε2 a"


def test_entry_without_type_is_a_failed_block() -> None:
    index = parse_bib_text("@{notype, title = {T}}\n@misc{fine, title = {F}}\n")
    assert list(index.records) == ["fine"]
    [failed] = index.failed
    assert failed.key == "notype" and "no type" in failed.error
