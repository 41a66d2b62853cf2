"""The summariser's name for ``briefing.sentences`` (the sentence splitter moved below ingest).

Ingest (titles), render (the archive's sentence anchors) and the summariser all split
sentences, so the splitter lives in the foundation layer; this module re-exports it so
``briefing.summarise.sentences`` keeps working for the summariser's modules, tests and
benches.
"""

from __future__ import annotations

from briefing.sentences import (
    AMBIGUOUS_ABBREVIATIONS,
    BULLET,
    NUMBER_ABBREVIATIONS,
    SENTENCE_STARTERS,
    TITLE_ABBREVIATIONS,
    shorten,
    split_sentences,
)

__all__ = [
    "AMBIGUOUS_ABBREVIATIONS",
    "BULLET",
    "NUMBER_ABBREVIATIONS",
    "SENTENCE_STARTERS",
    "TITLE_ABBREVIATIONS",
    "shorten",
    "split_sentences",
]
