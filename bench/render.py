"""Email rendering at the size the issue sets: 40 stories from 200 articles.

    python bench/render.py [--stories 40] [--articles 200] [--max-bytes 95000] [--repeat 5]

Prints the time and HTML size of ``render_email`` for a synthetic edition
(``tests/render/synthetic.py``, seeded: the same edition every run), next to
baselines measured in the same run:

* the old collapse loop, which re-rendered and re-inlined the whole email
  once per shortened story (same output, as a check);
* jinja2 alone, with no CSS inlining and no size limit (the floor);
* one inlining pass of the full edition with no size limit (what Gmail would clip).

Times are the median of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout: the package and the test data are importable

from jinja2 import Environment

from briefing.models import Briefing, Story
from briefing.render import email as email_module
from briefing.render.email import inline_css, render_email
from briefing.render.environment import make_environment
from tests.render.synthetic import synthetic_briefing

UNSUBSCRIBE = "https://briefing.example.org/unsubscribe"
T = TypeVar("T")


def timed(run: Callable[[], T], repeat: int) -> tuple[float, T]:
    """Median seconds of ``repeat`` runs, and the last result."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def old_collapse_loop(briefing: Briefing, env: Environment, max_bytes: int) -> tuple[str, int]:
    """The previous algorithm: shorten the last story, render and inline everything again, repeat."""
    stories, collapsed = list(briefing.stories), list[Story]()
    while True:
        layout = email_module._Layout(stories, collapsed)
        html = inline_css(email_module._render(env, "email.html", briefing, layout, UNSUBSCRIBE))
        if len(html.encode("utf-8")) <= max_bytes or not stories:
            return html, len(collapsed)
        collapsed.insert(0, stories.pop())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stories", type=int, default=40)
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--max-bytes", type=int, default=95_000, help="output.max_email_bytes (default 95000)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)  # not the "stories shortened" warning on every run

    briefing = synthetic_briefing(stories=args.stories, articles=args.articles)
    env = make_environment(ROOT / "templates", briefing.site_url)
    render_email(briefing, env, unsubscribe_url=UNSUBSCRIBE, max_bytes=args.max_bytes)  # warm caches

    ours, rendered = timed(lambda: render_email(briefing, env, unsubscribe_url=UNSUBSCRIBE,
                                                max_bytes=args.max_bytes), args.repeat)
    old, (old_html, old_collapsed) = timed(lambda: old_collapse_loop(briefing, env, args.max_bytes), args.repeat)
    everything = email_module._Layout(briefing.stories, ())
    raw, raw_html = timed(lambda: email_module._render(env, "email.html", briefing, everything, UNSUBSCRIBE),
                          args.repeat)
    full, full_html = timed(lambda: inline_css(raw_html), args.repeat)

    html = rendered.html
    size = len(html.encode("utf-8"))
    print(f"edition: {args.stories} stories from {briefing.article_count} articles (synthetic, seeded); "
          f"output.max_email_bytes = {args.max_bytes}")
    print(f"render_email:           {ours * 1000:8.1f} ms   HTML {size / 1024:6.1f} KB ({size} bytes), "
          f"{rendered.collapsed} stories shortened, text {len(rendered.text.encode()) / 1024:.1f} KB")
    print(f"  under Gmail's ~102 KB clip: {'yes' if size < 100_000 else 'NO'}")
    print(f"baseline, old collapse loop: {old * 1000:8.1f} ms   ({old_collapsed} shortened, "
          f"same HTML: {'yes' if old_html == html else 'no'})   old/new = {old / ours:.1f}x")
    print(f"baseline, jinja2 only:       {raw * 1000:8.1f} ms   HTML {len(raw_html.encode()) / 1024:6.1f} KB "
          f"not inlined, nothing shortened   new/jinja2 = {ours / raw:.1f}x")
    print(f"baseline, one inline pass:   {full * 1000:8.1f} ms   HTML {len(full_html.encode()) / 1024:6.1f} KB "
          f"in full (Gmail would clip it)   new/one pass = {ours / full:.1f}x")


if __name__ == "__main__":
    main()
