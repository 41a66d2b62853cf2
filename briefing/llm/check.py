"""The check every model answer passes before anyone reads it.

Whole answer (``parse_answer``): it is one JSON object of the shape of
``briefing build --json``'s story, ``{"title", "dek", "highlights": [{"text",
"sources"}], "implications": [...], "questions": [...]}``; anything else is a
``ModelError`` and the story is told extractively.

Each bullet (``check_answer``): it is an object with a non-empty ``text`` of at
most ``MAX_BULLET_CHARS``, within the per-story budget, citing at least one
article, and only the story's own articles; and every fact it states occurs in
the text (title and full text) of the articles it cites (``unsupported``):

- numbers, amounts and percentages compare by value after normalising:
  "$400 million" = "400m" = "400,000,000" = "0.4 billion", "10,000" = "10000",
  "47 per cent" = "47 percent" = "47%"; a percentage must be a percentage in the
  source, a plain number may be any number there (or the figure of an amount:
  "400" is in "400 million"); currency signs are not compared; ordinals count
  ("14th" is 14); numbers written as words are not checked;
- dates ("July 2, 2025", "2 July 2025", "2025-07-02", "July 2025", "July 2")
  must occur as dates, at the precision written: "July 2025" is in a source
  saying "July 2, 2025", not the other way round;
- proper names: every capitalised word (and every word mixing letters and
  digits, "Nd2O3", "5G") must occur in the sources, ignoring case and a
  possessive "'s"; the common words sentences start with ("The", "Will", ...)
  are exempt.

The title and the dek follow the same rule against all of the story's articles.
A failing bullet becomes a ``Rejection`` (the writer puts the extractive one in
its place); the checks are deterministic, so a cached answer checks the same.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from briefing.errors import ModelError
from briefing.llm.prompt import Limits
from briefing.models import Article, Point, Rejection, Story

PARTS = ("highlights", "implications", "questions")
MAX_BULLET_CHARS = 400
MAX_TITLE_CHARS = 160
MAX_DEK_CHARS = 320

# --- facts --------------------------------------------------------------------

_MONTHS = {
    name: number for number, names in enumerate(
        (("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
         ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
         ("october", "oct"), ("november", "nov"), ("december", "dec")), start=1)
    for name in names
}
_MONTH = r"(?P<{0}>(?:January|February|March|April|May|June|July|August|September|October|November|December" \
         r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?)"
_DAY = r"(?P<{0}>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<{0}>(?:1[89]|2[01])\d\d)"
_DATE = re.compile("|".join((
    rf"\b{_YEAR.format('iy')}-(?P<im>[01]?\d)-(?P<id>[0-3]?\d)\b",
    rf"\b{_MONTH.format('am')}\s+{_DAY.format('ad')},?\s+{_YEAR.format('ay')}\b",
    rf"\b{_DAY.format('bd')}\s+{_MONTH.format('bm')},?\s+{_YEAR.format('by')}\b",
    rf"\b{_MONTH.format('cm')},?\s+{_YEAR.format('cy')}\b",
    rf"\b{_MONTH.format('dm')}\s+{_DAY.format('dd')}\b(?!\s*%)",
    rf"\b{_DAY.format('ed')}\s+{_MONTH.format('em')}\b",
)))
_NUMBER = re.compile(
    r"(?<![\w])(?<!\d[.,])(?P<currency>[$€£¥])?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:(?P<pct>\s?%)|\s?(?P<scale>trillion|billion|million|thousand|tn|bn|mn|m|b|k)(?!\w))?"
    r"(?:st|nd|rd|th)?(?!\w)",
    re.IGNORECASE,
)
_SCALES = {"thousand": "1e3", "k": "1e3", "million": "1e6", "mn": "1e6", "m": "1e6", "billion": "1e9",
           "bn": "1e9", "b": "1e9", "trillion": "1e12", "tn": "1e12"}
_WORD = re.compile(r"\w+(?:['-]\w+)*")
_PERCENT_WORDS = re.compile(r"\s*\b(?:per\s?cent|percent)\b", re.IGNORECASE)
COMMON_WORDS = frozenset("""
a about across after against all also although amid among an and another any are as at be because been
before being between both but by can could despite did do does down during each either even every for
from further had has have he her here his how however i if in into is it its it's meanwhile more most
much must neither new no nor not now of off on once one only or other our out over per several shall
she should since so some still such than that the their them then there these they this those though
through thus to under unless until up us was we were what whatever when where whether which while who
whom whose why will with within without would yet you your
""".split())  # noqa: SIM905  (a word list reads better as words)


def normalise(text: str) -> str:
    """Quotes, dashes and spaces made plain; "per cent" and "percent" written as "%"."""
    table = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2011": "-",
                           "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\uff05": "%"})
    return _PERCENT_WORDS.sub("%", text.translate(table))


def _date_keys(match: re.Match[str], *, partial: bool) -> set[str]:
    """The date a match names, as "Y-M-D", "Y-M" or "M-D"; with ``partial``, also each coarser key."""
    groups = {k[1]: v for k, v in match.groupdict().items() if v is not None}
    month = int(groups["m"]) if groups["m"].isdigit() else _MONTHS[groups["m"].rstrip(".").lower()]
    year, day = groups.get("y"), groups.get("d")
    if not 1 <= month <= 12 or (day is not None and not 1 <= int(day) <= 31):
        return set()
    key = "-".join(part for part in (year, f"{month:02d}", f"{int(day):02d}" if day else None) if part)
    keys = {key}
    if partial and year and day:
        keys |= {f"{year}-{month:02d}", f"{month:02d}-{int(day):02d}"}
    return keys


def _numbers(text: str) -> Iterable[tuple[str, Decimal, Decimal, str]]:
    """(kind, value, figure as written, text) of every number: kind "percent" or "number"."""
    for match in _NUMBER.finditer(text):
        try:
            figure = Decimal(match["num"].replace(",", ""))
        except InvalidOperation:
            continue
        scale = Decimal(_SCALES[match["scale"].lower()]) if match["scale"] else Decimal(1)
        kind = "percent" if match["pct"] else "number"
        yield kind, (figure * scale).normalize(), figure.normalize(), match.group(0).strip()


def _words(text: str) -> Iterable[tuple[str, bool]]:
    """Every word (hyphenated parts apart, a possessive "'s" dropped) and whether it opens a sentence."""
    for match in _WORD.finditer(text):
        before = text[: match.start()].rstrip(" \t\"'([")
        opens = not before or before[-1] in ".!?:;\n"
        for index, part in enumerate(match.group(0).split("-")):
            part = re.sub(r"'s?$", "", part)
            if part:
                yield part, opens and index == 0


def _is_name(word: str, opens: bool, common: set[str]) -> bool:
    """A word that names something: capitalised (at a sentence's start, unless the story's articles
    write it in lower case), or mixing letters and digits."""
    lower = word.lower()
    if lower in COMMON_WORDS or word.isdigit():
        return False
    if any(c.isdigit() for c in word):
        return any(c.isalpha() for c in word)
    return word[0].isupper() and not (opens and lower in common)


@dataclass
class SourceFacts:
    """Everything checkable that the cited articles state."""

    numbers: set[tuple[str, Decimal]] = field(default_factory=set)
    dates: set[str] = field(default_factory=set)
    words: set[str] = field(default_factory=set)  # every word, lower-cased
    common: set[str] = field(default_factory=set)  # words written in lower case somewhere

    @classmethod
    def of(cls, texts: Iterable[str]) -> SourceFacts:
        facts = cls()
        for raw in texts:
            text = normalise(raw)
            for word, _ in _words(text):
                facts.words.add(word.lower())
                if word.islower():
                    facts.common.add(word)
            for match in _DATE.finditer(text):
                facts.dates |= _date_keys(match, partial=True)
                if (year := next((v for k, v in match.groupdict().items() if k[1] == "y" and v), None)):
                    facts.numbers.add(("number", Decimal(year)))
            for kind, value, figure, _ in _numbers(_DATE.sub(" ", text)):
                facts.numbers |= {(kind, value), (kind, figure), ("number", value), ("number", figure)}
        return facts


def unsupported(claim: str, sources: SourceFacts, common: set[str] | None = None) -> tuple[str, str] | None:
    """(kind, reason) for the first fact of ``claim`` not in ``sources``; None when every one is there.

    ``common``: words known as common words (written in lower case in the story's
    articles), so that one opening a sentence is no name; default: ``sources``'s.
    """
    text = normalise(claim)
    for match in _DATE.finditer(text):
        keys = _date_keys(match, partial=False)
        if keys and not keys & sources.dates:
            return "date", f"date {match.group(0).strip()!r} is not in the cited articles"
    undated = _DATE.sub(" ", text)
    for kind, value, figure, shown in _numbers(undated):
        scaled = value != figure
        if (kind, value) not in sources.numbers and (scaled or (kind, figure) not in sources.numbers):
            what = "percentage" if kind == "percent" else ("amount" if scaled else "number")
            return "number", f"{what} {shown!r} is not in the cited articles"
    for word, opens in _words(_NUMBER.sub(" ", undated)):  # dates and figures are checked above
        if _is_name(word, opens, sources.common if common is None else common) and word.lower() not in sources.words:
            return "name", f"name {word!r} is not in the cited articles"
    return None


# --- the answer ---------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """A model answer that parsed: title, dek and each part's raw items (checked by ``check_answer``)."""

    title: str
    dek: str
    parts: tuple[tuple[str, tuple[Any, ...]], ...]  # (part, items) for each of PARTS

    def items(self, part: str) -> tuple[Any, ...]:
        return dict(self.parts)[part]


