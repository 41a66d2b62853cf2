"""Synthetic editions of realistic shape, for size tests and ``bench/render.py``.

The default is the edition the issue sizes the email for: 40 stories from 200
articles, each story with 8 highlights, 5 implications, 4 questions and 5
tags, bullets of 20 to 32 words, article links of about 80 characters. Seeded,
so every run builds the same edition.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from jinja2 import Environment

from briefing.clock import edition_for
from briefing.models import Article, ArticleRef, Briefing, Point, RenderedEmail, Site, Story
from briefing.render.site import write_site

NOW = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)
SITE = "https://briefing.example.org/"
_VOCABULARY = (
    "rare earth magnet supply chain export controls processing capacity neodymium praseodymium "
    "dysprosium terbium separation plant refinery smelter quota licence tariff subsidy policy "
    "ministry industry group state owned enterprise investors prices market demand shortage "
    "inventory contract offtake agreement mine project permit environmental review financing "
    "allies strategy security defence electric vehicles wind turbines motors batteries recycling "
    "technology patents partnership joint venture production forecast quarter output shipments "
    "Europe Japan Australia Canada Brazil Vietnam Malaysia United States China Inner Mongolia"
)
WORDS = tuple(_VOCABULARY.split())
PUBLISHERS = ("Mining Weekly", "Reuters", "Nikkei Asia", "Financial Times", "Rare Earth Exchanges",
              "Bloomberg", "South China Morning Post", "Argus Media", "Fastmarkets", "Benchmark")


def synthetic_briefing(stories: int = 40, articles: int = 200, seed: int = 47) -> Briefing:
    """A ``Briefing`` with ``stories`` stories sharing ``articles`` articles evenly."""
    rng = random.Random(seed)
    per_story = max(1, articles // stories)
    told = tuple(_story(rng, index, per_story) for index in range(stories))
    return Briefing(title="Rare Earth Briefing", edition=edition_for(NOW, UTC), generated=NOW,
                    site_url=SITE, stories=told)


def _sentence(rng: random.Random, low: int, high: int, end: str = ".") -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
    return " ".join(words).capitalize() + end


def _story(rng: random.Random, index: int, count: int) -> Story:
    refs = tuple(_article(rng, index, n) for n in range(count))
    ids = [ref.id for ref in refs]

    def points(number: int, end: str = ".") -> tuple[Point, ...]:
        return tuple(Point(_sentence(rng, 20, 32, end), tuple(rng.sample(ids, rng.randint(1, min(2, len(ids))))))
                     for _ in range(number))

    return Story(
        id=hashlib.sha256(f"story-{index}".encode()).hexdigest()[:12],
        title=_sentence(rng, 9, 14, ""),
        dek=_sentence(rng, 18, 26),
        highlights=points(8),
        implications=points(5),
        questions=points(4, "?"),
        tags=tuple(rng.sample(WORDS, 5)),
        articles=refs,
    )


def _article(rng: random.Random, story: int, number: int) -> ArticleRef:
    title = _sentence(rng, 8, 13, "")
    slug = "-".join(title.lower().split()[:7])
    return ArticleRef(
        id=hashlib.sha256(f"article-{story}-{number}".encode()).hexdigest()[:16],
        title=title,
        url=f"https://news.example.com/2026/11/{slug}-{story * 10 + number}",
        source=rng.choice(PUBLISHERS),
        published=NOW - timedelta(hours=rng.randint(1, 150)),
    )


def weekly_editions(count: int, stories: int = 2) -> list[Briefing]:
    """``count`` weekly editions, newest first, each generated on its Wednesday."""
    base = synthetic_briefing(stories=stories, articles=2 * stories)
    made = []
    for weeks in range(count):
        moment = NOW - timedelta(weeks=weeks)
        made.append(replace(base, edition=edition_for(moment, UTC), generated=moment))
    return made


def publish(root: Path, env: Environment, editions: list[Briefing], *, keep: int = 20, site: str = SITE,
            articles: tuple[Article, ...] = ()) -> Site:
    """``write_site`` for ``editions`` (the newest is the current one) with a stand-in email."""
    email = RenderedEmail(subject="s", html="<p>email</p>", text="email")
    return write_site(root, env, title="Rare Earth Briefing", site_url=site, editions=editions,
                      current=editions[0], email=email, articles=articles, keep=keep)
