"""Repair mojibake as published: UTF-8 read in a legacy charset by the publisher.

ftfy (``fix_text``) undoes the usual cases (Windows-1252, Latin-1, MacRoman ...:
"Itâ€™s" -> "It's"). It does not know Windows-874 (Thai), in which a UTF-8 dash
becomes "โ€”" ("globalโ€”and" in a real page); ``_thai_mojibake`` undoes runs
that re-encode to valid UTF-8 punctuation. Every repair is logged with the item's
origin, never silent.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from dataclasses import replace

from briefing.models import Document

log = logging.getLogger(__name__)

# A UTF-8 lead byte E2 (General Punctuation, U+2000-U+206F) seen as Windows-874 is
# "โ"; its continuation bytes 0x80-0xBF become "€", quotes, dashes or Thai letters.
_THAI_RUN = re.compile("\u0e42[\u0080-\u00ff\u20ac\u201a-\u201e\u2020-\u2026\u2018-\u2019\u201c-\u201d\u2013-\u2014\u2122\u0153\u0161\u203a\u0e01-\u0e3f]{2}")


# What ftfy can change in pure-ASCII text: HTML entities and the control characters it
# removes (its ``CONTROL_CHARS`` below 128, escape included). Mojibake itself is never ASCII.
_ASCII_FIXABLE = re.compile("[&\x00-\x08\x0b\x0e-\x1f\x7f]")


def repair(text: str) -> str:
    """``text`` with mojibake undone (unchanged when there is none).

    Plain ASCII with nothing ftfy would touch is returned as it is, without calling
    it (a fifth of a cold ingest of English news; ``tests/ingest/test_mojibake.py``
    checks the shortcut against ftfy itself).
    """
    if text.isascii() and not _ASCII_FIXABLE.search(text):
        return text
    return _THAI_RUN.sub(_thai_mojibake, _fix_lines(text))


def _fix_lines(text: str) -> str:
    """``ftfy.fix_text`` as ``ftfy_repair`` calls it, without calling ftfy on the lines it would not touch.

    ftfy fixes a text line by line (segments ending at a newline, or every
    ``max_decode_length`` characters), switching ``unescape_html`` off for good at the
    first segment holding a "<". This is the same loop, the same switch and the same
    ``fix_and_explain`` call, except that a segment of plain ASCII with nothing ftfy
    would touch (``_ASCII_FIXABLE``) is kept as it is: the ASCII paragraphs of a text
    with one "£" or curly quote are no longer run through every fixer
    (``tests/ingest/test_mojibake.py`` checks it against ``ftfy.fix_text``).
    """
    import ftfy

    config = ftfy.TextFixerConfig(explain=False, normalization="NFC", uncurl_quotes=False, fix_line_breaks=False)
    out = []
    pos = 0
    while pos < len(text):
        textbreak = text.find("\n", pos) + 1
        if textbreak == 0:
            textbreak = len(text)
        if textbreak - pos > config.max_decode_length:
            textbreak = pos + config.max_decode_length
        segment = text[pos:textbreak]
        if config.unescape_html == "auto" and "<" in segment:
            config = config._replace(unescape_html=False)
        if (segment.isascii() and not _ASCII_FIXABLE.search(segment)) or _untouched(segment):
            out.append(segment)
        else:
            out.append(ftfy.fix_and_explain(segment, config)[0])
        pos = textbreak
    return "".join(out)


def _untouched(segment: str) -> bool:
    """Whether ``fix_and_explain`` (with ``_fix_lines``' config) would give ``segment`` back as it is.

    It does exactly when no step changes it: the encoding fix does nothing to text
    ftfy's ``is_bad`` finds no mojibake in (its first test); the other fixers only
    touch the characters of ``_ftfy_touches`` ("&" for entities, escape for terminal
    codes, C1 controls, surrogates, and the keys of ftfy's ligature, width and control
    tables); NFC leaves normalised text alone. For the many lines of real non-ASCII text
    (curly quotes, "£", names) this spares the eight fixers and the normalisation and
    keeps the one check that matters (``tests/ingest/test_mojibake.py`` compares the
    result with ``ftfy.fix_text`` on all of bbc-dev and on random Unicode).
    """
    from ftfy.badness import is_bad

    return (not _ftfy_touches().search(segment) and unicodedata.is_normalized("NFC", segment)
            and not (_MAYBE_BAD.search(segment) and is_bad(segment)))


# Every pattern of ftfy's ``is_bad`` (``ftfy.badness.BADNESS_RE``; none of its character
# classes holds an ASCII character) has two non-ASCII characters side by side, or one of
# the C1 controls, "Œ", "œ", "Â", "Ã" (its only patterns with a lone non-ASCII character,
# the rest of them ASCII): a segment with none of these has nothing for it to find. Most
# accented text has no such pair ("für", "décidé", a curly quote), and ``is_bad``'s long
# expression was three quarters of repairing the shared feeds
# (``tests/ingest/test_mojibake.py`` tries every character of its classes in ASCII company).
_MAYBE_BAD = re.compile("[^\x00-\x7f]{2}|[\x80-\x9f\u0152\u0153\u00c2\u00c3]")


@functools.cache
def _ftfy_touches() -> re.Pattern[str]:
    from ftfy import chardata

    points = {*chardata.LIGATURES, *chardata.WIDTH_MAP, *chardata.CONTROL_CHARS, ord("&"), 0x1B,
              *range(0x80, 0xA0), *range(0xD800, 0xE000)}
    return re.compile("[" + "".join(re.escape(chr(point)) for point in sorted(points)) + "]")


def ftfy_repair(text: str) -> str:
    """``repair`` without the ASCII shortcuts: ``ftfy.fix_text`` itself (the reference)."""
    import ftfy  # a folder of plain-ASCII texts never imports it

    fixed = ftfy.fix_text(text, normalization="NFC", uncurl_quotes=False, fix_line_breaks=False)
    return _THAI_RUN.sub(_thai_mojibake, fixed)


def _thai_mojibake(match: re.Match[str]) -> str:
    run = match.group(0)
    try:
        decoded = b"".join(_byte(c) for c in run).decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return run
    return decoded if len(decoded) == 1 and "\u2000" <= decoded <= "\u206f" else run


def _byte(char: str) -> bytes:
    """The byte ``char`` was in Windows-874; its holes (0x99 ...) shown as Windows-1252 shows them."""
    try:
        return char.encode("cp874")
    except UnicodeEncodeError:
        return char.encode("cp1252")


def repaired(document: Document) -> Document:
    """``document`` with its title and text repaired; a change is logged with its origin."""
    title, text = repair(document.title), repair(document.text)
    if title == document.title and text == document.text:
        return document
    changed = sum(a != b for a, b in zip(document.text, text)) + abs(len(document.text) - len(text))
    log.info("%s: repaired mojibake (%d characters changed in the text%s)", document.origin, changed,
             ", and the title" if title != document.title else "")
    return replace(document, title=title, text=text)
