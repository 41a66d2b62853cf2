"""Section splitting of each of the five seeds, and of Markdown and HTML versions of one."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefing.ingest.files import read_documents
from briefing.ingest.text import normalise_text
from briefing.models import Sections
from briefing.summarise.sections import split_sections
from tests.conftest import SEEDS


def seed(prefix: str) -> Sections:
    path = next(SEEDS.glob(f"{prefix}_*.txt"))
    return split_sections(normalise_text(path.read_text(encoding="utf-8")))


# (seed, title, first words of each highlight, implication paragraphs, questions, closing paragraphs)
EXPECTED = [
    ("000", "", ["China Northern Rare Earth Group hosted", "Company leadership highlighted", "The event underscores"], 2, 3, 0),
    ("001", "", ["CNRE's meeting demonstrates", "The rare earth producer", "Western policymakers must"], 3, 0, 1),
    ("002", "", ["China’s largest rare earth", "The event highlights", "U.S. policymakers must"], 2, 0, 1),
    ("003", "1st Day of 2025: CCP Tightening Screws on China’s Rare Earth Complex",
     ["China Northern Rare Earth Group demonstrates", "State-controlled rare earth", "CCP’s strategy aims"], 12, 0, 0),
    ("004", "", ["CNREHT’s high-level Party", "The company’s operations", "Western countries remain"], 3, 3, 1),
]


@pytest.mark.parametrize(("prefix", "title", "highlights", "implications", "questions", "closing"), EXPECTED)
def test_seed_sections(prefix: str, title: str, highlights: list[str], implications: int, questions: int, closing: int) -> None:
    sections = seed(prefix)
    assert sections.title == title
    assert len(sections.highlights) == len(highlights)
    for got, start in zip(sections.highlights, highlights, strict=True):
        assert got.startswith(start)
    assert len(sections.implications) == implications
    assert len(sections.questions) == questions
    assert all(q.endswith("?") for q in sections.questions)
    assert len(sections.closing) == closing


def test_implications_come_from_under_their_headings() -> None:
    assert seed("000").implications[0].startswith("Northern Rare Earth is not just a mining company")
    assert seed("001").implications[0].startswith("For Western policymakers and industry")
    assert seed("002").implications[0].startswith("This latest move by China raises important questions")
    assert seed("003").implications[-1].startswith("In summary, while China’s rare earth companies")
    assert seed("004").implications[0].startswith("This meeting is not just a corporate boardroom gathering")


def test_questions_after_a_lead_line_anywhere() -> None:
    questions = seed("004").questions
    assert questions[0].startswith("Will ideological “discipline” translate")
    assert questions[2].startswith("Are performance metrics")
    body = seed("004").body
    assert any(p.startswith("This tight fusion of political control") for p in body)
    assert any(p.startswith("At a time when Western economies") for p in body)


def test_closing_sections() -> None:
    assert seed("001").closing[0].startswith("This meeting was not about production quotas")
    assert seed("002").closing[0].startswith("Northern Rare Earth’s 2025 political crackdown")
    assert seed("004").closing[0].startswith("CNREHT’s latest internal Party study session")


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_boilerplate_is_dropped(prefix: str) -> None:
    sections = seed(prefix)
    everything = "\n".join((*sections.highlights, *sections.body, *sections.implications, *sections.questions, *sections.closing))
    for junk in ("(opens in a new tab)", "Leave a Reply", "Spread the word", "0 Comments", "wp:paragraph", "Source: (Northern", "To discuss further"):
        assert junk not in everything


def test_body_list_items_stay_in_the_body() -> None:
    body = seed("001").body
    assert "The meeting emphasized:" in body
    assert any(p.startswith("Full integration of Party ideology") for p in body)
    assert not seed("001").questions


MARKDOWN = """# CNRE convenes its 7th Party study session

## Highlights

- CNREHT’s high-level Party meeting demonstrates the deep integration between China’s rare earth industry and Communist Party governance.
- Western countries remain vulnerable to Chinese rare earth supply chains.

China Northern Rare Earth (Group) High-Tech Co., Ltd. convened its 7th high-level Party ideological study session of 2025 this week.

## Strategic Implications for Western Policymakers

This meeting is **not just** a corporate boardroom gathering. It’s a signal of policy continuity.

Until the West fully builds out its own capacity, it will remain vulnerable.

## Final Thoughts

CNREHT’s latest internal Party study session may appear mundane.
"""

HTML = """<!DOCTYPE html><html><head><title>CNRE convenes its 7th Party study session</title></head><body>
<nav><a href="/">Home</a> <a href="/about">About</a> <a href="/news">News</a></nav>
<article><h1>CNRE convenes its 7th Party study session</h1>
<h2>Highlights</h2><ul>
<li>CNREHT’s high-level Party meeting demonstrates the deep integration between China’s rare earth industry and Communist Party governance.</li>
<li>Western countries remain vulnerable to Chinese rare earth supply chains.</li></ul>
<p>China Northern Rare Earth (Group) High-Tech Co., Ltd. convened its 7th high-level Party ideological study session of 2025 this week, an event that underscores the integration of industry and Party.</p>
<h2>Strategic Implications for Western Policymakers</h2>
<p>This meeting is <b>not just</b> a corporate boardroom gathering. It’s a signal of policy continuity.</p>
<p>Until the West fully builds out its own capacity, it will remain vulnerable.</p>
<h2>Final Thoughts</h2><p>CNREHT’s latest internal Party study session may appear mundane.</p></article>
<div id="comments"><h3>Leave a Reply</h3><p>Great article, thanks!</p></div>
<footer>Copyright 2025 Example News. All rights reserved.</footer></body></html>"""


@pytest.mark.parametrize(("name", "content"), [("seed.md", MARKDOWN), ("seed.html", HTML)])
def test_marked_up_versions_split_the_same_way(tmp_path: Path, name: str, content: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    (document,) = read_documents(path, "test", 1_000_000)
    sections = split_sections(document.text)
    assert (sections.title or document.title) == "CNRE convenes its 7th Party study session"
    assert [h[:20] for h in sections.highlights] == ["CNREHT’s high-level ", "Western countries re"]
    assert sections.implications == (
        "This meeting is not just a corporate boardroom gathering. It’s a signal of policy continuity.",
        "Until the West fully builds out its own capacity, it will remain vulnerable.",
    )
    assert sections.closing == ("CNREHT’s latest internal Party study session may appear mundane.",)
    assert "Home" not in document.text and "Great article" not in document.text
