"""Which LaTeX package defines each command a section may contain: the one table behind both
the math allowlist (``math.MATH_COMMANDS`` is its union) and the section's "Requires in the
preamble" line, so a formula that passes the check names the package it needs.

The ``Package`` record itself lives in ``relwork.model``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..model import Package

__all__ = ["CITE_PACKAGES", "ENVIRONMENT_PACKAGES", "MATH_PACKAGES", "Package", "packages_used"]

#: cite style -> the packages its citation commands come from.
CITE_PACKAGES: dict[str, tuple[str, ...]] = {
    "natbib": ("natbib",),
    "biblatex": ("biblatex",),
    "plain": (),
}

#: package ("" for the LaTeX kernel) -> the math control words it defines
MATH_PACKAGES: dict[str, frozenset[str]] = {
    "": frozenset("""
alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda
mu nu xi pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega
Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega
aleph hbar imath jmath ell wp Re Im partial infty nabla surd top bot emptyset forall exists
neg lnot flat natural sharp prime angle triangle clubsuit diamondsuit heartsuit spadesuit
dagger ddagger S P mathsection mathparagraph mathdollar mathsterling mathunderscore
mathellipsis
pm mp times div ast star circ bullet cdot cdotp ldotp cap cup uplus sqcap sqcup vee wedge
land lor setminus wr diamond bigtriangleup bigtriangledown triangleleft triangleright
oplus ominus otimes oslash odot bigcirc amalg
sum prod coprod int oint intop ointop smallint bigcap bigcup bigodot bigoplus bigotimes
bigsqcup biguplus bigvee bigwedge
leq le geq ge neq ne equiv sim simeq approx cong doteq propto models perp mid parallel
asymp bowtie smile frown in ni notin owns subset supset subseteq supseteq sqsubseteq
sqsupseteq prec succ preceq succeq ll gg vdash dashv
leftarrow rightarrow gets to leftrightarrow Leftarrow Rightarrow Leftrightarrow
longleftarrow longrightarrow longleftrightarrow Longleftarrow Longrightarrow
Longleftrightarrow mapsto longmapsto hookleftarrow hookrightarrow leftharpoonup
leftharpoondown rightharpoonup rightharpoondown rightleftharpoons iff
uparrow downarrow updownarrow Uparrow Downarrow Updownarrow nearrow searrow swarrow nwarrow
lbrace rbrace lbrack rbrack langle rangle lceil rceil lfloor rfloor vert Vert backslash
lgroup rgroup lmoustache rmoustache arrowvert Arrowvert bracevert
left right big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr Biggl Biggr bigm Bigm
biggm Biggm
dots ldots cdots vdots ddots
arccos arcsin arctan arg cos cosh cot coth csc deg det dim exp gcd hom inf ker lg lim
liminf limsup ln log max min Pr sec sin sinh sup tan tanh bmod pmod
frac sqrt over atop choose above overwithdelims atopwithdelims abovewithdelims
hat widehat check tilde widetilde acute grave dot ddot breve bar vec mathring
overline underline overbrace underbrace overrightarrow overleftarrow stackrel not
mathop mathbin mathrel mathord mathopen mathclose mathpunct mathinner
limits nolimits displaylimits displaystyle textstyle scriptstyle scriptscriptstyle
mathrm mathit mathbf mathsf mathtt mathcal mathnormal
textrm textit textbf textsf texttt textup textsl textsc textnormal textmd emph mbox
quad qquad enspace thinspace negthinspace hspace hskip mskip mkern kern phantom hphantom
vphantom smash mathstrut allowbreak nobreak nonumber relax colon
ref pageref
""".split()),
    "amsmath": frozenset("""
varGamma varDelta varTheta varLambda varXi varPi varSigma varUpsilon varPhi varPsi varOmega
iint iiint iiiint idotsint implies impliedby
lvert rvert lVert rVert middle
dotsc dotsb dotsm dotsi dotso
injlim projlim varliminf varlimsup varinjlim varprojlim mod pod
dfrac tfrac cfrac genfrac binom dbinom tbinom leftroot uproot
dddot ddddot overleftrightarrow underrightarrow underleftarrow underleftrightarrow
overset underset sideset substack boxed
operatorname operatornamewithlimits
text medspace thickspace negmedspace negthickspace notag
boldsymbol pmb
xrightarrow xleftarrow
eqref
""".split()),
    "amssymb": frozenset("""
