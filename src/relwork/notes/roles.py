"""Section roles: what a heading inside one paper's note is (summary, detail or private).

A note's sections have one of three roles. *summary* sections (Summary, TL;DR, Abstract,
Key idea, ...) give the entry's ``summary``; *detail* sections (Method, Results, chapter
notes, ...) stay in the full body; *private* sections (Notes, Questions, Thoughts, My
opinion, See also, the paper's own Related Work, ...) never leave the note. A heading the
vocabulary does not know is a detail. ``relwork.yaml`` adds words to each role
(``roles.summary``, ``roles.detail``, ``roles.private``); the user's words win.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from .titles import norm_words

Role = Literal["summary", "detail", "private"]

#: Summary headings, most preferred first: a TL;DR wins over a Summary, which wins over an
#: Abstract copied from the paper.
SUMMARY_WORDS: tuple[str, ...] = (
    "tl;dr", "tldr", "tl dr", "in short", "gist", "one-liner", "summary", "key idea",
    "key ideas", "main idea", "main ideas", "idea", "description", "contributions",
    "contribution", "takeaway", "takeaways", "overview", "abstract",
)
#: Detail headings (any heading not listed anywhere is a detail too; these are listed so
#: that a one-paper note is recognised by its sections).
DETAIL_WORDS: tuple[str, ...] = (
    "method", "methods", "methodology", "approach", "model", "algorithm", "results",
    "result", "experiments", "experiment", "evaluation", "data sets", "datasets", "data",
    "rough notes", "rough chapter-wise notes", "chapter notes", "chapter-wise notes",
    "key points", "key observations", "observations", "findings", "key findings",
    "details", "method details", "introduction", "background", "motivation", "problem",
    "analysis", "discussion", "conclusion", "conclusions", "limitations", "setup",
    "architecture", "training", "strengths", "weaknesses", "pros", "cons", "highlights",
    "annotations", "samplers",
)
#: Private headings: their whole section stays out of the entry.
PRIVATE_WORDS: tuple[str, ...] = (
    "notes", "note", "my notes", "some notes", "personal notes", "questions", "question",
    "open questions", "notes/questions", "thoughts", "my thoughts", "opinion", "my opinion",
    "comments", "my comments", "todo", "todos", "to do", "to-do", "see also", "links",
    "link", "resources", "code", "related work", "related works",
    "references", "further reading", "follow-up", "follow up", "next steps", "ideas",
    "remarks", "review", "critique", "feedback", "reminders",
)
#: Obsidian callout kinds with a role other than detail.
CALLOUT_ROLES: dict[str, Role] = {
    "abstract": "summary", "summary": "summary", "tldr": "summary",
    "question": "private", "faq": "private", "help": "private", "todo": "private",
}
_STRIP_FIRST = ("my", "some", "personal", "own", "open", "random", "quick")


@dataclass(frozen=True)
class Roles:
    """The role vocabulary: the user's words first, then the defaults."""

    summary: tuple[str, ...] = ()
    detail: tuple[str, ...] = ()
    private: tuple[str, ...] = ()

    def role_of(self, heading: str) -> Role | None:
        """The role of a heading text, or None when no list names it (then a detail)."""
        words = norm_words(heading)
        if not words:
            return None
        first = words.split()[0]
        rest = " ".join(words.split()[1:])
        tries = [words]
        if first in _STRIP_FIRST and rest:
            tries.append(rest)
        for phrase in tries:
            for role, vocab in self._vocab():
                if phrase in vocab:
                    return role
        # the first word decides ("Experiments on CIFAR", "Notes/Questions"), except for
        # words that begin ordinary titles too ("Key ..." needs its second word)
        for phrase in tries:
            head = phrase.split()[0]
            if head in ("key", "main", "data", "related"):
                continue
            for role, vocab in self._vocab():
                if head in vocab:
                    return role
        return None

    def callout_role(self, kind: str) -> Role:
        """The role of an Obsidian callout kind (``[!abstract]``, ``[!todo]``): the user's
        words first, then abstract/summary/tldr are summaries, question/faq/help/todo are
        private, and every other kind (note, tip, info, example, ...) is a detail."""
        words = norm_words(kind)
        for role, vocab in self._vocab()[:3]:
            if words in vocab:
                return role
        return CALLOUT_ROLES.get(words, "detail")

    def priority(self, heading: str) -> int:
        """Position of a summary heading in the preference order (lower wins)."""
        words = norm_words(heading)
        for i, word in enumerate((*self.summary, *SUMMARY_WORDS)):
            if words == word or words.split()[:1] == [word]:
                return i
        return len(SUMMARY_WORDS) + len(self.summary)

    def _vocab(self) -> list[tuple[Role, frozenset[str]]]:
        return _vocab(self.summary, self.detail, self.private)


def _norm_all(words: Iterable[str]) -> frozenset[str]:
    return frozenset(norm_words(w) for w in words if norm_words(w))


@functools.lru_cache(maxsize=64)
def _vocab(summary: tuple[str, ...], detail: tuple[str, ...],
           private: tuple[str, ...]) -> list[tuple[Role, frozenset[str]]]:
    user: list[tuple[Role, frozenset[str]]] = [
        ("summary", _norm_all(summary)), ("detail", _norm_all(detail)),
        ("private", _norm_all(private))]
    return [*user, ("summary", DEFAULT_SUMMARY), ("private", DEFAULT_PRIVATE),
            ("detail", DEFAULT_DETAIL)]


DEFAULT_SUMMARY = _norm_all(SUMMARY_WORDS)
DEFAULT_DETAIL = _norm_all(DETAIL_WORDS)
DEFAULT_PRIVATE = _norm_all(PRIVATE_WORDS)
DEFAULT_ROLES = Roles()
