"""An editor's tests for one sentence: can it be a bullet, and of which kind?

The rules follow ``EDITING.md``'s habits, each a small named pattern:

* **junk** (``JUNK``): page furniture and feed chrome that slipped into the
  text: "Continue reading", "[...]", "originally published in", contact
  details, "click here", share prompts, photo credits;
* **lead-ins** (``LEAD_IN``): sentences that announce without content
  ("this development underscores several strategic realities", anything
  ending in a colon);
* **dangling openers** (``DANGLING``): a bullet that leans on the sentence
  before it ("It", "This", "They", "Meanwhile", "However", "Events like
  this"...): out of place it means nothing;
* **facts** (``fact_score``): dates, amounts, numbers, named people and
  verbs of events: what a highlight must say;
* **analysis** (``analysis_score``): advice, judgement and risk ("must",
  "should", "underscores", "remain vulnerable"): what an implication says,
  whoever wrote it under "Highlights".

``tidy`` then makes a kept sentence short: it drops parenthetical asides,
appositives that restate who a company is, discourse openers ("In summary,")
and bare URLs, which come back as the bullet's links.
"""

from __future__ import annotations

import re

from briefing.summarise.implications import implication_score

JUNK = re.compile(
    r"continue reading|read more\b|\[\s*(?:\.\.\.|…)\s*\]|\[…\]|originally published (?:in|on|at)|"
    r"show contact info|contact (?:us|info)|click here|share (?:this|on|via)|subscribe\b|sign up\b|"
    r"follow us|all rights reserved|\bphoto(?:graph)?:|\bimage:|\bcredit:|getty images|\(reporting by|"
    r"\bstaff reporter\b|newsletter|cookies?\b|javascript|@\w+\.\w+|\+?\d[\d ()-]{8,}\d|\bposted (?:by|in|on)\b|"
    r"the post .{3,200} appeared first on|\bcomments?\b\s*\(\d+\)|\bby:\s|\s\|\s|\b\d{1,2}:\d{2}\b|"
    r"\b(?:weekly|daily) (?:digest|newsletter)\b|\b(?:deputy|senior|managing) editor\b|\bicon\.?$|"
    r"^(?:advertisement|sponsored|related:|more:|see also\b)",
    re.IGNORECASE,
)
# A caption's verb is in the present tense, of a person seen in the photo.
CAPTION = re.compile(
    r"^[^.!?]{3,120}?\b(?:speaks|poses|pose|gestures|looks on|look on|smiles|waves|listens|stands|sits|"
    r"is pictured|are pictured|is seen|are seen|pictured)\s(?:alongside|beside|with|at|during|in|on|to|as|"
    r"next to|after|before|outside|inside|left|right|\()",
)
FRAGMENT_OPENER = re.compile(r"^(?:plans|aims|expects|targets|seeks|announces|signs|reports|continues|achieved|"
                             r"expected|production capacity of)\b", re.IGNORECASE)
LEAD_IN = re.compile(
    r":\s*$|"
    r"\b(?:underscores?|highlights?|raises?|offers?|points? to|reveals?|brings?|suggests?)\b[^.]{0,40}\b"
    r"(?:several|some|a few|a number of|important|key|critical|three|two|four|five|many)\b\s+(?:\w+\s+)?"
    r"(?:realities|questions|lessons|points|implications|takeaways|issues|concerns|considerations|things)\b"
    r"[^,;]{0,40}[.!]?$|"
    r"^(?:here(?:'s| is| are)|the following|below (?:is|are))\b",
    re.IGNORECASE,
)
DANGLING = re.compile(
    r"^(?:it|it's|it’s|its|this|that|these|those|they|they're|their|them|he|she|his|her|such|"
    r"meanwhile|however|moreover|furthermore|additionally|also|but|and|or|so|still|yet|instead|thus|"
    r"therefore|hence|nevertheless|nonetheless|similarly|likewise|otherwise|besides|indeed|again|then|"
    r"in addition|at the same time|as a result|on the other hand|by contrast|in turn|even so|"
    r"for example|for instance|in fact|as such|in other words|after all)\b"
    r"|^\w+ like (?:this|that|these|those)\b"
    r"|^the (?:event|move|meeting|development|decision|step|session|company|producer|firm|group)\b(?! of\b)",
    re.IGNORECASE,
)
OPENERS = re.compile(
    r"^(?:in summary|in short|in sum|in conclusion|ultimately|overall|put simply|simply put|"
    r"importantly|notably|crucially|to be sure|of course)\s*,\s*",
    re.IGNORECASE,
)
# "LAKEWOOD, Colo., June 10, 2024 /PRNewswire/ -", "SHIZUOKA, Feb 03 -", "— ": where a wire story opens.
DATELINE = re.compile(
    r"^(?:[A-Z][A-Z.'’-]{2,}(?:\s[A-Z][A-Z.'’-]+)*(?:,\s[A-Z][\w.]*\.?)?(?:,?\s[A-Z][a-z]{2,8}\.?\s\d{1,2}(?:,\s\d{4})?)?"
    r"\s*(?:/[^/]{2,30}/)?\s*)?[-—–]{1,2}\s+"
)
URL = re.compile(r"\s*[:(\[]?\s*\b(?:https?://|www\.)[^\s<>\"')\]]+[)\]]?")

MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
DATE = re.compile(
    rf"\b{MONTH}\s+\d{{1,2}}\b|\b\d{{1,2}}\s+{MONTH}\b|\b{MONTH}\s+(?:19|20)\d\d\b|\b(?:on|since|by|in|from|until)\s+{MONTH}\b|"
    r"\bnew year[’']?s day\b|\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|\bthis week\b|\blast week\b|"
    r"\b(?:19|20)\d\d\b",
    re.IGNORECASE,
)
AMOUNT = re.compile(
    r"[$€£¥]\s?\d[\d,.]*\s*(?:million|billion|trillion|bn|m|k)?\b|"
    r"\b\d[\d,.]*\s?(?:%|percent|per cent|million|billion|trillion|bn|tonnes?|tons?|mt|kg|mw|gw|km|metres?|meters?)\b",
    re.IGNORECASE,
)
NUMBER = re.compile(r"\b\d+(?:[.,]\d+)?(?:st|nd|rd|th)?\b")
EVENT = re.compile(
    r"\b(?:held|hold|holds|convened|convenes|hosted|hosts|chaired|led|announced|announces|signed|signs|"
    r"launched|launches|elected|appointed|acquired|acquires|agreed|agrees|completed|completes|opened|opens|"
    r"produced|produces|reported|reports|raised|raises|fell|rose|cut|cuts|bought|buys|sold|sells|awarded|"
    r"approved|approves|unveiled|unveils|met|visited|imposed|imposes|banned|bans|restricted|restricts|"
    r"filed|won|lost|began|begins|started|starts|closed|closes|said|says|told|published|released|"
    r"delivered|shipped|lifted|retrieved|recovered|extracted|invested|invests|plans|planned|will build|"
    r"to build|to acquire|to buy|to invest|partner(?:ed|s)? with|teamed up)\b",
    re.IGNORECASE,
)
SUPERLATIVE = re.compile(r"\b(?:the|its|their) (?:world[’']s )?(?:only|first|largest|biggest|sole)\b", re.IGNORECASE)
PERSON = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][a-z]+(?:\s[A-Z][a-z]+)+\b")
ANALYSIS = re.compile(
    r"\b(?:must|should|need to|needs to|demonstrates?|underscores?|highlights?|illustrates?|reflects?|"
    r"signals?|shows? (?:that|how)|reveals?|suggests?|means?|remains? (?:vulnerable|exposed|dependent)|"
    r"vulnerab\w+|strategic realit\w+|imperative|leverage|operates? as|extension of|driven (?:more )?by|"
    r"aims? to balance|is (?:not )?(?:just|only|simply|merely)|rather than)\b",
    re.IGNORECASE,
)
_PARENTHESIS = re.compile(r"\s*\((?![^)]*\d{4})[^()]{1,60}\)")
_APPOSITIVE = re.compile(
    r",\s(?:one of the|one of|the world[’']s|a |an |the (?:only|largest|biggest|leading|main))[^,;]{3,110},\s(?=[a-z])"
)
_FACTUAL_ASIDE = re.compile(r"\d|\b(?:only|first|sole|last)\b", re.IGNORECASE)
_DASH_ASIDE = re.compile(r"\s?[—–]\s?[^—–]{3,120}?\s?[—–]\s?")
# An aside between commas just before the verb of the event ("X, China's largest
# producer, held ..."): the bullet keeps who and what.
_ASIDE_BEFORE_VERB = re.compile(
    r",\s[^,;]{3,120},\s(?=(?:held|convened|hosted|announced|signed|launched|said|agreed|completed|opened|"
    r"reported|unveiled|plans|will|has|have|is|was)\b)"
)
# A trailing comment on the event ("..., signaling a deepening campaign", "—an event that
# underscores ..."): the judgement belongs under Implications, if anywhere.
_COMMENT_TAIL = re.compile(
    r"(?:,\s|\s?[—–]\s?)(?:(?:signal(?:l)?ing|underscoring|highlighting|reflecting|demonstrating|suggesting|"
    r"illustrating|showing)\b|(?:an?|the) (?:event|move|step|meeting|development|decision) (?:that|which)\b|"
    r"which (?:underscores|highlights|signals|shows|reflects|demonstrates)\b).*$"
)


