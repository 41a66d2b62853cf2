"""Facts first: the key facts of clusters-dev reach the bullets within the budget."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from briefing.ingest import to_article
from briefing.ingest.text import normalise_text
from briefing.models import Article, Document, Story
from briefing.summarise.editing import is_caption, stands_alone
from briefing.summarise.facts import fact_units, resolve_referent, select_facts_first, story_actor
from briefing.summarise.story import summarise
from tests.summarise.test_story import ref

NOW = datetime(2026, 11, 18, tzinfo=UTC)
CLUSTERS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "clusters-dev"


@pytest.fixture(scope="module")
def clusters() -> tuple[list[Story], dict[str, str], dict[str, list[dict[str, object]]]]:
    truth = json.loads((CLUSTERS / "truth.json").read_text("utf-8"))
    articles: list[Article] = []
    for path in sorted(CLUSTERS.glob("*.txt")):
        title, _, body = path.read_text("utf-8").partition("\n")
        doc = Document(path.stem.split("-", 2)[2], path.name, title.strip(), normalise_text(body.strip()), path.name)
        articles.append(to_article(doc, NOW))
    cluster_of = {a.id: next(r["cluster"] for r in truth["articles"] if r["file"] == a.url) for a in articles}
    return list(summarise(articles, ref, 100)), cluster_of, truth["facts"]


def test_an_editors_short_story_still_carries_the_key_facts(clusters) -> None:  # type: ignore[no-untyped-def]
    stories, cluster_of, facts = clusters
    stated = total = 0
    for cluster, cluster_facts in facts.items():
        (story,) = [s for s in stories if any(cluster_of[r.id] == cluster for r in s.articles)]
        assert len(story.highlights) <= 5 and len(story.implications) <= 4
        texts = [p.text.lower() for p in (*story.highlights, *story.implications, *story.questions)]
        texts += [story.title.lower(), story.dek.lower()]
        for fact in cluster_facts:
            stated += any(all(str(m).lower() in t for m in fact["match"]) for t in texts)
            total += 1
    # 45% before facts-first selection (issue 12, second part); 70% with it.
    assert stated / total >= 0.65


def test_no_caption_or_fragment_reaches_the_bullets(clusters) -> None:  # type: ignore[no-untyped-def]
    stories, _, _ = clusters
    for story in stories:
        for point in (*story.highlights, *story.implications, *story.questions):
            assert not is_caption(point.text), point.text
            assert not point.text.startswith(("-", "—", "–")), point.text


def test_captions_and_subjectless_fragments_are_not_sentences() -> None:
    assert is_caption("USA Rare Earth President Thayer Smith speaks alongside state officials as the company announces its plant.")
    assert is_caption("Plans to expand NdPr production to 4,000-6,000 tonnes per year.")
    assert not is_caption("Governor Kevin Stitt said the plant will create more than 100 jobs in Stillwater.")
    assert not stands_alone("Minister Sato poses with the crew of the Chikyu at Shimizu port in February.")


def test_the_company_becomes_the_main_actor_only_when_the_article_named_it() -> None:
    earlier = "Critical Metals Corp signed a binding agreement to buy Tanbreez."
    assert resolve_referent("The company also owns the Wolfsberg lithium project in Austria.", "Tanbreez is large.",
                            earlier, "Critical Metals") == "Critical Metals also owns the Wolfsberg lithium project in Austria."
    # "It" only right after a sentence whose subject is the actor: here "it" is the mine.
    assert resolve_referent("It is located near the harbour.", "Tanbreez lies in Greenland.", earlier,
                            "Critical Metals").startswith("It ")
    assert resolve_referent("It said the deal closes in July.", earlier, earlier, "Critical Metals") == (
        "Critical Metals said the deal closes in July.")
    assert resolve_referent("The company said it was pleased.", "x", "No actor named here.", "Critical Metals").startswith("The company")
    assert resolve_referent("Additionally, the project holds 4.7 billion tonnes.", "", "", "") == "The project holds 4.7 billion tonnes."


def test_the_actor_is_the_name_most_headlines_share() -> None:
    titles = ["Critical Metals to buy Tanbreez stake", "Critical Metals Corp agrees Greenland deal", "Greenland mine sold"]
    texts = ["Critical Metals Corp signed.", "Critical Metals will pay.", "Critical Metals said."]
    assert story_actor(titles, texts) == "Critical Metals"
    assert story_actor(["Noveon Magnetics and Lynas Rare Earths partner"], ["Noveon Magnetics and Lynas Rare Earths signed."]) == ""


def test_numbers_are_one_unit_however_written_and_new_facts_win() -> None:
    assert "#211" in fact_units("a deal worth up to $211m") and "#211" in fact_units("valued at $211 million")
    assert any(u.startswith("#") and "april" in u for u in fact_units("a conference on April 1"))  # a date is a fact
    points = [("Critical Metals agreed to buy Tanbreez for $211 million.", 3, 2.0),
              ("Critical Metals will pay $211m for the Tanbreez stake.", 2, 2.0),
              ("The seller is Rimbal, controlled by geologist Greg Barnes.", 1, 0.5)]
    assert select_facts_first(points, 2) == [0, 2]
