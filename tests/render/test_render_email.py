"""The email as mailed: the dry run's .eml, its HTML part checked by parsers, its text part.

Every rule of the issue that a parser can check is in ``email_rules.violations``;
these tests run it over the seeds' email and over a synthetic 40-story one,
and over broken copies to show each rule bites.
"""

from __future__ import annotations

import email
import re
from email import policy
from email.message import EmailMessage

import pytest
from lxml import etree

from briefing.models import Briefing, Story
from briefing.render.fragments import sentence_anchor
from tests.render.conftest import SeedsSite
from tests.render.email_rules import parse, violations

SITE = "https://briefing.example.org/"


def message(site: SeedsSite) -> EmailMessage:
    parsed = email.message_from_bytes(site.eml.read_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def html_part(site: SeedsSite) -> str:
    return str(message(site).get_body(("html",)).get_content())  # type: ignore[union-attr]


def text_part(site: SeedsSite) -> str:
    return str(message(site).get_body(("plain",)).get_content())  # type: ignore[union-attr]


def test_the_eml_is_text_then_html_in_utf8_and_matches_the_preview(seeds_site: SeedsSite) -> None:
    mail = message(seeds_site)
    parts = list(mail.iter_parts())
    assert mail.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in parts)
    assert _lines(html_part(seeds_site)) == _lines(seeds_site.read("2026-W47/email.html"))
    assert _lines(text_part(seeds_site)) == _lines(seeds_site.read("2026-W47/email.txt"))
    assert mail["Subject"] == "Rare Earth Briefing: 2026-W47 · 16–22 Nov 2026"


def test_the_html_part_breaks_no_email_rule(seeds_site: SeedsSite) -> None:
    assert violations(html_part(seeds_site)) == []


def test_only_media_rules_stay_in_the_head_and_keep_important(seeds_site: SeedsSite) -> None:
    doc = parse(html_part(seeds_site))
    (style,) = doc.xpath("//style")
    assert style.getparent().tag == "head"
    assert "@media screen and (max-width: 620px)" in style.text
    assert "@media (prefers-color-scheme: dark)" in style.text
    assert "!important" in style.text  # premailer's strip_important would make phones lose to inline styles
    assert doc.xpath("//td[contains(@class, 'story')]/@style")  # the rest was inlined
    assert 'name="color-scheme" content="light dark"' in html_part(seeds_site)


def test_preheader_is_the_lead_story_dek(seeds_site: SeedsSite) -> None:
    doc = parse(html_part(seeds_site))
    first = next(doc.find("body").iterchildren(etree.Element))
    lead = seeds_site.briefing.stories[0]
    assert lead.dek and first.text_content().startswith(lead.dek)
    assert first.get("aria-hidden") == "true"


def test_layout_is_a_centred_600px_table_with_an_outlook_wrapper(seeds_site: SeedsSite) -> None:
    html = html_part(seeds_site)
    doc = parse(html)
    (container,) = doc.xpath("//table[contains(@class, 'container')]")
    assert "max-width:600px" in container.get("style").replace(" ", "")
    assert container.get("align") == "center" and container.get("width") == "100%"
    assert re.search(r'<!--\[if mso\]><table role="presentation" width="600" align="center"', html)
    assert doc.get("lang") == "en"


def test_every_story_is_there_in_full(seeds_site: SeedsSite) -> None:
    doc = parse(html_part(seeds_site))
    text = " ".join(doc.text_content().split())
    briefing = seeds_site.briefing
    assert briefing.title in text and "Edition 2026-W47 · 16–22 Nov 2026" in text
    assert "This week: 1 story from 5 articles and 1 source." in text
    for story in briefing.stories:
        for words in (story.title, story.dek, *(p.text for p in _points(story)), *story.tags):
            assert " ".join(words.split()) in text
        for ref in story.articles:
            assert doc.xpath("//a[@href=$url]", url=ref.url)
            assert " ".join(ref.title.split()) in text and ref.source in text


def test_every_bullet_links_to_each_of_its_sources(seeds_site: SeedsSite) -> None:
    doc = parse(html_part(seeds_site))
    story = seeds_site.briefing.stories[0]
    items = doc.xpath("//td[contains(@class, 'story')]/ul/li")
    assert len(items) == len(_points(story))
    for item, point in zip(items, _points(story), strict=True):
        assert item.xpath("a/@href|span/a/@href") == [
            f"{story.article(i).url}#{sentence_anchor(point.quote(i))}" for i in point.sources
        ]


def test_each_source_link_lands_on_its_own_sentence_in_the_archive(seeds_site: SeedsSite) -> None:
    story = seeds_site.briefing.stories[0]
    merged = next(p for p in _points(story) if len(p.sources) > 1)
    for article_id, quote in zip(merged.sources, merged.quotes, strict=True):
        page = parse((seeds_site.out / "articles" / f"{article_id}.html").read_text("utf-8"))
        (span,) = page.xpath("//span[@id=$id]", id=sentence_anchor(quote))
        assert " ".join(span.text_content().split()) == " ".join(quote.split())
    assert len(set(merged.quotes)) == len(merged.quotes)  # each source its own sentence


