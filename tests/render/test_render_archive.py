"""The web archive: index newest first, edition pages, relative links, path-safe writing."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from urllib.request import urlopen

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from jinja2 import Environment
from lxml import html as lxml_html

from briefing.errors import RenderError
from briefing.models import AlsoItem, Article, ArticleRef, Briefing
from tests.render.conftest import SeedsSite, static_server
from tests.render.email_rules import parse_errors
from tests.render.synthetic import SITE, publish, weekly_editions


def page(path: Path) -> lxml_html.HtmlElement:
    return lxml_html.document_fromstring(path.read_bytes())


def local_links(root: Path) -> Iterator[tuple[Path, str]]:
    """(page, link) for every relative href and src in the HTML pages under ``root``."""
    for path in sorted(root.rglob("*.html")):
        if path.name == "email.html":
            continue  # the email links absolutely, by design
        for link in page(path).xpath("//a/@href|//link/@href|//img/@src"):
            if not urlsplit(link).scheme and not link.startswith("#"):
                yield path, link


def test_index_lists_editions_newest_first(tmp_path: Path, env: Environment) -> None:
    made = weekly_editions(3)
    publish(tmp_path, env, list(made))
    links = page(tmp_path / "index.html").xpath("//ul[@class='editions']/li/a/@href")
    assert links == ["2026-W47/index.html", "2026-W46/index.html", "2026-W45/index.html"]


def test_the_edition_page_has_the_emails_content_without_its_markup(seeds_site: SeedsSite) -> None:
    web = page(seeds_site.out / "2026-W47" / "index.html")
    text = " ".join(web.text_content().split())
    for story in seeds_site.briefing.stories:
        for words in (story.title, story.dek, *(p.text for p in (*story.highlights, *story.implications,
                                                                  *story.questions))):
            assert " ".join(words.split()) in text
        assert web.xpath("//article[@id=$id]", id=f"story-{story.id}")  # the email's "more" links land here
    assert "This week: 1 story from 5 articles and 1 source." in text
    assert not web.xpath("//body//*[@style]")  # a stylesheet, not the email's inlined attributes
    assert not web.xpath("//table")
    assert parse_errors(seeds_site.read("2026-W47/index.html")) == []


def test_relative_links_all_reach_a_file(seeds_site: SeedsSite) -> None:
    out = seeds_site.out
    checked = 0
    for source, link in local_links(out):
        target = (source.parent / urlsplit(link).path).resolve()
        assert target.is_file() and target.is_relative_to(out.resolve()), f"{source}: {link}"
        checked += 1
    assert checked >= 15  # index -> edition -> article pages, feeds and back


def test_a_plain_static_server_serves_every_link(seeds_site: SeedsSite) -> None:
    with static_server(seeds_site.out) as root:
        seen: set[str] = set()
        queue = [root]
        while queue:
            url = queue.pop()
            if url in seen:
                continue
            seen.add(url)
            with urlopen(url, timeout=5) as response:
                assert response.status == 200, url
                body = response.read()
            if url.endswith((".html", "/")):
                queue += [urljoin(url, link).split("#")[0] for link in lxml_html.document_fromstring(body)
                          .xpath("//a/@href|//link/@href") if not urlsplit(link).scheme]
        assert f"{root}feed.xml" in seen and f"{root}2026-W47/index.html" in seen


def test_pages_are_readable_by_a_web_server(seeds_site: SeedsSite) -> None:
    for path in seeds_site.out.rglob("*"):
        if path.is_file():
            assert stat.S_IMODE(path.stat().st_mode) & 0o044 == 0o044, path


def test_articles_without_a_usable_link_get_a_page(tmp_path: Path, env: Environment) -> None:
    articles = tuple(article(f"{n:016x}", url) for n, url in
                     enumerate(("", "javascript:alert(1)", "data:text/html,x", "https://example.org/a")))
    publish(tmp_path, env, linking(weekly_editions(1), articles), articles=articles)
    written = sorted(p.name for p in (tmp_path / "articles").iterdir())
    assert written == ["0000000000000000.html", "0000000000000001.html", "0000000000000002.html"]
    assert not page(tmp_path / "articles" / "0000000000000001.html").xpath("//a[contains(@href, 'javascript')]")


def test_only_articles_an_edition_links_get_a_page(tmp_path: Path, env: Environment) -> None:
    shown, unshown = article("00000000000000aa"), article("00000000000000bb")
    publish(tmp_path, env, linking(weekly_editions(1), (shown,)), articles=(shown, unshown))
    assert sorted(p.name for p in (tmp_path / "articles").iterdir()) == ["00000000000000aa.html"]


def test_an_also_line_links_a_page_that_is_written(tmp_path: Path, env: Environment) -> None:
    listed, elsewhere, unlisted = article("00000000000000cc"), article("00000000000000dd"), article("00000000000000ee")
    also = (AlsoItem(title=listed.title, url=f"{SITE}articles/{listed.id}.html", source="feed", relevance=1.0),
            AlsoItem(title="Elsewhere", url=f"https://example.org/{elsewhere.id}.html", source="feed", relevance=1.0))
    editions = weekly_editions(1)
    publish(tmp_path, env, [replace(editions[0], also=also)], articles=(listed, elsewhere, unlisted))
    assert sorted(p.name for p in (tmp_path / "articles").iterdir()) == ["00000000000000cc.html"]
    edition = tmp_path / editions[0].edition.key / "index.html"
    targets = [link for link in page(edition).xpath("//section[@id='also']//a/@href") if not urlsplit(link).scheme]
    assert targets == ["../articles/00000000000000cc.html"]
    assert (edition.parent / targets[0]).resolve().is_file()


def test_a_rebuild_leaves_unchanged_files_alone(tmp_path: Path, env: Environment) -> None:
    shown = article("00000000000000aa")
    editions = linking(weekly_editions(2), (shown,))
    first = publish(tmp_path, env, editions, articles=(shown,))
    before = {path: path.stat().st_ino for path in first.files}
    second = publish(tmp_path, env, editions, articles=(shown,))
    assert second.files == first.files
    assert {path: path.stat().st_ino for path in second.files} == before  # a rewrite is a rename: a new inode
    changed = publish(tmp_path, env, linking(editions, (article("00000000000000aa", title="Another title"),)),
                      articles=(article("00000000000000aa", title="Another title"),))
    renewed = {str(path.relative_to(tmp_path)) for path in changed.files if path.stat().st_ino != before[path]}
    newest = editions[0].edition.key  # its page and the feeds show the new title; nothing else changed
    assert renewed == {"articles/00000000000000aa.html", f"{newest}/index.html", "feed.xml", "atom.xml"}


def linking(editions: list[Briefing], articles: tuple[Article, ...]) -> list[Briefing]:
    """``editions`` with the newest one's first story also referencing ``articles`` (by their pages)."""
    refs = tuple(ArticleRef(id=a.id, title=a.title, url=f"{SITE}articles/{a.id}.html", source=a.source,
                            published=a.published) for a in articles)
    newest = editions[0]
    story = replace(newest.stories[0], articles=newest.stories[0].articles + refs)
    return [replace(newest, stories=(story, *newest.stories[1:])), *editions[1:]]


