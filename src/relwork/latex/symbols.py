"""Character tables: TeX specials, Unicode symbols in text and math mode, accents.

Pure data (and one predicate) for the escaper: which LaTeX writes each character so that
pdflatex with the default OT1 encoding, T1, xelatex and lualatex all typeset it.
"""

from __future__ import annotations

ASCII_SPECIALS: dict[str, str] = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "^": r"\^{}",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "%": r"\%",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    "`": r"\textasciigrave{}",
}
# OT1 (the default font encoding) has no straight double quote; borrow it from T1.
QUOTEDBL = {"pdflatex": r"\UseTextSymbol{T1}{\textquotedbl}", "other": r"\textquotedbl{}"}
_T1 = r"\UseTextSymbol{T1}"

#: Unicode -> math-mode LaTeX (written as ``$...$`` in text). Base LaTeX only, no amssymb.
MATH_SYMBOLS: dict[str, str] = {
    "≤": r"\leq", "≥": r"\geq", "≠": r"\neq", "≈": r"\approx", "≡": r"\equiv",
    "∼": r"\sim", "≃": r"\simeq", "≅": r"\cong", "∝": r"\propto", "∞": r"\infty",
    "∈": r"\in", "∉": r"\notin", "∋": r"\ni", "⊂": r"\subset", "⊆": r"\subseteq",
    "⊃": r"\supset", "⊇": r"\supseteq", "∪": r"\cup", "∩": r"\cap", "∅": r"\emptyset",
    "∀": r"\forall", "∃": r"\exists", "∇": r"\nabla", "∂": r"\partial", "∑": r"\sum",
    "∏": r"\prod", "∫": r"\int", "∮": r"\oint", "√": r"\surd", "∘": r"\circ",
    "⊕": r"\oplus", "⊗": r"\otimes", "⊙": r"\odot", "‖": r"\|", "∧": r"\wedge",
    "∨": r"\vee", "≪": r"\ll", "≫": r"\gg", "⋅": r"\cdot", "∗": r"\ast", "∓": r"\mp",
    "→": r"\rightarrow", "←": r"\leftarrow", "↔": r"\leftrightarrow", "⇒": r"\Rightarrow",
    "⇐": r"\Leftarrow", "⇔": r"\Leftrightarrow", "↦": r"\mapsto", "↑": r"\uparrow",
    "↓": r"\downarrow", "⟶": r"\longrightarrow", "⟹": r"\Longrightarrow",
    "⟵": r"\longleftarrow", "⟷": r"\longleftrightarrow", "∣": r"\mid", "⊥": r"\perp",
    "∥": r"\parallel", "≺": r"\prec", "≻": r"\succ", "⪯": r"\preceq", "⪰": r"\succeq",
    "∖": r"\setminus", "⌈": r"\lceil", "⌉": r"\rceil", "⌊": r"\lfloor", "⌋": r"\rfloor",
    "⟨": r"\langle", "⟩": r"\rangle", "ℓ": r"\ell", "ℏ": r"\hbar", "ℑ": r"\Im",
    "ℜ": r"\Re", "ℵ": r"\aleph", "℘": r"\wp", "⊤": r"\top", "⊢": r"\vdash",
    "⊨": r"\models", "⋯": r"\cdots", "⋮": r"\vdots", "⋱": r"\ddots", "∠": r"\angle",
    "△": r"\triangle", "∙": r"\bullet", "÷": r"\div", "′": r"\prime", "″": r"\prime\prime",
    "ℕ": r"\mathbf{N}", "ℤ": r"\mathbf{Z}", "ℚ": r"\mathbf{Q}", "ℝ": r"\mathbf{R}",
    "ℂ": r"\mathbf{C}", "⊓": r"\sqcap", "⊔": r"\sqcup", "∐": r"\coprod", "⋆": r"\star",
    "≍": r"\asymp", "≐": r"\doteq", "⊑": r"\sqsubseteq",
    "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "ε": r"\varepsilon",
    "ϵ": r"\epsilon", "ζ": r"\zeta", "η": r"\eta", "θ": r"\theta", "ϑ": r"\vartheta",
    "ι": r"\iota", "κ": r"\kappa", "λ": r"\lambda", "μ": r"\mu", "ν": r"\nu", "ξ": r"\xi",
    "ο": r"o", "π": r"\pi", "ϖ": r"\varpi", "ρ": r"\rho", "ϱ": r"\varrho", "σ": r"\sigma",
    "ς": r"\varsigma", "τ": r"\tau", "υ": r"\upsilon", "φ": r"\varphi", "ϕ": r"\phi",
    "χ": r"\chi", "ψ": r"\psi", "ω": r"\omega", "Γ": r"\Gamma", "Δ": r"\Delta",
    "Θ": r"\Theta", "Λ": r"\Lambda", "Ξ": r"\Xi", "Π": r"\Pi", "Σ": r"\Sigma",
    "Υ": r"\Upsilon", "Φ": r"\Phi", "Ψ": r"\Psi", "Ω": r"\Omega", "Α": r"\mathrm{A}",
    "Β": r"\mathrm{B}", "Ε": r"\mathrm{E}", "Ζ": r"\mathrm{Z}", "Η": r"\mathrm{H}",
    "Ι": r"\mathrm{I}", "Κ": r"\mathrm{K}", "Μ": r"\mathrm{M}", "Ν": r"\mathrm{N}",
    "Ο": r"\mathrm{O}", "Ρ": r"\mathrm{P}", "Τ": r"\mathrm{T}", "Χ": r"\mathrm{X}",
    # superscript and subscript characters (⁻⁶, ₙ) are not here: see scripts.py
    # also in TEXT_SYMBOLS (which wins in text); these are their forms inside math
    "×": r"\times", "±": r"\pm", "·": r"\cdot",
    "°": r"^{\circ}", "¬": r"\neg", "µ": r"\mu", "†": r"\dagger", "‡": r"\ddagger",
    "•": r"\bullet", "…": r"\dots", "−": "-", "–": "-", "—": "-", "§": r"\S", "¶": r"\P",
}

