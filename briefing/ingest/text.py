"""Bytes to clean text: encoding detection and HTML main-text extraction."""

from __future__ import annotations

import codecs
import re
import unicodedata

import trafilatura
from charset_normalizer import from_bytes

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Control characters other than tab/newline mean binary, not text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class UndecodableError(ValueError):
    """The bytes are not text in any encoding we can tell."""


def decode(data: bytes) -> str:
    """Decode article bytes: BOM first, then strict UTF-8, then a detected legacy charset.

    Raises ``UndecodableError`` for binary data or bytes no charset explains,
    rather than guessing silently.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _checked(data.decode(encoding))
            except UnicodeDecodeError as exc:
                raise UndecodableError(f"invalid {encoding} after its byte-order mark: {exc.reason}") from None
    if b"\x00" in data:
        raise UndecodableError("binary data (NUL bytes)")
    try:
        return _checked(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise UndecodableError("not text in any known encoding")
    return _checked(str(best))


def _checked(text: str) -> str:
    if len(_CONTROL.findall(text[:10_000])) > 3:
        raise UndecodableError("binary data (control characters)")
    return text


def normalise_text(text: str) -> str:
    """NFC, unified newlines, no trailing blanks, at most one blank line in a row."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u00a0", " ").replace("\u200b", "")
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(html: str) -> str:
    """Main text of an HTML page or fragment, paragraphs kept, boilerplate dropped."""
    extracted = trafilatura.extract(
        html,
        output_format="markdown",  # keeps headings marked for the section splitter
        include_formatting=True,
        include_comments=False,
        include_tables=False,
        include_links=False,
        favor_recall=True,
        deduplicate=False,
    )
    if not extracted:
        extracted = _plain_fragment(html)
    return markdown_to_text(extracted)


_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|(?<!\w)\*|(?<!\w)_)(?=\S)(.+?)(?<=\S)\1")


def markdown_to_text(text: str) -> str:
    """Markdown to plain text, keeping ``#`` headings and list bullets as structure."""
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_EMPHASIS.sub(r"\2", text)
    return normalise_text(text)


def _plain_fragment(html: str) -> str:
    """Text of a small fragment that trafilatura finds too short to extract."""
    from lxml import html as lxml_html
    from lxml.etree import ParserError

    try:
        root = lxml_html.fromstring(html)
    except (ParserError, ValueError):
        return ""
    for bad in root.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    for block in root.xpath("//p|//br|//li|//div|//h1|//h2|//h3|//h4|//h5|//h6|//tr"):
        block.tail = "\n" + (block.tail or "")
    return str(root.text_content())


def html_title(html: str) -> str:
    """The page's title (from metadata), or ""."""
    metadata = trafilatura.extract_metadata(html)
    return (metadata.title or "").strip() if metadata is not None else ""
