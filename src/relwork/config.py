"""relwork.yaml -> typed ``Config``.

Command-line flags default to ``None`` and override file values; every value remembers
where it came from (``relwork config`` prints that). Problems name the file and line.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ConfigError
from .model import Problem, Source

if TYPE_CHECKING:
    import yaml

CONFIG_NAME = "relwork.yaml"

#: One key of relwork.yaml as written: its dotted name, its line, its value (None for an
#: unknown key) and, for a value written as a YAML list, the line of each item.
Setting = tuple[str, int, Any, "tuple[int, ...] | None"]
#: Reads the settings of a config file: (path, text, name shown in messages) -> the
#: settings and notes about the reading (``read_settings``, or a cached reading of it)
SettingsReader = Callable[[Path, str, str], "tuple[list[Setting], list[Problem]]"]

#: Fields the cited-only bib leaves out by default: local file paths (Zotero, JabRef,
#: BibDesk), private reading notes, tags and ratings, and the abstract. ``note`` is not
#: among them: the standard styles print it ("to appear", "Accessed: ..."); nor are
#: public bookkeeping fields such as DBLP's ``timestamp`` and ``biburl``.
BIB_DROP_FIELDS: tuple[str, ...] = (
    "file", "local-url", "bdsk-file-*",
    "annote", "annotation", "comment", "keywords", "mendeley-tags", "mendeley-groups",
    "groups", "readstatus", "ranking", "priority", "owner",
    "abstract",
)


@dataclass(frozen=True)
class Option:
    """One configuration key: dotted YAML name, field name, type, default, allowed values."""

    name: str
    attr: str
    kind: type
    default: Any
    choices: tuple[str, ...] = ()
    help: str = ""


OPTIONS: tuple[Option, ...] = (
    Option("notes", "notes", list, ["summaries"], help="note files, folders or globs"),
    Option("bib", "bib", list, ["bib"], help="BibTeX files, folders or globs"),
    Option("bib_encoding", "bib_encoding", str, "utf-8", help="encoding of the .bib files"),
    Option("bib_drop_fields", "bib_drop_fields", list, list(BIB_DROP_FIELDS),
           help="fields left out of the cited-only bib ([] keeps all)"),
    Option("output.tex", "output_tex", str, "latex/related_work.tex", help="section file"),
    Option("output.bib", "output_bib", str, "latex/references.bib", help="cited-only bib"),
    Option("template", "template", str, "paragraphs", help="template name or .tex.j2 path"),
    Option("template_dirs", "template_dirs", list, ["latex/templates"],
           help="folders searched for templates before the built-ins"),
    Option("cite", "cite", str, "natbib", ("natbib", "biblatex", "plain"), "citation commands"),
    Option("engine", "engine", str, "pdflatex", ("pdflatex", "xelatex", "lualatex"),
           "TeX engine the section is written for"),
    Option("section.title", "section_title", str, "Related Work", help="heading text"),
    Option("section.level", "section_level", str, "section",
           ("section", "subsection", "subsubsection", "none"), "heading command"),
    Option("section.label", "section_label", str, "sec:related-work", help="\\label"),
    Option("group_by", "group_by", str, "group", ("group", "tag", "none"), "how papers group"),
    Option("order", "order", str, "written", ("written", "year", "author", "title"),
           "order of papers inside a group"),
    Option("include_groups", "include_groups", list, [],
           help="only these note groups (empty: all)"),
    Option("exclude_groups", "exclude_groups", list, [], help="note groups left out"),
    Option("aliases", "aliases", dict, {}, help="note title or short name -> bib key"),
    Option("math_macros", "math_macros", list, [],
           help="your preamble's math macros that formulas may use (e.g. [R, E])"),
    Option("private_marker", "private_marker", str, "!!",
           help="lines starting with this are notes to self, never rendered"),
    Option("match.accept_review", "accept_review", bool, False,
           help="cite 'review' matches too"),
    Option("match.stubs", "stubs", bool, False, help="cite @misc stubs for unmatched papers"),
    Option("strict", "strict", bool, False, help="exit 1 on review/unmatched/lint findings"),
    Option("compile.document", "document", str, "article", ("article", "ieee", "acm"),
           "preview document class"),
    Option("compile.timeout", "compile_timeout", int, 120, help="seconds before a compile stops"),
    Option("overleaf.remote", "overleaf_remote", str, "", help="git bridge URL of the project"),
    Option("overleaf.branch", "overleaf_branch", str, "", help="branch (default: remote HEAD)"),
    Option("overleaf.tex", "overleaf_tex", str, "related_work.tex",
           help="section path inside the project"),
    Option("overleaf.bib", "overleaf_bib", str, "related_work.bib",
           help="bib path inside the project"),
    Option("lint.enabled", "lint_enabled", bool, True, help="run the tone check during build"),
    Option("lint.ignore_words", "lint_ignore_words", list, [],
           help="words the spell check accepts"),
    Option("lint.max_sentence_words", "lint_max_sentence_words", int, 45,
           help="longer sentences are flagged"),
    Option("lint.disable", "lint_disable", list, [], help="lint rules switched off"),
    Option("summary", "summary_budget", str, "70",
           help="words of each paper's summary in the section, or 'full' for all of it"),
    Option("roles.summary", "roles_summary", list, [],
           help="headings whose section is a paper's summary (added to the defaults)"),
    Option("roles.detail", "roles_detail", list, [],
           help="headings whose section is a detail, kept out of the summary"),
    Option("roles.private", "roles_private", list, [],
           help="headings whose section is private, never rendered"),
    Option("lookup.enabled", "lookup", bool, False,
           help="search online for papers missing from the bib during build"),
    Option("lookup.offline", "lookup_offline", bool, False,
           help="answer lookups from the response cache only, never the network"),
    Option("lookup.bib", "lookup_bib", str, "bib/lookup.bib",
           help="bib file relwork writes the papers it found online to"),
    Option("lookup.order", "lookup_order", list, ["dblp", "crossref", "semanticscholar"],
           help="services asked for a title, in order (dblp, crossref, semanticscholar)"),
    Option("lookup.endpoints", "lookup_endpoints", dict, {},
           help="base URL per service (crossref, arxiv, dblp, semanticscholar)"),
    Option("lookup.mailto", "lookup_mailto", str, "",
           help="your e-mail, sent to Crossref for its polite pool"),
    Option("lookup.max_age_days", "lookup_max_age_days", int, 30,
           help="days a cached online answer is reused"),
    Option("lookup.timeout", "lookup_timeout", int, 20, help="seconds to wait for a service"),
    Option("lookup.intervals", "lookup_intervals", dict, {},
           help="seconds between two requests to a service (e.g. arxiv: 3)"),
    Option("lookup.max_wait", "lookup_max_wait", int, 120,
           help="longest Retry-After (seconds) honoured before giving up on a service"),
    Option("prefer", "prefer", list, [],
           help="bib keys cited for their work when the bib has several entries of it"),
    Option("not_in_bib", "not_in_bib", list, [],
           help="note titles of papers not in the bib: left out without a warning"),
)
OPTIONS_BY_NAME = {o.name: o for o in OPTIONS}
OPTIONS_BY_ATTR = {o.attr: o for o in OPTIONS}
_SECTIONS = {o.name.split(".")[0] for o in OPTIONS if "." in o.name}


@dataclass
class Config:
    """The effective configuration. Paths are relative to ``root`` unless absolute."""

    root: Path
    path: Path | None = None
    notes: list[str] = field(default_factory=list)
    bib: list[str] = field(default_factory=list)
    bib_encoding: str = "utf-8"
    bib_drop_fields: list[str] = field(default_factory=lambda: list(BIB_DROP_FIELDS))
    output_tex: str = "latex/related_work.tex"
    output_bib: str = "latex/references.bib"
    template: str = "paragraphs"
    template_dirs: list[str] = field(default_factory=list)
    cite: str = "natbib"
    engine: str = "pdflatex"
    section_title: str = "Related Work"
    section_level: str = "section"
    section_label: str = "sec:related-work"
    group_by: str = "group"
    order: str = "written"
    include_groups: list[str] = field(default_factory=list)
    exclude_groups: list[str] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)
    math_macros: list[str] = field(default_factory=list)
    private_marker: str = "!!"
    accept_review: bool = False
    stubs: bool = False
    strict: bool = False
    document: str = "article"
    compile_timeout: int = 120
    overleaf_remote: str = ""
    overleaf_branch: str = ""
    overleaf_tex: str = "related_work.tex"
    overleaf_bib: str = "related_work.bib"
    lint_enabled: bool = True
    lint_ignore_words: list[str] = field(default_factory=list)
    lint_max_sentence_words: int = 45
    lint_disable: list[str] = field(default_factory=list)
    summary_budget: str = "70"
    roles_summary: list[str] = field(default_factory=list)
    roles_detail: list[str] = field(default_factory=list)
    roles_private: list[str] = field(default_factory=list)
    lookup: bool = False
    lookup_offline: bool = False
    lookup_bib: str = "bib/lookup.bib"
    lookup_order: list[str] = field(
        default_factory=lambda: ["dblp", "crossref", "semanticscholar"])
    lookup_endpoints: dict[str, str] = field(default_factory=dict)
    lookup_mailto: str = ""
    lookup_max_age_days: int = 30
    lookup_timeout: int = 20
    lookup_intervals: dict[str, str] = field(default_factory=dict)
    lookup_max_wait: int = 120
    prefer: list[str] = field(default_factory=list)
    not_in_bib: list[str] = field(default_factory=list)
    #: attr -> where its value came from: "default", "relwork.yaml:12", "--flag"
    origins: dict[str, str] = field(default_factory=dict)
    #: attr -> Source of its value in the config file (for messages)
    locations: dict[str, Source] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    #: attr -> Source of each item of a list value written as a YAML list (for messages
    #: about one item, such as a missing bib file)
    item_locations: dict[str, list[Source]] = field(default_factory=dict)

    def resolve(self, path: str | os.PathLike[str]) -> Path:
        """A config-relative path as an absolute Path."""
        p = Path(path).expanduser()
        return p if p.is_absolute() else self.root / p

    def display(self, path: str | os.PathLike[str]) -> str:
        """How to show a path to the user: relative to the current folder when inside it."""
        return display_path(self.resolve(path))

    @property
    def file_name(self) -> str:
        """The config file as shown in hints (``relwork.yaml`` when there is none yet)."""
        return self.display(self.path) if self.path else CONFIG_NAME

    def where(self, attr: str) -> Source | None:
        return self.locations.get(attr)

    def where_item(self, attr: str, index: int) -> Source | None:
        """Where item ``index`` of the list option ``attr`` is written (its own line in a
        block list), else where the option is."""
        items = self.item_locations.get(attr, [])
        return items[index] if index < len(items) else self.where(attr)

    def as_dict(self) -> dict[str, Any]:
        """Effective values by dotted option name."""
        return {o.name: getattr(self, o.attr) for o in OPTIONS}


def display_path(path: Path) -> str:
    """``path`` relative to the current folder (``../`` allowed when they share a parent
    below the file-system root, so messages stay short and outputs machine-independent)."""
    cwd = os.getcwd()
    try:
        rel = os.path.relpath(path, cwd)
        common = os.path.commonpath([os.path.abspath(path), cwd])
    except ValueError:  # another drive on Windows
        return str(path)
    if rel.startswith("..") and os.path.dirname(common) == common:
        return str(path)  # only the root in common: absolute is clearer
    return rel


def find_config(start: Path | None = None) -> Path | None:
    """``relwork.yaml`` in ``start`` (default: the current folder), if there is one."""
    candidate = (start or Path.cwd()) / CONFIG_NAME
    return candidate if candidate.is_file() else None


def load_config(
    path: str | os.PathLike[str] | None = None,
    overrides: dict[str, Any] | None = None,
    *,
    search: bool = True,
    reader: SettingsReader | None = None,
) -> Config:
    """Read ``path`` (or ``./relwork.yaml`` when ``search``), apply ``overrides``.

    ``overrides`` maps attribute names (``template``, ``cite``, ...) to values; ``None``
    values are ignored, so click options can default to ``None``. Raises ``ConfigError``
    for bad YAML or bad values; unknown keys become warnings in ``config.problems``.
    ``reader`` reads the file's settings (default: ``read_settings``, which parses its YAML).
    """
    cfg_path: Path | None = Path(path) if path is not None else None
    if cfg_path is None and search:
        cfg_path = find_config()
    if cfg_path is not None and not cfg_path.is_file():
        raise ConfigError(
            f"config file not found: {cfg_path}",
            hint="create one with 'relwork init' or pass --config FILE",
        )
    root = cfg_path.resolve().parent if cfg_path else Path.cwd()
    config = Config(root=root, path=cfg_path)
    for opt in OPTIONS:
        setattr(config, opt.attr, _copy(opt.default))
        config.origins[opt.attr] = "default"
    if cfg_path is not None:
        _apply_file(config, cfg_path, reader or _read_settings)
    for attr, value in (overrides or {}).items():
        if value is None or (isinstance(value, (list, tuple)) and not value):
            continue
        if attr not in OPTIONS_BY_ATTR:
            raise ValueError(f"unknown config attribute {attr!r}")
        setattr(config, attr, _check(OPTIONS_BY_ATTR[attr], value, None))
        config.origins[attr] = "command line"
        config.item_locations.pop(attr, None)
    return config


def _copy(value: Any) -> Any:
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return value


def _apply_file(config: Config, cfg_path: Path, reader: SettingsReader) -> None:
    shown = display_path(cfg_path.resolve())
    try:
        text = cfg_path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{shown}: not UTF-8 (byte {exc.start})", hint="save the file as UTF-8"
        ) from None
    settings, notes = reader(cfg_path, text, shown)
    config.problems.extend(notes)
    for name, line, value, item_lines in settings:
        _set(config, name, value, Source(shown, line), item_lines)


def _read_settings(_path: Path, text: str, shown: str) -> tuple[list[Setting], list[Problem]]:
    return read_settings(text, shown), []


def read_settings(text: str, shown: str) -> list[Setting]:
    """The settings written in ``text``, the YAML of the config file ``shown``, in order.
    Raises ``ConfigError`` for bad YAML or a file that is not a mapping."""
    import yaml  # ~30 ms of import: only when the file is parsed (not read from the cache)

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        # an error found at the end of the input is reported on the file's last line
        line = min(line, max(1, len(text.splitlines())))
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(
            f"invalid YAML: {problem}",
            source=Source(shown, line),
            hint="fix the YAML syntax (indentation, quotes, colons) at that line",
        ) from None
    if data is None:
        return []
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        raise ConfigError(
            "the config must be a mapping of keys to values",
            source=Source(shown, 1),
            hint="see the README's Configuration section",
        )
    settings = []
    for key_node, value_node in node.value:
        key = str(key_node.value)
        if key in _SECTIONS and isinstance(value_node, yaml.MappingNode):
            settings += [_setting(f"{key}.{sub_key.value}", sub_key, sub_value)
                         for sub_key, sub_value in value_node.value]
        else:
            settings.append(_setting(key, key_node, value_node))
    return settings


def _setting(name: str, key_node: yaml.Node, value_node: yaml.Node) -> Setting:
    import yaml

    line = key_node.start_mark.line + 1
    if name not in OPTIONS_BY_NAME:
        return name, line, None, None
    value = yaml.safe_load(yaml.serialize(value_node))
    items = (tuple(item.start_mark.line + 1 for item in value_node.value)
             if isinstance(value_node, yaml.SequenceNode) else None)
    return name, line, value, items


def _set(config: Config, name: str, value: Any, where: Source,
         item_lines: tuple[int, ...] | None) -> None:
    opt = OPTIONS_BY_NAME.get(name)
    if opt is None:
        import difflib

        close = difflib.get_close_matches(name, list(OPTIONS_BY_NAME), n=1)
        hint = f"did you mean '{close[0]}'?" if close else "see 'relwork config' for known keys"
        config.problems.append(
            Problem("warning", f"unknown config key '{name}' ignored", where, hint, "config")
        )
        return
    if value is None:
        return
    setattr(config, opt.attr, _check(opt, value, where))
    config.origins[opt.attr] = str(where)
    config.locations[opt.attr] = where
    if item_lines is not None:
        config.item_locations[opt.attr] = [Source(where.path, line) for line in item_lines]
    else:
        config.item_locations.pop(opt.attr, None)
    if opt.attr == "overleaf_remote" and _url_has_password(config.overleaf_remote):
        # warned on every command that reads the config, before anything is pushed
        config.problems.append(Problem(
            "warning", "overleaf.remote contains a password", where,
            "remove it from the URL and set OVERLEAF_TOKEN instead; relwork never prints it",
            "config-password"))


def _url_has_password(url: str) -> bool:
    """True when ``url`` is an http(s) URL with a password (``https://user:pw@host/...``)."""
    import urllib.parse

    try:
        parts = urllib.parse.urlsplit(url.strip())
        return parts.scheme.lower() in ("http", "https") and bool(parts.password)
    except ValueError:  # a malformed URL (bad port, brackets): sync reports it
        return False


def _check(opt: Option, value: Any, where: Source | None) -> Any:
    def fail(why: str) -> ConfigError:
        return ConfigError(f"config value '{opt.name}': {why}", source=where,
                           hint=opt.help and f"'{opt.name}': {opt.help}")

    if opt.kind is list:
        if isinstance(value, (str, int, float)):
            value = [value]
        if not isinstance(value, (list, tuple)):
            raise fail(f"expected a list, got {type(value).__name__}")
        items = [str(v) for v in value]
        if opt.attr == "lookup_order":
            _check_lookup_map(opt.attr, dict.fromkeys(items, ""), fail)
        return items
    if opt.kind is dict:
        if not isinstance(value, dict):
            raise fail(f"expected a mapping, got {type(value).__name__}")
        checked = {str(k): str(v) for k, v in value.items()}
        if opt.attr in _LOOKUP_MAPS:
            _check_lookup_map(opt.attr, checked, fail)
        return checked
    if opt.kind is bool:
        if not isinstance(value, bool):
            raise fail(f"expected true or false, got {value!r}")
        return value
    if opt.kind is int:
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise fail(f"expected a positive whole number, got {value!r}")
        return value
    if not isinstance(value, (str, int, float)):
        raise fail(f"expected text, got {type(value).__name__}")
    text = str(value)
    if opt.choices and text not in opt.choices:
        raise fail(f"{text!r} is not one of: {', '.join(opt.choices)}")
    if opt.attr == "bib_encoding":
        import codecs

        try:
            codecs.lookup(text)
        except LookupError:
            raise fail(f"{text!r} is not a known text encoding (e.g. utf-8, latin-1, "
                       "cp1252)") from None
    if opt.attr == "summary_budget" and text != "full" and not (
            text.isdigit() and int(text) > 0):
        raise fail(f"{text!r} is neither a positive number of words nor 'full'")
    return text


def summary_words(config: Config) -> int | None:
    """The summary budget in words, or None for 'full' (everything)."""
    return None if config.summary_budget == "full" else int(config.summary_budget)


#: the online services of ``lookup``; the title services are the ones ``lookup.order`` names
LOOKUP_SERVICES = ("crossref", "arxiv", "dblp", "semanticscholar")
LOOKUP_TITLE_SERVICES = ("dblp", "crossref", "semanticscholar")
_LOOKUP_MAPS = ("lookup_endpoints", "lookup_intervals")


def _check_lookup_map(attr: str, values: dict[str, str], fail: Any) -> None:
    """Service names (and URLs or seconds) of the ``lookup`` options."""
    known = LOOKUP_TITLE_SERVICES if attr == "lookup_order" else LOOKUP_SERVICES
    for name, value in values.items():
        if name not in known:
            raise fail(f"unknown service {name!r} (known: {', '.join(known)})")
        if attr == "lookup_endpoints" and not value.startswith(("http://", "https://")):
            raise fail(f"{name}: {value!r} is not an http(s) URL")
        if attr == "lookup_intervals":
            try:
                seconds = float(value)
            except ValueError:
                seconds = -1.0
            if not seconds >= 0:
                raise fail(f"{name}: expected seconds (a number >= 0), got {value!r}")


def config_fields() -> list[str]:
    """Names of the Config attributes that are options (for tests and docs)."""
    return [f.name for f in fields(Config) if f.name in OPTIONS_BY_ATTR]
