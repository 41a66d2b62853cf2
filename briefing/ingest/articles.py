"""Documents become articles: a content id, a title, and the text as ingested.

The text is kept whole (one paragraph, heading or list item a line, headings and list
markers intact): the summariser splits it into sections when it tells a story
(``briefing.summarise.sections.sections_of``), so ingest neither splits sections nor
imports the summariser. The title comes from ``briefing.layout``, the neutral text layer
under both.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime

from briefing.layout import TITLE_MAX_CHARS, derive_title
from briefing.models import Article, Document

__all__ = ["TITLE_MAX_CHARS", "article_id", "derive_title", "to_article", "words_id"]


def article_id(text: str) -> str:
    """Stable id from the content: case, punctuation and spacing do not matter."""
    return words_id(re.findall(r"\w+", text.casefold()))


def words_id(words: list[str]) -> str:
    """``article_id`` of a text already split into its casefolded words (``neardup.words``)."""
    return hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()[:16]


def to_article(document: Document, ingested: datetime, *, id: str = "") -> Article:
    """The article for ``document``; ``id`` defaults to the hash of its text."""
    return Article(
        id=id or article_id(document.text),
        source=document.source,
        title=derive_title(document.title, document.text),
        text=document.text,
        url=document.url,
        published=document.published,
        ingested=ingested,
    )
