"""What a reader sees, in a real browser: Debian's Chromium, headless, through Playwright.

The email at 600 px (desktop clients) and 375 px (phones), light and dark, and
the archive pages: no horizontal scrolling, every story title on screen, and
no text too faint to read against the background it actually lands on.
Screenshots go to ``out/screenshots/`` of the test project for a person to
look at. There is no skip: without /usr/bin/chromium these tests fail (CI
installs it).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from jinja2 import Environment
from playwright.sync_api import Browser, Page, Playwright, Route, sync_playwright

from briefing.render.email import render_email
from tests.render.conftest import SeedsSite
from tests.render.synthetic import synthetic_briefing

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
LONG_WORD = "Supercalifragilisticexpialidocious-neodymium-praseodymium-dysprosium-terbium-" * 2

# Text nodes' colour against the first opaque background behind them (WCAG contrast).
CONTRAST_JS = """
() => {
  const rgb = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let node = el; node; node = node.parentElement) {
      const c = rgb(getComputedStyle(node).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const poor = [];
  for (const el of document.body.querySelectorAll('*')) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length || getComputedStyle(el).visibility === 'hidden') continue;
    if (getComputedStyle(el).display === 'none' || el.closest('.preheader')) continue;
    const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(background(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) poor.push(`${el.tagName}.${el.className}: ${ratio.toFixed(2)} "${el.textContent.trim().slice(0, 40)}"`);
  }
  return poor;
}
"""


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    yield launched
    launched.close()


@pytest.fixture(scope="module")
def shots(seeds_site: SeedsSite) -> Path:
    folder = seeds_site.out / "screenshots"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def stress_email(tmp_path_factory: pytest.TempPathFactory, env: Environment) -> Path:
    """Forty stories (most collapsed), one with an unbreakable 150-character word in its title and a bullet."""
    briefing = synthetic_briefing()
    first = briefing.stories[0]
    long_point = replace(first.highlights[0], text=f"{LONG_WORD} {first.highlights[0].text}")
    first = replace(first, title=f"{first.title} {LONG_WORD}", highlights=(long_point, *first.highlights[1:]))
    briefing = replace(briefing, stories=(first, *briefing.stories[1:]))
    rendered = render_email(briefing, env, unsubscribe_url="https://briefing.example.org/unsubscribe",
                            max_bytes=95_000)
    path = tmp_path_factory.mktemp("stress") / "email.html"
    path.write_text(rendered.html, "utf-8")
    return path


def open_page(browser: Browser, path: Path, width: int, scheme: str = "light") -> Page:
    page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)  # type: ignore[arg-type]
    page.route("**/*", _local_only)
    page.goto(path.as_uri())
    return page


def _local_only(route: Route) -> None:
    """Nothing may come from the network: the email and the archive are self-contained."""
    if route.request.url.startswith("file://"):
        route.continue_()
    else:
        route.abort()


def check(page: Page, titles: str, shot: Path) -> dict[str, Any]:
    """Assert no horizontal overflow and every title on screen; save a full-page screenshot."""
    page.screenshot(path=str(shot), full_page=True)
    width = page.viewport_size["width"] if page.viewport_size else 0
    scroll = page.evaluate("() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")
    assert scroll <= width, f"{shot.name}: {scroll}px wide content in a {width}px window"
    located = page.locator(titles)
    assert located.count() > 0, f"{shot.name}: no {titles}"
    for index in range(located.count()):
        title = located.nth(index)
        box = title.bounding_box()
        assert title.is_visible() and box is not None, f"{shot.name}: title {index} hidden"
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, f"{shot.name}: title {index} cut off"
        assert box["height"] > 10, f"{shot.name}: title {index} collapsed"
    return {"poor contrast": page.evaluate(CONTRAST_JS)}


@pytest.mark.parametrize("width", [600, 375])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_seeds_email_fits_and_reads(browser: Browser, seeds_site: SeedsSite, shots: Path,
                                         width: int, scheme: str) -> None:
    page = open_page(browser, seeds_site.out / "2026-W47" / "email.html", width, scheme)
    found = check(page, "h2.story-title", shots / f"email-{width}-{scheme}.png")
    assert found["poor contrast"] == []
    container = page.locator("table.container").bounding_box()
    assert container is not None
    if width == 600:
        assert container["width"] <= 600 and abs(container["x"] * 2 + container["width"] - 600) <= 1  # centred
    else:
        assert container["width"] == 375  # fluid: the full width of a phone
    page.close()


@pytest.mark.parametrize("width", [600, 375])
def test_a_forty_story_email_with_an_unbreakable_title_fits(browser: Browser, stress_email: Path, shots: Path,
                                                             width: int) -> None:
    page = open_page(browser, stress_email, width)
    found = check(page, "h2.story-title, td.more li a", shots / f"email-40-stories-{width}.png")
    assert found["poor contrast"] == []
    page.close()


@pytest.mark.parametrize(("name", "titles"), [("2026-W47/index.html", "article.story h2"),
                                             ("index.html", "ul.editions li")])
@pytest.mark.parametrize("width", [1024, 375])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_archive_pages_fit_and_read(browser: Browser, seeds_site: SeedsSite, shots: Path,
                                        name: str, titles: str, width: int, scheme: str) -> None:
    page = open_page(browser, seeds_site.out / name, width, scheme)
    shot = shots / f"{name.replace('/index.html', '').replace('.html', '')}-{width}-{scheme}.png"
    assert check(page, titles, shot)["poor contrast"] == []
    page.close()


# Lowest and highest luminance inside a box of a PNG: text against its background as painted.
PAINTED_CONTRAST_JS = """
async ([src, boxes]) => {
  const image = new Image();
  image.src = src;
  await image.decode();
  const canvas = document.createElement('canvas');
  [canvas.width, canvas.height] = [image.width, image.height];
  const context = canvas.getContext('2d');
  context.drawImage(image, 0, 0);
  const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
  return boxes.map((box) => {
    const data = context.getImageData(box.x, box.y, Math.max(1, box.width), Math.max(1, box.height)).data;
    let low = 1, high = 0;
    for (let i = 0; i < data.length; i += 4) {
      const l = 0.2126 * f(data[i]) + 0.7152 * f(data[i + 1]) + 0.0722 * f(data[i + 2]);
      low = Math.min(low, l); high = Math.max(high, l);
    }
    return (high + 0.05) / (low + 0.05);
  });
}
"""
TEXT = ("h1.brand, p.period, td.overview strong, h2.story-title, p.dek, p.label, td.story li, p.tags, "
        "ol.sources li, td.footer p")


def test_text_survives_a_client_that_recolours_for_dark_mode(playwright: Playwright, seeds_site: SeedsSite,
                                                             shots: Path) -> None:
    """Chromium's forced dark mode recolours the page the way Gmail's apps and Outlook.com do."""
    forced = playwright.chromium.launch(executable_path=CHROMIUM,
                                        args=[*ARGS, "--blink-settings=forceDarkModeEnabled=true"])
    try:
        page = open_page(forced, seeds_site.out / "2026-W47" / "email.html", 600)
        png = page.screenshot(path=str(shots / "email-600-recoloured.png"), full_page=True)
        boxes = [box for box in (element.bounding_box() for element in page.locator(TEXT).all()) if box]
        source = f"data:image/png;base64,{base64.b64encode(png).decode()}"
        ratios = forced.new_page().evaluate(PAINTED_CONTRAST_JS, [source, boxes])
    finally:
        forced.close()
    assert len(ratios) >= 20
    faint = [(round(ratio, 2), box) for ratio, box in zip(ratios, boxes, strict=True) if ratio < 4.5]
    assert faint == []


def test_screenshots_were_saved(browser: Browser, seeds_site: SeedsSite, shots: Path) -> None:
    page = open_page(browser, seeds_site.out / "2026-W47" / "email.html", 375)
    check(page, "h2.story-title", shots / "email-375-check.png")
    page.close()
    saved = sorted(p.name for p in shots.glob("*.png"))
    assert "email-375-check.png" in saved
    assert (shots / "email-375-check.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
