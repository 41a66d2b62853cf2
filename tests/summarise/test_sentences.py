"""split_sentences: the abbreviations, quotes and lists news text is full of."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from briefing.summarise.sentences import split_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Profits at U.S. firm TimeWarner jumped 76% to $1.13bn. Sales rose 3.5% in Jan.",
            [
                "Profits at U.S. firm TimeWarner jumped 76% to $1.13bn.",
                "Sales rose 3.5% in Jan.",
            ],
        ),
        (
            "The firm moved to the U.K. The move cost $2.5m.",
            ["The firm moved to the U.K.", "The move cost $2.5m."],
        ),
        (
            "Dr. Smith met Mr. Jones on Jan. 5 in London. They agreed.",
            ["Dr. Smith met Mr. Jones on Jan. 5 in London.", "They agreed."],
        ),
        (
            "Acme Corp. and Widget Inc. merged. Shares rose.",
            ["Acme Corp. and Widget Inc. merged.", "Shares rose."],
        ),
        (
            "The deal was sold to Widget Inc. The price was not disclosed.",
            ["The deal was sold to Widget Inc.", "The price was not disclosed."],
        ),
        (
            "It is the No. 1 seller. It was No. 2 last year.",
            ["It is the No. 1 seller.", "It was No. 2 last year."],
        ),
        (
            "Metals, e.g. neodymium, are scarce. Prices rose.",
            ["Metals, e.g. neodymium, are scarce.", "Prices rose."],
        ),
        (
            "J. R. R. Tolkien wrote it. George W. Bush read it.",
            ["J. R. R. Tolkien wrote it.", "George W. Bush read it."],
        ),
        (
            "Growth was 0.1% in the third quarter. Inflation was 2.25%.",
            ["Growth was 0.1% in the third quarter.", "Inflation was 2.25%."],
        ),
    ],
)
def test_abbreviations_numbers_and_initials_do_not_split(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_sentence_ending_inside_closing_quotes_splits() -> None:
    assert split_sentences('He said "no." Then he left.') == ['He said "no."', "Then he left."]


def test_quoted_sentences_and_attribution() -> None:
    text = '"We won," he said. "It was great." She agreed.'
    assert split_sentences(text) == ['"We won," he said.', '"It was great."', "She agreed."]


def test_question_in_quotes_followed_by_lower_case_continues() -> None:
    assert split_sentences('"Why now?" he asked. Nobody knew.') == [
        '"Why now?" he asked.',
        "Nobody knew.",
    ]


def test_ellipsis_inside_a_sentence_does_not_split() -> None:
    text = "Arrivals to destinations such as... Maldives rose. It waited... and then fell."
    assert split_sentences(text) == [
        "Arrivals to destinations such as... Maldives rose.",
        "It waited... and then fell.",
    ]


def test_ellipsis_before_a_new_sentence_splits() -> None:
    assert split_sentences("Prices fell... The market shrugged.") == [
        "Prices fell...",
        "The market shrugged.",
    ]


def test_bullets_are_their_own_sentences_without_marker() -> None:
    text = (
        "Highlights\n"
        "- China Northern Rare Earth held a party event\n"
        "* Leaders stressed loyalty\n"
        "• Output matters\n"
        "1. First numbered point\n"
        "2) Second numbered point\n"
        "Body text follows. It has two sentences."
    )
    assert split_sentences(text) == [
        "Highlights",
        "China Northern Rare Earth held a party event",
        "Leaders stressed loyalty",
        "Output matters",
        "First numbered point",
        "Second numbered point",
        "Body text follows.",
        "It has two sentences.",
    ]


def test_every_line_and_paragraph_ends_a_sentence() -> None:
    text = "Why This Matters to the West\nThe supply chain is political\n\n\nBottom line"
    assert split_sentences(text) == [
        "Why This Matters to the West",
        "The supply chain is political",
        "Bottom line",
    ]


def test_whitespace_is_normalised() -> None:
    text = "  Profits   rose\tsharply.   \r\n\r\n  Costs\u00a0fell.  "
    assert split_sentences(text) == ["Profits rose sharply.", "Costs fell."]


def test_decimal_and_currency_amounts_stay_whole() -> None:
    text = "Revenue was $42.09bn (£22.3bn), up 6.4%. Debt was 1.5 times earnings."
    assert split_sentences(text) == [
        "Revenue was $42.09bn (£22.3bn), up 6.4%.",
        "Debt was 1.5 times earnings.",
    ]


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t\n", "-", "- \n* \n1."])
def test_empty_or_blank_input_gives_no_sentences(text: str) -> None:
    assert split_sentences(text) == []


# Random unicode, plus text dense in the characters the splitter reacts to.
_TRICKY = list("aB. \n\t!?\"'“”‘’…-*•1)(Mr.U.S.e.g.") + ["\u00a0", "\r"]
_TEXT = st.text(alphabet=st.sampled_from(_TRICKY), max_size=200) | st.text(max_size=200)


@given(_TEXT)
def test_never_raises_and_never_returns_blank_sentences(text: str) -> None:
    sentences = split_sentences(text)
    for sentence in sentences:
        assert sentence
        assert sentence == " ".join(sentence.split())


@given(_TEXT)
def test_words_are_kept_in_order(text: str) -> None:
    """Only bullet markers may be dropped; every other word survives, in order."""
    out_words = " ".join(split_sentences(text)).split()
    remaining = iter(text.split())
    assert all(any(word == source for source in remaining) for word in out_words)