def parse_answer(text: str) -> Answer:
    """The answer's JSON object (a code fence or words around it are tolerated); ``ModelError`` otherwise."""
    body = text.strip()
    start, end = body.find("{"), body.rfind("}")
    if start < 0 or end < start:
        raise ModelError("the answer holds no JSON object")
    try:
        data = json.loads(body[start : end + 1])
    except json.JSONDecodeError as exc:
        raise ModelError(f"the answer is not valid JSON ({exc.msg} at character {exc.pos})") from None
    except ValueError:
        raise ModelError("the answer is not valid JSON") from None
    if not isinstance(data, dict):
        raise ModelError("the answer is not a JSON object")
    for key in ("title", "dek"):
        if not isinstance(data.get(key, ""), str):
            raise ModelError(f"the answer's {key!r} is not a string")
    parts = []
    for part in PARTS:
        items = data.get(part, [])
        if not isinstance(items, list):
            raise ModelError(f"the answer's {part!r} is not a list")
        parts.append((part, tuple(items)))
    if not any(items for _, items in parts):
        raise ModelError("the answer has no bullets")
    return Answer(title=" ".join(data.get("title", "").split()), dek=" ".join(data.get("dek", "").split()),
                  parts=tuple(parts))


@dataclass(frozen=True)
class Checked:
    """What of an answer may be used: ``None`` / a missing bullet where the extractive one stands in."""

    title: str | None
    dek: str | None
    parts: tuple[tuple[str, tuple[Point | None, ...]], ...]  # None marks a rejected bullet's place
    rejected: tuple[Rejection, ...]

    def bullets(self, part: str) -> tuple[Point | None, ...]:
        return dict(self.parts)[part]

    @property
    def used(self) -> int:
        """How many of the model's pieces (title, dek, bullets) passed."""
        kept = sum(1 for _, items in self.parts for item in items if item is not None)
        return kept + (self.title is not None) + (self.dek is not None)


