"""Split article text into sentences without NLTK.

A neutral text module (foundation layer): ingest derives titles with it, render
anchors the archive's sentences with it, and the summariser picks sentences with
it (``briefing.summarise.sentences`` re-exports it).

The summariser picks whole sentences, so a bad split shows up directly in the
briefing: "U.S." cut in two gives a one-word "sentence" that can never be
chosen, and two sentences glued together double the length of a summary.
NLTK's punkt would do this well, but it needs a data download we cannot rely
on, so this module uses a small rule set instead:

* every non-empty line is a block; a line break always ends a sentence
  (articles arrive as paragraphs, headings and bullet lists, one per line);
* a bullet marker at the start of a line ("-", "*", "•", "1.", "2)") is
  dropped; the item is then a sentence of its own, since the line break ends
  it (an item that holds several sentences is split like a paragraph);
* inside a paragraph, a sentence ends at whitespace that follows ".", "!" or
  "?" (optionally followed by closing quotes or brackets) when the next word,
  past any opening quote or bracket, starts with a capital letter or a digit
  and the word before the full stop is not a known abbreviation;
* after an ellipsis, which also marks words left out mid-sentence, a sentence
  ends only before a typical sentence opener or an opening quote.

Decimals ("3.5%", "$1.13bn") never split because a boundary needs whitespace
after the full stop.
"""

from __future__ import annotations

import re

__all__ = [
    "AMBIGUOUS_ABBREVIATIONS",
    "BULLET",
    "NUMBER_ABBREVIATIONS",
    "SENTENCE_STARTERS",
    "TITLE_ABBREVIATIONS",
    "shorten",
    "split_sentences",
]

# The word lists below are data, laid out by hand for reading; keep the formatter off them.
# fmt: off

#: Abbreviations that always precede a name or phrase, so a full stop after
#: them never ends a sentence ("Dr. Smith", "e.g. rare earths", "Apple vs. IBM").
#: Lower case, without the final full stop.
TITLE_ABBREVIATIONS: frozenset[str] = frozenset(
    {
        "mr", "mrs", "ms", "messrs", "mme", "dr", "prof", "sen", "rep", "gov",
        "gen", "col", "capt", "cpt", "lt", "sgt", "cmdr", "adm", "maj", "rev",
        "hon", "pres", "supt", "fr", "mt", "ft",
        "e.g", "i.e", "cf", "vs", "viz", "approx", "ca", "esp", "incl",
        "est", "max", "min", "avg", "ref",
    }
)

#: Abbreviations that precede a number ("No. 1", "Vol. 3", "pp. 12"); they end
#: a sentence only when the next word is not a number ("He said no. Then ...").
NUMBER_ABBREVIATIONS: frozenset[str] = frozenset(
    {"no", "nos", "vol", "vols", "pp", "p", "fig", "figs", "art", "ch", "sec", "para", "op"}
)

#: Abbreviations that often close a sentence as well as sit inside one
#: ("Apple Inc. said" / "sold to Apple Inc. The deal ..."). After them a
#: sentence ends only when the next word is in SENTENCE_STARTERS. Dotted
#: acronyms ("U.S.", "p.m.") and single initials ("J.") follow the same rule
#: without being listed here.
AMBIGUOUS_ABBREVIATIONS: frozenset[str] = frozenset(
    {
        "inc", "corp", "co", "ltd", "plc", "llc", "llp", "bros", "cos", "assn",
        "jr", "sr", "st", "ave", "rd", "blvd", "etc", "al", "dept",
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
        "nov", "dec", "tues", "thur", "thurs",
    }
)

#: Closed-class words that commonly open a sentence but rarely follow an
#: abbreviation inside one; they decide the ambiguous cases above
#: ("... in the U.S. The firm ..." splits, "... the U.S. Senate ..." does not).
SENTENCE_STARTERS: frozenset[str] = frozenset(
    {
        "a", "an", "the", "this", "that", "these", "those", "it", "its", "he",
        "she", "they", "we", "i", "you", "his", "her", "their", "our", "my",
        "there", "here", "but", "and", "or", "so", "yet", "however", "also",
        "meanwhile", "in", "on", "at", "for", "if", "when", "while", "as",
        "after", "before", "since", "although", "though", "what", "why", "how",
        "who", "where", "some", "many", "most", "all", "both", "one", "such",
        "other", "others", "last", "next", "shares", "analysts", "officials",
        "now", "then", "still", "instead", "despite", "under", "with", "by",
    }
)

