"""Split an article into highlights, body, implications, questions and closing: the summariser's own reading.

The summariser owns the split. An article is stored with its text as ingested (one
paragraph, heading or list item a line, headings and list markers kept), and the
summariser derives its sections from that text when it needs them: ``sections_of``
(memoised per text, so a build splits each article once however many stories,
prompts and groupings read it). Ingest no longer splits sections or imports the
summariser: it only needs a title, which ``briefing.layout.derive_title`` reads from
the same lines. The lines, headings and their kinds, and the title line come from
``briefing.layout`` (the neutral layer under both); what belongs to which section is
decided here.

A heading's kind decides the section below it; headings of no kind continue the
body. A lead line ending in "questions:" makes the list after it questions wherever
it stands. A highlight list ends at the first paragraph after it, a question list at
the first line that is neither a list item nor a question. "Bottom line",
"Conclusion" and "Final Thoughts" open the closing section.

Until store revision 0007 the sections were split at ingest and stored as JSON
beside the text; 0007 drops that column, since the text alone gives the same
sections (the split is a pure function of it).
"""

from __future__ import annotations

from functools import lru_cache

from briefing.layout import (
    BOILERPLATE_INLINE,
    BOILERPLATE_LINES,
    DATE_LINE,
    HEADING_KINDS,
    HEADING_MAX_CHARS,
    HEADING_MAX_WORDS,
    HEADLINE_MAX_WORDS,
    heading_kind,
    is_heading,
    is_question_lead,
    read_lines,
    title_split,
)
from briefing.models import Article, Sections

# The layout's names stay importable from here, where they lived before ``briefing.layout``.
__all__ = [
    "BOILERPLATE_INLINE", "BOILERPLATE_LINES", "DATE_LINE", "HEADING_KINDS", "HEADING_MAX_CHARS",
    "HEADING_MAX_WORDS", "HEADLINE_MAX_WORDS", "SPLIT_CACHE_SIZE", "sections_of", "sections_of_text", "split_sections",
]

#: Texts whose sections are remembered (``sections_of``): a build's whole pool (5,000
#: articles in bench/build.py) is split once; bounded so a long-running scheduler or web
#: process holds at most this many texts' sections.
SPLIT_CACHE_SIZE = 8_192


def sections_of(article: Article) -> Sections:
    """The sections of ``article``'s text, split once per distinct text."""
    return sections_of_text(article.text)


@lru_cache(maxsize=SPLIT_CACHE_SIZE)
def sections_of_text(text: str) -> Sections:
    """``split_sections``, remembered: once per distinct text (``sections_of`` by its text)."""
    return split_sections(text)


def split_sections(text: str) -> Sections:
    """Sections of ``text`` (clean text, one paragraph or list item a line)."""
    title, lines = title_split(read_lines(text))
    parts: dict[str, list[str]] = {k: [] for k in ("highlights", "body", "implications", "questions", "closing")}
    kind = "body"
    in_question_list = False
    for index, line in enumerate(lines):
        if is_heading(lines, index):
            kind = heading_kind(line.text) or "body"
            in_question_list = False
            continue
        if in_question_list and line.bullet:
            parts["questions"].append(line.text)
            continue
        in_question_list = False
        if not line.bullet and is_question_lead(line.text):
            in_question_list = True
            if kind == "questions":
                continue
        if kind == "highlights" and not line.bullet and parts["highlights"]:
            kind = "body"  # the highlight list ended and the story began, with no heading
        if kind == "questions" and not (line.bullet or line.text.endswith("?")):
            kind = "body"
        parts[kind].append(line.text)
    return Sections(title=title, **{k: tuple(v) for k, v in parts.items()})
