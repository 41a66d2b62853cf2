"""Near-duplicate text: word shingles, MinHash signatures and LSH band keys.

Two texts are near-duplicates when the Jaccard similarity of their sets of
word 3-shingles (three consecutive casefolded words) is at least
``NEAR_DUPLICATE_JACCARD`` = 0.5. Measured on ``bbc-dev.jsonl`` (911
articles, all 414,505 pairs): revised copies of one article (same story, a
few sentences edited) score 0.71 and more, distinct follow-up stories on the
same subject 0.43 at most, everything else below 0.3. A copy with one word in
every ten changed scores 0.55-0.57, one in fifteen 0.67-0.69, one in five
0.26-0.29 (that is a rewrite, not a copy). 0.5 catches the one-in-ten copy
and stays clear of the closest distinct stories.

Finding candidates must not compare every pair: each text gets a MinHash
signature by one-permutation hashing (``SIGNATURE_SIZE`` buckets, the least
shingle hash in each), cut into bands of ``BAND_ROWS`` rows; texts sharing a
band key are candidates, and a candidate counts only after the exact Jaccard
check. With 32 bands of 3 rows a pair at Jaccard 0.5 shares a band with
probability 1 - (1 - 0.5**3)**32 = 0.986, at 0.7 with 1.0000, at 0.2 with 0.23.

Texts shorter than ``MIN_WORDS`` words are never matched by text (exactly or
nearly): one-line feed entries such as "submitted by X to funny [link]"
differ only in a name and are different entries.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from dataclasses import dataclass
from itertools import chain

NEAR_DUPLICATE_JACCARD = 0.5
SHINGLE_WORDS = 3
MIN_WORDS = 20
SIGNATURE_SIZE = 96
BAND_ROWS = 3
_EMPTY = 0xFFFFFFFF
_WORD = re.compile(r"\w+")
_NUMPY_FROM = 48  # shingles; below this numpy's call overhead costs more than the loop
# numpy takes about 0.13 s to import and saves about 0.15 ms a text: a process that has
# signed fewer texts than this (a weekly run's few dozen) uses the loop and never imports it.
_NUMPY_AFTER = 500
_signed = 0
_expected = 0  # texts a caller said it is about to sign (``expect``)
_BAND_STARTS = tuple(enumerate(range(0, SIGNATURE_SIZE, BAND_ROWS)))


@dataclass(frozen=True)
class Fingerprint:
    """What near-duplicate detection needs of one text, computed once."""

    word_count: int
    shingles: frozenset[int]
    band_keys: tuple[int, ...]  # empty when the text is too short to match by text

    @property
    def matchable(self) -> bool:
        return self.word_count >= MIN_WORDS


def fingerprint(text: str) -> Fingerprint:
    return fingerprint_words(words(text))


def fingerprint_words(found: list[str]) -> Fingerprint:
    """``fingerprint`` of a text already split by ``words`` (ingest splits each text once)."""
    hashes = word_shingles(found)
    keys = band_keys(signature(hashes)) if len(found) >= MIN_WORDS else ()
    return Fingerprint(len(found), hashes, keys)


def fingerprints(found: list[list[str]]) -> list[Fingerprint]:
    """``fingerprint_words`` of each text of a batch, their MinHash signatures in one pass (``signatures``)."""
    hashes = [word_shingles(f) for f in found]
    signed = [index for index, f in enumerate(found) if len(f) >= MIN_WORDS]
    keys = dict(zip(signed, map(band_keys, signatures([hashes[index] for index in signed]))))
    return [Fingerprint(len(f), h, keys.get(index, ())) for index, (f, h) in enumerate(zip(found, hashes))]


def expect(count: int) -> None:
    """A caller about to sign ``count`` texts (a folder ingest, before its first batch).

    When that many pass ``_NUMPY_AFTER`` numpy pays for its import, and ``signatures``
    takes it from the first batch instead of after ``_NUMPY_AFTER`` texts in the loop.
    Only a matter of speed: both give the same signatures.
    """
    global _expected
    _expected = max(_expected, count)


def words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def shingles(text: str) -> frozenset[int]:
    """32-bit hashes of the text's word 3-shingles (crc32: fast, stable across runs)."""
    return word_shingles(words(text))


