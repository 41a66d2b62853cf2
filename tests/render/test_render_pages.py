"""Article pages: the shell rendered once (render/pages.py) gives the bytes a whole render gives,
and the atomic write never leaves part of a page under its name."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from jinja2 import Environment

from briefing.errors import RenderError
from briefing.render.environment import make_environment, render
from briefing.render.pages import BlockPages
from briefing.render.site import write_file
from tests.conftest import ROOT, SEEDS
from tests.render.test_render_archive import article

AWKWARD = ["<script>alert(1)</script> & \"quotes\"", "Tab\there\x0bvertical", "Ünïcode — “curly”", "", "{{ title }}"]


def paragraphs_of(text: str) -> list[list[str]]:
    return [[s for s in line.split(". ") if s] for line in text.split("\n") if line.strip()]


def whole(env: Environment, title: str, **context: object) -> str:
    return render(env, "article.html", title=title, root="../", **context)


def test_pages_are_the_bytes_of_a_whole_render(env: Environment) -> None:
    pages = BlockPages(env, "article.html", ("title", "main"), title="Rare <Earth> Briefing", root="../")
    texts = [path.read_text("utf-8") for path in sorted(SEEDS.glob("*.txt"))] + AWKWARD
    for n, text in enumerate(texts):
        item = article(f"{n:016x}", title=AWKWARD[n % len(AWKWARD)], source=AWKWARD[-n % len(AWKWARD)], text=text)
        context = {"article": item, "paragraphs": paragraphs_of(text), "original": "https://example.org/a?b=1&c=2"}
        assert pages.render(**context) == whole(env, "Rare <Earth> Briefing", **context)
    assert pages._pieces is not None  # the bundled template takes the shortcut


@pytest.mark.parametrize("layout", [
    '{% block title %}T{% endblock %}{{ self.title() }}{% block main %}M{% endblock %}',  # a block printed twice
    '{{ article.title }}{% block title %}T{% endblock %}{% block main %}M{% endblock %}',  # the shell reads the article
    '{% block main %}M{% endblock %}{% block title %}T{% endblock %}',  # the blocks in the other order
])
def test_a_template_that_does_not_fit_is_rendered_whole(tmp_path: Path, layout: str) -> None:
    (tmp_path / "layout.html").write_text(layout + "|{{ title }}", encoding="utf-8")
    (tmp_path / "page.html").write_text('{% extends "layout.html" %}{% block title %}{{ article.title }}{% endblock %}'
                                        '{% block main %}<p>{{ paragraphs }}</p>{% endblock %}', encoding="utf-8")
    env = make_environment(tmp_path, "https://briefing.example.org/")
    pages = BlockPages(env, "page.html", ("title", "main"), title="Site")
    for n in range(3):
        context = {"article": article(f"{n:016x}", title=f"<b>{n}</b>"), "paragraphs": [str(n)]}
        assert pages.render(**context) == render(env, "page.html", title="Site", **context)
    assert pages._pieces is None


def test_a_page_that_cannot_render_is_a_render_error(env: Environment) -> None:
    pages = BlockPages(env, "article.html", ("title", "main"), title="Site", root="../")
    item = article("00000000000000aa")
    pages.render(article=item, paragraphs=[["One."]], original="")
    with pytest.raises(RenderError, match="article.html"):
        pages.render(article=item, original="")  # no paragraphs: StrictUndefined


def test_a_page_is_readable_whatever_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0o077)
    try:
        path = write_file(tmp_path / "articles" / "page.html", "<p>x</p>")
    finally:
        os.umask(previous)
    assert path.stat().st_mode & 0o777 == 0o644
    assert path.read_text("utf-8") == "<p>x</p>"


def test_a_temporary_file_left_by_a_killed_process_is_no_obstacle(tmp_path: Path) -> None:
    stale = tmp_path / f".tmp-{os.getpid()}-{threading.get_ident()}-page.html"
    stale.write_bytes(b"half a pa")
    write_file(tmp_path / "page.html", b"<p>whole</p>")
    assert (tmp_path / "page.html").read_bytes() == b"<p>whole</p>"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.html"]


KILLED_WRITER = """
import sys
from pathlib import Path
from briefing.render.site import write_file
write_file(Path(sys.argv[1]), b"<p>" + b"x" * (256 * 1024 * 1024) + b"</p>")
"""


def test_a_writer_killed_mid_page_leaves_the_old_page(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_bytes(b"<p>old</p>")
    child = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(page)], cwd=ROOT)
    deadline = time.monotonic() + 60
    try:
        while not any(p.name.startswith(".tmp-") for p in tmp_path.iterdir()):
            assert child.poll() is None and time.monotonic() < deadline, "the writer never started its page"
            time.sleep(0.001)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    content = page.read_bytes()
    assert content == b"<p>old</p>" or (content.startswith(b"<p>x") and content.endswith(b"x</p>")
                                         and len(content) == 256 * 1024 * 1024 + 7)


# The loop article.html printed each paragraph with before the ``spans`` filter.
SPANS_LOOP = ('{% for sentence in paragraph %}<span id="{{ sentence|anchor }}">{{ sentence }}</span>'
              '{% if not loop.last %} {% endif %}{% endfor %}')


def test_spans_filter_prints_what_the_sentence_loop_printed(env: Environment) -> None:
    loop, spans = env.from_string(SPANS_LOOP), env.from_string("{{ paragraph|spans }}")
    texts = [path.read_text("utf-8") for path in sorted(SEEDS.glob("*.txt"))]
    paragraphs = [p for text in texts for p in paragraphs_of(text)]
    paragraphs += [AWKWARD, AWKWARD[:1], [], ["\x00\x1fcontrol\x7f <b>bold</b>", "a & b > c"], ["'single' `tick`"]]
    for paragraph in paragraphs:
        expected = loop.render(paragraph=paragraph)
        assert spans.render(paragraph=paragraph) == expected  # a list, as a custom caller may pass
        assert spans.render(paragraph=tuple(paragraph)) == expected  # the cached tuple the site passes
    assert "<script>" not in spans.render(paragraph=AWKWARD)
    assert "&lt;script&gt;" in spans.render(paragraph=AWKWARD)