#: Unicode -> text-mode LaTeX that works with the default OT1 encoding and with T1.
TEXT_SYMBOLS: dict[str, str] = {
    "“": "``", "”": "''", "‘": "`", "’": "'", "‚": _T1 + r"{\quotesinglbase}",
    "„": _T1 + r"{\quotedblbase}", "«": _T1 + r"{\guillemotleft}",
    "»": _T1 + r"{\guillemotright}", "‹": _T1 + r"{\guilsinglleft}",
    "›": _T1 + r"{\guilsinglright}", "–": "--", "—": "---", "―": "---", "‒": "--",
    "‐": "-", "‑": "-", "−": r"\textminus{}", "…": r"\dots{}", "•": r"\textbullet{}",
    "·": r"\textperiodcentered{}", "°": r"\textdegree{}", "©": r"\textcopyright{}",
    "®": r"\textregistered{}", "™": r"\texttrademark{}", "§": r"\S{}", "¶": r"\P{}",
    "€": r"\texteuro{}", "£": r"\pounds{}", "¥": r"\textyen{}", "¢": r"\textcent{}",
    "¤": r"\textcurrency{}", "¡": r"\textexclamdown{}", "¿": r"\textquestiondown{}",
    "¦": r"\textbrokenbar{}", "¬": r"\textlnot{}", "ª": r"\textordfeminine{}",
    "º": r"\textordmasculine{}", "¹": r"\textonesuperior{}", "²": r"\texttwosuperior{}",
    "³": r"\textthreesuperior{}", "¼": r"\textonequarter{}", "½": r"\textonehalf{}",
    "¾": r"\textthreequarters{}", "×": r"\texttimes{}", "±": r"\textpm{}",
    "µ": r"\textmu{}", "‰": r"\textperthousand{}", "†": r"\textdagger{}",
    "‡": r"\textdaggerdbl{}", "№": r"\textnumero{}", "ß": r"\ss{}", "æ": r"\ae{}",
    "Æ": r"\AE{}", "œ": r"\oe{}", "Œ": r"\OE{}", "ø": r"\o{}", "Ø": r"\O{}", "ł": r"\l{}",
    "Ł": r"\L{}", "ı": r"\i{}", "ȷ": r"\j{}", "đ": _T1 + r"{\dj}", "Đ": _T1 + r"{\DJ}",
    "ð": _T1 + r"{\dh}", "Ð": _T1 + r"{\DH}", "þ": _T1 + r"{\th}", "Þ": _T1 + r"{\TH}",
    "ŋ": _T1 + r"{\ng}", "Ŋ": _T1 + r"{\NG}", "ſ": "s", "⁄": "/", "\u00a0": "~",
    "\u202f": r"\,", "\u2009": r"\,", "\u200a": r"\,", "\u2002": " ", "\u2003": " ",
    "\u2004": " ", "\u2005": " ", "\u2006": " ", "\u2007": " ", "\u2008": " ",
    "\u2028": " ", "\u2029": " ", "\u3000": " ", "\u00ad": r"\-", "¨": r"\textasciidieresis{}",
    "´": r"\textasciiacute{}", "¸": r"\c{}", "ŉ": "'n", "¯": r"\textasciimacron{}",
    "\u2423": r"\textvisiblespace{}",
}

#: Combining mark -> LaTeX accent command (applied to the base letter).
ACCENTS: dict[str, str] = {
    "\u0300": "\\`", "\u0301": "\\'", "\u0302": "\\^", "\u0303": "\\~", "\u0304": "\\=",
    "\u0306": "\\u", "\u0307": "\\.", "\u0308": '\\"', "\u030a": "\\r", "\u030b": "\\H",
    "\u030c": "\\v", "\u0323": "\\d", "\u0327": "\\c", "\u0331": "\\b",
    "\u0326": "\\textcommabelow", "\u0328": "\\UseTextAccent{T1}{\\k}",
}
# Marks placed above the letter: on i and j they need the dotless forms.
ABOVE = frozenset({"\u0300", "\u0301", "\u0302", "\u0303", "\u0304", "\u0306", "\u0307",
                   "\u0308", "\u030a", "\u030b", "\u030c"})
# Punctuation Latin Modern lacks: written as LaTeX for xelatex/lualatex too.
NOT_IN_LATIN_MODERN = frozenset("\u2015\u2012\u0149")  # horizontal bar, figure dash, ŉ
# Invisible characters dropped without a warning (joiners, variation selectors, BOM).
SILENT_DROP = frozenset({"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\ufe0e", "\ufe0f"})
ZERO_WIDTH_CATS = frozenset({"Cf", "Mn", "Me"})


def is_emoji(ch: str) -> bool:
    """True for characters in the emoji and pictograph blocks (no pdflatex font has them)."""
    cp = ord(ch)
    return (0x1F000 <= cp <= 0x1FAFF or 0x2600 <= cp <= 0x27BF or 0x2B00 <= cp <= 0x2BFF
            or 0xE0000 <= cp <= 0xE007F or 0x1F1E6 <= cp <= 0x1F1FF)
