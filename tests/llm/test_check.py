"""The fact checker: what a bullet must find in the articles it cites, after normalising."""

from __future__ import annotations

import pytest

from briefing.errors import ModelError
from briefing.llm.check import SourceFacts, parse_answer, unsupported

SOURCE = (
    "On July 2, 2025, China Northern Rare Earth Group said output of 10,000 tonnes rose 12 per cent, "
    "worth $400 million, under the 14th Five-Year Plan. CNRE's Nd2O3 sales grew; Lynas was not mentioned "
    "until 2024-03-05. Exports fell 3.5 percent to 1.13bn yuan."
)


@pytest.fixture(scope="module")
def facts() -> SourceFacts:
    return SourceFacts.of([SOURCE])


@pytest.mark.parametrize("claim", [
    "Output was worth 400m.", "Output was worth $0.4 billion.", "Output was worth 400,000,000 dollars.",
    "It made 10000 tonnes.", "Output rose 12%.", "Output rose 12 percent.", "Exports fell 3.5%.",
    "Exports were worth 1,130 million yuan.", "In July 2025 the group met.", "The group met on 2 July 2025.",
    "The group met on 2025-07-02.", "It met on July 2.", "The 14th Five-Year Plan matters.",
    "CNRE's Nd2O3 sales grew.", "Will China Northern Rare Earth export more?", "Sales grew in 2025.",
    "Lynas was named on March 5, 2024.", "It was 400 of something.",
])
def test_supported_claims_pass(facts: SourceFacts, claim: str) -> None:
    assert unsupported(claim, facts) is None


@pytest.mark.parametrize(("claim", "kind", "shown"), [
    ("Output rose 47%.", "number", "'47%'"),
    ("Output rose 47 per cent.", "number", "'47%'"),
    ("Output was worth $500 million.", "number", "'$500 million'"),
    ("It made 10,001 tonnes.", "number", "'10,001'"),
    ("Output rose 10000%.", "number", "'10000%'"),  # a figure of the source, but never a percentage there
    ("The group met on July 3, 2025.", "date", "'July 3, 2025'"),
    ("The group met in June 2025.", "date", "'June 2025'"),
    ("Iluka Resources agreed a deal.", "name", "'Iluka'"),
    ("Sales rose, Shenghe said.", "name", "'Shenghe'"),
    ("Analysts expect more.", "name", "'Analysts'"),  # a sentence's first word the articles never use
    ("It sells 5G parts.", "name", "'5G'"),
])
def test_invented_facts_are_caught(facts: SourceFacts, claim: str, kind: str, shown: str) -> None:
    problem = unsupported(claim, facts)
    assert problem is not None and problem[0] == kind and shown in problem[1], problem


def test_a_word_the_articles_write_in_lower_case_may_open_a_sentence(facts: SourceFacts) -> None:
    assert unsupported("Sales grew.", facts) is None  # "sales" is in the source
    assert unsupported("Exports grew.", facts) is None
    assert unsupported("The move was broad. Output rose.", facts) is None


@pytest.mark.parametrize(("text", "reason"), [
    ("", "no JSON object"),
    ("Sure! {\"title\": \"x\",}", "not valid JSON"),
    ("[1, 2]", "no JSON object"),
    ('{"title": 3, "highlights": [{"text": "a", "sources": ["x"]}]}', "'title' is not a string"),
    ('{"title": "x", "highlights": {"text": "a"}}', "'highlights' is not a list"),
    ('{"title": "x", "dek": "y", "highlights": [], "implications": [], "questions": []}', "no bullets"),
])
def test_answers_outside_the_contract_are_refused_whole(text: str, reason: str) -> None:
    with pytest.raises(ModelError, match=reason):
        parse_answer(text)


def test_a_fenced_answer_is_read() -> None:
    answer = parse_answer('```json\n{"title": "A  title", "highlights": [{"text": "x", "sources": ["a"]}]}\n```')
    assert answer.title == "A title" and answer.items("highlights") == ({"text": "x", "sources": ["a"]},)
    assert answer.items("questions") == ()
