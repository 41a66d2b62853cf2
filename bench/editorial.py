"""How an editor would score the stories: this tree beside the summariser at BASELINE, in one run.

    python bench/editorial.py [--baseline a2d3cff] [--bbc 200]

Editions (all from material we have): the seeds; the seeds plus every entry of the
shared feeds (../shared/data/feeds); the seeds plus a sample of ``bbc-dev.jsonl``; and
clusters-dev (five events, six sites each, plus ten near misses). The baseline is run
from a git worktree of BASELINE made in a temp dir, in a subprocess that prints its
stories as JSON; both sides are scored by the same judge, here.

Per edition it prints: stories, bullets per story (mean and most), points said twice
(pairs of bullets of one story that ``points.same_point`` calls one point; on
clusters-dev also facts of truth.json matched by two or more bullets of one story),
bullets with a dangling opener or a lead-in, junk bullets, sentences in two sections,
deks repeating the title or a bullet, title words (mean, most), words and reading
time (230 words a minute). On clusters-dev also grouping (pairwise precision and
recall against the labelled events) and key-fact coverage. Before the editions:
the same-point measure against the old unigram TF-IDF cosine on labelled pairs
built from clusters-dev (see ``labelled_pairs``).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from itertools import combinations
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
NOW = datetime(2026, 11, 18, tzinfo=UTC)
WORDS_PER_MINUTE = 230


# ---- run inside either tree: build the editions and print the stories -------------------

def emit(bbc: int) -> None:
    """Print {edition: [story, ...]} as JSON, using whichever ``briefing`` is importable."""
    from briefing.ingest import to_article
    from briefing.ingest.feeds import parse_feed
    from briefing.ingest.text import normalise_text
    from briefing.models import Article, ArticleRef, Document

    try:
        from briefing.summarise.story import summarise
    except ImportError:
        from briefing.summarise.edition import summarise  # type: ignore[no-redef]

    def article(doc: Document) -> Article:
        return to_article(Document(doc.source, doc.origin, doc.title, normalise_text(doc.text), doc.url), NOW)

    def ref(a: Article) -> ArticleRef:
        return ArticleRef(a.id, a.title, a.url or f"https://x.invalid/{a.id}", a.source, a.published)

    seeds = [article(Document("seeds", str(p), "", p.read_text("utf-8"))) for p in sorted((ROOT / "seeds").glob("*.txt"))]
    feeds = []
    for path in sorted((SHARED / "feeds").iterdir()):
        feeds += [article(d) for d in parse_feed(path.read_bytes(), {}, path.stem, f"https://feeds.invalid/{path.name}")]
    rows = [json.loads(line) for line in (SHARED / "bbc-dev.jsonl").read_text("utf-8").splitlines() if line.strip()]
    sample = random.Random(12).sample(rows, bbc)
    bbc_articles = [article(Document("bbc", r["id"], r["title"], r["text"])) for r in sample]
    clusters = []
    for path in sorted((SHARED / "clusters-dev").glob("*.txt")):
        title, _, body = path.read_text("utf-8").partition("\n")
        clusters.append(article(Document(path.stem.split("-", 2)[2], path.name, title.strip(), body.strip(), path.name)))
    editions = {"seeds": seeds, "seeds+feeds": seeds + feeds, f"seeds+bbc{bbc}": seeds + bbc_articles,
                "clusters-dev": clusters}
    out: dict[str, list[dict[str, Any]]] = {}
    for name, articles in editions.items():
        origin = {a.id: a.url for a in articles}
        out[name] = [
            {"title": s.title, "dek": s.dek, "articles": [origin[r.id] for r in s.articles],
             "sections": {k: [p.text for p in getattr(s, k)] for k in ("highlights", "implications", "questions")}}
            for s in summarise(articles, ref, 500)
        ]
    json.dump(out, sys.stdout)


# ---- the judge (this tree's code, for both sides) -----------------------------------------

def judge(stories: Sequence[dict[str, Any]], facts: dict[str, list[dict[str, Any]]], cluster_of: dict[str, str]) -> dict[str, float]:
    from briefing.summarise.editing import is_dangling, is_junk, is_lead_in
    from briefing.summarise.points import compare, same_point

    bullets = twice = dangling = junk = two_sections = dek_repeats = words = 0
    title_words: list[int] = []
    repeated_facts = 0
    for story in stories:
        sections = story["sections"]
        texts = [t for k in ("highlights", "implications", "questions") for t in sections[k]]
        bullets += len(texts)
        feats = compare(texts)
        twice += sum(same_point(feats[i], feats[j]) for i, j in combinations(range(len(texts)), 2))
        dangling += sum(is_dangling(t) or is_lead_in(t) for t in texts)
        junk += sum(is_junk(t) or bool(re.search(r"https?://|www\.", t)) for t in texts)
        normal = {k: {_normal(t) for t in sections[k]} for k in sections}
        two_sections += sum(len(a & b) for a, b in combinations(normal.values(), 2))
        if story["dek"] and any(_repeats(story["dek"], t) for t in [*texts, story["title"]]):
            dek_repeats += 1
        title_words.append(len(story["title"].split()))
        words += sum(len(t.split()) for t in [*texts, story["title"], story["dek"]])
        clusters = [cluster_of.get(a, "") for a in story["articles"]]
        main = max(set(clusters), key=clusters.count)
        for fact in facts.get(main, []):
            repeated_facts += sum(_states(t, fact) for t in texts) >= 2
    count = max(len(stories), 1)
    return {
        "stories": len(stories), "bullets/story": bullets / count,
        "most bullets": max((sum(len(v) for v in s["sections"].values()) for s in stories), default=0),
        "said twice": twice, "facts twice": repeated_facts, "dangling/lead-in": dangling, "junk": junk,
        "in two sections": two_sections, "dek repeats": dek_repeats,
        "title words": sum(title_words) / count, "longest title": max(title_words, default=0),
        "words": words, "minutes": words / WORDS_PER_MINUTE,
    }


def _normal(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def _repeats(dek: str, other: str) -> bool:
    """The dek says ``other`` again: one contains the other, or 60% of the shorter's words are shared."""
    a, b = _normal(dek), _normal(other)
    if a in b or b in a:
        return True
    wa, wb = set(a.split()), set(b.split())
    return len(wa & wb) / max(1, min(len(wa), len(wb))) >= 0.6


