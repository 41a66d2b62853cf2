"""Documents become articles: a content id, a title and the sections split once."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime

from briefing.models import Article, Document, Sections
from briefing.summarise.sections import split_sections
from briefing.summarise.sentences import shorten, split_sentences

TITLE_MAX_CHARS = 150


def article_id(text: str) -> str:
    """Stable id from the content: case, punctuation and spacing do not matter."""
    return words_id(re.findall(r"\w+", text.casefold()))


def words_id(words: list[str]) -> str:
    """``article_id`` of a text already split into its casefolded words (``neardup.words``)."""
    return hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()[:16]


def to_article(document: Document, ingested: datetime, *, id: str = "") -> Article:
    """The article for ``document``; ``id`` defaults to the hash of its text."""
    sections = split_sections(document.text)
    return Article(
        id=id or article_id(document.text),
        source=document.source,
        title=derive_title(document.title, sections),
        text=document.text,
        url=document.url,
        published=document.published,
        ingested=ingested,
        sections=sections,
    )


def derive_title(given: str, sections: Sections) -> str:
    """The given title, the text's title line, or its first highlight or sentence, shortened."""
    title = given.strip() or sections.title
    if not title:
        lead = sections.highlights or sections.body or sections.implications or ("Untitled",)
        title = (split_sentences(lead[0]) or ["Untitled"])[0]
    return shorten(title.rstrip(".").strip(), TITLE_MAX_CHARS)
