"""The layout of a plain-text article: its lines, headings and title line, and its title.

A neutral text module (foundation layer) that ingest and the summariser both read
with, so neither imports the other. Ingest stores an article's text as it came
(one paragraph, heading or list item a line: ``briefing.ingest.text``) and derives
its title here (``derive_title``); the summariser splits the same stored text into
highlights, body, implications, questions and closing when it tells a story
(``briefing.summarise.sections``), reading the lines and headings with this
module. Render drops the same inline boilerplate from archive pages.

Headings are recognised by shape: a short line (at most ``HEADING_MAX_WORDS``
words) without final punctuation, or one marked as a heading in Markdown/HTML
(``#``). A heading's words name its kind (``HEADING_KINDS``: highlights,
questions, closing, implications; any other heading is of no kind and continues
the body). Web boilerplate ("Leave a Reply", "(opens in a new tab)", ...) is
dropped first, by the patterns in ``BOILERPLATE_LINES`` and ``BOILERPLATE_INLINE``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from briefing.sentences import BULLET, shorten, split_sentences

TITLE_MAX_CHARS = 150
HEADING_MAX_WORDS = 12
HEADING_MAX_CHARS = 110
HEADLINE_MAX_WORDS = 25  # a headline over a date line may be longer than a heading
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
DATE_LINE = re.compile(
    rf"^(?:(?:published|updated|posted|date)[:\s]\s*)?(?:[a-z]+day,?\s+)?"
    rf"(?:{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH},?\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}})"
    r"[^.!?]{0,40}$",
    re.IGNORECASE,
)

_MARKUP_LINE = r"^.*(<!--|-->|/wp:).*$"
# Whole lines that are page furniture, not article text.
BOILERPLATE_LINES = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"^leave a (reply|comment)\b.*$",
        r"^spread the word:?$",
        r"^share (this|on)\b.*$",
        r"^\d+\s+comments?$",
        r"^(no|\d+) responses?$",
        r"^source:\s.*$",
        r"^(related|read more|you may also like)( (posts|articles|stories))?:?$",
        r"^to discuss further\b.*$",
        r"^(click here|subscribe|sign up|follow us)\b.*$",
        r"^©.*$",
        _MARKUP_LINE,
        r"^(like this|loading)(:|\.\.\.)$",
    )
)
BOILERPLATE_INLINE = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (r"\s*\(opens in a new (tab|window)\)", r"\s*\[(link|source)\]")
)
HEADING_KINDS = (
    ("highlights", re.compile(r"^(highlights|key (points|takeaways|facts)|at a glance|in brief|tl;?dr)\b", re.I)),
    ("questions", re.compile(r"\bquestions?\b|\bwhat to watch\b|\bto watch\b|\bwatch ?list\b|\baction (points?|items?)\b|"
                             r"\bnext steps?\b|\bwhat(?:'s| comes) next\b|\blooking ahead\b", re.I)),
    ("closing", re.compile(r"^(the )?(bottom line|conclusions?|final thoughts|in conclusion|summing up|wrap-?up)\b", re.I)),
    ("implications", re.compile(r"implications?|why (this|it) matters|what (it|this) means|so what|what's at stake", re.I)),
)
# BOILERPLATE_LINES, read faster with the same answer: the patterns anchored at the
# start in one alternation (it matches exactly when one of them does), and the markup
# line (a comment or WordPress block anywhere in it) searched for only in a line with
# "--" or "/", which each of its marks contains.
_BOILERPLATE_START = re.compile(
    "|".join(f"(?:{p.pattern})" for p in BOILERPLATE_LINES if p.pattern != _MARKUP_LINE), re.IGNORECASE)
_MARKUP = re.compile(r"<!--|-->|/wp:", re.IGNORECASE)
_MARKED_HEADING = re.compile(r"^#{1,6}\s+")
_ABBREVIATION_END = re.compile(r"\b(?:[A-Z]\.){2,}$|\b(?:Inc|Ltd|Co|Corp|Jr|Sr|St)\.$")
_QUESTION_LEAD = re.compile(r"\bquestions?\b[^.]*:$", re.I)


@dataclass(frozen=True)
class Line:
    """One line of an article's text: a paragraph, heading or list item, its marker removed."""

    text: str
    bullet: bool
    marked_heading: bool


def without_inline_boilerplate(line: str) -> str:
    """``line`` less the inline furniture of ``BOILERPLATE_INLINE`` ("(opens in a new tab)", "[link]")."""
    if "(" in line or "[" in line:  # every inline pattern needs one of them
        for pattern in BOILERPLATE_INLINE:
            line = pattern.sub("", line)
    return line


