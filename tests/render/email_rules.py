"""The email rules a parser can check, as one function returning what is broken.

``violations(html)`` reads the final (inlined) email HTML with html5lib (the
HTML5 parsing algorithm, as browsers do) and lxml and lists every rule broken.
The tests run it over real renders, and over deliberately broken copies to
show that each rule is really checked.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import cssutils
import html5lib
from lxml import etree
from lxml import html as lxml_html

cssutils.log.setLevel(logging.CRITICAL)

SYSTEM_FONTS = ("-apple-system", "segoe ui", "roboto", "helvetica", "arial", "sans-serif")
MIN_CONTRAST = 4.5  # WCAG AA for body text
_HEX = re.compile(r"^#([0-9a-f]{3}|[0-9a-f]{6})$", re.IGNORECASE)
_BANNED_CSS = (
    (re.compile(r"display\s*:\s*(inline-)?(flex|grid)", re.IGNORECASE), "display:flex/grid"),
    (re.compile(r"(^|[;{\s])position\s*:", re.IGNORECASE), "position:"),
    (re.compile(r"var\(\s*--", re.IGNORECASE), "CSS variable var(--…)"),
    (re.compile(r"(^|[;{\s])--[\w-]+\s*:", re.IGNORECASE), "CSS custom property"),
    (re.compile(r"@import", re.IGNORECASE), "@import"),
)


def parse(html: str) -> lxml_html.HtmlElement:
    return lxml_html.document_fromstring(html)


def parse_errors(html: str) -> list[str]:
    parser = html5lib.HTMLParser(strict=False)
    parser.parse(html)
    return [f"html5lib: {error[1]} at {error[0]}" for error in parser.errors]


def violations(html: str) -> list[str]:
    """Every email rule ``html`` breaks (empty when all hold)."""
    doc = parse(html)
    found = parse_errors(html)
    found += _document(html, doc)
    found += _styles(doc)
    found += _layout(html, doc)
    found += _links_and_images(doc)
    found += _colours(doc)
    return found


def _document(html: str, doc: lxml_html.HtmlElement) -> list[str]:
    found = []
    if not html.startswith("<!DOCTYPE html>"):
        found.append("no <!DOCTYPE html> first")
    if not doc.get("lang"):
        found.append("<html> has no lang")
    if not doc.xpath("/html/head/meta[translate(@charset, 'UTF', 'utf')='utf-8']"):
        found.append('no <meta charset="utf-8"> in <head>')
    if doc.xpath("//script"):
        found.append("<script> present")
    for element in doc.iter(etree.Element):
        for name in element.attrib:
            if name.lower().startswith("on"):
                found.append(f"event handler attribute {name} on <{element.tag}>")
    return found


def _styles(doc: lxml_html.HtmlElement) -> list[str]:
    found = []
    if doc.xpath("//link[contains(translate(@rel, 'STYLESHEET', 'stylesheet'), 'stylesheet')]"):
        found.append("external stylesheet <link>")
    for style in doc.xpath("//style"):
        if style.getparent().tag != "head":
            found.append("<style> outside <head>")
        text = style.text or ""
        for rule in cssutils.parseString(text).cssRules:
            if rule.type not in (rule.MEDIA_RULE, rule.COMMENT):
                found.append(f"<style> holds a non-@media rule: {rule.cssText[:60]!r}")
        found += _banned(text, "<style>")
    for element in doc.xpath("//*[@style]"):
        found += _banned(element.get("style"), f"style of <{element.tag}>")
    body = doc.find("body")
    fonts = _declarations(body.get("style", "") if body is not None else "").get("font-family", "").lower()
    if not all(font in fonts for font in SYSTEM_FONTS):
        found.append(f"<body> font-family is not the system stack: {fonts!r}")
    return found


def _banned(css: str, where: str) -> list[str]:
    return [f"{label} in {where}" for pattern, label in _BANNED_CSS if pattern.search(css)]


def _layout(html: str, doc: lxml_html.HtmlElement) -> list[str]:
    found = [f"layout <table> without role=presentation: {table.get('class')}"
             for table in doc.xpath("//table") if table.get("role") != "presentation"]
    comments = [c.text or "" for c in doc.iter(etree.Comment)]
    if not any("[if mso]" in c and "<table" in c and 'width="600"' in c for c in comments):
        found.append("no Outlook (MSO) conditional wrapper table of width 600")
    if not any("[if mso]" in c and "</table>" in c for c in comments):
        found.append("the MSO wrapper table is never closed")
    containers = [t for t in doc.xpath("//table") if "max-width:600px" in t.get("style", "").replace(" ", "")]
    if not containers:
        found.append("no 600 px (max-width) content table")
    body = doc.find("body")
    first = next(body.iterchildren(etree.Element), None) if body is not None else None
    hidden = _declarations(first.get("style", "")) if first is not None else {}
    if first is None or hidden.get("display") != "none" or hidden.get("mso-hide") != "all":
        found.append("the first element of <body> is not a hidden preheader")
    if not doc.xpath("//meta[@name='viewport']"):
        found.append("no viewport meta")
    if not re.search(r"@media[^{]*max-width", "".join(s.text or "" for s in doc.xpath("//style"))):
        found.append("no @media rule for narrow screens")
    return found


def _links_and_images(doc: lxml_html.HtmlElement) -> list[str]:
    found = [f"link is not absolute http(s): {a.get('href')!r}"
             for a in doc.xpath("//a") if not re.match(r"https?://[^\s/]+", a.get("href") or "")]
    for image in doc.xpath("//img"):
        if image.get("alt") is None or not image.get("width"):
            found.append(f"<img> without alt and width: {image.get('src')!r}")
        if not (image.get("src") or "").startswith("https://"):
            found.append(f"<img> src is not absolute https: {image.get('src')!r}")
    return found


def _colours(doc: lxml_html.HtmlElement) -> list[str]:
    """Every coloured text sits on an explicitly coloured background, with enough contrast.

    Clients that recolour for dark mode change a colour and the background
    declared with it together; text whose background is left to the client
    is what vanishes.
    """
    found = []
    for element in doc.iter(etree.Element):
        colour = _declarations(element.get("style", "")).get("color")
        if not colour:
            continue
        background = next(_backgrounds(element), None)
        if background is None:
            found.append(f"<{element.tag} class={element.get('class')!r}> sets color {colour} with no background")
            continue
        if not (_HEX.match(colour) and _HEX.match(background)):
            found.append(f"<{element.tag}> colour {colour} on {background}: not plain #hex colours")
            continue
        ratio = contrast(colour, background)
        if ratio < MIN_CONTRAST:
            found.append(f"<{element.tag} class={element.get('class')!r}> {colour} on {background}: contrast {ratio:.2f}")
    return found


def _backgrounds(element: etree._Element) -> Iterator[str]:
    node: etree._Element | None = element
    while node is not None:
        declared = _declarations(node.get("style", "")).get("background-color") or node.get("bgcolor")
        if declared:
            yield declared
        node = node.getparent()


def _declarations(style: str) -> dict[str, str]:
    pairs = (part.split(":", 1) for part in style.split(";") if ":" in part)
    return {name.strip().lower(): value.strip().lower() for name, value in pairs}


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio of two #rgb/#rrggbb colours."""
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _luminance(colour: str) -> float:
    value = colour.strip().lstrip("#")
    if len(value) == 3:
        value = "".join(ch * 2 for ch in value)
    channels = [int(value[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
