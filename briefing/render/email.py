"""The edition's email: HTML (CSS inlined) and a plain-text alternative.

Gmail clips messages whose HTML passes about 102 KB, so past
``output.max_email_bytes`` the lowest-weight stories collapse to a title and
a link to the web version, one at a time from the end, until the HTML fits.
"""

from __future__ import annotations

import logging
import warnings

from jinja2 import Environment

from briefing.models import Briefing, RenderedEmail, Story
from briefing.render.environment import format_period, render, source_numbers

log = logging.getLogger(__name__)


def inline_css(html: str) -> str:
    """Move CSS rules into style attributes; only @media rules stay in <head>.

    Kept behind this one function so that premailer (last released 2021) can
    be swapped for css-inline in one change.
    """
    from premailer import Premailer

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cssutils warns about vendor properties
        inliner = Premailer(
            html,
            allow_network=False,
            strip_important=False,  # keep !important in @media overrides
            keep_style_tags=False,
            remove_classes=False,
            disable_validation=True,
            cssutils_logging_level=logging.CRITICAL,
        )
        return str(inliner.transform(pretty_print=False))


def render_email(briefing: Briefing, env: Environment, *, unsubscribe_url: str, max_bytes: int) -> RenderedEmail:
    """Both bodies of ``briefing``'s email, the HTML within ``max_bytes`` where possible."""
    stories = list(briefing.stories)
    collapsed: list[Story] = []
    while True:
        html = inline_css(_render(env, "email.html", briefing, stories, collapsed, unsubscribe_url))
        if len(html.encode("utf-8")) <= max_bytes or not stories:
            break
        collapsed.insert(0, stories.pop())
    if collapsed:
        log.warning(
            "edition %s: email HTML over %d bytes; %d lower-weight stories shortened to title and link",
            briefing.edition.key, max_bytes, len(collapsed),
        )
    text = _render(env, "email.txt", briefing, stories, collapsed, unsubscribe_url)
    return RenderedEmail(
        subject=f"{briefing.title}: {briefing.edition.key} · {format_period(briefing.edition)}",
        html=html,
        text=text,
        preheader=preheader(briefing),
        collapsed=len(collapsed),
    )


def preheader(briefing: Briefing) -> str:
    """The hidden first line inbox lists show: the lead story's dek."""
    if not briefing.stories:
        return f"{briefing.title}: nothing new this week."
    lead = briefing.stories[0]
    return lead.dek or lead.title


def _render(env: Environment, name: str, briefing: Briefing, stories: list[Story],
            collapsed: list[Story], unsubscribe_url: str) -> str:
    return render(
        env, name,
        briefing=briefing, stories=stories, collapsed=collapsed, preheader=preheader(briefing),
        subject=f"{briefing.title}: {briefing.edition.key}", period=format_period(briefing.edition),
        number=source_numbers(briefing), site_url=briefing.site_url, unsubscribe_url=unsubscribe_url,
    )
