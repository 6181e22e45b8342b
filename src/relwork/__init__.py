"""relwork: Markdown paper summaries to a LaTeX Related Work section.

The library API is four functions; each is imported on first use, so ``import relwork``
loads no stage::

    import relwork

    config = relwork.load_config("relwork.yaml")    # or None: ./relwork.yaml or defaults
    result = relwork.build(config)                   # writes nothing
    print(result.tex)                                # the section, as it would be written
    print(result.packages)                           # e.g. ['natbib', 'hyperref']
    for problem in result.problems:                  # review, unmatched, bad notes...
        print(problem)
    result = relwork.build(config, write=True)       # latex/related_work.tex + .bib
    relwork.compile_preview(config, result)          # latex/preview.pdf
    relwork.sync(config, result, dry_run=True)       # the diff Overleaf would get

Errors a user can fix raise ``relwork.errors.RelworkError`` (file:line and a hint);
everything else the build finds is in ``result.problems``.
"""

from __future__ import annotations

__version__ = "0.1.0"

#: typing.TYPE_CHECKING without importing typing (~20 ms of `relwork --version`)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .config import load_config
    from .pipeline import build, compile_preview, sync

__all__ = ["__version__", "build", "compile_preview", "load_config", "sync"]

#: public name -> module it lives in (imported on first use: see __getattr__)
_API = {
    "load_config": "relwork.config",
    "build": "relwork.pipeline",
    "compile_preview": "relwork.pipeline",
    "sync": "relwork.pipeline",
}


def __getattr__(name: str) -> Any:
    """The API functions, imported when first asked for (PEP 562)."""
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'relwork' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))
