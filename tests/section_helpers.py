"""The example project's config and matches, made by the real stages (for tests of the
section and of compiling it)."""

from __future__ import annotations

from paths import REPO

from relwork import bib, match, notes
from relwork.config import Config, load_config
from relwork.model import Match

__all__ = ["REPO", "example_config", "example_matches"]


def example_config(**values: object) -> Config:
    """The example project's config, all groups included (the caller filters groups)."""
    config = load_config(REPO / "relwork.yaml")
    config.exclude_groups = []
    config.template_dirs = []  # the repo's latex/templates must not change the built-ins
    for name, value in values.items():
        setattr(config, name, value)
    return config


def example_matches(config: Config) -> tuple[list[Match], bib.BibIndex, list[str]]:
    """The example notes matched against the example bibliography by the real stages."""
    files, _ = notes.collect_note_files(config)
    parsed = notes.read_notes(files, config)
    index = bib.load_bib(bib.collect_bib_files(config)[0], config, use_cache=False)
    matches, _ = match.match_entries(parsed.entries, index, aliases=config.aliases)
    return matches, index, [config.display(f) for f in files]
