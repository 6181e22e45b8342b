"""The identifier rules, one table per rule: every stage compares DOIs, arXiv ids, keys,
family names and titles through ``relwork.ids``, so these cases hold everywhere."""

from __future__ import annotations

import pytest

from relwork import ids


@pytest.mark.parametrize(("text", "doi"), [
    ("10.1000/xyz", "10.1000/xyz"),
    ("https://doi.org/10.1000/XYZ).", "10.1000/xyz"),
    ("http://dx.doi.org/10.1109/CVPR.2016.90", "10.1109/cvpr.2016.90"),
    ("doi:10.1145/3292500.3330701,", "10.1145/3292500.3330701"),
    ("DOI: 10.1000/a(b)c.", "10.1000/a(b)c"),
    ("(see https://doi.org/10.1000/abc)", "10.1000/abc"),
    ("10.1000/a_b", "10.1000/a_b"),
    ("10.1000/a\\_b", "10.1000/a_b"),            # BibTeX-escaped underscore
    ("10.1234/a}@preamble{x}", "10.1234/a"),     # a brace ends the DOI
    ("10.48550/arXiv.1603.08983", "10.48550/arxiv.1603.08983"),
    ("no doi here", None),
    ("10.1000", None),
    ("10.1000/", None),
])
def test_normalize_doi(text: str, doi: str | None) -> None:
    assert ids.normalize_doi(text) == doi


@pytest.mark.parametrize(("text", "arxiv"), [
    ("1603.08983", "1603.08983"),
    ("arXiv:1603.08983v2", "1603.08983"),
    ("https://arxiv.org/abs/1603.08983", "1603.08983"),
    ("https://arxiv.org/pdf/1603.08983v3.pdf", "1603.08983"),
    ("http://arxiv.org/html/2106.05931v1", "2106.05931"),
    ("10.48550/arXiv.1507.01526", "1507.01526"),
    ("https://doi.org/10.48550/arXiv.1507.01526", "1507.01526"),
    ("arXiv preprint arXiv:1707.01495.", "1707.01495"),
    ("cs/0112017", "cs/0112017"),
    ("math.GT/0309136v1", "math.GT/0309136"),
    ("version 12345.678901", None),
    ("no id", None),
])
def test_normalize_arxiv(text: str, arxiv: str | None) -> None:
    assert ids.normalize_arxiv(text) == arxiv


@pytest.mark.parametrize(("text", "arxiv"), [
    ("1603.08983", "1603.08983"),
    ("arxiv:1603.08983v1", "1603.08983"),
    ("https://arxiv.org/abs/1603.08983/", "1603.08983"),
    ("see 1603.08983 for details", None),  # prose that mentions an id is not an id
])
def test_exact_arxiv(text: str, arxiv: str | None) -> None:
    assert ids.exact_arxiv(text) == arxiv


@pytest.mark.parametrize(("key", "valid"), [
    ("he2016deep", True),
    ("Karras:2019:style-GAN", True),
    ("o'neil2020", True),
    ("a.b/c+d", True),
    ("", False),
    ("has space", False),
    ("a,b", False),
    ("a{b}", False),
    ("a\\b", False),
    ("50%", False),
    ("a#b", False),
    ("---", False),
])
def test_is_valid_key(key: str, valid: bool) -> None:
    assert ids.is_valid_key(key) is valid


@pytest.mark.parametrize(("key", "parts"), [
    ("smith2020.", ("smith2020", ".")),
    ("smith2020;", ("smith2020", ";")),
    ("smith2020", ("smith2020", "")),
])
def test_strip_key_punctuation(key: str, parts: tuple[str, str]) -> None:
    assert ids.strip_key_punctuation(key) == parts


@pytest.mark.parametrize(("name", "family"), [
    ("Pang, Bo", "Pang"),
    ("Bo Pang", "Pang"),
    ("Pang et al.", "Pang"),
    ("Pang et al", "Pang"),
    ("Pang and others", "Pang"),
    ("et al.", ""),
    ("others", ""),
    ("Laurens van der Maaten", "van der Maaten"),
    ("van der Maaten, Laurens", "van der Maaten"),
    ("Karras", "Karras"),
    ("", ""),
])
def test_family_name(name: str, family: str) -> None:
    assert ids.family_name(name) == family


@pytest.mark.parametrize(("name", "key"), [
    ("Pang, Bo", "pang"),
    ("van der Schaar, M.", "schaar"),
    ("Björn Ommer", "ommer"),
    ("{\\\"O}zt{\\\"u}rk, A.", "ozturk"),
    ("et al.", ""),
])
def test_family_key(name: str, key: str) -> None:
    assert ids.family_key(name) == key


@pytest.mark.parametrize(("title", "norm"), [
    ("{PULSE}: Self-Supervised Photo Upsampling", "pulse self supervised photo upsampling"),
    ("Schr{\\\"o}dinger's Cat", "schrodinger s cat"),
    ("Schrödinger’s Cat", "schrodinger s cat"),
    ("  Deep   Learning ", "deep learning"),
    ("\\emph{Attention} Is All You Need", "attention is all you need"),
])
def test_normalize_title(title: str, norm: str) -> None:
    assert ids.normalize_title(title) == norm


@pytest.mark.parametrize("title", [
    "{CO$_2$} Capture", "CO₂ capture", "CO2 Capture", "CO$_{2}$ capture", "{CO}$_2$ capture",
])
def test_math_and_unicode_subscripts_fold_alike(title: str) -> None:
    assert ids.normalize_title(title) == "co2 capture"


@pytest.mark.parametrize(("title", "norm"), [
    ("Sparse $\\ell_1$ Recovery", "sparse l1 recovery"),
    ("Sparse ℓ1 Recovery", "sparse l1 recovery"),
    ("$L^2$ Bounds", "l2 bounds"),
    ("L² Bounds", "l2 bounds"),
    ("word\\_embedding tricks", "word embedding tricks"),  # an escaped _ stays a separator
])
def test_math_in_titles(title: str, norm: str) -> None:
    assert ids.normalize_title(title) == norm


@pytest.mark.parametrize(("key", "kind", "value"), [
    ("doi:10.1145/3292500.3330701", "doi", "10.1145/3292500.3330701"),
    ("DOI:10.1145/ABC.1", "doi", "10.1145/abc.1"),
    ("doi:https://doi.org/10.1145/abc.1", "doi", "10.1145/abc.1"),
    ("arxiv:1603.08983v2", "arxiv", "1603.08983"),
    ("arXiv:cs/0112017", "arxiv", "cs/0112017"),
])
def test_identifier_citation(key: str, kind: str, value: str) -> None:
    found = ids.identifier_citation(key)
    assert found is not None
    assert (found.kind, found.value, found.written) == (kind, value, key)


@pytest.mark.parametrize("key", ["smith2020deep", "doi:", "doi:nonsense", "arxiv:12", "isbn:123"])
def test_not_an_identifier_citation(key: str) -> None:
    assert ids.identifier_citation(key) is None


@pytest.mark.parametrize(("text", "balanced"), [
    ("{CO$_2$} capture", True), ("a }b{ c", False), ("{unclosed", False), ("plain", True),
])
def test_braces_balanced(text: str, balanced: bool) -> None:
    from relwork.text import braces_balanced

    assert braces_balanced(text) is balanced