def test_footer_links_web_version_rss_and_unsubscribe(seeds_site: SeedsSite) -> None:
    doc = parse(html_part(seeds_site))
    links = {" ".join(a.text_content().split()): a.get("href") for a in doc.xpath("//td[contains(@class, 'footer')]//a")}
    assert links["Read this edition on the web"] == f"{SITE}2026-W47/"
    assert links["RSS feed"] == f"{SITE}feed.xml"
    assert links["Unsubscribe"] == f"{SITE}unsubscribe"


def test_the_text_part_has_the_same_content_and_every_link_written_out(seeds_site: SeedsSite) -> None:
    text = text_part(seeds_site)
    flat = " ".join(text.split())
    for story in seeds_site.briefing.stories:
        for words in (story.title, story.dek, *(p.text for p in _points(story))):
            assert " ".join(words.split()) in flat
    # A bullet's link to its sentence is the article's link with a fragment: the text
    # part writes out the article's link under SOURCES.
    hrefs = {href.split("#")[0] for href in parse(html_part(seeds_site)).xpath("//a/@href")}
    written = set(re.findall(r"https?://\S+", text))
    assert hrefs and hrefs <= written
    assert "<" not in text.replace("<-", "")  # no markup leaked into the text part


def test_a_synthetic_edition_breaks_no_rule_either(big_email_html: str) -> None:
    assert violations(big_email_html) == []


BROKEN = [
    (lambda h: h.replace("<!DOCTYPE html>", "<!doctype html>", 1), "DOCTYPE"),
    (lambda h: h.replace('lang="en"', "", 1), "lang"),
    (lambda h: h.replace('<meta charset="utf-8">', "", 1), "charset"),
    (lambda h: h.replace("</body>", "<script>alert(1)</script></body>"), "<script>"),
    (lambda h: h.replace("<head>", '<head><link rel="stylesheet" href="https://x.example/a.css">'), "external stylesheet"),
    (lambda h: h.replace("<style>", "<style>@import url(https://x.example/a.css);"), "@import"),
    (lambda h: h.replace("<style>", "<style>p { color: red }"), "non-@media rule"),
    (lambda h: h.replace("</body>", "<style>@media screen { p { color: red } }</style></body>"), "outside <head>"),
    (lambda h: h.replace("padding:16px 0", "display:flex", 1), "display:flex/grid"),
    (lambda h: h.replace("padding:16px 0", "display: grid", 1), "display:flex/grid"),
    (lambda h: h.replace("padding:16px 0", "position:absolute", 1), "position:"),
    (lambda h: h.replace("padding:16px 0", "color:var(--ink)", 1), "CSS variable"),
    (lambda h: h.replace("padding:16px 0", "--ink:#000", 1), "custom property"),
    (lambda h: h.replace('role="presentation"', "", 1), "role=presentation"),
    (lambda h: h.replace("<!--[if mso]>", "<!--[if never]>"), "MSO"),
    (lambda h: re.sub(r'<div class="preheader".*?</div>', "", h, count=1, flags=re.DOTALL), "preheader"),
    (lambda h: h.replace("</body>", '<img src="http://x.example/a.png"></body>'), "<img>"),
    (lambda h: h.replace("</body>", '<a href="javascript:alert(1)">x</a></body>'), "not absolute http(s)"),
    (lambda h: h.replace("</body>", '<p style="color:#eeeeee">pale</p></body>'), "contrast"),
    (lambda h: h.replace("</body>", '<a href="https://x.example/" onclick="x()">x</a></body>'), "event handler"),
    (lambda h: re.sub(r"(<body[^>]*?font-family:)[^;]*", r"\1Georgia", h, count=1), "system stack"),
    (lambda h: h.replace("max-width:600px", "max-width:800px"), "600 px"),
]


@pytest.mark.parametrize(("breakage", "expected"), BROKEN, ids=[e for _, e in BROKEN])
def test_each_rule_is_really_checked(seeds_site: SeedsSite, breakage: object, expected: str) -> None:
    html = html_part(seeds_site)
    broken = breakage(html)  # type: ignore[operator]
    assert broken != html
    assert any(expected in problem for problem in violations(broken)), violations(broken)


def test_the_colour_check_wants_a_background_with_each_colour() -> None:
    html = ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"></head>'
            '<body><p style="color:#1f2933">no background declared</p></body></html>')
    assert any("no background" in problem for problem in violations(html))


def _lines(text: str) -> list[str]:
    """The text as lines: SMTP's CRLF line ends and the final newline MIME adds set aside."""
    return text.replace("\r\n", "\n").rstrip("\n").split("\n")


def _points(story: Story) -> tuple:  # type: ignore[type-arg]
    return (*story.highlights, *story.implications, *story.questions)


@pytest.fixture(scope="module")
def big_email_html() -> str:
    from briefing.render.email import render_email
    from briefing.render.environment import make_environment
    from tests.conftest import ROOT
    from tests.render.synthetic import synthetic_briefing

    briefing: Briefing = synthetic_briefing()
    env = make_environment(ROOT / "templates", briefing.site_url)
    return render_email(briefing, env, unsubscribe_url=f"{SITE}unsubscribe", max_bytes=95_000).html
