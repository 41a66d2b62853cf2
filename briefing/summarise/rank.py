"""Pick the sentences that best summarise one article.

The score of a sentence is a weighted sum of a few signals that are cheap to
compute and easy to explain:

* **centrality**: how many of the sentence's content words recur in the other
  sentences of the article (the degree of the sentence in a word-overlap
  graph), divided by the log of its length so long sentences do not win by
  size alone. This is what TextRank approximates with an iterated random
  walk; the one-step degree ranks almost identically on news and costs one
  pass over the words instead of a pairwise similarity matrix.
* **lead**: news puts the gist first, so early sentences get a bonus that
  decays with position.
* **title**: sharing words with the headline marks the story's subject.
* **penalties** for fragments (very short sentences, headings without a full
  stop) and for sentences that open with a quotation, which in news are
  colour rather than facts.

Picking then walks down the scores and skips a sentence that mostly repeats
one already picked, so the summary does not say the same thing twice.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

__all__ = ["STOP_WORDS", "rank_sentences", "score_sentences"]

#: Centrality is divided by the number of content words to this power: 0 would
#: favour the longest sentences, 1 the densest short ones.
LENGTH_EXPONENT = 0.4
#: Weight of the lead bonus ``1 / (position + 1)``; centrality is scaled to at
#: most 1, so 0.3 makes the first sentence worth a third of the most central one.
LEAD_WEIGHT = 0.3
#: Weight of the share of headline words the sentence contains.
TITLE_WEIGHT = 0.2
#: Subtracted from sentences shorter than SHORT_SENTENCE_WORDS words: bylines,
#: datelines, headings and one-line quotes carry little on their own.
SHORT_PENALTY = 0.3
SHORT_SENTENCE_WORDS = 8
#: Subtracted from sentences that open with a quotation mark.
QUOTE_PENALTY = 0.05
#: A candidate sharing more than this fraction of its content words with an
#: already picked sentence is skipped (Jaccard overlap) while others remain.
REDUNDANCY_LIMIT = 0.7

#: English closed-class words (pronouns, determiners, auxiliaries, prepositions,
#: conjunctions and their contractions). They occur in every sentence, so
#: counting them would make every sentence look central. Open-class words stay,
#: even frequent ones such as "said", "Mr" or "new": in news they mark
#: attributed statements and named people, which a summary does want.
#: Lower case; apostrophes as in the text after lower-casing.
STOP_WORDS: frozenset[str] = frozenset(
    """
    i me my myself we our ours ourselves you you're you've you'll you'd your yours
    yourself yourselves he him his himself she she's her hers herself it it's its
    itself they them their theirs themselves what which who whom this that that'll
    these those am is are was were be been being have has had having do does did
    doing a an the and but if or because as until while of at by for with about
    against between into through during before after above below to from up down
    in out on off over under again further then once here there when where why how
    all any both each few more most other some such no nor not only own same so
    than too very can will just don don't should should've now ain aren aren't
    couldn couldn't didn didn't doesn doesn't hadn hadn't hasn hasn't haven haven't
    isn isn't ma mightn mightn't mustn mustn't needn needn't shan shan't shouldn
    shouldn't wasn wasn't weren weren't won won't wouldn wouldn't
    """.split()
)

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def rank_sentences(sentences: Sequence[str], k: int, *, title: str = "") -> list[int]:
    """Return the indices of the ``k`` best sentences, in document order.

    Deterministic: equal scores go to the earlier sentence. Asking for more
    sentences than there are returns them all; ``k <= 0`` returns none.
    """
    if k <= 0 or not sentences:
        return []
    words = [_content_words(sentence) for sentence in sentences]
    scores = score_sentences(sentences, words, _content_words(title))
    order = sorted(range(len(sentences)), key=lambda i: (-scores[i], i))
    return sorted(_pick_diverse(order, [set(w) for w in words], k))


def score_sentences(
    sentences: Sequence[str], words: Sequence[Sequence[str]], title_words: Sequence[str]
) -> list[float]:
    """Score every sentence; higher is more summary-worthy (see module docstring)."""
    centrality = _centrality(words)
    top = max(centrality, default=0.0) or 1.0
    title_set = set(title_words)
    scores = []
    for position, (sentence, content) in enumerate(zip(sentences, words)):
        score = centrality[position] / top + LEAD_WEIGHT / (position + 1)
        if title_set:
            score += TITLE_WEIGHT * len(title_set.intersection(content)) / len(title_set)
        if len(sentence.split()) < SHORT_SENTENCE_WORDS:
            score -= SHORT_PENALTY
        if sentence[:1] in "\"“'‘":
            score -= QUOTE_PENALTY
        scores.append(score)
    return scores


def _centrality(words: Sequence[Sequence[str]]) -> list[float]:
    """Word-overlap degree of each sentence, damped by its length.

    Each word of a sentence counts the other sentences that also use it; the
    sum is divided by ``length ** LENGTH_EXPONENT`` so that a long sentence
    earns its place by sharing words, not by having many of them.
    """
    sentence_frequency = Counter(word for content in words for word in set(content))
    return [
        sum(sentence_frequency[word] - 1 for word in content) / max(len(content), 1) ** LENGTH_EXPONENT
        for content in words
    ]


def _pick_diverse(order: Sequence[int], word_sets: Sequence[set[str]], k: int) -> list[int]:
    """Take the first ``k`` of ``order``, deferring near-repeats of earlier picks.

    Deferred sentences fill the remaining places only when nothing else is left,
    so the result always has ``min(k, len(order))`` indices.
    """
    picked: list[int] = []
    deferred: list[int] = []
    for index in order:
        if len(picked) == k:
            break
        if any(_overlap(word_sets[index], word_sets[other]) > REDUNDANCY_LIMIT for other in picked):
            deferred.append(index)
        else:
            picked.append(index)
    return picked + deferred[: k - len(picked)]


def _overlap(first: set[str], second: set[str]) -> float:
    """Jaccard overlap of two word sets; 0 when both are empty."""
    union = len(first | second)
    return len(first & second) / union if union else 0.0


def _content_words(text: str) -> list[str]:
    """Lower-cased words of ``text`` without stop words and one-letter tokens."""
    return [
        word
        for word in _WORD.findall(text.lower().replace("’", "'"))
        if len(word) > 1 and word not in STOP_WORDS
    ]
