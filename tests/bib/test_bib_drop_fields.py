"""bib_drop_fields: private fields cut out of the cited-only .bib, the rest byte for byte."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from paths import FIXTURES

from relwork.bib import BibIndex, cited_bib_text, parse_bib_text
from relwork.bib.cited import drop_fields
from relwork.config import BIB_DROP_FIELDS, OPTIONS_BY_NAME, Config
from relwork.model import BibRecord, Source

if TYPE_CHECKING:
    from conftest import SharedFolder

PRIVATE = FIXTURES / "private" / "library.bib"
KEYS = ["kim2021adapter", "Lindqvist2019", "one_line_2020", "paren2018", "clean2010"]


@pytest.fixture(scope="module")
def index() -> BibIndex:
    return parse_bib_text(PRIVATE.read_text(encoding="utf-8"), "refs.bib")


def test_default_is_documented_and_keeps_note() -> None:
    option = OPTIONS_BY_NAME["bib_drop_fields"]
    assert option.default == list(BIB_DROP_FIELDS) == Config(root=Path()).bib_drop_fields
    for name in ("file", "annote", "abstract", "keywords", "mendeley-tags", "comment"):
        assert name in BIB_DROP_FIELDS
    assert "note" not in BIB_DROP_FIELDS  # printed by plain, natbib and biblatex styles


def test_private_fields_are_cut_and_the_rest_stays_byte_for_byte(index: BibIndex) -> None:
    text, problems = cited_bib_text(index, ["kim2021adapter"], drop=BIB_DROP_FIELDS)
    assert text == (
        "@inproceedings{kim2021adapter,\n"
        "  title = {Small Adapters for Large Speech Models},\n"
        "  author = {Kim, Jae-won and Okafor, Ngozi},\n"
        "  booktitle = {Proc. Interspeech},\n"
        "  year = {2021},\n"
        "  pages = {412--416},\n"
        "  note = {Accepted version},\n"
        "  langid = {english}\n"
        "}\n")
    [info] = problems
    assert info.severity == "info" and info.code == "bib-dropped-fields"
    assert info.source == Source("refs.bib", 4)
    assert "abstract, keywords, annote, file" in info.message


def test_field_names_in_any_case_and_the_last_field_of_an_entry(index: BibIndex) -> None:
    text, _ = cited_bib_text(index, ["Lindqvist2019"], drop=BIB_DROP_FIELDS)
    assert text == (
        "@Article{Lindqvist2019,\n"
        "  Author    = {Lindqvist, Erik},\n"
        "  Title     = {Quiet gradients},\n"
        "  Journal   = {Journal of Unlikely Results},\n"
        "  Year      = 2019,\n"
        "  Timestamp = {2020.01.31},\n"
        "}\n")


def test_one_line_paren_quoted_concatenated_and_wildcard(index: BibIndex) -> None:
    text, problems = cited_bib_text(index, ["one_line_2020", "paren2018"], drop=BIB_DROP_FIELDS)
    assert text == (
        "@misc{one_line_2020, title = {All on One Line}, year = 2020}\n\n"
        "@article(paren2018,\n"
        '  title = "Parenthesised " # "Entry",\n'
        "  year = {2018},\n"
        ")\n")
    assert [p.message.split(": ", 1)[1] for p in problems] == [
        "file left out of the cited-only .bib (bib_drop_fields)",
        "bdsk-file-1, mendeley-tags, annote left out of the cited-only .bib (bib_drop_fields)"]


def test_an_entry_without_private_fields_is_untouched(index: BibIndex) -> None:
    text, problems = cited_bib_text(index, ["clean2010"], drop=BIB_DROP_FIELDS)
    assert text == index.records["clean2010"].raw + "\n" and problems == []


def test_an_empty_list_keeps_everything(index: BibIndex) -> None:
    text, problems = cited_bib_text(index, KEYS, drop=[])
    assert problems == []
    for key in KEYS:
        assert index.records[key].raw in text
    assert "/Users/me/Zotero/storage" in text


def test_a_user_list_replaces_the_default(index: BibIndex) -> None:
    text, _ = cited_bib_text(index, ["kim2021adapter"], drop=["NOTE", "lang*"])
    assert "Accepted version" not in text and "langid" not in text
    assert "/Users/me/Zotero" in text and "to-read" in text  # no longer in the list


def test_the_result_parses_to_the_same_entries_less_the_dropped_fields(index: BibIndex
                                                                      ) -> None:
    text, _ = cited_bib_text(index, KEYS, drop=BIB_DROP_FIELDS)
    again = parse_bib_text(text)
    assert list(again.records) == KEYS and not again.failed and not again.problems
    dropped = re.compile("|".join(n.replace("*", ".*") for n in BIB_DROP_FIELDS))
    for key in KEYS:
        kept = {n: v for n, v in index.records[key].fields.items() if not dropped.fullmatch(n)}
        assert again.records[key].fields == kept
    for private in ("/Users/me", "Ask Marta", "to-read", "weak paper", "YnBsaXN0", "unread",
                    "C:\\Users", "survey:background"):
        assert private not in text


def test_stubs_from_lookup_bib_lose_the_fields_too(index: BibIndex) -> None:
    stub = BibRecord("stub2024", "misc", {"title": "{T}", "abstract": "{long}"},
                     Source("bib/lookup.bib", 3),
                     raw="@misc{stub2024,\n  title = {T},\n  abstract = {long}\n}")
    text, _ = cited_bib_text(index, ["clean2010"], [stub], drop=BIB_DROP_FIELDS)
    assert text.endswith("@misc{stub2024,\n  title = {T},\n}\n")


def test_bibtex_reads_the_output(tex: Any, tmp_path: Path, index: BibIndex) -> None:
    tex.require("bibtex")
    text, _ = cited_bib_text(index, KEYS, drop=BIB_DROP_FIELDS)
    (tmp_path / "refs.bib").write_text(text, encoding="utf-8")
    aux = "".join(f"\\citation{{{k}}}\n" for k in KEYS) + "\\bibstyle{plain}\n\\bibdata{refs}\n"
    (tmp_path / "doc.aux").write_text(aux, encoding="utf-8")
    run = subprocess.run([str(tex.bibtex), "doc"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=60, check=False)
    log = (tmp_path / "doc.blg").read_text(encoding="utf-8", errors="replace")
    assert run.returncode == 0 and "error message" not in log, log
    bbl = (tmp_path / "doc.bbl").read_text(encoding="utf-8")
    assert "Accepted version" in bbl and "Second edition" in bbl  # note is printed
    assert "Parenthesised entry" in bbl  # the # concatenation is intact


@pytest.mark.slow
def test_every_corpus_entry_keeps_its_other_fields(shared: SharedFolder) -> None:
    """On a real 1,855-entry JabRef library with comment, groups, owner, file, keywords."""
    path = shared.require("corpus/ifn-spaml.bib")
    big = parse_bib_text(path.read_text(encoding="utf-8"), "ifn-spaml.bib")
    pattern = re.compile("|".join(n.replace("*", ".*") for n in BIB_DROP_FIELDS))
    changed = 0
    for key, record in big.records.items():
        text, names = drop_fields(record.raw, pattern)
        changed += bool(names)
        again = parse_bib_text(text).records[key]
        assert again.fields == {n: v for n, v in record.fields.items()
                                if not pattern.fullmatch(n)}, key
        if not names:
            assert text == record.raw
    assert changed > 900  # keywords alone are on ~950 entries


# --- property: any layout of fields ------------------------------------------------------

NAMES = st.sampled_from(["title", "author", "year", "note", "file", "File", "abstract",
                         "keywords", "annote", "bdsk-file-2", "pages"])
VALUES = st.sampled_from(["{A}", "{multi\n  line {nested}}", '"quoted {x}"', "2020", "jan",
                          '"a" # {b} # jan', "{}", "{C:\\\\Users\\\\me}"])
SEPARATORS = st.sampled_from([",\n  ", ", ", ",\n\n  ", ",\t", " ,\n  "])
ENDINGS = st.sampled_from(["\n}", "}", ",\n}", " }", ",}"])


@st.composite
def entries(draw: st.DrawFn) -> str:
    fields = draw(st.lists(st.tuples(NAMES, VALUES), min_size=1, max_size=7))
    seps = [draw(SEPARATORS) for _ in fields]
    body = "".join(f"{sep}{name} = {value}" for sep, (name, value) in zip(seps, fields,
                                                                            strict=True))
    return f"@article{{key1{body}{draw(ENDINGS)}"


@settings(max_examples=300, deadline=None)
@given(entries())
def test_any_layout_keeps_every_other_field_exactly(raw: str) -> None:
    [record] = parse_bib_text(raw).records.values()
    pattern = re.compile("|".join(n.replace("*", ".*") for n in BIB_DROP_FIELDS))
    text, names = drop_fields(raw, pattern)
    again = parse_bib_text(text)
    assert not again.failed, text
    assert again.records["key1"].fields == {n: v for n, v in record.fields.items()
                                            if not pattern.fullmatch(n)}
    assert sorted(n.lower() for n in names) == sorted(
        n.lower() for n in re.findall(r"(?:^|[\s,])([\w-]+) = ", raw)
        if pattern.fullmatch(n.lower()))
    if not names:
        assert text == raw