def _states(text: str, fact: dict[str, Any]) -> bool:
    return all(m.lower() in text.lower() for m in fact["match"])


def coverage(stories: Sequence[dict[str, Any]], facts: dict[str, list[dict[str, Any]]], cluster_of: dict[str, str]) -> tuple[float, float, float]:
    """Pairwise grouping precision and recall on the labelled events, and key-fact coverage."""
    label = {a: cluster_of[a] for s in stories for a in s["articles"]}
    same_story = {frozenset(p) for s in stories for p in combinations(s["articles"], 2)}
    truth = {frozenset(p) for p in combinations(label, 2) if label[p[0]] == label[p[1]] and not label[p[0]].startswith("Z")}
    precision = len(same_story & truth) / max(1, len(same_story))
    recall = len(same_story & truth) / max(1, len(truth))
    stated = total = 0
    for cluster, cluster_facts in facts.items():
        home = max(stories, key=lambda s: sum(label[a] == cluster for a in s["articles"]))
        texts = [t for v in home["sections"].values() for t in v] + [home["title"], home["dek"]]
        stated += sum(any(_states(t, f) for t in texts) for f in cluster_facts)
        total += len(cluster_facts)
    return precision, recall, stated / max(1, total)


def labelled_pairs() -> tuple[list[tuple[str, str, bool]], str]:
    """Sentence pairs from two different articles of one clusters-dev event, each sentence
    stating a truth.json fact: a pair stating the same fact is one point (positive),
    a pair stating only different facts is two (negative)."""
    from briefing.summarise.sentences import split_sentences

    truth = json.loads((SHARED / "clusters-dev" / "truth.json").read_text("utf-8"))
    pairs: list[tuple[str, str, bool]] = []
    for cluster, facts in truth["facts"].items():
        stating: list[tuple[str, str, frozenset[int]]] = []
        for path in sorted((SHARED / "clusters-dev").glob(f"*-{cluster}-*.txt")):
            for sentence in split_sentences(path.read_text("utf-8")):
                found = frozenset(i for i, f in enumerate(facts) if _states(sentence, f))
                if found and 6 <= len(sentence.split()) <= 60:
                    stating.append((path.name, sentence, found))
        for (fa, sa, ka), (fb, sb, kb) in combinations(stating, 2):
            if fa != fb and _normal(sa) != _normal(sb):
                pairs.append((sa, sb, bool(ka & kb)))
    positives = sum(p[2] for p in pairs)
    return pairs, f"{len(pairs)} pairs ({positives} same point, {len(pairs) - positives} different)"


