"""The web application: the archive, sign-up with double opt-in, one-click unsubscribe.

Routes (every answer is a page; what each one says is documented here and
tested in ``tests/web``):

- ``GET /subscribe``: the form. ``POST /subscribe`` (field ``email``):
  200 "check your inbox" for every well-formed address, new, pending, active
  or unsubscribed alike, so the answer never tells whether an address is
  subscribed; the confirmation mail (if one is due, see
  ``subscribers.sign_up``) goes out after the answer. 400 with the form again
  for a malformed address; 429 with ``Retry-After`` past ``web.rate_limit``
  sign-ups an hour from one client address.
- ``GET /confirm?token=``: 200 "subscribed" (also when the link is followed
  again while still subscribed); 410 when it expired, was used, replaced by
  a newer one or cancelled by unsubscribing; 400 when damaged or altered.
- ``GET /unsubscribe?token=``: 200, a page with one button (a GET changes
  nothing: link scanners fetch links). ``POST /unsubscribe?token=`` with
  ``List-Unsubscribe=One-Click`` (RFC 8058; the button sends the same):
  200 "unsubscribed" at once, for any address the token names, again 200
  and no change when repeated; 400 without that field or with a damaged
  token, and nothing changes.
- Anything else: the files of ``output.dir`` (``briefing.web.archive``).

No cookies, no login, no sessions. Pages are jinja2 templates under
``templates/web/`` with autoescape on; answers carry a strict
Content-Security-Policy (``frame-ancestors 'none'``), ``X-Content-Type-Options:
nosniff`` and ``Referrer-Policy: same-origin`` (a token in the address bar
must not leak to another site). ``POST /subscribe`` is refused (403) when the
browser says it came from another site's page (``same_origin``); redirects are
built from ``output.site_url``, never from the request's ``Host``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from math import ceil
from typing import Any, TypeVar
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from briefing import resources, subscribers
from briefing.clock import Clock, SystemClock
from briefing.deliver.mailer import SmtpMailer
from briefing.errors import StoreError, SubscriberError, TokenError
from briefing.render.environment import render
from briefing.settings import Settings
from briefing.store import Store
from briefing.tokens import Tokens, with_token
from briefing.web.archive import archive
from briefing.web.confirmation import MailerFactory, confirmation_message, send_confirmation
from briefing.web.ratelimit import RateLimiter

log = logging.getLogger(__name__)

MAX_BODY = 16 * 1024  # a sign-up or an unsubscribe needs a few dozen bytes
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",  # no token leaks to another site; our own form posts keep their Origin
    "Cache-Control": "no-store",
}
T = TypeVar("T")


def make_app(settings: Settings, clock: Clock | None = None, mailer: MailerFactory | None = None) -> Starlette:
    """The application for ``settings``; raises ``SubscriberError`` without a usable secret."""
    web = Web(settings, clock or SystemClock(), mailer or (lambda: SmtpMailer(settings.smtp)))
    app = Starlette(routes=[
        Route("/subscribe", web.subscribe_form, methods=["GET"]),
        Route("/subscribe", web.subscribe, methods=["POST"]),
        Route("/confirm", web.confirm, methods=["GET"]),
        Route("/unsubscribe", web.unsubscribe_form, methods=["GET"]),
        Route("/unsubscribe", web.unsubscribe, methods=["POST"]),
        Route("/{path:path}", archive, methods=["GET"]),
    ], max_body_size=MAX_BODY, exception_handlers={StoreError: web.store_problem})
    app.state.archive_root = settings.output.dir.resolve()
    app.state.site_url = settings.output.site_url  # redirects go there, never to the request's Host
    return app


def web_environment(settings: Settings) -> Environment:
    """Templates from ``<output.templates>/web``, else the bundled ``templates/web``."""
    folders = dict.fromkeys([str(settings.output.templates / "web"), str(resources.bundled("templates") / "web")])
    return Environment(loader=FileSystemLoader(list(folders)), autoescape=select_autoescape(["html"]),
                       undefined=StrictUndefined, keep_trailing_newline=True)


class Web:
    """The handlers, sharing the settings, the clock, the link signer and the rate limit."""

    def __init__(self, settings: Settings, clock: Clock, mailer: MailerFactory) -> None:
        self.settings = settings
        self.clock = clock
        self.mailer = mailer
        self.tokens = Tokens(settings.web.secret_key, clock, settings.subscribers.confirm_days)
        self.env = web_environment(settings)
        self.limiter = RateLimiter(settings.web.rate_limit, 3600.0, clock)
        self.title = settings.briefing.title
        self.origin = origin_of(settings.output.site_url)

    # --- sign-up -----------------------------------------------------------

    async def subscribe_form(self, request: Request) -> Response:
        return self.page("subscribe.html", 200, heading=f"Subscribe to {self.title}", problem="", address="")

    async def subscribe(self, request: Request) -> Response:
        if not same_origin(request, self.origin):
            return self.message(403, "Please sign up on our own page", [
                f"This sign-up came from a page on another site. Please use the form at {self.settings.output.site_url}subscribe."])
        wait = self.limiter.check(request.client.host if request.client else "")
        if wait:
            return self.message(429, "Too many sign-ups", [
                "Too many sign-ups came from your network in the last hour.",
                f"Please try again in {ceil(wait / 60)} minutes."], headers={"Retry-After": str(ceil(wait))})
        form = await request.form(max_files=0, max_fields=10, max_part_size=4096)
        raw = form.get("email")
        raw = raw.strip() if isinstance(raw, str) else ""
        try:
            address = subscribers.normalise(raw)
        except SubscriberError as exc:
            return self.page("subscribe.html", 400, heading=f"Subscribe to {self.title}",
                             problem=f"Please check the address: {_reason(exc)}", address=raw[:320])
        nonce = await self.with_store(subscribers.sign_up, address, self.clock.now())
        task = BackgroundTask(self.mail_confirmation, address, nonce) if nonce else None
        return self.message(200, "Check your inbox", [
            f"If {address} can receive our mail, a message with a confirmation link is on its way.",
            (f"Follow that link within {self.settings.subscribers.confirm_days} days to start receiving "
             f"{self.title}; nothing is sent to you before.")], background=task)

    def mail_confirmation(self, address: str, nonce: str) -> None:
        link = with_token(f"{self.settings.output.site_url}confirm", self.tokens.confirm(address, nonce))
        message = confirmation_message(self.settings, self.env, address, link, self.clock.now())
        send_confirmation(self.settings, self.mailer, message, address, self.clock)

    async def confirm(self, request: Request) -> Response:
        if request.method == "HEAD":  # a HEAD must not activate anything (link checkers send them)
            return Response(status_code=200, headers=PAGE_HEADERS)
        try:
            address, nonce = self.tokens.read_confirm(request.query_params.get("token", ""))
        except TokenError as exc:
            return self.token_problem(exc, "confirmation")
        outcome = await self.with_store(subscribers.confirm, address, nonce, self.clock.now())
        if outcome == "used":
            return self.message(410, "This link no longer works", [
                ("This confirmation link was already used, or a newer one was sent, or the address "
                 "unsubscribed since.")], again=True)
        return self.message(200, "You are subscribed", [
            f"{self.title} will come to {address} once a week.",
            "Every issue has a link at the bottom that unsubscribes you with one click."])

    # --- unsubscribe -------------------------------------------------------

    async def unsubscribe_form(self, request: Request) -> Response:
        token = request.query_params.get("token", "")
        try:
            address = self.tokens.read_unsubscribe(token)
        except TokenError as exc:
            return self.token_problem(exc, "unsubscribe")
        return self.page("unsubscribe.html", 200, heading="Unsubscribe", address=address, token=token)

    async def unsubscribe(self, request: Request) -> Response:
        try:
            address = self.tokens.read_unsubscribe(request.query_params.get("token", ""))
        except TokenError as exc:
            return self.token_problem(exc, "unsubscribe")
        form = await request.form(max_files=0, max_fields=10, max_part_size=4096)
        if form.get("List-Unsubscribe") != "One-Click":
            return self.message(400, "Nothing was changed", [
                "A one-click unsubscribe sends List-Unsubscribe=One-Click; this request did not."])
        await self.with_store(subscribers.unsubscribe, address, self.clock.now())
        return self.message(200, "You are unsubscribed", [
            f"{address} will not receive {self.title} again.",
            "Changed your mind? Sign up again; you will be asked to confirm."], again=True)

    # --- helpers -----------------------------------------------------------

    async def with_store(self, action: Callable[..., T], *args: Any) -> T:
        """Run ``action(store, *args)`` in a worker thread on a store connection of its own."""
        def run() -> T:
            with Store.open_settings(self.settings.store) as store:
                return action(store, *args)

        return await run_in_threadpool(run)

    async def store_problem(self, request: Request, error: Exception) -> Response:
        """The store cannot be used (gone, damaged, written by a newer briefing): one log line, a 503 page."""
        log.error("%s %s: %s", request.method, request.url.path, error)
        return self.message(503, "Please try again later", [
            "The service cannot reach its records just now; nothing was changed."], headers={"Retry-After": "300"})

    def token_problem(self, error: TokenError, kind: str) -> Response:
        if error.reason == "expired":
            return self.message(410, "This link has expired", [
                f"Confirmation links work for {self.settings.subscribers.confirm_days} days. Nothing was changed."],
                again=True)
        return self.message(400, "This link does not work", [
            f"This {kind} link is incomplete, damaged or was altered, so nothing was changed.",
            "Please use the link exactly as it is in the email, or copy all of it into the address bar."])

    def message(self, status: int, heading: str, paragraphs: list[str], *, again: bool = False,
                headers: dict[str, str] | None = None, background: BackgroundTask | None = None) -> Response:
        return self.page("message.html", status, heading=heading, paragraphs=paragraphs, again=again,
                         headers=headers, background=background)

    def page(self, template: str, status: int, *, headers: dict[str, str] | None = None,
             background: BackgroundTask | None = None, **context: Any) -> Response:
        html = render(self.env, template, title=self.title, **context)
        return HTMLResponse(html, status_code=status, headers={**PAGE_HEADERS, **(headers or {})}, background=background)


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of ``url``, as a browser writes it in an ``Origin`` header."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def same_origin(request: Request, origin: str) -> bool:
    """Whether a form post may have come from our own page (cross-site request forgery check).

    Browsers send ``Origin`` with every form POST (our pages' ``Referrer-Policy:
    same-origin`` keeps it a real origin, not "null"); a post another site's
    page makes a visitor's browser send names that site, or "null", and is
    refused. Without ``Origin`` the ``Referer`` decides; a client sending
    neither is not a browser, so there is no visitor to forge a request for.
    """
    sent = request.headers.get("origin")
    if sent is not None:
        return sent.strip().lower() == origin
    referer = request.headers.get("referer")
    return referer is None or origin_of(referer) == origin

def _reason(error: SubscriberError) -> str:
    """email-validator's explanation, without our repr of the input around it."""
    head, found, reason = str(error).partition(" is not a valid email address (")
    return reason.removesuffix(")") if found else head
