"""RSS 2.0 and Atom written by feedgen: round trip through feedparser, structure through lxml."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
from jinja2 import Environment
from lxml import etree
from lxml import html as lxml_html

from briefing.models import AlsoItem
from briefing.summarise.budget import ALSO_IN_EMAIL
from tests.render.synthetic import SITE, publish, weekly_editions

NS = {"atom": "http://www.w3.org/2005/Atom", "content": "http://purl.org/rss/1.0/modules/content/"}
RFC822 = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                    r"\d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$")


def test_rss_round_trips_through_feedparser(tmp_path: Path, env: Environment) -> None:
    made = weekly_editions(3)
    publish(tmp_path, env, made)
    parsed = feedparser.parse((tmp_path / "feed.xml").read_bytes())
    assert parsed.bozo == 0 and parsed.version == "rss20"
    assert parsed.feed.title == "Rare Earth Briefing" and parsed.feed.link == SITE
    assert [e.title for e in parsed.entries] == [
        "Rare Earth Briefing: 2026-W47 (16–22 Nov 2026)",
        "Rare Earth Briefing: 2026-W46 (9–15 Nov 2026)",
        "Rare Earth Briefing: 2026-W45 (2–8 Nov 2026)",
    ]
    assert [e.link for e in parsed.entries] == [f"{SITE}{b.edition.key}/" for b in made]
    assert len({e.id for e in parsed.entries}) == 3
    assert [e.published_parsed[:6] for e in parsed.entries] == [b.generated.utctimetuple()[:6] for b in made]
    for entry, briefing in zip(parsed.entries, made, strict=True):
        html = entry.content[0].value
        assert entry.content[0].type == "text/html"
        assert all(story.title in html for story in briefing.stories)


def test_atom_round_trips_through_feedparser(tmp_path: Path, env: Environment) -> None:
    made = weekly_editions(3)
    publish(tmp_path, env, made)
    parsed = feedparser.parse((tmp_path / "atom.xml").read_bytes())
    assert parsed.bozo == 0 and parsed.version == "atom10"
    assert parsed.feed.title == "Rare Earth Briefing" and parsed.feed.author == "Rare Earth Briefing"
    assert [e.link for e in parsed.entries] == [f"{SITE}{b.edition.key}/" for b in made]
    assert len({e.id for e in parsed.entries}) == 3
    assert all(e.summary and e.content[0].type == "text/html" for e in parsed.entries)
    assert parsed.feed.updated_parsed[:6] == made[0].generated.utctimetuple()[:6]


def test_rss_structure(tmp_path: Path, env: Environment) -> None:
    made = weekly_editions(2)
    publish(tmp_path, env, made)
    channel = etree.parse(str(tmp_path / "feed.xml")).getroot().find("channel")
    assert channel.findtext("title") == "Rare Earth Briefing"
    assert channel.findtext("link") == SITE
    assert channel.findtext("description")
    (self_link,) = channel.findall("atom:link", NS)
    assert (self_link.get("rel"), self_link.get("href")) == ("self", f"{SITE}feed.xml")
    assert channel.findtext("lastBuildDate") == "Wed, 18 Nov 2026 09:30:00 +0000"
    for item, briefing in zip(channel.findall("item"), made, strict=True):
        assert RFC822.match(item.findtext("pubDate"))
        guid = item.find("guid")
        assert guid.text == briefing.url and guid.get("isPermaLink") == "true"
        fragment = lxml_html.fragment_fromstring(item.findtext("content:encoded", namespaces=NS), create_parent="div")
        hrefs = fragment.xpath("//a/@href")
        assert hrefs and all(h.startswith("https://") for h in hrefs)  # a reader has no base to resolve against


def test_atom_self_link_is_the_atom_file(tmp_path: Path, env: Environment) -> None:
    publish(tmp_path, env, weekly_editions(1))
    root = etree.parse(str(tmp_path / "atom.xml")).getroot()
    links = {link.get("rel"): link.get("href") for link in root.findall("atom:link", NS)}
    assert links == {"self": f"{SITE}atom.xml", "alternate": SITE}


def test_the_feed_keeps_the_last_n_editions(tmp_path: Path, env: Environment) -> None:
    made = weekly_editions(5)
    publish(tmp_path, env, made, keep=2)
    parsed = feedparser.parse((tmp_path / "feed.xml").read_bytes())
    assert [e.link for e in parsed.entries] == [f"{SITE}{b.edition.key}/" for b in made[:2]]
    assert (tmp_path / made[4].edition.key / "index.html").is_file()  # the archive keeps them all


def test_same_editions_same_bytes(tmp_path: Path, env: Environment) -> None:
    made = weekly_editions(3)
    publish(tmp_path / "a", env, made)
    publish(tmp_path / "b", env, made)
    for name in ("feed.xml", "atom.xml"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_guid_survives_a_move_but_stops_claiming_to_be_the_permalink(tmp_path: Path, env: Environment) -> None:
    made = weekly_editions(1)  # published under https://briefing.example.org/
    moved = "https://news.example.net/briefing/"
    publish(tmp_path, env, made, site=moved)
    item = etree.parse(str(tmp_path / "feed.xml")).getroot().find("channel/item")
    assert item.findtext("guid") == f"{SITE}2026-W47/"
    assert item.find("guid").get("isPermaLink") == "false"
    assert item.findtext("link") == f"{moved}2026-W47/"


def test_dates_carry_the_briefing_timezone(tmp_path: Path, env: Environment) -> None:
    berlin = ZoneInfo("Europe/Berlin")
    made = [replace(b, generated=b.generated.astimezone(berlin)) for b in weekly_editions(1)]
    publish(tmp_path, env, made)
    item = etree.parse(str(tmp_path / "feed.xml")).getroot().find("channel/item")
    assert item.findtext("pubDate") == "Wed, 18 Nov 2026 10:30:00 +0100"


def test_control_characters_and_markup_in_titles_keep_the_feeds_valid(tmp_path: Path, env: Environment) -> None:
    base = weekly_editions(1)[0]
    hostile = replace(base.stories[0], title="Ra\x0bre <script>alert(1)</script> earths ]]> & \x00more")
    made = [replace(base, stories=(hostile, *base.stories[1:]))]
    publish(tmp_path, env, made)
    for name, version, content in (("feed.xml", "rss20", "channel/item/content:encoded"),
                                   ("atom.xml", "atom10", "atom:entry/atom:content")):
        parsed = feedparser.parse((tmp_path / name).read_bytes())
        assert parsed.bozo == 0 and parsed.version == version
        # The HTML as written (feedparser would sanitise it again on reading).
        html = etree.parse(str(tmp_path / name)).getroot().findtext(content, namespaces=NS)
        assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "\x0b" not in html and "\x00" not in html


def test_a_feed_item_lists_the_emails_also_lines_and_links_the_rest(tmp_path: Path, env: Environment) -> None:
    # A broad topic's edition may list thousands of "Also this week" lines on its web page; its
    # feed item, read in a feed reader like the email, shows the email's first 20 and a link to the rest.
    also = tuple(AlsoItem(title=f"Also story {n}", url=f"https://example.org/{n}", source="feed", relevance=1.0)
                 for n in range(ALSO_IN_EMAIL + 5))
    made = [replace(weekly_editions(1)[0], also=also)]
    publish(tmp_path, env, made)
    key = made[0].edition.key
    for name in ("feed.xml", "atom.xml"):
        item = lxml_html.fragment_fromstring(feedparser.parse((tmp_path / name).read_bytes()).entries[0].content[0].value,
                                             create_parent="div")
        lines = item.xpath("//h2[.='Also this week']/following-sibling::ul[1]/li")
        assert [li.text_content().split(" — ")[0] for li in lines[:-1]] == [a.title for a in also[:ALSO_IN_EMAIL]]
        assert lines[-1].text_content() == "5 more on the web"
        assert lines[-1].xpath("a/@href") == [f"{SITE}{key}/index.html#also"]
    web = lxml_html.document_fromstring((tmp_path / key / "index.html").read_bytes())
    assert [a.text_content() for a in web.xpath("//section[@id='also']//li/a")] == [a.title for a in also]


def test_a_feed_item_with_few_also_lines_lists_them_all(tmp_path: Path, env: Environment) -> None:
    also = (AlsoItem(title="Only one", url="https://example.org/1", source="feed", relevance=1.0),)
    publish(tmp_path, env, [replace(weekly_editions(1)[0], also=also)])
    html = feedparser.parse((tmp_path / "feed.xml").read_bytes()).entries[0].content[0].value
    assert "Only one" in html and "more on the web" not in html
