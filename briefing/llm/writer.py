"""The model writer: an extractive ``Story`` in, a ``Story`` the model wrote (and the checker passed) out.

Off unless ``llm.base_url`` is set. For each of the edition's ``llm.max_stories``
heaviest stories it sends one request (``briefing.llm.prompt``), unless the
store's cache has the answer to the very same messages from this model and
prompt version; it checks the answer (``briefing.llm.check``) and builds the
story from what passed:

- a bullet that fails is dropped, and the next extractive bullet of the same
  part that does not repeat a kept one takes its place; a title or dek that fails
  leaves the extractive one;
- a story whose answer fails altogether (timeout, refused, HTTP error, bad JSON,
  token budget spent, nothing passing the check) is the extractive story as it
  was. After a timeout or a refused connection the endpoint is not asked again
  for the rest of the edition (each story would wait ``llm.timeout`` again).

Nothing here raises: every fallback is one log line and a line of the
``WritingReport``. The budget (``llm.token_budget``) is checked before each
request against its upper bound (prompt estimate + ``ANSWER_TOKENS``), so an
edition never spends more.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from briefing.clock import Clock
from briefing.errors import ModelError
from briefing.llm.check import PARTS, Checked, check_answer, parse_answer
from briefing.llm.client import Chat, HttpChat, TokenBudget, estimate_tokens
from briefing.llm.prompt import PROMPT_VERSION, Limits, content_hash, story_messages
from briefing.models import Article, Point, Rejection, Story, WritingReport
from briefing.settings import LlmSettings
from briefing.store import CachedAnswer, Store

log = logging.getLogger(__name__)

ANSWER_TOKENS = 1500  # max_tokens of one answer; 5 + 4 + 4 bullets of 40 words fit in about 900
SAME_BULLET = 0.6  # word overlap at which an extractive stand-in repeats a kept bullet
DEFAULT_LIMITS = Limits()  # 5 highlights, 4 implications, 4 questions per story


class ModelWriter:
    """Writes one edition's stories; ``report`` says what it did."""

    def __init__(self, settings: LlmSettings, chat: Chat, store: Store | None, clock: Clock,
                 limits: Limits = DEFAULT_LIMITS) -> None:
        self.settings = settings
        self.chat = chat
        self.store = store
        self.clock = clock
        self.limits = limits
        self.budget = TokenBudget(settings.token_budget)
        self.down = ""  # why the endpoint is not asked again in this edition
        self._written = self._cached = self._prompt = self._answer = 0
        self._fallbacks: list[tuple[str, str]] = []
        self._rejected: list[Rejection] = []

    @property
    def report(self) -> WritingReport:
        return WritingReport(
            model=self.chat.model, written=self._written, cached=self._cached, requests=self.chat.requests,
            prompt_tokens=self._prompt, completion_tokens=self._answer,
            fallbacks=tuple(self._fallbacks), rejected=tuple(self._rejected),
        )

    def write(self, stories: Sequence[Story], articles: Sequence[Article]) -> tuple[Story, ...]:
        """``stories`` with the first ``llm.max_stories`` told by the model where it passed the check."""
        by_id = {a.id: a for a in articles}
        told = []
        for index, story in enumerate(stories):
            if index >= self.settings.max_stories:
                told.append(story)
                continue
            told.append(self.write_story(story, [by_id[r.id] for r in story.articles if r.id in by_id]))
        return tuple(told)

    def write_story(self, story: Story, articles: Sequence[Article]) -> Story:
        """The model's telling of ``story`` (checked), or ``story`` itself when its answer fails."""
        try:
            text = self._answer_for(story, articles)
            checked = check_answer(parse_answer(text), story, articles, self.limits)
        except ModelError as exc:
            return self._fall_back(story, exc.reason)
        except Exception as exc:  # a bug here must not fail the build: the extractive story stands
            log.debug("llm: story %s: unexpected error", story.id, exc_info=True)
            return self._fall_back(story, f"unexpected {type(exc).__name__}: {exc}")
        for rejection in checked.rejected:
            log.info("llm: story %s: %s %r rejected: %s; the extractive one stands", story.id,
                     rejection.part, rejection.text[:80], rejection.reason)
        self._rejected.extend(checked.rejected)
        if checked.used == 0:
            return self._fall_back(story, "nothing in the answer passed the check")
        self._written += 1
        return merge(story, checked, self.limits)

    def _answer_for(self, story: Story, articles: Sequence[Article]) -> str:
        """The answer's text: from the cache, else from one request (``ModelError`` when there is none)."""
        messages = story_messages(story, articles, self.limits)
        key = content_hash(messages)
        model = self.chat.model
        if self.store is not None and (hit := self.store.cached_answer(key, model, PROMPT_VERSION)) is not None:
            self._cached += 1
            return hit.text
        if self.down:
            raise ModelError(f"not asked: {self.down}")
        reserve = estimate_tokens("".join(m.content for m in messages)) + ANSWER_TOKENS
        if not self.budget.allows(reserve):
            raise ModelError(f"token budget spent ({self.budget.spent} of llm.token_budget = {self.budget.limit}; "
                             f"this story needs up to {reserve})")
        self.budget.spend(reserve)  # held while the request runs; settled below
        try:
            completion = self.chat.complete(messages, max_tokens=ANSWER_TOKENS)
        except ModelError as exc:
            self.budget.spend(-reserve)
            if exc.unreachable:
                self.down = f"the endpoint failed earlier in this build ({exc.reason})"
            raise
        self.budget.spend(completion.prompt_tokens + completion.completion_tokens - reserve)
        self._prompt += completion.prompt_tokens
        self._answer += completion.completion_tokens
        parse_answer(completion.text)  # only an answer that parses is worth keeping
        if self.store is not None:
            self.store.cache_answer(key, model, PROMPT_VERSION, CachedAnswer(
                completion.text, completion.prompt_tokens, completion.completion_tokens), self.clock.now())
        return completion.text

    def _fall_back(self, story: Story, reason: str) -> Story:
        log.warning("llm: story %s (%s) told by the extractive editor: %s", story.id, story.title[:60], reason)
        self._fallbacks.append((story.id, reason))
        return story


def merge(story: Story, checked: Checked, limits: Limits) -> Story:
    """``story`` with what passed of the model's answer, extractive bullets in the places of rejected ones."""
    parts: dict[str, tuple[Point, ...]] = {}
    for part in PARTS:
        bullets = checked.bullets(part)
        kept = [b for b in bullets if b is not None]
        spare = iter([p for p in getattr(story, part) if not any(_overlap(p.text, k.text) >= SAME_BULLET for k in kept)])
        told = [b if b is not None else next(spare, None) for b in bullets]
        parts[part] = tuple(b for b in told if b is not None)[: limits.of(part)]
    return replace(story, title=checked.title or story.title, dek=checked.dek or story.dek,
                   highlights=parts["highlights"], implications=parts["implications"], questions=parts["questions"])


def make_writer(settings: LlmSettings, store: Store | None, clock: Clock, limits: Limits = DEFAULT_LIMITS) -> ModelWriter | None:
    """The writer for one edition, or None while ``llm.base_url`` is empty (nothing leaves the machine)."""
    if not settings.enabled:
        return None
    chat = HttpChat(settings.base_url, settings.model, timeout=settings.timeout, retries=settings.retries,
                    temperature=settings.temperature, api_key=settings.api_key)
    return ModelWriter(settings, chat, store, clock, limits)


def _overlap(a: str, b: str) -> float:
    words_a, words_b = set(a.lower().split()), set(b.lower().split())
    return len(words_a & words_b) / max(1, min(len(words_a), len(words_b)))
