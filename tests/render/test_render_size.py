"""Email size: a 40-story, 200-article edition stays under Gmail's clipping size.

Past ``output.max_email_bytes`` the lowest-weight stories (the last) shrink to
a title and a link to the web version; the fewest possible do, the choice
costs at most three inlining passes, and the report says what happened.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from jinja2 import Environment

from briefing.cli import cli
from briefing.models import Briefing
from briefing.render.email import email_html, inline_css, render_email
from briefing.settings import Settings
from tests.conftest import ConfigMaker
from tests.render.email_rules import parse
from tests.render.synthetic import synthetic_briefing

GMAIL_CLIPS = 100_000  # bytes; Gmail clips at about 102 KB
UNSUBSCRIBE = "https://briefing.example.org/unsubscribe"


@pytest.fixture(scope="module")
def big() -> Briefing:
    return synthetic_briefing(stories=40, articles=200)


def titles(html: str, css_class: str) -> list[str]:
    return [" ".join(h.text_content().split()) for h in parse(html).xpath(f"//*[contains(@class, '{css_class}')]")]


def test_forty_stories_stay_under_100_kb_with_the_default_limit(big: Briefing, env: Environment,
                                                                  settings: Settings) -> None:
    rendered = render_email(big, env, unsubscribe_url=UNSUBSCRIBE, max_bytes=settings.output.max_email_bytes)
    size = len(rendered.html.encode("utf-8"))
    assert size <= settings.output.max_email_bytes < GMAIL_CLIPS
    assert 0 < rendered.collapsed < 40
    kept = 40 - rendered.collapsed
    assert titles(rendered.html, "story-title") == [s.title for s in big.stories[:kept]]
    more = parse(rendered.html).xpath("//td[contains(@class, 'more')]//li/a")
    assert [a.text_content() for a in more] == [s.title for s in big.stories[kept:]]
    assert [a.get("href") for a in more] == [f"{big.url}#story-{s.id}" for s in big.stories[kept:]]
    assert f"The last {rendered.collapsed} are listed in brief" in rendered.html
    assert "40 stories from 200 articles" in rendered.html  # the overview counts every story
    for story in big.stories[kept:]:
        assert f"{big.url}#story-{story.id}" in rendered.text


@pytest.mark.parametrize("limit", [25_000, 60_000, 95_000, 150_000])
def test_as_many_stories_as_fit_stay_in_full(big: Briefing, env: Environment, limit: int) -> None:
    rendered = render_email(big, env, unsubscribe_url=UNSUBSCRIBE, max_bytes=limit)
    assert rendered.html == email_html(big, env, unsubscribe_url=UNSUBSCRIBE, collapsed=rendered.collapsed)
    bigger = email_html(big, env, unsubscribe_url=UNSUBSCRIBE, collapsed=rendered.collapsed - 1)  # one more in full
    assert len(rendered.html.encode("utf-8")) <= limit < len(bigger.encode("utf-8"))


def test_choosing_what_to_collapse_takes_at_most_three_inlining_passes(big: Briefing, env: Environment) -> None:
    calls: list[int] = []

    def counting(html: str) -> str:
        calls.append(len(html))
        return inline_css(html)

    rendered = render_email(big, env, unsubscribe_url=UNSUBSCRIBE, max_bytes=40_000, inline=counting)
    assert rendered.collapsed > 30
    assert len(calls) <= 3


def test_an_edition_that_fits_is_inlined_once_and_not_shortened(env: Environment) -> None:
    calls: list[int] = []
    small = synthetic_briefing(stories=3, articles=9)
    rendered = render_email(small, env, unsubscribe_url=UNSUBSCRIBE, max_bytes=95_000,
                            inline=lambda html: calls.append(1) or inline_css(html))
    assert (rendered.collapsed, len(calls)) == (0, 1)
    assert "<!--@" not in rendered.html  # the size marks never reach the reader


def test_a_limit_nothing_can_meet_collapses_everything_and_stops(big: Briefing, env: Environment) -> None:
    rendered = render_email(big, env, unsubscribe_url=UNSUBSCRIBE, max_bytes=10_000)
    assert rendered.collapsed == 40
    assert titles(rendered.html, "story-title") == []


def test_the_send_report_says_stories_were_shortened(make_config: ConfigMaker, tmp_path: Path) -> None:
    config = make_config(output={"max_email_bytes": 10_000})
    result = CliRunner().invoke(cli, ["--config", str(config), "send", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "shortened:   1 lower-weight stories as title + link only" in result.output
    assert "output.max_email_bytes (10000 bytes)" in result.output
    result = CliRunner().invoke(cli, ["--config", str(config), "build"])
    assert "email shortened: 1 lower-weight stories as title + link only" in result.output
