"""Links to the sentence a bullet came from.

For an article with its own address, a text fragment
(``url#:~:text=start,end``: Chromium, Safari and Firefox scroll to and mark
the sentence; other browsers ignore the fragment and open the page). For an
article shown in our archive, an anchor on its archive page: every sentence
there carries an id made from its words (``sentence_anchor``), and the page's
``:target`` style marks the one linked to.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from urllib.parse import quote

from markupsafe import Markup, escape

from briefing.models import Point, Story
from briefing.safety import strip_control

FRAGMENT_WORDS = 4  # words at each end of the sentence in a text fragment
_WORD = re.compile(r"\w+")


@lru_cache(maxsize=131_072)  # every sentence of the archive pages of a large edition
def sentence_anchor(sentence: str) -> str:
    """The archive page id of ``sentence``: case, spacing and punctuation do not matter."""
    words = " ".join(_WORD.findall(sentence.casefold()))
    return "s-" + hashlib.sha256(words.encode("utf-8")).hexdigest()[:10]


@lru_cache(maxsize=65_536)  # every paragraph of the archive pages of a large edition
def sentence_spans(paragraph: tuple[str, ...]) -> Markup:
    """An archive page paragraph's sentences, each in a span carrying its ``sentence_anchor``,
    one space apart: what the template loop ``<span id="{{ sentence|anchor }}">{{ sentence }}</span>``
    prints (each value through ``strip_control`` and escaped), once per distinct paragraph. An
    anchor is "s-" and ten hex digits: nothing in it to strip or escape."""
    return Markup(" ".join(
        f'<span id="{sentence_anchor(sentence)}">{escape(strip_control(sentence))}</span>' for sentence in paragraph))


def text_fragment(sentence: str) -> str:
    """``#:~:text=start,end`` for ``sentence`` (the whole sentence when it is short)."""
    words = sentence.split()
    if len(words) <= 2 * FRAGMENT_WORDS:
        return "#:~:text=" + _encode(" ".join(words))
    start, end = " ".join(words[:FRAGMENT_WORDS]), " ".join(words[-FRAGMENT_WORDS:])
    return f"#:~:text={_encode(start)},{_encode(end)}"


def _encode(text: str) -> str:
    # "-", "," and "&" have a meaning inside a text directive: always escaped.
    return quote(text, safe="").replace("-", "%2D")


def sentence_url(story: Story, point: Point, article_id: str, site_url: str) -> str:
    """Where the [n] after ``point`` leads for ``article_id``: its sentence, when known."""
    url = story.article(article_id).url
    sentence = point.quote(article_id)
    if not sentence or "#" in url:
        return url
    if url.startswith(f"{site_url}articles/"):
        return f"{url}#{sentence_anchor(sentence)}"
    return url + text_fragment(sentence)