def word_shingles(found: list[str]) -> frozenset[int]:
    """``shingles`` of a text already split by ``words``."""
    if len(found) < SHINGLE_WORDS:  # one shingle of all (or none) of the words
        return frozenset((zlib.crc32(" ".join(found).encode("utf-8")),))
    # Each word encoded once, each shingle joined as bytes, all in C (map): the same bytes as
    # " ".join(three words).encode() (``tests/ingest/test_batch.py`` checks the reference).
    encoded = list(map(str.encode, found))
    return frozenset(map(zlib.crc32, map(b" ".join, zip(encoded, encoded[1:], encoded[2:]))))  # SHINGLE_WORDS = 3


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def signature(hashes: frozenset[int]) -> list[int]:
    """One-permutation MinHash: the least mixed hash in each of ``SIGNATURE_SIZE`` buckets.

    Each crc32 goes through murmur3's 32-bit finaliser first so that crc32's
    linearity does not bias the buckets. Vectorised with numpy (uint32
    arithmetic wraps exactly as the ``& 0xFFFFFFFF`` of ``signature_python``):
    this was the hot loop of a cold ingest (``bench/ingest.py --minhash``).
    Both give the same signature (``tests/ingest/test_batch.py``); which one runs
    is only a matter of speed (``_NUMPY_AFTER``).
    """
    global _signed
    _signed += 1
    if len(hashes) < _NUMPY_FROM or _signed <= _NUMPY_AFTER:
        return signature_python(hashes)
    return signature_numpy(hashes)


def signatures(batch: list[frozenset[int]]) -> list[list[int]]:
    """``signature`` of each shingle set: numpy over the whole batch at once when it pays, else the loop."""
    global _signed
    _signed += len(batch)
    if _signed <= _NUMPY_AFTER and _expected <= _NUMPY_AFTER or sum(map(len, batch)) < _NUMPY_FROM * len(batch):
        return [signature_python(hashes) for hashes in batch]
    return signatures_numpy(batch)


def signatures_numpy(batch: list[frozenset[int]]) -> list[list[int]]:
    """``signature`` of each shingle set, vectorised in one pass: the same uint32 steps on all
    the batch's hashes, then the least in each (text, bucket) slot, so numpy is called a few
    times a batch instead of a dozen times a text."""
    import numpy as np

    sizes = [len(hashes) for hashes in batch]
    value = np.fromiter(chain.from_iterable(batch), dtype=np.uint32, count=sum(sizes))
    value ^= value >> 16
    value *= np.uint32(0x85EBCA6B)
    value ^= value >> 13
    value *= np.uint32(0xC2B2AE35)
    value ^= value >> 16
    owner = np.repeat(np.arange(len(batch), dtype=np.int64), sizes)
    mins = np.full(len(batch) * SIGNATURE_SIZE, _EMPTY, dtype=np.uint32)
    np.minimum.at(mins, owner * SIGNATURE_SIZE + (value % SIGNATURE_SIZE), value)
    flat: list[int] = mins.tolist()
    return [flat[start : start + SIGNATURE_SIZE] for start in range(0, len(flat), SIGNATURE_SIZE)]


def signature_numpy(hashes: frozenset[int]) -> list[int]:
    """``signature`` vectorised: ``signatures_numpy`` of one text."""
    return signatures_numpy([hashes])[0]


def signature_python(hashes: frozenset[int]) -> list[int]:
    """``signature`` in plain Python: the reference, and faster for a handful of shingles."""
    mins = [_EMPTY] * SIGNATURE_SIZE
    for value in hashes:
        value ^= value >> 16
        value = (value * 0x85EBCA6B) & 0xFFFFFFFF
        value ^= value >> 13
        value = (value * 0xC2B2AE35) & 0xFFFFFFFF
        value ^= value >> 16
        bucket = value % SIGNATURE_SIZE
        if value < mins[bucket]:  # not min(): a builtin call per shingle was a fifth of the loop
            mins[bucket] = value
    return mins


def band_keys(mins: list[int]) -> tuple[int, ...]:
    """LSH band keys of a signature.

    A band with an empty bucket is left out: two short texts would otherwise
    "agree" on buckets that neither of them filled.
    """
    keys = []
    blake2b, from_bytes = hashlib.blake2b, int.from_bytes
    for band, start in _BAND_STARTS:
        a, b, c = mins[start : start + BAND_ROWS]  # BAND_ROWS = 3
        if a == _EMPTY or b == _EMPTY or c == _EMPTY:
            continue
        # f"..." spells repr((band, [a, b, c])), what the keys were first hashed from, without repr's calls
        digest = blake2b(f"({band}, [{a}, {b}, {c}])".encode("ascii"), digest_size=8).digest()
        keys.append(from_bytes(digest, "big", signed=True))  # SQLite integers are signed
    return tuple(keys)


def band_keys_reference(mins: list[int]) -> tuple[int, ...]:
    """``band_keys`` as first written (the stored keys): the reference the fast one is checked against."""
    keys = []
    for band, start in enumerate(range(0, SIGNATURE_SIZE, BAND_ROWS)):
        rows = mins[start : start + BAND_ROWS]
        if _EMPTY in rows:
            continue
        digest = hashlib.blake2b(repr((band, rows)).encode("ascii"), digest_size=8).digest()
        keys.append(int.from_bytes(digest, "big", signed=True))
    return tuple(keys)
