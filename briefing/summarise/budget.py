"""The reading budget: words of the plain-text email and the time they take.

A reader gives a weekly briefing about five minutes: ``briefing.max_words``
(default 1,200) words at ``WORDS_PER_MINUTE``. Words are counted the way a
reader meets them: runs of letters or digits, links and rules left out.
"""

from __future__ import annotations

import re

from briefing.models import AlsoItem, Story

WORDS_PER_MINUTE = 240
ALSO_IN_EMAIL = 20  # lines of "Also this week" the email and the feed item show; the web page and JSON show every one
# The email's frame around the stories: masthead, overview, footer, "Also" heading.
FRAME_WORDS = 60
_URL = re.compile(r"\S+://\S+")
_WORD = re.compile(r"[^\W_]+(?:['’.,-][^\W_]+)*")


def count_words(text: str) -> int:
    """Words a reader reads in ``text`` (URLs not counted)."""
    return len(_WORD.findall(_URL.sub(" ", text)))


def reading_minutes(words: int) -> float:
    return words / WORDS_PER_MINUTE


def story_words(story: Story) -> int:
    """Words of ``story`` as the plain-text email tells it."""
    parts = [story.title, story.dek, *(p.text for p in (*story.highlights, *story.implications, *story.questions))]
    parts += [" ".join(story.tags)]
    parts += [f"{ref.title} {ref.source} Jan 1 2026" for ref in story.articles]
    return count_words("\n".join(parts)) + 6 + 3 * len(story.articles) // 2  # labels, source numbers


def also_words(item: AlsoItem) -> int:
    return count_words(f"{item.title} {item.source}")
