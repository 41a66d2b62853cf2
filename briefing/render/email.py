"""The edition's email: HTML (CSS inlined) and a plain-text alternative.

Gmail clips messages whose HTML passes about 102 KB, so past
``output.max_email_bytes`` the lowest-weight stories (the last ones: stories
come heaviest first) collapse to a title and a link to the web version.

Inlining is the expensive step (premailer runs every CSS selector over the
whole document), so the number of stories kept in full is worked out from
measurements instead of by trial: one inlined render with every story in
full, marked with ``<!--@n-->`` comments so each story's inlined size can be
read off, and one with every story collapsed, for the size of each short
entry. A final render checks the choice. Three inlines at most, however many
stories collapse, where shortening one story at a time took one per story.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from jinja2 import Environment

from briefing.models import Briefing, RenderedEmail, Story
from briefing.render.environment import also_in_brief, format_period, overview, render, source_numbers

log = logging.getLogger(__name__)

# Invisible characters after the preheader keep inbox previews from running on
# into the body text ("Rare Earth Briefing Edition 2026-W47 ...").
PREHEADER_PADDING = "\u034f\u00a0" * 40
_MARK = re.compile(r"<!--@(?:\d+|end)-->")
_BYTE_MARK = re.compile(_MARK.pattern.encode("ascii"))


@dataclass(frozen=True)
class _Layout:
    """How one email is cut: these stories in full, those as title + link."""

    full: Sequence[Story]
    collapsed: Sequence[Story]


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
            allow_network=False,  # never fetch a remote stylesheet
            strip_important=False,  # keep !important in @media overrides
            keep_style_tags=False,
            remove_classes=False,  # the @media rules select by class
            disable_validation=True,
            cssutils_logging_level=logging.CRITICAL,
        )
        return str(inliner.transform(pretty_print=False))


Inliner = Callable[[str], str]


def render_email(briefing: Briefing, env: Environment, *, unsubscribe_url: str, max_bytes: int,
                 inline: Inliner = inline_css) -> RenderedEmail:
    """Both bodies of ``briefing``'s email, the HTML within ``max_bytes`` where possible.

    ``inline`` moves the CSS into the elements (``inline_css``; a test may count its passes).
    """
    layout, html = _fit(briefing, env, unsubscribe_url, max_bytes, inline)
    if layout.collapsed:
        log.warning(
            "edition %s: email HTML over %d bytes in full; %d lower-weight stories shortened to title and link",
            briefing.edition.key, max_bytes, len(layout.collapsed),
        )
    return RenderedEmail(
        subject=f"{briefing.title}: {briefing.edition.key} · {format_period(briefing.edition)}",
        html=html,
        text=_render(env, "email.txt", briefing, layout, unsubscribe_url),
        collapsed=len(layout.collapsed),
    )


def email_html(briefing: Briefing, env: Environment, *, unsubscribe_url: str, collapsed: int = 0,
               inline: Inliner = inline_css) -> str:
    """The inlined email HTML with the last ``collapsed`` stories shortened to title and link."""
    keep = len(briefing.stories) - collapsed
    layout = _Layout(briefing.stories[:keep], briefing.stories[keep:])
    return _inlined(env, briefing, layout, unsubscribe_url, inline, marks=False)


def preheader(briefing: Briefing) -> str:
    """The hidden first line inbox lists show: the lead story's dek."""
    if not briefing.stories:
        return f"{briefing.title}: nothing new this week."
    lead = briefing.stories[0]
    return lead.dek or lead.title


def _fit(briefing: Briefing, env: Environment, unsubscribe_url: str, max_bytes: int,
         inline: Inliner) -> tuple[_Layout, str]:
    """The layout keeping the most stories in full within ``max_bytes``, and its inlined HTML."""
    stories = briefing.stories
    whole = _inlined(env, briefing, _Layout(stories, ()), unsubscribe_url, inline, marks=True)
    if _size(whole) <= max_bytes or not stories:
        return _Layout(stories, ()), _MARK.sub("", whole)
    brief = _inlined(env, briefing, _Layout((), stories), unsubscribe_url, inline, marks=True)
    keep = _stories_that_fit(whole, brief, max_bytes)
    while True:
        layout = _Layout(stories[:keep], stories[keep:])
        html = _inlined(env, briefing, layout, unsubscribe_url, inline, marks=False)
        if _size(html) <= max_bytes or keep == 0:
            return layout, html
        keep -= 1  # the estimate was a few bytes short (counts in the overview text)


def _stories_that_fit(whole: str, brief: str, max_bytes: int) -> int:
    """How many leading stories can stay in full, from the two marked renders' sizes."""
    full_sizes = _segments(whole)[0]
    short_sizes, short_rest = _segments(brief)
    # With k < n in full the email is the brief render's frame (which has the
    # "More stories" block) plus full[:k] plus short[k:].
    for keep in range(len(full_sizes) - 1, -1, -1):
        if short_rest + sum(full_sizes[:keep]) + sum(short_sizes[keep:]) <= max_bytes:
            return keep
    return 0


def _segments(html: str) -> tuple[list[int], int]:
    """UTF-8 sizes of the marked pieces of ``html``, and of everything else (marks excluded)."""
    data = html.encode("utf-8")
    spans = [(m.start(), m.end()) for m in _BYTE_MARK.finditer(data)]
    sizes = [spans[i + 1][0] - spans[i][1] for i in range(len(spans) - 1)]
    marks = sum(end - start for start, end in spans)
    return sizes, len(data) - marks - sum(sizes)


def _inlined(env: Environment, briefing: Briefing, layout: _Layout, unsubscribe_url: str, inline: Inliner, *,
             marks: bool) -> str:
    return inline(_render(env, "email.html", briefing, layout, unsubscribe_url, marks=marks))


def _size(html: str) -> int:
    return len(_MARK.sub("", html).encode("utf-8"))


def _render(env: Environment, name: str, briefing: Briefing, layout: _Layout, unsubscribe_url: str,
            *, marks: bool = False) -> str:
    return render(
        env, name,
        briefing=briefing, stories=layout.full, collapsed=layout.collapsed, marks=marks,
        overview=overview(briefing, len(layout.collapsed)),
        preheader=preheader(briefing), preheader_padding=PREHEADER_PADDING,
        subject=f"{briefing.title}: {briefing.edition.key}", period=format_period(briefing.edition),
        number=source_numbers(briefing), site_url=briefing.site_url, unsubscribe_url=unsubscribe_url,
        **also_in_brief(briefing.also),
    )
