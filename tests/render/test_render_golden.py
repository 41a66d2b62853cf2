"""Golden files: the seeds' edition, rendered with the fixed clock, byte for byte; and a
multi-story edition (tests/render/synthetic.py) whose email shortens its last story and
lists three more under "Also this week" (``multi-*`` files).

When a change to the renderers, the templates or the summariser changes the
output on purpose, regenerate the files and review the diff:

    python -m pytest tests/render/test_render_golden.py --update-golden
    git diff tests/golden/
"""

from __future__ import annotations

import difflib
import re
from dataclasses import replace
from pathlib import Path

import pytest
from jinja2 import Environment

from briefing.models import AlsoItem, Briefing
from briefing.render.email import email_html, render_email
from briefing.render.site import write_site
from tests.conftest import ROOT
from tests.render.conftest import SeedsSite, build_seeds, project
from tests.render.synthetic import SITE, synthetic_briefing

GOLDEN = ROOT / "tests" / "golden"
REGENERATE = "python -m pytest tests/render/test_render_golden.py --update-golden"
# golden file name -> file under out/ for the 2026-W47 seeds edition
FILES = {
    "email.html": "2026-W47/email.html",
    "email.txt": "2026-W47/email.txt",
    "edition.html": "2026-W47/index.html",
    "index.html": "index.html",
    "feed.xml": "feed.xml",
    "atom.xml": "atom.xml",
}


MULTI = {"multi-email.html": "2026-W47/email.html", "multi-email.txt": "2026-W47/email.txt",
         "multi-edition.html": "2026-W47/index.html"}
UNSUBSCRIBE = "https://briefing.example.org/unsubscribe"


@pytest.mark.parametrize("golden", sorted(FILES))
def test_seeds_edition_matches_the_golden_file(seeds_site: SeedsSite, golden: str,
                                                 request: pytest.FixtureRequest) -> None:
    _compare((seeds_site.out / FILES[golden]).read_bytes(), golden, request)


def multi_story() -> Briefing:
    """Four stories, most important first, and three more on topic past the budget."""
    also = tuple(AlsoItem(title=f"Also on topic <{n}> & more", url=f"https://news.example.com/also-{n}",
                          source="Argus Media", relevance=0.9 - n / 10) for n in range(3))
    return replace(synthetic_briefing(stories=4, articles=8), also=also)


@pytest.fixture(scope="module")
def multi_site(tmp_path_factory: pytest.TempPathFactory, env: Environment) -> Path:
    briefing = multi_story()
    sizes = [len(email_html(briefing, env, unsubscribe_url=UNSUBSCRIBE, collapsed=n).encode()) for n in (0, 1)]
    email = render_email(briefing, env, unsubscribe_url=UNSUBSCRIBE, max_bytes=sum(sizes) // 2)  # between the two
    assert email.collapsed == 1  # the last story shortened to title + link
    root = tmp_path_factory.mktemp("multi")
    write_site(root, env, title=briefing.title, site_url=SITE, editions=[briefing], current=briefing, email=email,
               articles=(), keep=20)
    return root


@pytest.mark.parametrize("golden", sorted(MULTI))
def test_a_multi_story_edition_matches_the_golden_file(multi_site: Path, golden: str,
                                                       request: pytest.FixtureRequest) -> None:
    actual = (multi_site / MULTI[golden]).read_bytes()
    text = actual.decode("utf-8")
    if golden.endswith(".html"):  # (the plain text wraps its lines)
        titles = [story.title for story in multi_story().stories]
        assert [text.index(title) for title in titles] == sorted(text.index(title) for title in titles)  # in order
    assert "Also this week" in text
    assert ("Also on topic &lt;2&gt; &amp; more" if golden.endswith(".html") else "Also on topic <2> & more") in text
    cited = re.findall(r"\[(\d+), (\d+)\]", text) if golden.endswith(".txt") else re.findall(
        r">\[(\d+)\]</a> <a [^>]*>\[(\d+)\]</a>", text)
    assert cited and all(int(a) < int(b) for a, b in cited)  # a merged bullet's sources in order: [1] [2]
    _compare(actual, golden, request)


def _compare(actual: bytes, golden: str, request: pytest.FixtureRequest) -> None:
    expected_path = GOLDEN / golden
    if request.config.getoption("--update-golden"):
        expected_path.parent.mkdir(parents=True, exist_ok=True)
        expected_path.write_bytes(actual)
    assert expected_path.is_file(), f"{expected_path} is missing; create it with: {REGENERATE}"
    expected = expected_path.read_bytes()
    assert actual == expected, _diff(expected, actual, golden)


def test_rendering_is_deterministic(seeds_site: SeedsSite, tmp_path: Path) -> None:
    """A second project built from scratch gives the very same bytes (no clock, no randomness)."""
    again = build_seeds(project(tmp_path))
    for name in FILES.values():
        assert (again.out / name).read_bytes() == (seeds_site.out / name).read_bytes(), name
    assert again.eml.read_bytes() == seeds_site.eml.read_bytes()


def _diff(expected: bytes, actual: bytes, name: str) -> str:
    lines = difflib.unified_diff(
        expected.decode("utf-8", "replace").splitlines(), actual.decode("utf-8", "replace").splitlines(),
        f"tests/golden/{name}", "rendered now", lineterm="", n=1,
    )
    shown = "\n".join(list(lines)[:40])
    return f"{name} differs from the golden file. If the change is intended, run: {REGENERATE}\n{shown}"
