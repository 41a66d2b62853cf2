"""Mark stories that continue a story of an earlier edition.

A story is an update of an earlier one when their texts (title, dek and
bullets) have a TF-IDF cosine of at least ``CONTINUES`` and name at least
``SHARED_ENTITIES`` of the same gazetteer entities; the newest matching
edition wins, so a long-running thread links back one week at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from briefing.models import Briefing, Story
from briefing.summarise.tags import entities_in
from briefing.summarise.vectors import cosine, idf_table, tfidf, tokens

CONTINUES = 0.3
SHARED_ENTITIES = 2


def story_text(story: Story) -> str:
    points = (*story.highlights, *story.implications, *story.questions)
    return "\n".join((story.title, story.dek, *(p.text for p in points)))


def mark_updates(stories: Sequence[Story], earlier: Sequence[Briefing]) -> tuple[Story, ...]:
    """``stories`` with ``update_of`` set where one continues a story of ``earlier`` editions."""
    previous = [(b.edition.key, s) for b in sorted(earlier, key=lambda b: b.edition.key, reverse=True) for s in b.stories]
    if not previous or not stories:
        return tuple(stories)
    texts = [story_text(s) for s in stories] + [story_text(s) for _, s in previous]
    docs = [tokens(t) for t in texts]
    idf = idf_table(docs)
    vectors = [tfidf(d, idf) for d in docs]
    entities = [entities_in(t) for t in texts]
    marked = []
    for index, story in enumerate(stories):
        for offset, (key, _) in enumerate(previous, start=len(stories)):
            similar = cosine(vectors[index], vectors[offset]) >= CONTINUES
            if similar and len(entities[index] & entities[offset]) >= SHARED_ENTITIES:
                story = replace(story, update_of=key)
                break
        marked.append(story)
    return tuple(marked)
