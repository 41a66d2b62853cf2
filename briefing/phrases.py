"""Phrases and ``/regex/`` rules as a reader writes them, compiled to matchers.

A phrase matches as whole words, ignoring case, with its plural and its
hyphen/space variants: "rare earth" finds "Rare-Earths", "rare earth's" and
"rare  earth"; "battery" finds "batteries". A short all-capitals phrase (up to
six characters: "REE", "MP") matches exactly as written, as in the gazetteer, so
"REE" does not find "ree" in "three" or in German. A rule written between slashes
(``/lithium (brine|hydroxide)/``) is a Python regular expression, searched
case-insensitively. Used by the topic (``briefing.topic``) and by the per-feed
``include``/``exclude`` filters (``briefing.feedfilter``); settings validate
every rule with ``compile_rule`` at start-up, so a bad regex is a config error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ahocorasick_rs import AhoCorasick

_SEPARATOR = r"[\s\-\u2010\u2011\u2013]+"


@dataclass(frozen=True)
class Rule:
    """One compiled phrase or regex.

    ``lower``: the pattern is searched in the lower-cased text (phrases: cheaper
    than IGNORECASE); otherwise in the text as written (regexes, with IGNORECASE,
    and exact short capitals). ``needle`` is a substring every match contains
    ("" for a regex), so most texts are ruled out without running the pattern.
    """

    text: str
    pattern: re.Pattern[str]
    needle: str
    lower: bool = True

    def search(self, text: str, lowered: str) -> re.Match[str] | None:
        haystack = lowered if self.lower else text
        if not self.needle:
            return self.pattern.search(haystack)
        # Every match starts with the needle: find it (str.find is fast C), check the
        # word boundary before it by hand, and only there try the pattern. Scanning the
        # whole text with a regex that opens with a look-behind was ten times slower.
        at = haystack.find(self.needle)
        while at >= 0:
            if at == 0 or not _word_char(haystack[at - 1]):
                found = self.pattern.match(haystack, at)
                if found is not None:
                    return found
            at = haystack.find(self.needle, at + 1)
        return None


def _word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def compile_rule(rule: str) -> Rule:
    """A phrase or ``/regex/``; ``ValueError`` says what is wrong with it."""
    text = rule.strip()
    if len(text) >= 2 and text.startswith("/") and text.endswith("/"):
        try:
            return Rule(text, re.compile(text[1:-1], re.IGNORECASE), "", lower=False)
        except re.error as exc:
            raise ValueError(f"{rule!r} is not a valid regular expression ({exc})") from None
    words = re.split(_SEPARATOR, text)
    words = [w for w in words if w]
    if not words:
        raise ValueError(f"{rule!r} is an empty phrase")
    if len(text) <= 6 and len(words) == 1 and text.isupper():
        return Rule(text, re.compile(rf"{re.escape(text)}(?!\w)"), text, lower=False)
    # every word may take a plural: "rare earths elements" is rare, "rare-earths" is not
    pattern = _SEPARATOR.join(_variants(w.lower()) for w in words)
    return Rule(text, re.compile(rf"{pattern}(?!\w)"), _stem(words[0].lower()))


def _variants(word: str) -> str:
    escaped = re.escape(word)
    if word[-1:].isalpha():
        if word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou":
            return rf"(?:{escaped}|{re.escape(word[:-1])}ies)(?:['’]s)?"
        return rf"{escaped}(?:s|es)?(?:['’]s)?"
    return escaped


def _stem(word: str) -> str:
    """The part of ``word`` every variant keeps, for the substring pre-check."""
    if word.endswith("y") and len(word) > 2:
        return word[:-1]
    return word


def compile_rules(rules: tuple[str, ...] | list[str]) -> tuple[Rule, ...]:
    return tuple(compile_rule(rule) for rule in rules)


def first_match(rules: tuple[Rule, ...], text: str, lowered: str | None = None) -> Rule | None:
    """The first rule found in ``text``, or None."""
    lowered = text.lower() if lowered is None else lowered
    return next((rule for rule in rules if rule.search(text, lowered)), None)



class Prescan:
    """Which of many rules can match a text, from one multi-needle scan instead of a
    ``str.find`` per rule: an Aho-Corasick automaton (``ahocorasick_rs``, compiled) over
    the needles, once on the lowered text and once on the text as written. Exact: a
    rule whose needle does not occur cannot match (``Rule.search`` only tries the
    pattern at its needle); the rules kept are then searched as before. Regexes (no
    needle) are always kept.
    """

    def __init__(self, rules: tuple[Rule, ...] | list[Rule]) -> None:
        self.rules = tuple(rules)
        self._always = frozenset(i for i, rule in enumerate(self.rules) if not rule.needle)
        self._scans: list[tuple[bool, AhoCorasick, list[list[int]]]] = []
        for lower in (True, False):
            needles: dict[str, list[int]] = {}
            for index, rule in enumerate(self.rules):
                if rule.needle and rule.lower is lower:
                    needles.setdefault(rule.needle, []).append(index)
            if needles:
                self._scans.append((lower, AhoCorasick(list(needles)), list(needles.values())))

    def possible(self, text: str, lowered: str) -> set[int]:
        """Indices (into ``rules``) of the rules that may match ``text``."""
        found = set(self._always)
        for lower, automaton, owners in self._scans:
            for needle, _, _ in automaton.find_matches_as_indexes(lowered if lower else text, overlapping=True):
                found.update(owners[needle])
        return found