def read_lines(text: str) -> list[Line]:
    """The lines of ``text`` (clean text, one paragraph or list item a line), boilerplate dropped."""
    lines = []
    for raw in text.split("\n"):
        line = without_inline_boilerplate(raw.strip())
        if not line or _BOILERPLATE_START.match(line) or ("--" in line or "/" in line) and _MARKUP.search(line):
            continue
        marker = BULLET.match(line)
        marked = line[0] == "#" and bool(_MARKED_HEADING.match(line))
        if marker:
            line = line[marker.end():]
        if line and line[0] == "#":
            line = _MARKED_HEADING.sub("", line)
        line = line.strip()
        if line:
            lines.append(Line(line, bool(marker), marked))
    return lines


def title_split(lines: list[Line]) -> tuple[str, list[Line]]:
    """The text's title line ("" without one) and the lines after it.

    Briefing-style pages put the authors' headline over a date line: a title, not a
    highlight (the date line goes with it). Otherwise a first line that is a heading of
    no kind is the title.
    """
    if len(lines) > 1 and _is_headline_over_date(lines):
        return lines[0].text, lines[2:]
    if lines and is_heading(lines, 0) and heading_kind(lines[0].text) is None:
        return lines[0].text, lines[1:]
    return "", lines


def is_heading(lines: list[Line], index: int) -> bool:
    """Whether ``lines[index]`` heads the lines after it (by markup or by shape)."""
    line = lines[index]
    if line.marked_heading:
        return True
    if line.bullet or index == len(lines) - 1:
        return False
    text = line.text
    if len(text) > HEADING_MAX_CHARS:  # most paragraphs: no need to count their words
        return False
    words = text.split()
    if len(words) > HEADING_MAX_WORDS or not text[0].isupper() and not text[0].isdigit():
        return False
    last = text[-1]
    if last == ":":
        return heading_kind(text) is not None and not is_question_lead(text) or _is_question_heading(text)
    if last == "?":
        return len(words) <= 10 and not lines[index + 1].bullet
    if last == ".":
        return bool(_ABBREVIATION_END.search(text))
    return last not in ",;!\"'”’)"


def heading_kind(text: str) -> str | None:
    """The kind of section a heading opens (a ``HEADING_KINDS`` name), or None."""
    for kind, pattern in HEADING_KINDS:
        if pattern.search(text.rstrip(":")):
            return kind
    return None


def is_question_lead(text: str) -> bool:
    """A lead line ending in "questions:" ("This raises key questions:"): a list of questions follows."""
    return text.endswith(":") and bool(_QUESTION_LEAD.search(text))


def derive_title(given: str, text: str) -> str:
    """An article's title: the given one, the text's title line, or its lead line's first sentence, shortened.

    The lead line is the first item under a highlights heading, else the first line
    of the body, else the first line that is not a heading (``lead_line``).
    """
    title = given.strip()
    if not title:
        title, lines = title_split(read_lines(text))
        if not title:
            title = (split_sentences(lead_line(lines)) or ["Untitled"])[0]
    return shorten(title.rstrip(".").strip(), TITLE_MAX_CHARS)


def lead_line(lines: list[Line]) -> str:
    """The first item under a highlights heading, else the first line under no heading of a
    kind (the body), else the first line that is not a heading; "" for none.

    This is the title's rule, not the summariser's sections: on every text of the shared
    data (seeds, bbc-dev, clusters-dev, feeds) it picks the line the old "first highlight,
    body or implication of the split" did; on texts made only of lists under question or
    closing headings it picks their first line where the split gave "Untitled".
    """
    first_body = first = ""
    kind: str | None = None
    for index, line in enumerate(lines):
        if is_heading(lines, index):
            kind = heading_kind(line.text)
            continue
        if kind == "highlights":
            return line.text
        first = first or line.text
        if kind is None and not first_body:
            first_body = line.text
    return first_body or first


def _is_headline_over_date(lines: list[Line]) -> bool:
    first = lines[0]
    return (
        not first.bullet
        and len(first.text.split()) <= HEADLINE_MAX_WORDS
        and first.text[-1] not in ".:;,"
        and heading_kind(first.text) is None
        and bool(DATE_LINE.match(lines[1].text))
    )


def _is_question_heading(text: str) -> bool:
    """"Key Unanswered Questions:" is a heading; "This raises key questions:" is a lead line."""
    return len(text.split()) <= 5 and heading_kind(text) == "questions"
