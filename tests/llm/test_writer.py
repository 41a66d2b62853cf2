"""The model writer in whole builds against a real scripted chat-completions server on loopback."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import lxml.html
import pytest

from briefing import pipeline
from briefing.clock import FixedClock
from briefing.models import Story
from briefing.settings import Settings
from briefing.store import Store
from tests.conftest import FIXED_NOW
from tests.deliver.conftest import free_port
from tests.llm.conftest import LlmConfig, ModelServer, answer, good_answer, hang, raw, status, write_articles

OTHER_TOPICS = {
    "harbour.txt": (
        "Rotterdam harbour cranes stand idle during dock strike\n\n"
        "Dock workers at Rotterdam walked out on Monday over a new shift rota, leaving cranes idle across the harbour.\n"
        "The Rotterdam port authority said 40 container ships were waiting at anchor by Tuesday evening.\n"
        "Union leaders said talks with terminal operators would resume on Thursday morning.\n"
        "Shipping lines began diverting vessels to Antwerp and Hamburg to avoid the queue.\n"
    ),
    "coffee.txt": (
        "Arabica coffee prices climb after frost in Minas Gerais\n\n"
        "Arabica coffee futures rose sharply after a frost damaged coffee trees across Minas Gerais in Brazil.\n"
        "Growers in the region reported blackened leaves on young plants after two cold nights.\n"
        "Roasters in Europe said retail coffee prices could rise next spring if the damage proves severe.\n"
        "Agronomists will survey the plantations next week to estimate the losses.\n"
    ),
    "football.txt": (
        "Ajax appoints a new head coach after a poor season\n\n"
        "Ajax named a new head coach on Friday after the Amsterdam club finished its season in fifth place.\n"
        "The board said the coach signed a contract running until the summer of 2028.\n"
        "Supporters had protested outside the stadium after a string of home defeats.\n"
        "The club plans to rebuild its youth academy under the new sporting director.\n"
    ),
}


def build(settings: Settings) -> pipeline.Build:
    with Store.open_settings(settings.store) as store:
        return pipeline.build(settings, store, FixedClock(FIXED_NOW))


def extractive(settings: Settings) -> tuple[Story, ...]:
    """The stories of the same edition told by the extractive editor alone (its own project copy)."""
    briefing = pipeline.make_briefing(settings, build_edition(settings), articles_of(settings), FIXED_NOW)
    return briefing.stories


def build_edition(settings: Settings) -> Any:
    from briefing.clock import edition_for

    return edition_for(FIXED_NOW, settings.briefing.timezone)


def articles_of(settings: Settings) -> list[Any]:
    with Store.open_settings(settings.store) as store:
        return store.articles([row[0] for row in store.database.run("SELECT id FROM articles ORDER BY ingested, id")])


def test_a_good_answer_is_used_and_its_bullets_link_their_sources(llm_settings: LlmConfig, model_server: ModelServer) -> None:
    settings = llm_settings(env={"BRIEFING_LLM_API_KEY": "sk-test-123"})
    result = build(settings)
    assert len(model_server.requests) == 1
    seen = model_server.requests[0]
    assert seen.headers["authorization"] == "Bearer sk-test-123"
    assert seen.body["model"] == "scripted-model" and seen.body["temperature"] == 0.0
    assert seen.body["max_tokens"] > 0
    sent = good_answer(__import__("tests.llm.conftest", fromlist=["prompt_articles"]).prompt_articles(seen.prompt))
    story = result.briefing.stories[0]
    assert story.title == sent["title"] and story.dek == sent["dek"]
    assert [p.text for p in story.highlights] == [b["text"] for b in sent["highlights"]]
    assert [p.sources for p in story.highlights] == [tuple(b["sources"]) for b in sent["highlights"]]
    writing = result.writing
    assert writing is not None and writing.written == 1 and writing.fallbacks == () and writing.rejected == ()
    assert (writing.prompt_tokens, writing.completion_tokens, writing.requests) == (900, 300, 1)
    # Each bullet links its cited article in the email (archive page: the seeds have no URL of their own).
    items = {" ".join(li.text_content().split()): li for li in lxml.html.fromstring(result.email.html).iter("li")}
    for point in (*story.highlights, *story.implications):
        li = next(element for text, element in items.items() if text.startswith(point.text))
        links = [a.get("href") for a in li.iter("a")]
        assert links == [f"https://briefing.example.org/articles/{i}.html" for i in point.sources]
    # Every article is introduced by its id in square brackets, with its title and sentences.
    for ref in story.articles:
        assert f"[{ref.id}] {ref.title}" in seen.prompt
    assert "5 highlights" not in seen.prompt  # the budget is in the system message
    assert "at most 5" in seen.body["messages"][0]["content"]


def test_an_invented_number_is_rejected_and_the_extractive_bullet_stands_in(
        llm_settings: LlmConfig, model_server: ModelServer) -> None:
    def invented(articles: dict[str, list[str]]) -> dict[str, Any]:
        good = good_answer(articles)
        first = next(iter(articles))
        good["highlights"][1] = {"text": "China Northern Rare Earth output rose 47% this year.", "sources": [first]}
        return good

    model_server.then(answer(invented))
    settings = llm_settings()
    result = build(settings)
    story = result.briefing.stories[0]
    texts = [p.text for p in story.highlights]
    assert not any("47%" in t for t in texts)
    assert "47%" not in result.email.html
    writing = result.writing
    assert writing is not None and writing.written == 1
    assert [(r.part, r.kind) for r in writing.rejected] == [("highlights", "number")]
    assert "'47%' is not in the cited articles" in writing.rejected[0].reason
    # The rejected bullet's place holds an extractive bullet, not one the model wrote.
    plain = extractive(settings)[0]
    assert texts[1] in [p.text for p in plain.highlights]
    assert len(texts) == 5


def test_a_foreign_article_id_is_rejected(llm_settings: LlmConfig, model_server: ModelServer) -> None:
    def foreign(articles: dict[str, list[str]]) -> dict[str, Any]:
        good = good_answer(articles)
        good["highlights"][0]["sources"] = ["ffffffffffffffff"]
        good["implications"][0]["sources"] = []
        return good

    model_server.then(answer(foreign))
    result = build(llm_settings())
    writing = result.writing
    assert writing is not None
    assert [(r.part, r.kind) for r in writing.rejected] == [("highlights", "source"), ("implications", "source")]
    assert "'ffffffffffffffff', which is not one of the story's articles" in writing.rejected[0].reason
    assert writing.rejected[1].reason == "cites no article"
    story = result.briefing.stories[0]
    ids = {ref.id for ref in story.articles}
    assert all(set(p.sources) <= ids and p.sources for p in (*story.highlights, *story.implications))


@pytest.mark.parametrize("content", ["Here is the story: {title: 'x'", "not json at all", '["a", "list"]',
                                     '{"title": "x", "highlights": "one string"}'])
def test_an_answer_that_is_not_the_json_contract_leaves_the_extractive_story(
        llm_settings: LlmConfig, model_server: ModelServer, content: str, caplog: pytest.LogCaptureFixture) -> None:
    model_server.then(raw(content))
    settings = llm_settings()
    result = build(settings)
    assert result.briefing.stories == extractive(settings)
    writing = result.writing
    assert writing is not None and writing.written == 0 and len(writing.fallbacks) == 1
    assert "JSON" in writing.fallbacks[0][1] or "list" in writing.fallbacks[0][1]
    assert sum("told by the extractive editor" in r.message for r in caplog.records) == 1


def test_a_429_is_retried_after_retry_after_then_the_answer_is_used(
        llm_settings: LlmConfig, model_server: ModelServer) -> None:
    model_server.then(status(429, Retry_After="1"), answer(good_answer))
    result = build(llm_settings())
    assert len(model_server.requests) == 2
    assert model_server.requests[1].at - model_server.requests[0].at >= 0.95
    writing = result.writing
    assert writing is not None and writing.written == 1 and writing.requests == 2


def test_a_retry_after_longer_than_the_timeout_is_not_waited_for(
        llm_settings: LlmConfig, model_server: ModelServer) -> None:
    model_server.then(status(429, Retry_After="3600"))
    started = time.monotonic()
    result = build(llm_settings(timeout=2))
    assert time.monotonic() - started < 10
    assert len(model_server.requests) == 1
    assert result.writing is not None and "HTTP 429" in result.writing.fallbacks[0][1]


def test_a_500_is_retried_a_bounded_number_of_times_then_the_story_is_extractive(
        llm_settings: LlmConfig, model_server: ModelServer) -> None:
    model_server.default = status(500)
    settings = llm_settings(retries=2)
    result = build(settings)
    assert len(model_server.requests) == 3
    assert result.briefing.stories == extractive(settings)
    assert result.writing is not None
    assert result.writing.fallbacks[0][1].endswith("HTTP 500 from " + settings.llm.base_url
                                                   + "/chat/completions after 3 attempts")


def test_a_hang_past_the_timeout_ends_in_a_finished_build(llm_settings: LlmConfig, model_server: ModelServer,
                                                          tmp_path: Path) -> None:
    model_server.default = hang(model_server)
    settings = llm_settings(timeout=1)
    write_articles(tmp_path / "seeds" / "more", OTHER_TOPICS)
    started = time.monotonic()
    result = build(settings)
    elapsed = time.monotonic() - started
    assert len(result.briefing.stories) == 4
    assert len(model_server.requests) == 1  # after a timeout, the rest of the edition does not ask again
    assert elapsed < 8, elapsed
    writing = result.writing
    assert writing is not None and writing.written == 0 and len(writing.fallbacks) == 4
    assert "within llm.timeout = 1 s" in writing.fallbacks[0][1]
    assert all("failed earlier in this build" in reason for _, reason in writing.fallbacks[1:])
    assert result.briefing.stories == extractive(settings)
    assert (settings.output.dir / "2026-W47" / "email.html").is_file()


def test_a_closed_port_ends_in_a_finished_build(llm_settings: LlmConfig) -> None:
    port = free_port()
    settings = llm_settings(base_url=f"http://127.0.0.1:{port}/v1")
    result = build(settings)
    assert result.briefing.stories == extractive(settings)
    assert result.writing is not None and result.writing.requests == 1
    assert result.writing.fallbacks[0][1].startswith(f"cannot connect to http://127.0.0.1:{port}/v1/chat/completions")


def test_a_second_build_makes_no_request(llm_settings: LlmConfig, model_server: ModelServer) -> None:
    settings = llm_settings()
    first = build(settings)
    assert len(model_server.requests) == 1
    second = build(settings)
    assert len(model_server.requests) == 1
    assert second.briefing.stories == first.briefing.stories
    assert second.writing is not None and (second.writing.cached, second.writing.written, second.writing.requests) == (1, 1, 0)
    # Another model, or the same with the writer off, does not reuse it.
    build(llm_settings(model="another-model"))
    assert len(model_server.requests) == 2


def test_a_resend_uses_the_edition_recorded_at_first_send(llm_settings: LlmConfig, model_server: ModelServer) -> None:
    from briefing.deliver.mailer import OutboxMailer
    from tests.deliver.conftest import Recorder  # noqa: F401  (the SMTP fixtures are not needed: an outbox mailer)

    settings = llm_settings()
    first = pipeline.send(settings, dry_run=False, clock=FixedClock(FIXED_NOW), mailer=OutboxMailer(settings.output.dir / "sent"))
    assert first.writing is not None and first.writing.written == 1
    model_server.default = status(500)
    again = pipeline.send(settings, dry_run=False, clock=FixedClock(FIXED_NOW), mailer=OutboxMailer(settings.output.dir / "sent"))
    assert again.writing is None  # the recorded edition: nothing asked, nothing rewritten
    assert len(model_server.requests) == 1


def test_the_budget_stops_requests_when_spent(llm_settings: LlmConfig, model_server: ModelServer, tmp_path: Path) -> None:
    # The seeds' story reserves about 4,500 tokens (prompt estimate + 1,500 for the answer) and
    # is reported to have cost 3,300; after it, no other story's reserve (about 2,000) fits.
    model_server.default = answer(good_answer, prompt_tokens=3000)
    settings = llm_settings(token_budget=5000)
    write_articles(tmp_path / "seeds" / "more", OTHER_TOPICS)
    result = build(settings)
    writing = result.writing
    assert writing is not None
    assert len(model_server.requests) == 1 == writing.written
    assert writing.tokens == 3300 <= settings.llm.token_budget
    assert [story for story, _ in writing.fallbacks] == [s.id for s in result.briefing.stories[1:]]
    assert all(reason.startswith("token budget spent (3300 of llm.token_budget = 5000") for _, reason in writing.fallbacks)
    nothing = build(llm_settings(token_budget=10, model="other"))
    assert len(model_server.requests) == 1 and nothing.writing is not None and nothing.writing.written == 0


def test_only_max_stories_are_written(llm_settings: LlmConfig, model_server: ModelServer, tmp_path: Path) -> None:
    settings = llm_settings(max_stories=2)
    write_articles(tmp_path / "seeds" / "more", OTHER_TOPICS)
    result = build(settings)
    assert len(model_server.requests) == 2
    assert result.writing is not None and result.writing.written == 2 and result.writing.fallbacks == ()


def test_the_cli_reports_what_the_model_did_and_no_llm_asks_nothing(
        llm_settings: LlmConfig, model_server: ModelServer, tmp_path: Path) -> None:
    def invented(articles: dict[str, list[str]]) -> dict[str, Any]:
        good = good_answer(articles)
        good["highlights"].append({"text": "Lynas Rare Earths doubled its output.", "sources": [next(iter(articles))]})
        good["highlights"] = good["highlights"][-5:]
        return good

    settings = llm_settings()
    config = str(tmp_path / "briefing.toml")
    run = subprocess.run([sys.executable, "-m", "briefing", "-c", config, "build", "--no-llm"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert model_server.requests == [] and "model writer" not in run.stdout
    run = subprocess.run([sys.executable, "-m", "briefing", "-c", config, "send", "--dry-run", "--no-llm"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert model_server.requests == []
    model_server.then(answer(invented))
    run = subprocess.run([sys.executable, "-m", "briefing", "-c", config, "send", "--dry-run"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert len(model_server.requests) == 1  # the dry run computes what a send would send
    assert ("model writer: 1 stories written by scripted-model (0 from the cache), 0 told extractively; "
            "1 requests, 1200 tokens; 1 bullets rejected (1 name)") in run.stdout
    assert "highlights rejected: name 'Lynas' is not in the cited articles" in run.stderr
    assert "Traceback" not in run.stderr
    run = subprocess.run([sys.executable, "-m", "briefing", "-c", config, "build", "--json"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    story = json.loads(run.stdout)["stories"][0]
    assert not any("Lynas" in h["text"] for h in story["highlights"])
    assert settings.llm.enabled


def test_what_the_model_writes_is_escaped_like_article_text(llm_settings: LlmConfig, model_server: ModelServer) -> None:
    def markup(articles: dict[str, list[str]]) -> dict[str, Any]:
        good = good_answer(articles)
        good["highlights"][0]["text"] = "CNREHT met <script>alert(document.cookie)</script> <img src=x onerror=alert(document.domain)> cadres."
        return good

    model_server.then(answer(markup))
    settings = llm_settings()
    result = build(settings)
    assert result.briefing.stories[0].highlights[0].text.startswith("CNREHT met <script>")  # passed the check
    page = (settings.output.dir / "2026-W47" / "index.html").read_text(encoding="utf-8")
    for html in (result.email.html, page):
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(document.cookie)&lt;/script&gt;" in html