def check_answer(answer: Answer, story: Story, articles: Sequence[Article], limits: Limits) -> Checked:
    """Check every piece of ``answer`` against ``story``'s ``articles`` (see the module docstring)."""
    texts = {a.id: f"{a.title}\n{a.text}" for a in articles if any(r.id == a.id for r in story.articles)}
    cache: dict[tuple[str, ...], SourceFacts] = {}

    def facts(ids: Sequence[str]) -> SourceFacts:
        key = tuple(sorted(set(ids)))
        if key not in cache:
            cache[key] = SourceFacts.of(texts[i] for i in key)
        return cache[key]

    rejected: list[Rejection] = []
    story_facts = facts(tuple(texts))
    title = _check_line(story.id, "title", answer.title, MAX_TITLE_CHARS, story_facts, rejected)
    dek = _check_line(story.id, "dek", answer.dek, MAX_DEK_CHARS, story_facts, rejected)

    def check(item: Any, part: str, count: int, seen: set[str]) -> tuple[Point | None, tuple[str, str] | None]:
        problem = _bullet_shape(item, part, texts, limits, count, seen)
        if problem is not None:
            return None, problem
        text, cited = " ".join(item["text"].split()), _cited(item["sources"])
        problem = unsupported(text, facts(cited), story_facts.common)
        if problem is not None:
            return None, problem
        seen.add(text.lower())
        return Point(text=text, sources=cited), None

    parts = []
    for part in PARTS:
        kept: list[Point | None] = []
        seen: set[str] = set()
        for item in answer.items(part):
            point, problem = check(item, part, len(kept), seen)
            if problem is not None:
                rejected.append(Rejection(story.id, part, _item_text(item), problem[1], problem[0]))
                if problem[0] == "budget":
                    continue  # over the budget: dropped, nothing stands in for it
            kept.append(point)
        parts.append((part, tuple(kept)))
    return Checked(title=title, dek=dek, parts=tuple(parts), rejected=tuple(rejected))


