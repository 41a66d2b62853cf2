"""Values that validate themselves, and the one owner of the stored edition JSON."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from briefing.models import Briefing, Edition, Point, Story
from briefing.serialise import briefing_to_json, edition_content, edition_from_content

START = datetime(2026, 11, 16, tzinfo=UTC)


def test_a_point_without_a_source_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one source"):
        Point("Baotou raised output.", ())
    assert Point("Baotou raised output.", ("a1",)).sources == ("a1",)


@pytest.mark.parametrize("key", ["2026-47", "2026-W4", "../2026-W47", "2026-W47/..", "2026-W47\n", ""])
def test_an_edition_key_that_is_not_an_iso_week_is_refused(key: str) -> None:
    with pytest.raises(ValueError, match="not an ISO week"):
        Edition(key, START, START + timedelta(days=7))


def test_the_stored_edition_content_reads_back_as_the_same_briefing() -> None:
    point = Point("Output rose 12% in October.", ("a1", "a2"), quotes=("Output rose 12%.", ""), links=())
    story = Story("s1", "Quotas", "Higher quotas.", (point,), (), (), ("quota",), ())
    briefing = Briefing("Rare Earth Briefing", Edition("2026-W47", START, START + timedelta(days=7)),
                        START, "https://example.org/", (story,))
    content = edition_content(briefing)
    assert edition_from_content(content) == briefing
    assert content.startswith('{"also": []')  # sorted keys: the same briefing is the same bytes
    assert briefing_to_json(edition_from_content(content))["stories"][0]["highlights"][0]["sources"] == ["a1", "a2"]
