"""Mojibake as published is repaired at ingest, and the repair is logged with the file."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from briefing.clock import FixedClock
from briefing.ingest import collect
from briefing.ingest.mojibake import repair
from briefing.settings import load_settings
from briefing.store import Store
from tests.conftest import ConfigMaker

CLEAN = "Beijing’s grip on the global—and the U.S.—supply of magnets tightened on Monday, traders said."


@pytest.mark.parametrize("published", [
    CLEAN.encode("utf-8").decode("cp1252", errors="replace"),  # "Beijingâ€™s ... globalâ€”and"
    "Beijingโ€™s grip on the globalโ€”and the U.S.โ€”supply of magnets tightened on Monday, traders said.",
])
def test_a_file_with_mojibake_is_stored_repaired_and_the_repair_logged(
        published: str, make_config: ConfigMaker, tmp_path: Path, clock: FixedClock,
        caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "garbled.txt").write_text(published, encoding="utf-8")
    settings = load_settings(make_config(sources={"folders": ["inbox"]}), env={})
    with Store.open(settings.store.path) as store, caplog.at_level(logging.INFO):
        assert collect(settings, store, clock).added == 1
        (article,) = store.articles(store.unpublished_article_ids())
    assert article.text == CLEAN
    (line,) = [r.getMessage() for r in caplog.records if "repaired mojibake" in r.getMessage()]
    assert "garbled.txt" in line


@pytest.mark.parametrize("text", [CLEAN, "ภาษาไทย โรงเรียน ราคาแร่หายาก", "Grüße aus Köln — “café” naïve"])
def test_clean_text_and_real_thai_are_left_alone(text: str) -> None:
    assert repair(text) == text


def test_the_ascii_shortcut_gives_what_ftfy_gives() -> None:
    """``repair`` skips ftfy for plain ASCII it would not touch: the same text either way."""
    import json

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from briefing.ingest.mojibake import ftfy_repair
    from tests.conftest import shared_path

    with shared_path("data", "bbc-dev.jsonl").open(encoding="utf-8") as lines:
        texts = [json.loads(line)["text"] for _, line in zip(range(300), lines)]
    assert sum(t.isascii() for t in texts) > 100  # the shortcut is exercised
    awkward = ["Tom &amp; Jerry", "a\x1b[31mred\x1b[0m", "bell\x07", "tab\tform\x0cfeed\r\n", "del\x7f", "nul\x00",
               "caf\u00e9", "\u00e2\u20ac\u2122", ""]
    for text in texts + awkward:
        assert repair(text) == ftfy_repair(text), text[:60]

    @settings(max_examples=300, deadline=None)
    @given(st.text(alphabet=st.characters(max_codepoint=127), max_size=80))
    def same(text: str) -> None:
        assert repair(text) == ftfy_repair(text)

    same()


def test_the_line_by_line_shortcut_gives_what_ftfy_gives() -> None:
    """``repair`` calls ftfy only on the lines it could change: the same text as ``ftfy.fix_text`` on all of it."""
    import json

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from briefing.ingest.mojibake import ftfy_repair
    from tests.conftest import shared_path

    with shared_path("data", "bbc-dev.jsonl").open(encoding="utf-8") as lines:
        texts = [json.loads(line)["text"] for line in lines]
    mixed = [t for t in texts if not t.isascii() and any(line.isascii() for line in t.splitlines())]
    assert len(mixed) > 50  # texts with ASCII and non-ASCII lines: the shortcut is exercised
    garbled = CLEAN.encode("utf-8").decode("cp1252", errors="replace")
    awkward = [f"plain line\n{garbled}\nTom &amp; Jerry\n", f"<b>bold</b>\nTom &amp; Jerry\n{garbled}",
               f"Tom &amp; Jerry\n<p>\n{garbled} &amp;\n", "caf\u00e9\n\nplain\r\nmore\n", "\n\n\u00e2\u20ac\u2122\n",
               "ﬂubber\nASCII\n\uff2c\uff2f\uff35\uff24\n", "a < b\n\u00a3 5 &lt; 6\n"]
    for text in texts + awkward:
        assert repair(text) == ftfy_repair(text), text[:60]

    pieces = st.sampled_from(["plain words", "&amp;", "&lt;", "<", ">", "\n", "\r\n", "\u00e2\u20ac\u2122", "\u00c3\u00a9",
                              "é", "£", "’", "ﬁ", "\uff21", "\x1b[0m", "\x85", "\u0e42\u20ac\u201d", " ", "e\u0301",
                              "\ufeff", "\u206a", "\u3000", "Ĳ", "\u00a0", "Köln", "—", "“café”"])

    @settings(max_examples=400, deadline=None)
    @given(st.lists(pieces, max_size=30).map("".join))
    def same(text: str) -> None:
        assert repair(text) == ftfy_repair(text)

    same()


def test_any_text_is_repaired_as_ftfy_repairs_it() -> None:
    """The shortcuts (plain ASCII, lines no fixer would touch) on arbitrary Unicode, against ``ftfy.fix_text``."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from briefing.ingest.mojibake import ftfy_repair

    @settings(max_examples=1500, deadline=None)
    @given(st.text(max_size=60))
    def same(text: str) -> None:
        assert repair(text) == ftfy_repair(text)

    same()


def test_is_bad_finds_nothing_where_the_prefilter_finds_nothing() -> None:
    """Each character of ftfy's mojibake classes (and of the blocks they come from), alone among
    ASCII characters (up to two before it, one after, as its patterns' ASCII contexts go): where
    ``_MAYBE_BAD`` sees nothing, ``is_bad`` must not either."""
    from ftfy.badness import BADNESS_RE, is_bad

    from briefing.ingest.mojibake import _MAYBE_BAD

    blocks = [*range(0x80, 0x250), *range(0x370, 0x500), *range(0x2000, 0x2070), *range(0x2100, 0x2300),
              *range(0x2500, 0x2600)]
    characters = {chr(c) for c in blocks} | {c for c in BADNESS_RE.pattern if not c.isascii()}
    before = ["", "a", "A", "z", " ", ".", "1", "\n", "a ", "A ", "1 ", ". ", "z."]
    after = ["", "a", "A", " ", ".", "1", "\n", "_", "-"]
    missed = [text for c in sorted(characters) for left in before for right in after
              if not _MAYBE_BAD.search(text := left + c + right) and is_bad(text)]
    assert not missed, missed[:10]
