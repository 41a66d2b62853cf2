"""The topic: phrases, scores and reasons on hand-written near misses, the clusters-dev set and settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefing.errors import ConfigError
from briefing.models import Document
from briefing.phrases import compile_rule
from briefing.settings import TopicSettings, load_settings
from briefing.topic import Topic, load_topic, read_exemplars
from tests.conftest import ROOT, ConfigMaker, shared_path

FIXTURES = ROOT / "tests" / "fixtures" / "topic"


@pytest.fixture(scope="module")
def sample() -> Topic:
    """The sample topic of the embedded default configuration."""
    return load_topic(load_settings(ROOT / "config" / "briefing.toml", env={}).topic)


def documents(folder: Path) -> list[Document]:
    return [d for d in read_exemplars([folder])]  # type: ignore[misc]


@pytest.mark.parametrize(("phrase", "text", "found"), [
    ("rare earth", "Rare-Earths prices", True),
    ("rare earth", "a rare  earth's fate", True),
    ("rare earth", "rare disease on Earth Day", False),
    ("battery", "new batteries", True),
    ("magnet", "magnetic fields", False),
    ("REE", "three free trees", False),
    ("REE", "REE output", True),
    ("/lithium (brine|hydroxide)s?/", "Lithium Brines", True),
])
def test_phrases_match_whole_words_with_variants(phrase: str, text: str, found: bool) -> None:
    assert (compile_rule(phrase).search(text, text.lower()) is not None) is found


def test_on_topic_articles_that_never_say_rare_earth_are_found(sample: Topic) -> None:
    on = documents(FIXTURES / "on")
    assert len(on) == 4 and not any("rare earth" in d.text.lower() for d in on)
    scores = sample.score_many(on)
    assert all(r.on_topic for r in scores), [(d.title, r) for d, r in zip(on, scores)]


def test_near_misses_are_off_topic_with_a_reason(sample: Topic) -> None:
    off = documents(FIXTURES / "off")
    scores = sample.score_many(off)
    assert len(off) == 5
    for document, relevance in zip(off, scores):
        assert not relevance.on_topic, (document.title, relevance)
        assert relevance.score < 0.5 and "no keyword or entity" in relevance.reason


def test_clusters_dev_positives_in_negatives_out(sample: Topic) -> None:
    files = sorted(shared_path("data", "clusters-dev").glob("*.txt"))
    docs = [Document("c", str(p), p.read_text("utf-8").split("\n", 1)[0], p.read_text("utf-8")) for p in files]
    truth = ["-Z-" not in p.name for p in files]
    predicted = [r.on_topic for r in sample.score_many(docs)]
    assert predicted == truth


def test_seeds_are_exemplars_and_exclude_wins(sample: Topic) -> None:
    seeds = documents(ROOT / "seeds")
    assert [r.reasons for r in sample.score_many(seeds)] == [("exemplar",)] * 5
    topic = Topic(TopicSettings(keywords=("dysprosium",), exclude=("sponsored",)))
    ad = Document("s", "x", "Sponsored: dysprosium jewellery", "Dysprosium rings, sponsored.")
    relevance = topic.score(ad)
    assert (relevance.score, relevance.on_topic, relevance.reason) == (0.0, False, "exclude 'sponsored'")


def test_without_a_topic_everything_is_on_topic() -> None:
    topic = Topic(TopicSettings())
    relevance = topic.score(Document("s", "x", "Flat to let", "Two rooms, garden."))
    assert (relevance.score, relevance.on_topic) == (1.0, True)


def test_scores_stay_in_range_and_grow_with_evidence(sample: Topic) -> None:
    one = Document("s", "x", "Markets", "Prices of dysprosium moved. Shares fell elsewhere in the market today.")
    more = Document("s", "y", "Dysprosium and NdFeB", "Lynas and MP Materials: dysprosium for NdFeB magnets.")
    low, high = sample.score_many([one, more])
    assert 0 <= low.score < high.score <= 1


@pytest.mark.parametrize(("topic", "key", "problem"), [
    ({"keywords": ["/(unclosed/"]}, "topic.keywords", "not a valid regular expression"),
    ({"entities": ["Atlantis Mining"]}, "topic.entities", "not an entity of the gazetteer"),
    ({"threshold": 2}, "topic.threshold", "from 0 to 1"),
    ({"keywords": "rare earth"}, "topic.keywords", "expected a list"),
])
def test_bad_topic_settings_name_the_key(make_config: ConfigMaker, topic: dict, key: str, problem: str) -> None:
    path = make_config(topic=topic)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    assert f"[{key}]" in str(caught.value) and problem in str(caught.value) and str(path) in str(caught.value)


def test_feed_tables_take_include_and_exclude(make_config: ConfigMaker) -> None:
    feed = {"url": "https://a.example/feed", "include": ["magnet", "/rare[- ]earths?/"], "exclude": ["sponsored"]}
    (loaded,) = load_settings(make_config(sources={"feeds": [feed]}), env={}).sources.feeds
    assert loaded.include == ("magnet", "/rare[- ]earths?/") and loaded.exclude == ("sponsored",)
    with pytest.raises(ConfigError, match=r"\[sources.feeds\].*not a valid regular expression"):
        load_settings(make_config(sources={"feeds": [{"url": "https://a.example/f", "exclude": ["/[/"]}]}), env={})
    with pytest.raises(ConfigError, match=r"\[sources.feeds\].*takes keys url, name, include, exclude"):
        load_settings(make_config(sources={"feeds": [{"url": "https://a.example/f", "keep": ["x"]}]}), env={})


def test_a_config_without_topic_has_none(make_config: ConfigMaker) -> None:
    assert not load_settings(make_config(), env={}).topic.enabled
    assert load_settings(ROOT / "config" / "briefing.toml", env={}).topic.enabled
