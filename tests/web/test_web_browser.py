"""A person in a real browser (Debian's Chromium, headless, through Playwright).

Fills in the form, clicks the link in the confirmation mail, gets an edition,
clicks its Unsubscribe link and the one button on that page. Screenshots of
every step go to ``out/screenshots/`` of the test project. No skip: without
/usr/bin/chromium this fails (CI installs it).
"""

from __future__ import annotations

from collections.abc import Iterator
from html import escape

import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright

from briefing import pipeline
from briefing.clock import FixedClock
from tests.conftest import FIXED_NOW
from tests.web.conftest import Site, shots_folder

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ADDRESS = "browser.reader@example.org"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


def loopback_only(route: Route) -> None:
    """The pages and the email need nothing from the network but our own server."""
    if route.request.url.startswith(("http://127.0.0.1:", "about:", "data:")):
        route.continue_()
    else:
        route.abort()


def heading(page: Page) -> str:
    return page.locator("h1").inner_text()


def test_sign_up_confirm_and_unsubscribe_in_a_browser(browser: Browser, site: Site) -> None:
    shots = shots_folder(site.settings)
    context = browser.new_context(viewport={"width": 420, "height": 800})
    page = context.new_page()
    page.route("**/*", loopback_only)
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)

    page.goto(site.url + "subscribe")
    page.screenshot(path=str(shots / "1-subscribe-form.png"), full_page=True)
    page.fill("#email", "not an address")
    page.click("button[type=submit]")  # the browser's own check (type=email) stops this one
    assert page.evaluate("document.querySelector('#email').validity.valid") is False
    page.fill("#email", "someone@localhost")  # the browser lets this through; the server does not
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#problem").is_visible() and page.input_value("#email") == "someone@localhost"
    page.screenshot(path=str(shots / "2-malformed-address.png"), full_page=True)
    assert problems == ["Failed to load resource: the server responded with a status of 400 (Bad Request)"]
    problems.clear()  # from here on: no console errors at all (a CSP violation would be one)
    page.fill("#email", ADDRESS)
    page.click("button[type=submit]")
    assert heading(page) == "Check your inbox"
    page.screenshot(path=str(shots / "3-check-your-inbox.png"), full_page=True)

    link = site.confirmation_link(ADDRESS)  # the mail, as a reader's mail client shows it
    page.set_content(f'<pre>{escape(site.mails_to(ADDRESS)[0].get_body(("plain",)).get_content())}</pre>'  # type: ignore[union-attr]
                     f'<p><a id="confirm" href="{escape(link)}">{escape(link)}</a></p>')
    page.click("#confirm")
    page.wait_for_url("**/confirm?token=*")
    assert heading(page) == "You are subscribed"
    page.screenshot(path=str(shots / "4-subscribed.png"), full_page=True)
    assert site.subscriber(ADDRESS).status == "active"  # type: ignore[union-attr]

    pipeline.send(site.settings, dry_run=False, clock=FixedClock(FIXED_NOW))
    (edition,) = [m for m in site.mails_to(ADDRESS, 2) if "2026-W47" in m["Message-ID"]]
    page.set_content(edition.get_body(("html",)).get_content())  # type: ignore[union-attr]
    page.screenshot(path=str(shots / "5-edition-email.png"), full_page=True)
    page.get_by_role("link", name="Unsubscribe").click()
    page.wait_for_url("**/unsubscribe?token=*")
    assert heading(page) == "Unsubscribe" and page.locator("button").count() == 1
    page.screenshot(path=str(shots / "6-unsubscribe-page.png"), full_page=True)
    assert site.subscriber(ADDRESS).status == "active"  # type: ignore[union-attr]  # opening the page changed nothing

    page.click("button")
    page.wait_for_load_state()
    assert heading(page) == "You are unsubscribed"
    page.screenshot(path=str(shots / "7-unsubscribed.png"), full_page=True)
    assert site.subscriber(ADDRESS).status == "unsubscribed"  # type: ignore[union-attr]
    assert context.cookies() == [] and problems == []
    context.close()
    assert sorted(p.name for p in shots.glob("*.png")) == [
        "1-subscribe-form.png", "2-malformed-address.png", "3-check-your-inbox.png", "4-subscribed.png", "5-edition-email.png",
        "6-unsubscribe-page.png", "7-unsubscribed.png"]
