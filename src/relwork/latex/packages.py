"""A LaTeX package a document must load (the ``Package`` record lives in ``relwork.model``)."""

from __future__ import annotations

from ..model import Package

__all__ = ["Package"]