def pair_scores(pairs: Sequence[tuple[str, str, bool]]) -> dict[str, tuple[float, float, float]]:
    from briefing.summarise.points import compare, same_point
    from briefing.summarise.vectors import cosine, idf_table, tfidf, tokens

    texts = sorted({t for a, b, _ in pairs for t in (a, b)})
    index = {t: i for i, t in enumerate(texts)}
    feats = compare(texts)
    docs = [tokens(t) for t in texts]
    idf = idf_table(docs)
    unigram = [tfidf(d, idf) for d in docs]
    judged = {
        "same_point (stems, pairs, entities, facts)": [
            same_point(feats[index[a]], feats[index[b]]) for a, b, _ in pairs],
        "baseline: unigram TF-IDF cosine >= 0.3": [cosine(unigram[index[a]], unigram[index[b]]) >= 0.3 for a, b, _ in pairs],
    }
    out = {}
    for name, said in judged.items():
        tp = sum(s and p[2] for s, p in zip(said, pairs))
        fp = sum(s and not p[2] for s, p in zip(said, pairs))
        fn = sum(not s and p[2] for s, p in zip(said, pairs))
        precision, recall = tp / max(1, tp + fp), tp / max(1, tp + fn)
        out[name] = (precision, recall, 2 * precision * recall / max(1e-9, precision + recall))
    return out


# ---- driver -----------------------------------------------------------------------------

def stories_from(tree: Path, bbc: int) -> dict[str, list[dict[str, Any]]]:
    code = (f"import sys; sys.path.insert(0, {str(tree)!r}); sys.path.insert(0, {str(ROOT / 'bench')!r}); "
            f"import briefing, editorial; assert briefing.__file__.startswith({str(tree)!r}), briefing.__file__; "
            f"editorial.ROOT = __import__('pathlib').Path({str(tree)!r}); editorial.emit({bbc})")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=tree)
    if done.returncode:
        raise SystemExit(f"summariser in {tree} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", default="a2d3cff", help="commit of the summariser to compare with")
    parser.add_argument("--bbc", type=int, default=200, help="BBC articles in the mixed edition")
    args = parser.parse_args()
    truth = json.loads((SHARED / "clusters-dev" / "truth.json").read_text("utf-8"))
    cluster_of = {a["file"]: a["cluster"] for a in truth["articles"]}
    facts = truth["facts"]

    pairs, described = labelled_pairs()
    print(f"same point on labelled pairs from clusters-dev: {described}")
    for name, (p, r, f) in pair_scores(pairs).items():
        print(f"  {name:45} precision {p:.2f} recall {r:.2f} F1 {f:.2f}")

    with tempfile.TemporaryDirectory() as temp:
        old_tree = Path(temp) / "baseline"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(old_tree), args.baseline],
                       check=True, capture_output=True)
        try:
            old = stories_from(old_tree, args.bbc)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old_tree)], check=False)
    new = stories_from(ROOT, args.bbc)

    for edition in new:
        print(f"\n{edition}")
        before, after = judge(old[edition], facts, cluster_of), judge(new[edition], facts, cluster_of)
        print(f"  {'':18} {'baseline ' + args.baseline:>16} {'this tree':>12}")
        for key in after:
            print(f"  {key:18} {before[key]:16.2f} {after[key]:12.2f}")
        if edition == "clusters-dev":
            for label, stories in (("baseline " + args.baseline, old[edition]), ("this tree", new[edition])):
                p, r, c = coverage(stories, facts, cluster_of)
                print(f"  {label:18} grouping precision {p:.2f} recall {r:.2f}; key facts stated {c:.0%}")


if __name__ == "__main__":
    main()