def _check_line(story: str, part: str, text: str, limit: int, sources: SourceFacts,
                rejected: list[Rejection]) -> str | None:
    if not text:
        return None  # not written: the extractive one, nothing to report
    problem = ("shape", f"longer than {limit} characters") if len(text) > limit else unsupported(text, sources)
    if problem is None:
        return text
    rejected.append(Rejection(story, part, text, problem[1], problem[0]))
    return None


def _bullet_shape(item: Any, part: str, texts: dict[str, str], limits: Limits, count: int,
                  seen: set[str]) -> tuple[str, str] | None:
    """(kind, reason) why ``item`` cannot be a bullet, before its facts are looked at."""
    if count >= limits.of(part):
        return "budget", f"over the budget of {limits.of(part)} {part}"
    if not isinstance(item, dict) or not isinstance(item.get("text"), str):
        return "shape", 'not an object with a "text" string'
    text = " ".join(item["text"].split())
    if not text or len(text) > MAX_BULLET_CHARS:
        return "shape", f"empty or longer than {MAX_BULLET_CHARS} characters"
    if text.lower() in seen:
        return "shape", "repeats an earlier bullet"
    sources = item.get("sources")
    if not isinstance(sources, list) or not sources or not all(isinstance(s, str) for s in sources):
        return "source", "cites no article"
    foreign = [s for s in _cited(sources) if s not in texts]
    if foreign:
        return "source", f"cites {foreign[0]!r}, which is not one of the story's articles"
    return None


def _cited(sources: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(s.strip().strip("[]").strip() for s in sources))


def _item_text(item: Any) -> str:
    if isinstance(item, dict) and isinstance(item.get("text"), str):
        return " ".join(item["text"].split())[:MAX_BULLET_CHARS]
    return json.dumps(item, ensure_ascii=False)[:MAX_BULLET_CHARS]
