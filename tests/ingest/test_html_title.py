"""``html_title`` takes only the title steps of ``trafilatura.extract_metadata``: the same titles."""

from __future__ import annotations

from pathlib import Path

import pytest
import trafilatura

from briefing.ingest.text import _without_xml_declaration, html_title

ROOT = Path(__file__).resolve().parents[2]
PAGES = [
    '<html><head><meta property="og:title" content="OG &amp; title"><title>T</title></head><body><h1>H</h1></body></html>',
    '<html><head><script type="application/ld+json">{"@type": "NewsArticle", "headline": "LD headline"}</script>'
    "</head><body><p>x</p></body></html>",
    '<html><head><script type="application/ld+json">{not json</script><title>Broken LD</title></head></html>',
    "<html><head><title>Rare earths | Mining Weekly</title></head><body><h1>Rare earths</h1></body></html>",
    "<html><body><h1>Only a heading</h1><p>text</p></body></html>",
    '<html><head><meta name="twitter:title" content="  Spaced   out  "></head></html>',
    '<?xml version="1.0" encoding="utf-8"?><html><head><title>Declared</title></head></html>',
    "<html><head><title>" + "Long " * 3000 + "</title></head></html>",
    "", "not html at all", "<html></html>",
]


def extract_metadata_title(html: str) -> str:
    """What ``html_title`` returned before: the title of the whole metadata extraction."""
    try:
        metadata = trafilatura.extract_metadata(_without_xml_declaration(html))
    except (ValueError, TypeError, LookupError, RecursionError):
        return ""
    return (metadata.title or "").strip() if metadata is not None else ""


def pages() -> list[str]:
    found = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(ROOT.glob("tests/**/*.htm*"))]
    return PAGES + found


@pytest.mark.parametrize("html", pages())
def test_the_title_is_the_one_extract_metadata_finds(html: str) -> None:
    assert html_title(html) == extract_metadata_title(html)
