"""Split an article into highlights, body, implications, questions and closing.

Analyst pieces like the seeds are loosely structured plain text, so headings
are recognised by shape: a short line (at most ``HEADING_MAX_WORDS`` words)
without final punctuation, or one marked as a heading in Markdown/HTML
(``#``). A heading's words decide the kind of the section below it (the
``HEADING_KINDS`` patterns); unknown headings continue the body. A lead line
ending in "questions:" makes the list after it questions wherever it stands.
"Bottom line", "Conclusion" and "Final Thoughts" open the closing section.
Web boilerplate ("Leave a Reply", "(opens in a new tab)", ...) is dropped
first, by the patterns in ``BOILERPLATE_LINES`` and ``BOILERPLATE_INLINE``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from briefing.models import Sections
from briefing.summarise.sentences import BULLET

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
        r"^.*(<!--|-->|/wp:).*$",
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
_MARKED_HEADING = re.compile(r"^#{1,6}\s+")
_ABBREVIATION_END = re.compile(r"\b(?:[A-Z]\.){2,}$|\b(?:Inc|Ltd|Co|Corp|Jr|Sr|St)\.$")
_QUESTION_LEAD = re.compile(r"\bquestions?\b[^.]*:$", re.I)


@dataclass(frozen=True)
class _Line:
    text: str
    bullet: bool
    marked_heading: bool


def split_sections(text: str) -> Sections:
    """Sections of ``text`` (clean text, one paragraph or list item a line)."""
    lines = _lines(text)
    title = ""
    if len(lines) > 1 and _is_headline_over_date(lines):
        # Briefing-style pages: the authors' headline, then its date line. A title, not a highlight.
        title, lines = lines[0].text, lines[2:]
    elif lines and _is_heading(lines, 0) and _heading_kind(lines[0].text) is None:
        title, lines = lines[0].text, lines[1:]
    parts: dict[str, list[str]] = {k: [] for k in ("highlights", "body", "implications", "questions", "closing")}
    kind = "body"
    in_question_list = False
    for index, line in enumerate(lines):
        if _is_heading(lines, index):
            kind = _heading_kind(line.text) or "body"
            in_question_list = False
            continue
        if in_question_list and line.bullet:
            parts["questions"].append(line.text)
            continue
        in_question_list = False
        if not line.bullet and _QUESTION_LEAD.search(line.text):
            in_question_list = True
            if kind == "questions":
                continue
        if kind == "highlights" and not line.bullet and parts["highlights"]:
            kind = "body"  # the highlight list ended and the story began, with no heading
        if kind == "questions" and not (line.bullet or line.text.endswith("?")):
            kind = "body"
        parts[kind].append(line.text)
    return Sections(title=title, **{k: tuple(v) for k, v in parts.items()})


def _is_headline_over_date(lines: list[_Line]) -> bool:
    first = lines[0]
    return (
        not first.bullet
        and len(first.text.split()) <= HEADLINE_MAX_WORDS
        and first.text[-1] not in ".:;,"
        and _heading_kind(first.text) is None
        and bool(DATE_LINE.match(lines[1].text))
    )


def _lines(text: str) -> list[_Line]:
    lines = []
    for raw in text.split("\n"):
        line = raw.strip()
        for pattern in BOILERPLATE_INLINE:
            line = pattern.sub("", line)
        if not line or any(p.match(line) for p in BOILERPLATE_LINES):
            continue
        bullet = bool(BULLET.match(line))
        marked = bool(_MARKED_HEADING.match(line))
        line = _MARKED_HEADING.sub("", BULLET.sub("", line)).strip()
        if line:
            lines.append(_Line(line, bullet, marked))
    return lines


def _is_heading(lines: list[_Line], index: int) -> bool:
    line = lines[index]
    if line.marked_heading:
        return True
    if line.bullet or index == len(lines) - 1:
        return False
    text = line.text
    words = text.split()
    if len(words) > HEADING_MAX_WORDS or len(text) > HEADING_MAX_CHARS or not text[0].isupper() and not text[0].isdigit():
        return False
    last = text[-1]
    if last == ":":
        return _heading_kind(text) is not None and not _QUESTION_LEAD.search(text) or _is_question_heading(text)
    if last == "?":
        return len(words) <= 10 and not lines[index + 1].bullet
    if last == ".":
        return bool(_ABBREVIATION_END.search(text))
    return last not in ",;!\"'”’)"


def _is_question_heading(text: str) -> bool:
    """"Key Unanswered Questions:" is a heading; "This raises key questions:" is a lead line."""
    return len(text.split()) <= 5 and _heading_kind(text) == "questions"


def _heading_kind(text: str) -> str | None:
    for kind, pattern in HEADING_KINDS:
        if pattern.search(text.rstrip(":")):
            return kind
    return None
