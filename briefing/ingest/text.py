"""Bytes to clean text: encoding detection and HTML main-text extraction."""

from __future__ import annotations

import codecs
import logging
import re
import unicodedata
from html import unescape
from typing import Any

from charset_normalizer import from_bytes

log = logging.getLogger(__name__)

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
    """The bytes are not text in any encoding we can tell (``binary``: they look like binary data)."""

    def __init__(self, message: str, *, binary: bool = False) -> None:
        self.binary = binary
        super().__init__(message)


def decode(data: bytes, origin: str = "") -> str:
    """Decode article bytes: BOM first, then strict UTF-8, then a detected legacy charset.

    Raises ``UndecodableError`` for binary data or bytes no charset explains,
    rather than guessing silently; a detected legacy charset is logged with
    ``origin`` so that a wrong detection can be traced.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _checked(data.decode(encoding))
            except UnicodeDecodeError as exc:
                raise UndecodableError(f"invalid {encoding} after its byte-order mark: {exc.reason}") from None
    if b"\x00" in data:
        raise UndecodableError("NUL bytes", binary=True)
    try:
        return _checked(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    encoding, text = _legacy(data)
    log.info("%s: not UTF-8; read as %s (detected by charset-normalizer)", origin or "input", encoding)
    return _checked(text)


# Windows-1252 and its ISO cousins: the usual legacy charset of Western text.
_WESTERN = ("cp1252", "latin_1", "iso8859_15")
# How much more "chaos" (charset-normalizer's mess ratio) a Western reading may
# have than the best guess and still win: short texts make the detector pick
# Baltic or DOS code pages for plain Western text (measured: cp775 for a
# cp1252 sentence with curly quotes), while a Cyrillic or Greek text read as
# cp1252 is far messier than this.
_WESTERN_TOLERANCE = 0.05


def _legacy(data: bytes) -> tuple[str, str]:
    """The charset (and text) of bytes that are not UTF-8, preferring Western readings."""
    results = from_bytes(data)
    best = results.best()
    if best is None or best.encoding is None:
        raise UndecodableError("not UTF-8 and not text in any charset charset-normalizer knows")
    western = next((match for match in results if match.encoding in _WESTERN), None)
    if western is not None and western.chaos <= best.chaos + _WESTERN_TOLERANCE:
        best = western
    return best.encoding, str(best)


def _checked(text: str) -> str:
    if len(_CONTROL.findall(text[:10_000])) > 3:
        raise UndecodableError("control characters", binary=True)
    return text


def normalise_text(text: str) -> str:
    """NFC, unified newlines, no trailing blanks, at most one blank line in a row."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u00a0", " ").replace("\u200b", "")
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(html: str) -> str:
    """Main text of an HTML page, paragraphs kept, navigation and comments dropped.

    trafilatura finds the main text; a page it finds too short to extract falls
    back to the page's own blocks, minus navigation, headers, footers, asides
    and forms, so a page of nothing but a menu yields "" (and is quarantined).
    """
    blocks = fragment_to_text(html, page=True)
    if not blocks:
        return ""  # nothing outside navigation, headers, footers and scripts
    extracted = _trafilatura_markdown(html)
    return markdown_to_text(extracted) if extracted else blocks


def _trafilatura_markdown(html: str) -> str:
    import trafilatura  # imported on the first HTML page: a folder of text files never pays for it

    try:
        extracted = trafilatura.extract(
            _without_xml_declaration(html),
            output_format="markdown",  # keeps headings marked for the section splitter
            include_formatting=True,
            include_comments=False,
            include_tables=False,
            include_links=False,
            favor_recall=True,
            deduplicate=False,
        )
    except (ValueError, TypeError, LookupError, RecursionError) as exc:
        # trafilatura/lxml reject some malformed markup outright; the block
        # walker below still reads what it can.
        log.debug("trafilatura could not read the page: %s", exc)
        return ""
    return extracted or ""


_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|(?<!\w)\*|(?<!\w)_)(?=\S)(.+?)(?<=\S)\1")


def markdown_to_text(text: str) -> str:
    """Markdown to plain text, keeping ``#`` headings and list bullets as structure."""
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_EMPHASIS.sub(r"\2", text)
    return normalise_text(text)


