"""Find implication sentences in articles that have no implication section.

A sentence states an implication when it speaks of consequences, risks,
expectations or recommendations, usually for someone. Each cue family in
``CUES`` adds its weight once. Context adds to that: analysts state facts
first and meaning after, so a sentence in the second half of the article
(``LATE_START``) gains ``LATE_BONUS``, and half the best cue score of its
paragraph (``PARAGRAPH_SHARE``) carries over to its neighbours. A sentence
whose score reaches ``THRESHOLD`` and that has at least one cue of its own is an
implication (a cue-less fact beside an implication stays a fact: "began piloting
separations in 2021" late in a report is background, not what the news means). The cues and weights were set on the five seeds with their
headings removed (the sentences under implication headings are the truth);
``bench/implications.py`` prints precision and recall.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from briefing.summarise.sentences import split_sentences

CUES: tuple[tuple[float, re.Pattern[str]], ...] = tuple(
    (weight, re.compile(pattern, re.IGNORECASE))
    for weight, pattern in (
        # consequence and meaning
        (1.0, r"\b(means?|meant|implies|implication|signals?|signpost|underscores?|reminder|wake-up call|"
              r"consequen\w*|as a result|therefore|thus|hence|so that|leads? to|lead to)\b"),
        # risk and exposure
        (1.0, r"\b(risks?|risky|vulnerab\w*|exposure|exposed|threat\w*|leverage|dependen\w*|depend on|"
              r"weaponi[sz]ed|disrupt\w*|shortages?|volatil\w*|uncertain\w*|challenges?|pressure)\b"),
        # expectation and possibility
        (1.0, r"\b(may|might|could|would|will likely|likely to|expected to|is set to|poised to|"
              r"in the long run|over time|going forward)\b"),
        # recommendation
        (1.5, r"\b(should|must|need to|needs to|have to|has to|ought to|it is time|"
              r"cannot afford|would do well)\b"),
        # who it matters for
        (1.0, r"\b(for (the )?(west|western|u\.?s\.?|united states|europe|investors|buyers|policymakers|"
              r"industry|allies|competitors|manufacturers)|western|policymakers|allies|investors|buyers|"
              r"national security|supply chains?)\b"),
        # judgement rather than report
        (0.5, r"\b(not (just|only|simply|merely)|more than|rather than|far (harder|more)|crucial|critical|"
              r"strategic(ally)?)\b"),
    )
)
THRESHOLD = 1.5
LATE_START = 0.5
LATE_BONUS = 1.0
PARAGRAPH_SHARE = 0.5
# Reported speech about the event ("X said", "according to") is what happened, not what it means.
REPORTING = re.compile(r"\b(said|announced|according to|was elected|held|convened|chaired|attended)\b", re.I)


def implication_score(sentence: str) -> float:
    score = sum(weight for weight, pattern in CUES if pattern.search(sentence))
    if REPORTING.search(sentence):
        score -= 1.0
    return score


def detect_implications(paragraphs: Sequence[str]) -> list[tuple[str, float]]:
    """The implication sentences of an article's paragraphs, with their scores, in order."""
    sentences = [(index, s) for index, p in enumerate(paragraphs) for s in split_sentences(p)]
    own = [implication_score(s) for _, s in sentences]
    best: dict[int, float] = {}
    for (index, _), score in zip(sentences, own, strict=True):
        best[index] = max(best.get(index, 0.0), score)
    found = []
    for position, ((index, sentence), score) in enumerate(zip(sentences, own, strict=True)):
        total = score + PARAGRAPH_SHARE * best[index]
        if position / len(sentences) >= LATE_START:
            total += LATE_BONUS
        if total >= THRESHOLD and score > 0:
            found.append((sentence, total))
    return found
