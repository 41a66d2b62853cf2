"""What untrusted text and links must pass before they reach an email, a page or a feed.

Article titles, text, sources and URLs come from files and feeds we do not
control. Three rules hold everywhere we render:

* text is escaped by the templates (autoescape) and stripped of the control
  characters XML 1.0 forbids (one stray ``\\x0b`` would make lxml refuse the
  whole feed, and clients render them as garbage);
* a link is used only if it is an absolute ``http``/``https`` URL with a host
  and no whitespace: ``javascript:``, ``data:``, ``file:`` and relative links
  never become an ``href``;
* HTML from a feed is never trusted as markup: ``clean_html`` (nh3, an
  allowlist of harmless tags and ``http``/``https`` links only) sanitises
  every fragment before any use: ingest runs feed entries' HTML through it
  before reading their text, and the feeds we publish carry our pages'
  HTML through it too.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import nh3

MAX_URL = 2048  # longer links are refused: no client needs them, some choke on them
DEFAULT_PORTS = {"http": 80, "https": 443}  # the schemes a link may have

# Characters XML 1.0 does not allow (C0 controls but tab/LF/CR, DEL is allowed
# but useless, surrogates, U+FFFE/U+FFFF).
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_URL_BREAKERS = re.compile(r"[\s\x00-\x1f\x7f<>\"'`\\]")

# Elements whose content is never text to keep (nh3 drops them with everything inside).
_DROP_WITH_CONTENT = {"script", "style", "noscript", "template", "svg", "math", "iframe", "object", "embed",
                      "video", "audio", "canvas", "picture", "button", "select", "textarea", "title", "head"}
# nh3's (ammonia's) allowlist of harmless markup without images and image maps
# (tracking pixels, remote content), plus the block elements ingest reads as
# paragraphs (sanitising must not run two paragraphs together) ...
_TAGS = (set(nh3.ALLOWED_TAGS) - {"img", "map", "area"} - _DROP_WITH_CONTENT) | {
    "section", "main", "address", "tfoot"}
# ... and the few attributes our own feed items use.
_OURS = {"a": {"title"}, "article": {"id", "class"}, "span": {"class"}, "p": {"class"}, "ol": {"class"}}
_ATTRIBUTES = {tag: set(nh3.ALLOWED_ATTRIBUTES.get(tag, ())) | _OURS.get(tag, set()) for tag in _TAGS}


def strip_control(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids."""
    return _FORBIDDEN.sub("", text)


def http_url(url: str) -> str:
    """``url`` if it is a clean absolute http(s) link, else ``""``: the one URL check
    (settings, feed links, page discovery, rendering)."""
    if not url or len(url) > MAX_URL or _URL_BREAKERS.search(url):
        return ""
    try:
        parts = urlsplit(url)
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError:
        return ""
    if parts.scheme.lower() not in DEFAULT_PORTS or not parts.hostname or not port_ok:
        return ""
    return url


def clean_html(fragment: str) -> str:
    """A feed-supplied HTML fragment reduced to harmless markup with http(s) links only."""
    return str(nh3.clean(
        strip_control(fragment),
        tags=_TAGS,
        clean_content_tags=_DROP_WITH_CONTENT,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    ))


def clean_html_for_text(fragment: str) -> str:
    """``clean_html`` for HTML that only its text is taken from (ingest: ``text.sanitised_text``).

    The same elements are kept, and the same dropped with all they hold, but no attribute
    is kept (nor ``rel`` added): a text walk never reads one, and nh3 checking and writing
    them back was more than half its time on the shared feeds. Stricter, never looser,
    than ``clean_html``; the text is the same (``tests/ingest/test_properties.py``).
    """
    return str(nh3.clean(strip_control(fragment), tags=_TAGS, clean_content_tags=_DROP_WITH_CONTENT,
                         attributes={}, link_rel=None, strip_comments=True))