varkappa digamma beth gimel daleth hslash nexists varnothing backprime measuredangle
sphericalangle triangledown vartriangle square blacksquare Box Diamond lozenge
blacklozenge bigstar blacktriangle blacktriangledown mho eth complement Finv Game Bbbk
circledS checkmark maltese yen circledR
smallsetminus lhd rhd unlhd unrhd intercal dotplus ltimes rtimes leftthreetimes
rightthreetimes curlyvee curlywedge barwedge veebar doublebarwedge boxplus boxminus
boxtimes boxdot circleddash circledast circledcirc centerdot divideontimes Cap Cup
doteqdot nmid nparallel Join smallsmile smallfrown
subsetneq supsetneq subseteqq supseteqq subsetneqq supsetneqq varsubsetneq varsupsetneq
varsubsetneqq varsupsetneqq Subset Supset sqsubset sqsupset lll ggg Vdash vDash Vvdash
nvdash nvDash nVdash nVDash leqq geqq leqslant geqslant eqslantless eqslantgtr lesssim
gtrsim lessapprox gtrapprox lessdot gtrdot lessgtr gtrless lesseqgtr gtreqless lesseqqgtr
gtreqqless approxeq thickapprox thicksim backsim backsimeq eqsim bumpeq Bumpeq circeq
eqcirc triangleq fallingdotseq risingdotseq preccurlyeq succcurlyeq curlyeqprec
curlyeqsucc precsim succsim precapprox succapprox vartriangleleft vartriangleright
trianglelefteq trianglerighteq therefore because between pitchfork backepsilon shortmid
shortparallel nshortmid nshortparallel varpropto nless ngtr nleq ngeq nleqq ngeqq
nleqslant ngeqslant lneq gneq lneqq gneqq lvertneqq gvertneqq lnsim gnsim lnapprox
gnapprox nprec nsucc npreceq nsucceq precneqq succneqq precnsim succnsim precnapprox
succnapprox nsim ncong nsubseteq nsupseteq nsubseteqq nsupseteqq ntriangleleft
ntriangleright ntrianglelefteq ntrianglerighteq
leadsto leftleftarrows rightrightarrows leftrightarrows rightleftarrows Lleftarrow
Rrightarrow twoheadleftarrow twoheadrightarrow leftarrowtail rightarrowtail
looparrowleft looparrowright curvearrowleft curvearrowright circlearrowleft
circlearrowright Lsh Rsh upuparrows downdownarrows upharpoonleft upharpoonright
downharpoonleft downharpoonright multimap rightsquigarrow leftrightsquigarrow
leftrightharpoons nleftarrow nrightarrow nLeftarrow nRightarrow nleftrightarrow
nLeftrightarrow ulcorner urcorner llcorner lrcorner
mathbb mathfrak
""".split()),
    "mathtools": frozenset("""
coloneqq Coloneqq coloneq Coloneq eqqcolon Eqqcolon eqcolon vcentcolon
xleftrightarrow xRightarrow xLeftarrow xLeftrightarrow xhookrightarrow xhookleftarrow
xmapsto overbracket underbracket prescript splitfrac splitdfrac mathclap mathllap
mathrlap cramped adjustlimits
""".split()),
    "mathrsfs": frozenset({"mathscr"}),
    "bm": frozenset({"bm"}),
    "physics": frozenset("""
abs norm qty pqty bqty Bqty vqty dv pdv fdv dd grad curl divergence laplacian bra ket
braket ketbra expval mel evaluated eval order tr Tr rank erf Res vb va vu mqty pmqty bmqty
vmqty comm acomm
""".split()),
}

#: package -> the environments inside math it defines (``array`` is the kernel's)
ENVIRONMENT_PACKAGES: dict[str, frozenset[str]] = {
    "": frozenset({"array"}),
    "amsmath": frozenset("""
matrix pmatrix bmatrix Bmatrix vmatrix Vmatrix smallmatrix cases aligned alignedat gathered
split subarray
""".split()),
    "mathtools": frozenset({"dcases", "rcases"}),
}

#: text commands of sections and templates that need a package
TEXT_PACKAGES: dict[str, frozenset[str]] = {
    "hyperref": frozenset({"href", "url", "nolinkurl", "hyperref", "autoref"}),
    "booktabs": frozenset({"toprule", "midrule", "bottomrule", "cmidrule", "addlinespace"}),
}
#: text environments of templates that need a package
TEXT_ENVIRONMENTS: dict[str, frozenset[str]] = {
    "xltabular": frozenset({"xltabular"}),  # it loads tabularx and longtable too
}

_CONTROL_WORD = re.compile(r"\\([A-Za-z]+)")
_BEGIN = re.compile(r"\\begin\s*\{([A-Za-z]+\*?)\}")


def packages_used(lines: Iterable[str]) -> list[str]:
    """The packages whose commands or environments appear in ``lines`` (a section's LaTeX),
    in a fixed order (amsmath first: the others build on it). Comment text counts too,
    which errs towards loading a package, never towards a missing one."""
    words: set[str] = set()
    envs: set[str] = set()
    for line in lines:
        if "\\" in line:
            words.update(_CONTROL_WORD.findall(line))
            envs.update(_BEGIN.findall(line))
    found = []
    for table, names in ((MATH_PACKAGES, words), (ENVIRONMENT_PACKAGES, envs),
                         (TEXT_ENVIRONMENTS, envs), (TEXT_PACKAGES, words)):
        for package, defined in table.items():
            if package and package not in found and not defined.isdisjoint(names):
                found.append(package)
    return found
