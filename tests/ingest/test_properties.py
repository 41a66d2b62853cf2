"""Property tests: random bytes and text into the file and feed parsers.

Whatever comes in, the parsers return documents or raise the documented
errors (``QuarantineError`` for files and not-feeds, ``SourceError`` for
refused feeds), nothing else.
"""

from __future__ import annotations

from pathlib import Path
from tempfile import TemporaryDirectory

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefing.errors import QuarantineError, SourceError
from briefing.ingest.feeds import html_text, parse_feed
from briefing.ingest.files import SUFFIXES, read_documents
from briefing.ingest.text import UndecodableError, decode, fragment_to_text, html_to_text
from briefing.ingest.urls import canonical_url
from briefing.models import Document

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
suffixes = st.sampled_from(sorted(SUFFIXES))
# Text that looks a little like the formats, so the parsers get past their first check.
markup = st.lists(st.sampled_from([
    "<p>", "</p>", "<html>", "<body>", "<div>", "<nav>", "<script>", "<!--", "-->", "<![CDATA[", "]]>",
    "<?xml version='1.0' encoding='utf-16'?>", "<!DOCTYPE x [<!ENTITY a 'b'>]>", "&a;", "&amp;", "&#0;",
    "{", "}", "[", "]", '"title": ', '"text": ', '"html": ', '"url": ', ",", ":", "null", "1e999",
    "# ", "- ", "**", "\n", "\r\n", "\x00", "\ufeff", "é", "\U0001f600", "text ", "word ",
]) | st.text(max_size=20), max_size=40).map("".join)


def read_file(suffix: str, data: bytes) -> list[Document]:
    with TemporaryDirectory() as folder:
        path = Path(folder) / f"article{suffix}"
        path.write_bytes(data)
        return read_documents(path, "fuzz", max_bytes=100_000)


@FAST
@given(suffixes, st.binary(max_size=3000))
def test_random_bytes_in_any_article_file(suffix: str, data: bytes) -> None:
    try:
        documents = read_file(suffix, data)
    except QuarantineError as exc:
        assert exc.reason
        return
    assert documents and all(isinstance(d, Document) and d.text.strip() for d in documents)


@FAST
@given(suffixes, markup, st.sampled_from(["utf-8", "utf-16", "utf-8-sig", "cp1252"]))
def test_random_text_in_any_article_file(suffix: str, text: str, encoding: str) -> None:
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    try:
        documents = read_file(suffix, data)
    except QuarantineError:
        return
    assert all(d.text.strip() for d in documents)


FEED_HEAD = '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>F</title>'


