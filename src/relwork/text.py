"""LaTeX markup and Unicode to plain, comparable text.

The lowest layer of text handling: BibTeX values (``{\\"u}ber``, ``\\textit{x}``, ``--``)
become plain Unicode, and Unicode becomes ASCII-folded words for comparison. Both the bib
stage and the identifier rules in ``relwork.ids`` use it; it imports nothing of relwork's.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import cache, lru_cache


def lazy_pattern(pattern: str, flags: int = 0) -> Callable[[], re.Pattern[str]]:
    """``pattern`` compiled on first use: ``_X = lazy_pattern(...)``, then ``_X().search``.
    For regexes a warm run rarely needs (compiling one costs 0.1-2 ms at import); a call
    after the first costs ~50 ns."""
    return cache(lambda: re.compile(pattern, flags))

_COMBINING = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328",
    "r": "\u030a", "d": "\u0323", "b": "\u0331", "t": "\u0361",
}
_SYMBOLS = {
    "o": "ø", "O": "Ø", "ss": "ß", "aa": "å", "AA": "Å", "ae": "æ", "AE": "Æ", "oe": "œ",
    "OE": "Œ", "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ", "dh": "ð", "DH": "Ð", "th": "þ",
    "TH": "Þ", "ng": "ŋ", "NG": "Ŋ", "dj": "đ", "DJ": "Đ", "textendash": "–",
    "textemdash": "—", "ldots": "…", "dots": "…", "textellipsis": "…", "S": "§",
    "textquoteright": "’", "textquoteleft": "‘", "textquotedblleft": "“",
    "textquotedblright": "”", "LaTeX": "LaTeX", "TeX": "TeX", "copyright": "©",
    "textregistered": "®", "texttrademark": "™", "euro": "€", "pounds": "£",
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν",
    "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "phi": "φ", "varphi": "φ",
    "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ",
    "Lambda": "Λ", "Pi": "Π", "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
    "infty": "∞", "times": "×", "pm": "±", "cdot": "·", "ell": "ℓ",
}
_ACCENT_RE = re.compile(
    r"""\\([`'^"~=.])\s*(?:\{\s*(\\[ij](?![A-Za-z])|[A-Za-z])\s*\}|(\\[ij](?![A-Za-z])|[A-Za-z]))"""
    r"""|\\([uvHckrdbt])(?:\s*\{\s*(\\[ij](?![A-Za-z])|[A-Za-z])\s*\}|\s+([A-Za-z]))"""
)
_SCRIPT_RE = re.compile(r"(?<!\\)[_^]")
_COMMAND_RE = re.compile(r"\\([A-Za-z]+)[ \t\n]*|\\(.)")
_FORMAT_COMMANDS = frozenset(
    "textit textbf emph texttt textsc textrm textsf textsl textup textnormal textmd "
    "mathrm mathit mathbf mathsf mathtt mathcal mathbb mathfrak mbox hbox text "
    "uppercase lowercase MakeUppercase MakeLowercase NoCaseChange url textsuperscript "
    "textsubscript ensuremath boldsymbol bm operatorname em it bf sc rm tt sf sl".split())
_PUNCT_ESCAPES = {"&": "&", "%": "%", "$": "$", "_": "_", "#": "#", "{": "{", "}": "}",
                  " ": " ", ",": " ", ";": " ", ":": " ", "!": "", "-": "", "/": "",
                  "\\": " ", "@": ""}


def _accent(m: re.Match[str]) -> str:
    if m.group(1):
        mark, base = m.group(1), m.group(2) or m.group(3)
    else:
        mark, base = m.group(4), m.group(5) or m.group(6)
    if base.startswith("\\"):
        base = base[1:]  # \'\i -> í: the dotless i takes the accent as a plain i
    return unicodedata.normalize("NFC", base + _COMBINING[mark])


def _command(m: re.Match[str]) -> str:
    name = m.group(1)
    if name is None:
        return _PUNCT_ESCAPES.get(m.group(2), m.group(2))
    if name in _SYMBOLS:
        return _SYMBOLS[name]
    if name in _FORMAT_COMMANDS:
        return ""
    return name  # an unknown macro: keep its name, the reader still recognises it


def latex_to_text(text: str) -> str:
    """Plain Unicode text of a BibTeX value: accents converted, simple macros and braces
    removed, ``--`` to an en dash, whitespace collapsed. Cheap when there is no markup."""
    if "\\" not in text and "{" not in text and "$" not in text and "~" not in text \
            and "--" not in text and "`" not in text and "''" not in text:
        return " ".join(text.split())
    if "\\" in text:
        text = _ACCENT_RE.sub(_accent, text)
    if "_" in text or "^" in text:  # math sub/superscripts: CO$_2$ -> CO2, as CO₂ folds
        text = _SCRIPT_RE.sub("", text)
    if "\\" in text:
        text = _COMMAND_RE.sub(_command, text)
    text = (text.replace("{", "").replace("}", "").replace("$", "").replace("~", " ")
            .replace("---", "—").replace("--", "–").replace("``", "“").replace("''", "”"))
    return " ".join(text.split())


@lru_cache(maxsize=1)
def _ascii_table() -> dict[int, str | None]:
    """Accented Latin letters -> ASCII, combining marks removed; built once."""
    table: dict[int, str | None] = {}
    special = {"ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ł": "l", "Ł": "l", "ı": "i",
               "ȷ": "j", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "þ": "th", "Þ": "th",
               "ð": "d", "Ð": "d", "ħ": "h", "Ħ": "h", "ŋ": "ng", "Ŋ": "ng", "ß": "ss"}
    for cp in range(0xC0, 0x250):
        ch = chr(cp)
        if ch in special:
            table[cp] = special[ch]
            continue
        plain = "".join(c for c in unicodedata.normalize("NFKD", ch) if c.isascii())
        if plain and plain != ch:
            table[cp] = plain.lower()
    for cp in range(0x300, 0x370):
        table[cp] = None
    for cp in range(0x1E00, 0x1F00):  # Latin Extended Additional (ạ, ễ, ...)
        plain = "".join(c for c in unicodedata.normalize("NFKD", chr(cp)) if c.isascii())
        if plain:
            table[cp] = plain.lower()
    return table


_NON_WORD = re.compile(r"[\W_]+")


def fold_words(text: str) -> str:
    """``text`` casefolded, accents to ASCII, punctuation to spaces, whitespace collapsed:
    ``"Schrödinger's Cat!"`` -> ``"schrodinger s cat"``. ``text`` is plain (no LaTeX)."""
    text = text.casefold()
    if not text.isascii():
        text = text.translate(_ascii_table())
        if not text.isascii():  # compatibility forms: ℓ -> l, ² -> 2, ﬁ -> fi
            text = unicodedata.normalize("NFKD", text).casefold().translate(_ascii_table())
    return _NON_WORD.sub(" ", text).strip()


def braces_balanced(text: str) -> bool:
    """Every ``}`` closes an earlier ``{`` and every ``{`` is closed: the text can stand as a
    braced BibTeX field value."""
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0
