"""Hostile articles, through the real pipeline: escaped text, http(s) links only, no markup of theirs.

A JSON article (the way a feed entry or a scraper would hand one over) carries
markup in its title and text, ``javascript:`` and ``data:`` URLs; the dry run
must render every output without one live script, handler or foreign-scheme link.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from lxml import etree
from lxml import html as lxml_html

from briefing import pipeline
from briefing.clock import FixedClock
from briefing.ingest.text import fragment_to_text
from briefing.safety import clean_html, http_url, strip_control
from briefing.settings import load_settings
from briefing.store import Store
from tests.conftest import FIXED_NOW, ROOT, ConfigMaker
from tests.render.conftest import project, static_server

TITLE = "<script>alert('title')</script> \"Quoted\" & <b>bold</b> ]]>"
HOSTILE = [
    {"title": TITLE, "url": "javascript:alert(1)", "published": "2026-11-17",
     "text": "Highlights\n- <img src=x onerror=alert(1)> rare earth magnets are short.\n"
             "- A point with a <a href='javascript:alert(2)'>link</a> in it.\nBody text about rare earths.\n"},
    {"title": "Data URL article", "url": "data:text/html,<script>alert(3)</script>", "published": "2026-11-17",
     "html": "<p>Highlights</p><ul><li>Rare earth prices <script>alert(4)</script>rose.</li></ul>"
             "<p onclick='alert(5)'>Body <a href='javascript:alert(6)'>x</a></p>"},
    {"title": "Spaced scheme", "url": " JaVaScRiPt:alert(7)", "published": "2026-11-17", "text": "Rare earths.\x0b"},
]
SCHEMES = {"", "http", "https"}


@pytest.fixture(scope="module")
def hostile_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    settings = project(folder)
    for number, item in enumerate(HOSTILE):
        (folder / "seeds" / f"hostile{number}.json").write_text(json.dumps(item), "utf-8")
    pipeline.send(load_settings(settings.file, env={}), dry_run=True, clock=FixedClock(FIXED_NOW))
    return settings.output.dir


def html_documents(out: Path) -> list[tuple[str, lxml_html.HtmlElement]]:
    pages = [(str(p), lxml_html.document_fromstring(p.read_bytes())) for p in sorted(out.rglob("*.html"))]
    # RSS readers render <description> as HTML too (issue 13, item 7): it is HTML, not text.
    for feed, path in (("feed.xml", "channel/item/{http://purl.org/rss/1.0/modules/content/}encoded"),
                       ("feed.xml", "channel/item/description"),
                       ("atom.xml", "{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}content")):
        for node in etree.parse(str(out / feed)).getroot().findall(path):
            pages.append((feed, lxml_html.document_fromstring(node.text)))
    return pages


def test_the_hostile_articles_made_it_into_the_edition(hostile_out: Path) -> None:
    email = (hostile_out / "2026-W47" / "email.html").read_text("utf-8")
    text = lxml_html.document_fromstring(email).text_content()
    assert "<script>alert('title')</script>" in text  # shown as text, not run
    assert "Data URL article" in text


def test_no_output_carries_a_script_a_handler_or_a_foreign_scheme(hostile_out: Path) -> None:
    assert_inert(hostile_out)


def test_a_story_title_in_the_rss_description_is_text_to_a_reader(hostile_out: Path) -> None:
    """A title "<script>..." reaches readers as those characters, never as an element."""
    (description,) = [node.text for node in etree.parse(str(hostile_out / "feed.xml")).getroot()
                      .findall("channel/item/description")]
    shown = lxml_html.fragment_fromstring(description, create_parent="div")
    assert not shown.xpath(".//script|.//b") and "<script>alert('title')</script>" in shown.text_content()
    atom = "{http://www.w3.org/2005/Atom}"
    (summary,) = etree.parse(str(hostile_out / "atom.xml")).getroot().findall(f"{atom}entry/{atom}summary")
    assert summary.get("type") == "text" and "<script>alert('title')</script>" in (summary.text or "")


def assert_inert(out: Path) -> None:
    """No page or feed under ``out`` can run anything or link anywhere but http(s)."""
    documents = html_documents(out)
    assert len(documents) > 8
    for name, doc in documents:
        assert not doc.xpath("//script|//iframe|//object|//embed"), name
        for element in doc.iter(etree.Element):
            assert not [a for a in element.attrib if a.lower().startswith("on")], (name, element.tag)
        for link in doc.xpath("//@href|//@src"):
            assert urlsplit(link.strip()).scheme.lower() in SCHEMES, (name, link)


def test_the_text_part_writes_out_no_foreign_link(hostile_out: Path) -> None:
    text = (hostile_out / "2026-W47" / "email.txt").read_text("utf-8")
    for item in HOSTILE:
        assert item["url"].strip() not in text  # the articles' own links are dropped ...
    links = re.findall(r"^[ \t]+(\S+:\S+)$", text, flags=re.MULTILINE)  # ... and every link line is http(s)
    assert len(links) >= 8 and all(re.match(r"https?://", link) for link in links), links
    assert "\x0b" not in text


FEED = b"""<?xml version="1.0"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>Hostile</title><link>https://hostile.example/</link><description>d</description>
<item><title>&lt;script&gt;alert(1)&lt;/script&gt; Rare earth magnets</title><link>javascript:alert(1)</link>
<guid>hostile-1</guid><pubDate>Tue, 17 Nov 2026 08:00:00 +0000</pubDate>
<content:encoded><![CDATA[<p>Highlights</p><ul><li>Rare earth magnet exports fell <script>alert(2)</script>sharply.</li>
<li onmouseover="alert(3)">Magnet prices rose <a href="javascript:alert(4)">here</a>.</li></ul>
<p>Body about rare earth magnets.<svg><text>LOGO</text></svg><iframe src="https://evil.example/"></iframe></p>]]>
</content:encoded></item></channel></rss>"""


def test_a_hostile_feed_comes_out_inert(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "feed.xml").write_bytes(FEED)
    with static_server(tmp_path / "site") as root:  # a real HTTP server on 127.0.0.1 serving the feed
        settings = project(tmp_path, sources={"feeds": [{"url": f"{root}feed.xml", "name": "hostile"}]})
        store = Store.open(settings.store.path)
        try:
            result = pipeline.build(settings, store, FixedClock(FIXED_NOW))
            (entry,) = [a for a in store.articles(store.unpublished_article_ids()) if a.source == "hostile"]
        finally:
            store.close()
    assert "Magnet prices rose here." in entry.text and "Rare earth magnet exports fell sharply." in entry.text
    assert not re.search(r"alert|LOGO|<", entry.text)
    assert any(ref.source == "hostile" for story in result.briefing.stories for ref in story.articles)
    assert_inert(settings.output.dir)


@pytest.mark.parametrize("html", [
    "<h2>Background</h2><p>First paragraph.</p>\n<p>Second with <b>bold</b> words.</p><ul><li>one</li><li>two</li></ul>",
    "<section>Para1</section><section>Para2</section><main>Main<br>line</main><address>addr</address>",
    "<div>One<svg><text>Logo</text></svg></div><div>Two &amp; three &lt;tag&gt;</div><script>x</script>",
    "<table><tr><td>a</td></tr></table><dl><dt>t</dt><dd>d</dd></dl><details><summary>S</summary>D</details>",
    "<p>a<img src=x alt='Alt'>b</p><figure><img src=y><figcaption>Cap</figcaption></figure><noscript>NS</noscript>",
    "<blockquote>q</blockquote><pre>  code\n  more</pre><hr>after <center>c</center>",
])
def test_sanitising_feed_html_keeps_its_text(html: str) -> None:
    """Ingest reads feed HTML after ``clean_html``: no paragraph may merge or go missing on the way."""
    assert fragment_to_text(clean_html(html)) == fragment_to_text(html)


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "JAVASCRIPT:alert(1)", " https://example.org/", "data:text/html,x", "file:///etc/passwd",
    "//example.org/", "/relative", "https://", "https://exa mple.org/", "https://example.org/\nx", "ftp://example.org/",
    "https://example.org:99999/", 'https://example.org/"onmouseover="x', "http:example.org", "x" * 3000,
])
def test_http_url_refuses(url: str) -> None:
    assert http_url(url) == ""


@pytest.mark.parametrize("url", ["https://example.org/", "http://example.org/a?b=1&c=2#d", "HTTPS://EXAMPLE.ORG/x"])
def test_http_url_keeps(url: str) -> None:
    assert http_url(url) == url


def test_clean_html_keeps_structure_and_drops_what_runs() -> None:
    dirty = ("<div onclick='x()'><h2>Title</h2><p>Text <a href='javascript:alert(1)'>bad</a> "
             "<a href='https://example.org/'>good</a></p><script>alert(2)</script><img src=x onerror=y>"
             "<iframe src='https://evil.example/'></iframe><style>p{}</style><!-- note --></div>")
    clean = clean_html(dirty)
    doc = lxml_html.fragment_fromstring(clean, create_parent="div")
    assert [h.text for h in doc.xpath("//h2")] == ["Title"]
    assert doc.xpath("//a/@href") == ["https://example.org/"]
    assert not doc.xpath("//script|//img|//iframe|//style") and "alert" not in clean and "note" not in clean
    assert not [a for e in doc.iter(etree.Element) for a in e.attrib if a.startswith("on")]


def test_strip_control_drops_what_xml_forbids() -> None:
    assert strip_control("a\x00b\x0bc\x1fd\ufffee\tf\ng") == "abcde\tf\ng"


def test_no_template_switches_escaping_off() -> None:
    templates = sorted(p for p in (ROOT / "templates").rglob("*") if p.is_file())
    assert len(templates) >= 8
    for template in templates:
        source = template.read_text("utf-8")
        assert not re.search(r"\|\s*safe\b|autoescape\s+false|Markup\(", source), template.name


def test_make_briefing_links_only_http_sources(make_config: ConfigMaker) -> None:
    from briefing.clock import edition_for
    from briefing.ingest import to_article
    from briefing.models import Document

    settings = load_settings(make_config(), env={})
    text = "Highlights\n- Rare earth magnets are short.\nBody about rare earths."
    articles = [to_article(Document(source="x", origin=f"o{n}", title=f"T{n}", text=f"{text} {n}", url=url),
                           FIXED_NOW) for n, url in enumerate(["javascript:alert(1)", "https://example.org/a"])]
    briefing = pipeline.make_briefing(settings, edition_for(FIXED_NOW, settings.briefing.timezone), articles,
                                      FIXED_NOW)
    urls = {ref.title: ref.url for story in briefing.stories for ref in story.articles}
    assert urls["T0"] == f"https://briefing.example.org/articles/{articles[0].id}.html"
    assert urls["T1"] == "https://example.org/a"