@FAST
@given(st.binary(max_size=3000) | markup.map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_random_bytes_as_a_feed(data: bytes) -> None:
    try:
        documents = parse_feed(data, {"content-type": "application/rss+xml"}, "fuzz", "https://fuzz.example/feed")
    except SourceError as exc:  # QuarantineError is one
        assert exc.reason
        return
    assert all(isinstance(d, Document) and (d.title or d.url or d.text) for d in documents)


@FAST
@given(st.lists(st.tuples(markup, markup, markup), max_size=5), st.sampled_from(["", "text/html; charset=latin-1"]))
def test_random_entries_in_a_feed(items: list[tuple[str, str, str]], content_type: str) -> None:
    body = FEED_HEAD + "".join(
        f"<item><title>{title}</title><link>https://x.example/{index}</link><description>{text}</description>"
        f"<content:encoded xmlns:content='http://purl.org/rss/1.0/modules/content/'>{html}</content:encoded></item>"
        for index, (title, text, html) in enumerate(items)) + "</channel></rss>"
    try:
        documents = parse_feed(body.encode("utf-8", "surrogatepass"), {"content-type": content_type} if content_type else {},
                               "fuzz", "https://fuzz.example/feed")
    except SourceError:
        return
    # An entry with a link is never dropped (a fuzzed title may swallow later items: count at most).
    assert len(documents) <= len(items)
    assert all(d.text for d in documents)


@FAST
@given(st.binary(max_size=2000))
def test_decode_returns_text_or_says_why_not(data: bytes) -> None:
    try:
        assert isinstance(decode(data), str)
    except UndecodableError as exc:
        assert str(exc)


@FAST
@given(markup)
def test_html_converters_never_raise(text: str) -> None:
    assert isinstance(fragment_to_text(text), str)
    assert isinstance(html_to_text(text), str)


@FAST
@given(st.text(max_size=200) | st.from_regex(r"https?://[^\s]{0,60}", fullmatch=True))
def test_canonical_url_never_raises(url: str) -> None:
    result = canonical_url(url)
    assert result == "" or result.startswith("https://")


plain_html = st.lists(st.sampled_from([
    "a", "word", " ", "\n", "\r\n", "\t", ">", "\x00", "\x0b", "\x1b", "\x7f", "\x85", "\u00a0", "\u2028", "\u200b",
    "é", "e\u0301", "\u3000", "#", "- ", "## ", "’", "'", '"', "=", "/", "*", "\ufeff",
]) | st.text(alphabet=st.characters(blacklist_characters="<&"), max_size=12), max_size=40).map("".join)


@settings(max_examples=1500, deadline=None)
@given(plain_html | st.text(max_size=30))
def test_html_without_tags_or_entities_gives_the_text_nh3_and_lxml_give(value: str) -> None:
    """``html_text``'s shortcut (no "<", "&" or byte-order mark: no nh3, no lxml) changes no entry's text."""
    from briefing.safety import clean_html

    try:
        expected = fragment_to_text(clean_html(value))
    except (ValueError, UnicodeError):  # nh3 refuses lone surrogates; the shortcut need not match it there
        return
    assert html_text(value) == expected


@FAST
@given(st.text(st.sampled_from("ab é1_ -\n.\u00a0\U0001f600"), max_size=400), st.integers(0, 120))
def test_the_teaser_test_stops_early_and_says_what_the_count_says(text: str, limit: int) -> None:
    from briefing.ingest.fulltext import _fewer_words, word_count

    assert _fewer_words(text, limit) == (word_count(text) < limit)


tagged = st.lists(st.sampled_from([
    "<p>", "</p>", '<p class="x" style="color:red">', "<div>", "</div>", '<a href="https://example.org/a">',
    '<a href="javascript:alert(1)" onclick="x()">', "</a>", '<img src="x" alt="picture words" onerror="y">',
    "<br>", "<br/>", "<h2 id=h>", "</h2>", "<ul>", "<li>", "</li>", "</ul>", "<script>s()</script>",
    '<iframe src="https://evil.example/">inside</iframe>', "<style>p{}</style>", "<!-- note -->",
    '<span title="hover text">', "</span>", '<table border="1"><tr><td>cell</td></tr></table>', "<b>", "</b>",
    '<blockquote cite="https://example.org/">', "</blockquote>", "<pre>", "</pre>", "&amp;", "&lt;", "&nbsp;",
    '<abbr title="long">', "</abbr>", '<section data-x="1">', "</section>", "text ", "word ", "\n", "é", "<x-y z>",
]) | st.text(max_size=10), max_size=50).map("".join)


@settings(max_examples=600, deadline=None)
@given(tagged | markup)
def test_html_sanitised_for_its_text_gives_the_text_of_fully_sanitised_html(value: str) -> None:
    """``sanitised_text`` (nh3 keeping no attribute) reads what ``clean_html``'s markup reads."""
    from briefing.ingest.text import sanitised_text
    from briefing.safety import clean_html

    try:
        expected = fragment_to_text(clean_html(value))
    except (ValueError, UnicodeError):  # nh3 refuses lone surrogates either way
        with pytest.raises((ValueError, UnicodeError)):
            sanitised_text(value)
        return
    assert sanitised_text(value) == expected


def test_every_shared_feeds_html_gives_the_same_text_sanitised_for_its_text() -> None:
    import io

    import feedparser

    from briefing.ingest.text import sanitised_text
    from briefing.safety import clean_html
    from tests.ingest.conftest import feeds_dir

    values = []
    for path in sorted(feeds_dir().iterdir()):
        parsed = feedparser.parse(io.BytesIO(path.read_bytes()), sanitize_html=False, resolve_relative_uris=False)
        for entry in parsed.entries:
            values += [str(item.get("value") or "") for item in [*(entry.get("content") or []),
                                                                  entry.get("summary_detail") or {}]]
    assert len(values) > 150
    assert [sanitised_text(v) for v in values] == [fragment_to_text(clean_html(v)) for v in values]
