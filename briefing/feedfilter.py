"""Per-feed keep/block rules, as Miniflux and RSSbrew readers know them.

A feed given as a table may carry ``include = [...]`` and ``exclude = [...]``:
phrases or ``/regex/`` (``briefing.phrases``), tried on each entry's title and
text. With ``include``, only entries matching at least one are kept; an entry
matching any ``exclude`` is dropped. This runs on the feed's entries before
anything else, so a dropped entry is never stored; the count is logged.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from briefing.models import Document
from briefing.phrases import compile_rules, first_match
from briefing.settings import FeedSource

log = logging.getLogger(__name__)


def keep_entries(documents: Sequence[Document], feed: FeedSource | None) -> list[Document]:
    """The documents ``feed``'s include/exclude rules keep (all of them without rules)."""
    if feed is None or not (feed.include or feed.exclude):
        return list(documents)
    include, exclude = compile_rules(feed.include), compile_rules(feed.exclude)
    kept = []
    for document in documents:
        text = f"{document.title}\n{document.text}"
        lowered = text.lower()
        if include and first_match(include, text, lowered) is None:
            continue
        if exclude and first_match(exclude, text, lowered) is not None:
            continue
        kept.append(document)
    if len(kept) < len(documents):
        log.info("feed %s (%s): %d of %d entries dropped by its include/exclude rules",
                 feed.name, feed.url, len(documents) - len(kept), len(documents))
    return kept
