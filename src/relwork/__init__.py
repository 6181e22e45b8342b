"""relwork: Markdown paper summaries to a LaTeX Related Work section."""

__version__ = "0.1.0"
