"""Pick the sentences that best summarise one article.

The score of a sentence is a weighted sum of a few signals that are cheap to
compute and easy to explain:

* **centrality**: how often the sentence's content words recur in the other
  sentences of the article (its degree in a word-overlap graph), damped by its
  length so a long sentence does not win by size alone. TextRank estimates the
  same thing with an iterated random walk over a pairwise similarity matrix;
  the one-step degree ranks news sentences at least as well and costs a
  single pass over the words.
* **title**: sharing words with the headline marks the story's subject.
* **penalties** for fragments (headings, bylines, "Source: ..." lines, anything
  under a handful of words or without closing punctuation) and for sentences
  that open with a quotation, which in news are colour rather than facts.

Picking walks down the scores and defers a sentence that mostly repeats one
already picked, so the summary does not say the same thing twice.

The constants below were tuned on the business half of the BBC development set
and checked on the tech half (see ``bench/summary_quality.py --category``);
the two agree to within a few tenths of a ROUGE point.

There is deliberately no lead (position) bonus: centrality alone already picks
the first sentence of a BBC article more often than the references include it
(87% against 79% in business, 71% against 65% in tech), and a lead bonus moved
ROUGE by less than 0.2 point at weight 0.05 and lowered it at 0.1 and above,
in both sections. Position still breaks ties.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

__all__ = ["STOP_WORDS", "rank_sentences"]

#: Centrality is divided by the number of content words to this power: 0 would
#: favour the longest sentences, 1 the densest short ones.
LENGTH_EXPONENT = 0.4
#: Weight of the share of headline words the sentence contains. Centrality is
#: scaled so the most central sentence scores 1, so the title is a tie-breaker
#: between similarly central sentences rather than a signal of its own.
TITLE_WEIGHT = 0.1
#: Subtracted from fragments: sentences shorter than SHORT_SENTENCE_WORDS words
#: or without closing punctuation. Headings, bylines, "Source: ..." lines and
#: share buttons say little on their own but can be full of the story's names,
#: which centrality alone would reward. Equal to the top centrality, so a
#: fragment comes after almost every real sentence.
FRAGMENT_PENALTY = 1.0
SHORT_SENTENCE_WORDS = 5
#: Subtracted from sentences that open with a quotation mark: quotes are mostly
#: reaction and colour. Small, so a quote that carries the story still wins.
QUOTE_PENALTY = 0.1
#: A candidate sharing more than this fraction of its content words with an
#: already picked sentence is skipped (Jaccard overlap) while others remain.
REDUNDANCY_LIMIT = 0.7

#: English closed-class words (pronouns, determiners, auxiliaries, prepositions,
#: conjunctions and their contractions). They occur in every sentence, so
#: counting them would make every sentence look central. Open-class words stay,
#: even frequent ones such as "said", "Mr" or "new": in news they mark
#: attributed statements and named people, which a summary does want.
#: Lower case; apostrophes as in the text after lower-casing.
# fmt: off
STOP_WORDS: frozenset[str] = frozenset({
    # pronouns and possessives
    "i", "me", "my", "myself", "we", "our", "ours", "ourselves", "you", "you're", "you've",
    "you'll", "you'd", "your", "yours", "yourself", "yourselves", "he", "him", "his", "himself",
    "she", "she's", "her", "hers", "herself", "it", "it's", "its", "itself", "they", "them",
    "their", "theirs", "themselves", "what", "which", "who", "whom",
    # determiners and quantifiers
    "this", "that", "that'll", "these", "those", "a", "an", "the", "all", "any", "both", "each",
    "few", "more", "most", "other", "some", "such", "no", "own", "same",
    # auxiliaries and their negations
    "am", "is", "are", "was", "were", "be", "been", "being", "have", "has", "had", "having", "do",
    "does", "did", "doing", "can", "will", "should", "should've", "don", "don't", "ain", "aren",
    "aren't", "couldn", "couldn't", "didn", "didn't", "doesn", "doesn't", "hadn", "hadn't",
    "hasn", "hasn't", "haven", "haven't", "isn", "isn't", "ma", "mightn", "mightn't", "mustn",
    "mustn't", "needn", "needn't", "shan", "shan't", "shouldn", "shouldn't", "wasn", "wasn't",
    "weren", "weren't", "won", "won't", "wouldn", "wouldn't",
    # conjunctions and prepositions
    "and", "but", "if", "or", "because", "as", "until", "while", "of", "at", "by", "for", "with",
    "about", "against", "between", "into", "through", "during", "before", "after", "above",
    "below", "to", "from", "up", "down", "in", "out", "on", "off", "over", "under", "nor", "than",
    # adverbs of the closed class
    "again", "further", "then", "once", "here", "there", "when", "where", "why", "how", "not",
    "only", "so", "too", "very", "just", "now",
})
# fmt: on

_CLOSING_MARKS = "\"'”’»)]"
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def rank_sentences(sentences: Sequence[str], k: int, *, title: str = "") -> list[int]:
    """Return the indices of the ``k`` best sentences, in document order.

    Deterministic: equal scores go to the earlier sentence. Asking for more
    sentences than there are returns them all; ``k <= 0`` returns none.
    """
    if k <= 0 or not sentences:
        return []
    words = [_content_words(sentence) for sentence in sentences]
    scores = _score_sentences(sentences, words, set(_content_words(title)))
    order = sorted(range(len(sentences)), key=lambda i: (-scores[i], i))
    return sorted(_pick_diverse(order, [set(w) for w in words], k))


def _score_sentences(
    sentences: Sequence[str], words: Sequence[Sequence[str]], title_words: set[str]
) -> list[float]:
    """Score every sentence; higher is more summary-worthy (see module docstring)."""
    centrality = _centrality(words)
    top = max(centrality, default=0.0) or 1.0
    scores = []
    for sentence, content, central in zip(sentences, words, centrality):
        score = central / top
        if title_words:
            score += TITLE_WEIGHT * len(title_words.intersection(content)) / len(title_words)
        if _is_fragment(sentence):
            score -= FRAGMENT_PENALTY
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
        sum(sentence_frequency[word] - 1 for word in content)
        / max(len(content), 1) ** LENGTH_EXPONENT
        for content in words
    ]


def _is_fragment(sentence: str) -> bool:
    """Whether ``sentence`` is too short or unpunctuated to stand alone in a summary."""
    if len(sentence.split()) < SHORT_SENTENCE_WORDS:
        return True
    return not sentence.rstrip(_CLOSING_MARKS).endswith((".", "!", "?", "…"))


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
