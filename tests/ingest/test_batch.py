"""``record_all`` (a batch in a few statements) decides and stores exactly what ``record`` does one by one."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from briefing.ingest.record import record, record_all
from briefing.models import Document
from briefing.store import Store
from tests.conftest import TEST_STORE_URL, postgresql_schema
from tests.ingest.conftest import bbc_file

START = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def rows() -> list[dict[str, str]]:
    return [json.loads(line) for line in bbc_file().read_text(encoding="utf-8").splitlines()]


def altered(text: str, every: int, seed: int) -> str:
    """``text`` with one word in ``every`` replaced: a near-duplicate at every=10."""
    chooser = random.Random(seed)
    words = text.split()
    return " ".join("changed" + str(chooser.randint(0, 99)) if i % every == 0 else w for i, w in enumerate(words))


def document(source: str, origin: str, text: str, *, url: str = "", guid: str = "", title: str = "") -> Document:
    return Document(source=source, origin=origin, title=title, text=text, url=url, guid=guid)


def batches() -> list[list[Document]]:
    """Three passes over a mix of new articles and every kind of duplicate and version."""
    bbc = rows()
    texts = [row["text"] for row in bbc[:40]]
    same = [row for row in bbc if row["text"] in {r["text"] for r in bbc if r["id"] != row["id"]}][:2]
    short = "submitted by someone to funny [link] [comments]"
    first = [document("desk", f"/in/a{i}.txt", t, title=f"T{i}") for i, t in enumerate(texts[:30])]
    first += [
        document("desk", "/in/copy-of-0.txt", texts[0].upper()),  # same normalised text, in the same batch
        document("desk", "/in/near-1.txt", altered(texts[1], 10, 1)),  # near-identical, same batch
        document("wire", "w2", texts[30], url="https://example.com/story-2?utm_source=rss"),
        document("wire", "w3", texts[31], url="https://example.com/story-2"),  # same canonical URL
        document("feed", "tag:example.com,2026:4", texts[32], guid="tag:example.com,2026:4"),
        document("other", "tag:example.com,2026:4", texts[33], guid="tag:example.com,2026:4"),  # same global GUID
        document("feed", "42", texts[34], guid="42"),
        document("other", "42", texts[35], guid="42"),  # a short GUID is only unique within its feed
        document("reddit", "r1", short), document("reddit", "r2", short),  # too short to match by text
        *(document("bbc", row["id"], row["text"]) for row in same),
    ]
    second = [
        *first[:10],  # unchanged
        document("desk", "/in/a4.txt", texts[4] + "\n\nA correction was added to this article today."),  # version
        document("desk", "/in/copy-of-0.txt", texts[5]),  # a duplicate's file now holds another article's text
        document("desk", "/in/near-6.txt", altered(texts[6], 10, 6)),  # near-duplicate of a stored article
        document("desk", "/in/rewrite-7.txt", altered(texts[7], 5, 7)),  # a rewrite: a new article
        document("desk", "/in/new-36.txt", texts[36]),
        document("wire", "w9", texts[37], url="https://example.com/story-2"),  # URL seen in an earlier batch
    ]
    third = [
        document("desk", "/in/a4.txt", texts[4] + "\n\nA second correction."),  # another version ...
        document("desk", "/in/copy-of-4.txt", texts[4] + "\n\nA second correction."),  # ... matched in-batch
        document("desk", "/in/old-4.txt", texts[4] + "\n\nA correction was added to this article today."),
        document("desk", "/in/a8.txt", texts[38]),  # a file rewritten with a different article: a version
        document("desk", "/in/near-38.txt", altered(texts[38], 10, 38)),  # near the version just made
    ]
    return [first, second, third]


def clock() -> Callable[[], datetime]:
    ticks = iter(START + timedelta(seconds=n) for n in range(10_000))
    return lambda: next(ticks)


def dump(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    run = store.database.run
    return {
        "articles": sorted(tuple(r) for r in run(
            "SELECT id, source, origin, url, canonical_url, guid, title, text, published, ingested,"
            " text_hash, version FROM articles")),
        "sources": sorted(tuple(r) for r in run(
            "SELECT article_id, source, origin, url, canonical_url, guid, matched_by, seen_at FROM article_sources")),
        "bands": sorted(tuple(r) for r in run("SELECT key, article_id FROM article_bands")),
    }


@pytest.fixture
def open_store(tmp_path: Path) -> Iterator[Callable[[str], Store]]:
    opened: list[Store] = []

    def make(name: str) -> Store:
        url = postgresql_schema(tmp_path / name) if TEST_STORE_URL else ""
        store = Store.open(tmp_path / f"{name}.db", url=url)
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


def test_a_batch_records_what_one_by_one_records(open_store: Callable[[str], Store]) -> None:
    one, many = open_store("one"), open_store("many")
    now_one, now_many = clock(), clock()
    outcomes = set()
    for batch in batches():
        with one.transaction():
            singly = [record(one, d, now_one()) for d in batch]
        with many.transaction():
            together = record_all(many, batch, now_many)
        assert together == singly
        assert dump(many) == dump(one)
        outcomes |= {(r.outcome.value, r.matched_by) for r in singly}
    assert outcomes == {("added", ""), ("updated", ""), ("unchanged", ""), ("duplicate", "url"),
                        ("duplicate", "guid"), ("duplicate", "text"), ("duplicate", "near")}


def test_a_batch_of_new_articles_takes_a_few_statements(open_store: Callable[[str], Store]) -> None:
    store = open_store("count")
    documents = [document("desk", f"/in/{row['id']}.txt", row["text"]) for row in rows()[:200]]
    statements = []
    event.listen(store.database.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with store.transaction():
        record_all(store, documents[:100], clock())
        record_all(store, documents[100:], clock())
    assert len(statements) <= 30, statements  # one query per kind of lookup, one insert per table, a batch
    assert not [s for s in statements if s.lstrip().upper().startswith("DELETE")]  # nothing to delete for new ids


def test_a_row_stored_meanwhile_sends_the_batch_through_record(open_store: Callable[[str], Store]) -> None:
    store = open_store("race")
    texts = [row["text"] for row in rows()[:5]]
    with store.transaction():
        (stored,) = record_all(store, [document("concurrent", "z", texts[3])], clock())
    real_hashes, real_bands = store.hashes_and_ids, store.band_members

    def stale_hashes(values: Any) -> tuple[dict[str, str], set[str]]:  # looked up before the other writer stored
        by_hash, ids = real_hashes(values)
        return {h: i for h, i in by_hash.items() if i != stored.article_id}, ids - {stored.article_id}

    def stale_bands(keys: Any) -> dict[int, set[str]]:
        return {key: ids - {stored.article_id} for key, ids in real_bands(keys).items()}

    store.hashes_and_ids = stale_hashes  # type: ignore[method-assign]
    store.band_members = stale_bands  # type: ignore[method-assign]
    with store.transaction():
        raced = record_all(store, [document("desk", f"/in/{i}.txt", t) for i, t in enumerate(texts)], clock())
    assert [(r.outcome.value, r.matched_by) for r in raced] == [
        ("added", ""), ("added", ""), ("added", ""), ("duplicate", "text"), ("added", "")]
    assert raced[3].article_id == stored.article_id and store.article_count() == 5


def test_the_stored_text_gives_the_sections_of_the_ingested_text(open_store: Callable[[str], Store]) -> None:
    """The summariser splits the stored text (no sections are stored): the store keeps every
    heading line and list marker the split reads, so it finds what the ingested text holds."""
    from briefing.summarise.sections import sections_of, split_sections

    store = open_store("sections")
    docs = [document("bbc", row["id"], "Briefing on the week\nHighlights\n- One point.\n\n" + row["text"]
                     + "\nWhy It Matters\n- It matters.\nKey Questions:\n- What next?") for row in rows()[:40]]
    results = record_all(store, docs, clock())
    stored = store.articles([r.article_id for r in results])
    assert len(stored) == len(docs)
    for doc, article in zip(docs, stored, strict=True):
        assert article.text == doc.text
        sections = sections_of(article)
        assert sections == split_sections(doc.text)
        assert sections.title == "Briefing on the week" and sections.highlights == ("One point.",)
        assert sections.implications == ("It matters.",) and sections.questions == ("What next?",)


def test_shingles_and_signatures_are_those_of_the_reference_code() -> None:
    """Band keys are stored: a faster shingle or MinHash must give the very same numbers."""
    import zlib

    from briefing.ingest.neardup import signature, signature_numpy, signature_python, word_shingles, words

    texts = [row["text"] for row in rows()[:200]] + ["", "one", "two words", "three words here", "Ünïcode wörds ß 日本"]
    for text in texts:
        found = words(text)
        reference = frozenset(zlib.crc32(" ".join(found[i : i + 3]).encode("utf-8"))
                              for i in range(max(1, len(found) - 2)))
        assert word_shingles(found) == reference
        assert signature_numpy(reference) == signature_python(reference) == signature(reference)


def test_band_keys_are_those_of_the_reference_code() -> None:
    """Band keys are stored: the fast ``band_keys`` gives the keys ``band_keys_reference`` gave, empty buckets too."""
    import random

    from briefing.ingest.neardup import (
        _EMPTY,
        SIGNATURE_SIZE,
        band_keys,
        band_keys_reference,
        signature_python,
        word_shingles,
        words,
    )

    signatures = [signature_python(word_shingles(words(row["text"]))) for row in rows()[:300]]
    signatures += [signature_python(frozenset(range(size))) for size in range(0, 300, 7)]  # sparse: empty buckets
    chooser = random.Random(17)
    signatures += [[chooser.choice([_EMPTY, 0, chooser.getrandbits(32)]) for _ in range(SIGNATURE_SIZE)]
                   for _ in range(200)]
    assert any(_EMPTY in s for s in signatures) and any(_EMPTY not in s for s in signatures)
    for signature in signatures:
        assert band_keys(signature) == band_keys_reference(signature)


def test_batched_signatures_and_fingerprints_are_those_of_one_text_at_a_time() -> None:
    """``fingerprints`` signs a batch in one numpy pass: the same signatures and fingerprints as text by text."""
    from briefing.ingest import neardup

    texts = [row["text"] for row in rows()[:150]] + ["", "one", "two words", "a b c d e f g h i j k l m n o p q r s t u"]
    found = [neardup.words(text) for text in texts]
    hashes = [neardup.word_shingles(f) for f in found]
    assert neardup.signatures_numpy(hashes) == [neardup.signature_python(h) for h in hashes]
    assert neardup.signatures_numpy([]) == []
    one_by_one = [neardup.fingerprint_words(f) for f in found]
    assert neardup.fingerprints(found) == one_by_one  # whichever way ``signatures`` goes
    neardup.expect(10_000)  # numpy from the first batch
    assert neardup.fingerprints(found) == one_by_one
    assert neardup.fingerprints([]) == []
