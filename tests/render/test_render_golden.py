"""Golden files: the seeds' edition, rendered with the fixed clock, byte for byte.

When a change to the renderers, the templates or the summariser changes the
output on purpose, regenerate the files and review the diff:

    python -m pytest tests/render/test_render_golden.py --update-golden
    git diff tests/golden/
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.render.conftest import SeedsSite, build_seeds, project

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


@pytest.mark.parametrize("golden", sorted(FILES))
def test_seeds_edition_matches_the_golden_file(seeds_site: SeedsSite, golden: str,
                                                 request: pytest.FixtureRequest) -> None:
    actual = (seeds_site.out / FILES[golden]).read_bytes()
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