def is_junk(sentence: str) -> bool:
    return bool(JUNK.search(sentence))


def is_caption(sentence: str) -> bool:
    """A photo caption ("X speaks alongside Y at ...", "... is pictured ...") or a
    headline-style fragment with no subject ("Plans to expand ..."): not a sentence."""
    return bool(CAPTION.search(sentence) or FRAGMENT_OPENER.match(sentence))


def is_lead_in(sentence: str) -> bool:
    return bool(LEAD_IN.search(sentence.strip()))


def is_dangling(sentence: str) -> bool:
    return bool(DANGLING.match(sentence.lstrip("\"'“‘(")))


def stands_alone(sentence: str, *, min_words: int = 6, max_words: int = 45) -> bool:
    """Whether ``sentence`` can be a bullet by itself: no junk, no lead-in, no dangling opener."""
    words = len(sentence.split())
    if words < min_words or words > max_words:
        return False
    return not (is_junk(sentence) or is_lead_in(sentence) or is_dangling(sentence) or is_caption(sentence))


def fact_score(sentence: str) -> float:
    """How much ``sentence`` says what happened: who did what, when, how much."""
    score = 0.0
    if DATE.search(sentence):
        score += 1.0
    if AMOUNT.search(sentence):
        score += 1.0
    elif NUMBER.search(sentence):
        score += 0.5
    if EVENT.search(sentence):
        score += 1.0
    if PERSON.search(sentence):
        score += 0.5
    if SUPERLATIVE.search(sentence):
        score += 0.5  # "the only U.S. maker", "the first time in decades": a fact about the actor
    return score


def analysis_score(sentence: str) -> float:
    """How much ``sentence`` judges, warns or advises rather than reports."""
    return implication_score(sentence) + (1.0 if ANALYSIS.search(sentence) else 0.0)


def is_analysis(sentence: str) -> bool:
    """Analysis and advice belong under Implications, whoever wrote them under Highlights."""
    judged = analysis_score(sentence)
    return judged >= 1.0 and judged >= fact_score(sentence)


ADVICE = re.compile(r"\b(?:must|should|need to|needs to|ought to|have to|has to)\b", re.IGNORECASE)


def is_advice(sentence: str) -> bool:
    """"Western policymakers must ...": a story gives advice once."""
    return bool(ADVICE.search(sentence))


def facts_in(sentence: str) -> set[str]:
    """The specific facts of ``sentence``: amounts, dates (not bare years) and numbers, normalised."""
    found = {re.sub(r"[\s,]", "", m.group(0).lower()) for m in AMOUNT.finditer(sentence)}
    found |= {re.sub(r"\s+", " ", m.group(0).lower()) for m in DATE.finditer(sentence) if not m.group(0).isdigit()}
    # Not bare years, nor a lone digit ("Phase 1", "one of 3"): too common to tell two points apart.
    found |= {m.group(0).lower() for m in NUMBER.finditer(sentence) if not re.fullmatch(r"(?:19|20)\d\d|\d", m.group(0))}
    return found


def _drop_description(match: re.Match[str]) -> str:
    """An aside that describes (has lower-case words) goes; one that names ("CNRE, China
    Northern Rare Earth Group,") or carries a fact ("the only U.S. maker", "since 2020") stays."""
    aside = match.group(0)
    return " " if re.search(r"\b[a-z]{4,}\b", aside) and not _FACTUAL_ASIDE.search(aside) else aside


def tidy(sentence: str) -> tuple[str, tuple[str, ...]]:
    """``sentence`` made short and clean for a bullet, and the URLs taken out of it."""
    links = tuple(m.group(0).strip(" :([)]").rstrip(".,;") for m in URL.finditer(sentence))
    text = URL.sub("", sentence)
    text = DATELINE.sub("", text)
    text = OPENERS.sub("", text)
    text = _PARENTHESIS.sub("", text)
    text = DATELINE.sub("", text.lstrip())  # "STILLWATER, Okla. (KOCO) — ...": the dateline past its aside
    text = _APPOSITIVE.sub(_drop_description, text)
    text = _ASIDE_BEFORE_VERB.sub(_drop_description, text, count=1) if len(text.split()) > 20 else text
    text = _DASH_ASIDE.sub(" ", text) if text.count("—") + text.count("–") >= 2 else text
    text = _COMMENT_TAIL.sub("", text) if fact_score(text) >= 2.0 else text
    text = re.sub(r"\s+([,.;:!?])", r"\1", re.sub(r"\s{2,}", " ", text)).strip(" ,;:")
    if text and text[-1] not in ".!?\"'”’)":
        text += "."
    return (text[:1].upper() + text[1:]) if text else text, links