def article(id: str, url: str = "", title: str = "A title", source: str = "feed", text: str = "Text.") -> Article:
    moment = datetime(2026, 11, 18, tzinfo=UTC)
    return Article(id=id, source=source, title=title, text=text, url=url, published=moment, ingested=moment)


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(id=st.text(max_size=40) | st.sampled_from(["../../escape", "..", "/etc/passwd", "a/../../b", "0" * 16]),
       url=st.text(max_size=40), title=st.text(max_size=40), source=st.text(max_size=20), text=st.text(max_size=60))
def test_no_article_field_writes_outside_out(tmp_path_factory: pytest.TempPathFactory, env: Environment,
                                             id: str, url: str, title: str, source: str, text: str) -> None:
    project = tmp_path_factory.mktemp("project")
    out = project / "out"
    try:
        linked = (article(id, url, title, source, text),)
        publish(out, env, linking(weekly_editions(1), linked), articles=linked)
    except RenderError:
        pass  # refusing the article is fine; writing elsewhere is not
    outside = [p for p in project.rglob("*") if not p.is_relative_to(out)]
    assert outside == []


def test_a_symlink_out_of_the_folder_is_refused(tmp_path: Path, env: Environment) -> None:
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    os.symlink(elsewhere, out / "articles")
    with pytest.raises(RenderError, match="outside"):
        publish(out, env, linking(weekly_editions(1), (article("0" * 16),)), articles=(article("0" * 16),))
    assert list(elsewhere.iterdir()) == []


def test_a_bad_edition_key_is_refused(tmp_path: Path, env: Environment) -> None:
    from dataclasses import replace

    made = weekly_editions(1)
    with pytest.raises(ValueError, match="not an ISO week"):  # the value refuses the key first
        replace(made[0].edition, key="../../2026-W47")
    edition = replace(made[0].edition)
    object.__setattr__(edition, "key", "../../2026-W47")  # past the value's own check: the writer refuses it too
    with pytest.raises(RenderError, match="bad edition key"):
        publish(tmp_path / "out", env, [replace(made[0], edition=edition)])
    assert not (tmp_path / "2026-W47").exists()


def test_the_site_url_is_the_base_of_every_absolute_link(seeds_site: SeedsSite) -> None:
    for path in seeds_site.out.rglob("*.html"):
        for link in page(path).xpath("//a/@href"):
            assert not urlsplit(link).scheme or link.startswith(SITE), (path, link)