# Elements whose content is never article text.
_DROP = frozenset({
    "script", "style", "noscript", "template", "svg", "math", "iframe", "object", "embed",
    "img", "picture", "video", "audio", "canvas", "head", "title", "meta", "link",
    "button", "input", "select", "textarea",
})
# ... and, in a whole page, the furniture around the article.
_PAGE_FURNITURE = frozenset({"nav", "header", "footer", "aside", "form", "menu", "dialog"})
_BLOCKS = frozenset({
    "p", "div", "section", "article", "main", "blockquote", "pre", "table", "thead", "tbody",
    "tr", "ul", "ol", "dl", "dt", "dd", "figure", "figcaption", "address", "hr", "br",
    "header", "footer", "details", "summary", "center", "body", "html",
})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)


def sanitised_text(html: str) -> str:
    """The text of untrusted HTML (a feed entry's content, an extracted page): sanitised by
    nh3 first (``safety.clean_html_for_text``: feed HTML is never parsed unsanitised), then
    ``fragment_to_text``."""
    from briefing.safety import clean_html_for_text

    return fragment_to_text(clean_html_for_text(html))


def fragment_to_text(html: str, *, page: bool = False) -> str:
    """Text of an HTML fragment (a feed entry's content) by its block structure.

    A feed entry's content is the article itself, not a page around it, so
    nothing is judged boilerplate: paragraphs become paragraphs, headings
    ``## `` lines, list items ``- `` bullets; images and scripts are dropped.
    ``page=True`` also drops navigation, headers, footers, asides and forms.
    """
    root = _parse_fragment(html)
    if root is None:
        return ""
    writer = _BlockWriter(_DROP | _PAGE_FURNITURE if page else _DROP)
    writer.walk(root, "")
    writer.flush("")
    return normalise_text("\n\n".join(writer.paragraphs))


def _parse_fragment(html: str) -> Any:
    from lxml import html as lxml_html
    from lxml.etree import LxmlError

    text = _without_xml_declaration(html).replace("\x00", "")
    if not text.strip():
        return None
    try:
        return lxml_html.fromstring(text)
    except (LxmlError, ValueError, RecursionError):
        return None


def _without_xml_declaration(html: str) -> str:
    """lxml refuses a ``str`` that still declares its byte encoding."""
    return _XML_DECLARATION.sub("", html, count=1)


class _BlockWriter:
    """Walks an lxml tree and collects paragraphs, one per block element."""

    def __init__(self, drop: frozenset[str]) -> None:
        self.drop = drop
        self.paragraphs: list[str] = []
        self.buffer: list[str] = []

    def walk(self, element: Any, prefix: str) -> None:
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        if tag and tag not in self.drop:
            if tag in _BLOCKS or tag in _HEADINGS or tag == "li":
                self._block(element, tag, prefix)
            else:
                self._inline(element, prefix)
        if element.tail:
            self.buffer.append(element.tail)

    def _block(self, element: Any, tag: str, prefix: str) -> None:
        self.flush(prefix)
        inner = "## " if tag in _HEADINGS else ("- " if tag == "li" else prefix)
        self._inline(element, inner)
        self.flush(inner)

    def _inline(self, element: Any, prefix: str) -> None:
        if element.text:
            self.buffer.append(element.text)
        for child in element:
            self.walk(child, prefix)

    def flush(self, prefix: str) -> None:
        text = " ".join("".join(self.buffer).split())
        self.buffer.clear()
        if text:
            self.paragraphs.append(prefix + text)


def html_title(html: str) -> str:
    """The page's title (from metadata), or "".

    The title steps of ``trafilatura.extract_metadata`` alone (meta tags, then
    JSON-LD, then the page's title elements, then its clean-up): the whole call
    also guesses the page's date (htmldate), which was most of its cost, and
    the author, site name, tags and licence, all thrown away here.
    """
    from trafilatura.metadata import examine_meta, extract_meta_json, extract_title
    from trafilatura.utils import load_html

    try:
        tree = load_html(_without_xml_declaration(html))
        if tree is None:
            return ""
        metadata = examine_meta(tree)
        try:
            metadata = extract_meta_json(tree, metadata)
        except Exception as exc:  # noqa: BLE001 - as extract_metadata: bugs in its JSON-LD reader
            log.debug("ignoring the page's JSON-LD metadata: %s", exc)
        if not metadata.title:
            metadata.title = extract_title(tree)
        metadata.clean_and_trim()
    except (ValueError, TypeError, LookupError, RecursionError):
        return ""
    return (metadata.title or "").strip()


def inline_text(value: str, *, is_html: bool) -> str:
    """A one-line title or name: tags stripped when it is HTML, entities decoded, spaces collapsed."""
    if is_html and "<" in value:
        value = fragment_to_text(value).replace("## ", "").replace("- ", "")
    return " ".join(unescape(value).split())
