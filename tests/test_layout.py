"""``briefing.layout``: the title ingest derives from the text, and the summariser's split of the same stored text.

Ingest keeps an article's text whole and takes only its title from it; the summariser
splits the text into sections itself (``sections_of``, once per text).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from briefing.ingest import to_article
from briefing.ingest.text import normalise_text
from briefing.layout import derive_title, lead_line, read_lines, title_split
from briefing.models import Article, ArticleRef, Document
from briefing.summarise import sections
from briefing.summarise.sections import sections_of, split_sections
from briefing.summarise.story import summarise
from tests.conftest import SEEDS

NOW = datetime(2026, 11, 18, tzinfo=UTC)


def test_the_title_is_the_given_one_then_the_title_line_then_the_lead_line() -> None:
    headline = "China tightens export controls on rare-earth magnet technology\nNovember 12, 2026\nHighlights\n- Beijing acted."
    assert derive_title("  Given title. ", headline) == "Given title"
    assert derive_title("", headline) == "China tightens export controls on rare-earth magnet technology"
    assert derive_title("", "Quota news\nThe quota rose by 5% in May. More came later.") == "Quota news"
    # No title line: the first highlight, wherever the list stands; else the body's first sentence.
    body_then_list = ("The ministry set the quota on Monday. It rose 5%.\nHighlights\n- Output rose 5% in May.\n"
                      "- Prices fell.")
    assert derive_title("", body_then_list) == "Output rose 5% in May"
    assert derive_title("", "The ministry set the quota on Monday. It rose 5%.\nBackground\nMore text here.") == (
        "The ministry set the quota on Monday")
    # Only a list under a question heading: its first line, not "Untitled".
    assert derive_title("", "What to watch\n- Will exports fall?\n- Will prices rise?") == "Will exports fall?"
    assert derive_title("", "") == "Untitled" and derive_title("", "Leave a reply\nShare this:") == "Untitled"
    assert len(derive_title("", "word " * 100)) <= 150


def test_the_title_rule_and_the_split_agree_on_the_seeds() -> None:
    """The title's lead line is the split's first highlight or body line on the seeds (no seed has a given title)."""
    for path in sorted(SEEDS.glob("*.txt")):
        text = normalise_text(path.read_text(encoding="utf-8"))
        split = split_sections(text)
        title, lines = title_split(read_lines(text))
        assert title == split.title
        assert lead_line(lines) == (split.highlights or split.body or split.implications or ("",))[0], path.name


def test_headings_and_list_markers_reach_the_summariser_through_the_stored_text() -> None:
    text = "# Rare earths this week\n* Quota up 5%.\nWhy It Matters\n- Magnets cost more.\nKey Questions:\n1. Who buys?"
    article = to_article(Document("x", "x.md", "", text), NOW)
    assert article.text == text and article.title == "Rare earths this week"
    found = sections_of(article)
    assert (found.title, found.body, found.implications, found.questions) == (
        "Rare earths this week", ("Quota up 5%.",), ("Magnets cost more.",), ("Who buys?",))


def test_a_build_splits_each_article_once() -> None:
    articles = [to_article(Document("seeds", str(p), "", normalise_text(p.read_text("utf-8"))), NOW)
                for p in sorted(Path(SEEDS).glob("*.txt"))]

    def ref(article: Article) -> ArticleRef:
        return ArticleRef(article.id, article.title, f"https://example.org/{article.id}", article.source, None)

    sections.sections_of_text.cache_clear()
    first = summarise(articles, ref, max_stories=40)
    info = sections.sections_of_text.cache_info()
    assert info.misses == len({a.text for a in articles}) and info.hits > info.misses  # read often, split once
    assert summarise(articles, ref, max_stories=40) == first
    assert sections.sections_of_text.cache_info().misses == info.misses
    assert sections_of(articles[0]) is sections_of(articles[0])