# fmt: on

#: A list item's marker at the start of a line: the one bullet pattern (``layout``
#: reads list items with it too).
BULLET = re.compile(r"^\s*(?:[-*•·‣◦▪–—]|\d{1,3}[.)])\s+")
_LINE_BREAK = re.compile(r"\r\n|\r|\n|\u2028|\u2029")
_QUOTES = "\"'”’»"
_CLOSING = _QUOTES + ")]}"
_MAY_END = frozenset(".!?…" + _CLOSING)  # the last character of any word ``_ends_sentence`` can accept
_DOTTED_ACRONYM = re.compile(r"^(?:[A-Za-z]\.){2,}$")
_INITIAL = re.compile(r"^[A-Z]\.$")
_OPENING = "\"'“‘«([{"
_AFTER_FIRST_WORD = re.compile(r"\W.*$", re.DOTALL)


def split_sentences(text: str) -> list[str]:
    """Return the sentences of ``text`` in order, whitespace collapsed, none empty.

    Line breaks end sentences because in our inputs a line is a paragraph,
    heading or bullet; a sentence never continues onto the next line.
    """
    sentences: list[str] = []
    for line in _LINE_BREAK.split(text):
        words = line.split()
        if not words:
            continue
        if BULLET.match(words[0] + " "):
            words = words[1:]
        if words:
            sentences.extend(_split_words(words))
    return sentences


def _split_words(words: list[str]) -> list[str]:
    """Group one paragraph's words into sentences at the boundaries found."""
    sentences: list[str] = []
    start = 0
    for i in range(len(words) - 1):
        # Only a word ending in a stop (or a closing mark after one) can end a sentence:
        # the test of its last character spares ``_ends_sentence`` the other nine words in ten.
        if words[i][-1] in _MAY_END and _ends_sentence(words[i], words[i + 1]):
            sentences.append(" ".join(words[start : i + 1]))
            start = i + 1
    sentences.append(" ".join(words[start:]))
    return sentences


def _ends_sentence(word: str, following: str) -> bool:
    """Decide whether a sentence ends between ``word`` and ``following``."""
    core = word.rstrip(_CLOSING)
    if not core.endswith((".", "!", "?", "…")):
        return False
    opener = following.lstrip(_OPENING)
    if not opener or not (opener[0].isupper() or opener[0].isdigit()):
        # "e.g. the", "'Why?' he asked", "wait ... then": a lower-case
        # continuation is the strongest sign the sentence goes on.
        return False
    if core.endswith(("...", "…")):
        # An ellipsis also marks words left out of a quote ("such as...
        # Maldives"), so it ends a sentence only before a typical opener.
        return _first_word(opener) in SENTENCE_STARTERS or opener != following
    if not core.endswith("."):
        return True
    if any(mark in _QUOTES for mark in word[len(core) :]):
        # A full stop inside closing quotes ('He said "no." Then') ends the
        # sentence whatever the quoted word is.
        return True
    return not _is_abbreviation(core.lstrip(_OPENING)[:-1], opener)


def _is_abbreviation(stem: str, opener: str) -> bool:
    """Whether the full stop after ``stem`` belongs to an abbreviation, given the next word."""
    lowered = stem.lower()
    if lowered in TITLE_ABBREVIATIONS:
        return True
    if lowered in NUMBER_ABBREVIATIONS:
        return opener[0].isdigit()
    if (
        lowered in AMBIGUOUS_ABBREVIATIONS
        or _DOTTED_ACRONYM.match(stem + ".")
        or _INITIAL.match(stem + ".")
    ):
        return _first_word(opener) not in SENTENCE_STARTERS
    return False


def _first_word(opener: str) -> str:
    """The next word in lower case, without trailing punctuation, for SENTENCE_STARTERS."""
    return _AFTER_FIRST_WORD.sub("", opener).lower()


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters at a clause or word boundary."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    for mark in (" — ", "—", ": ", "; ", ", "):
        position = cut.rfind(mark)
        if position >= limit // 2:
            return cut[:position].rstrip(" ,;:—")
    return cut.rsplit(" ", 1)[0].rstrip(" ,;:—") + "…"
