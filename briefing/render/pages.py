"""Many pages from one template, paying for the page shell once.

An archive build writes a page for every article an edition links (thousands
when "Also this week" is long). Rendered whole, each page re-runs the shell
its template extends (head, style sheet, header, footer) though only the
article's own blocks differ. ``BlockPages`` renders the shell once, with a
marker where each per-page block goes, and then renders only those blocks
for each page, from the one compiled template.

The result is byte for byte what ``render(env, name, ...)`` gives; the first
page is rendered both ways to check it, and a template that does not fit
(a block printed twice or not at all, a shell that reads a per-page value,
``super()``) is simply rendered whole for every page.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from typing import Any

from jinja2 import Environment, Template, TemplateError

from briefing.render.environment import render

log = logging.getLogger(__name__)


class BlockPages:
    """Pages of template ``name`` that differ only in ``blocks`` (in the order the page prints them)."""

    def __init__(self, env: Environment, name: str, blocks: Sequence[str], **shared: Any) -> None:
        self._env, self._name, self._blocks, self._shared = env, name, tuple(blocks), shared
        self._template: Template = env.get_template(name)
        self._pieces = self._shell()
        self._checked = self._pieces is None

    def render(self, **context: Any) -> str:
        """The page for ``context`` (the per-page values; the shared ones were given once)."""
        if self._pieces is None:
            return render(self._env, self._name, **self._shared, **context)
        try:
            page = self._assemble(self._pieces, context)
        except TemplateError:
            page = None
        if not self._checked:
            whole = render(self._env, self._name, **self._shared, **context)
            self._checked = True
            if page != whole:  # a template this shortcut does not fit: every page whole, as before
                log.debug("template %s: pages rendered whole (its blocks do not stand alone)", self._name)
                self._pieces = None
            return whole
        if page is None:
            return render(self._env, self._name, **self._shared, **context)  # raises the RenderError
        return page

    def _assemble(self, pieces: tuple[str, ...], context: dict[str, Any]) -> str:
        values = self._template.new_context({"lang": "en", **self._shared, **context})
        parts = [pieces[0]]
        for block, piece in zip(self._blocks, pieces[1:], strict=True):
            parts.append("".join(self._template.blocks[block](values)))
            parts.append(piece)
        return "".join(parts)

    def _shell(self) -> tuple[str, ...] | None:
        """The page around its blocks: len(blocks) + 1 pieces, or None if the template does not allow it."""
        marks = [f"<!--{secrets.token_hex(16)}-->" for _ in self._blocks]
        if any(block not in self._template.blocks for block in self._blocks):
            return None
        overrides = "".join(f"{{% block {block} %}}{mark}{{% endblock %}}" for block, mark in zip(self._blocks, marks,
                                                                                                  strict=True))
        try:
            child = self._env.from_string(f"{{% extends {self._name!r} %}}{overrides}")
            text = child.render(lang="en", **self._shared)
        except TemplateError:
            return None  # the shell reads a per-page value (or more): render pages whole
        if any(text.count(mark) != 1 for mark in marks):
            return None  # a block printed twice, or not at all
        pieces: list[str] = []
        for mark in marks:
            before, found, text = text.partition(mark)
            if not found:
                return None  # the blocks print in another order
            pieces.append(before)
        return (*pieces, text)
