"""Briefing <-> JSON: the shape of ``briefing build --json`` and of stored editions.

Field names are a contract with scripts and monitoring: add, never rename. The
edition content the ledger records and the pipeline reads back (for the archive
and the feeds) is ``edition_content`` / ``edition_from_content``, nowhere else.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from briefing.models import AlsoItem, ArticleRef, Briefing, Edition, Point, Story


def edition_content(briefing: Briefing) -> str:
    """The JSON text stored as an edition's ``content`` when it is recorded."""
    return json.dumps(briefing_to_json(briefing), ensure_ascii=False, sort_keys=True)


def edition_from_content(content: str) -> Briefing:
    """The briefing an edition's stored ``content`` holds."""
    return briefing_from_json(json.loads(content))


def briefing_to_json(briefing: Briefing) -> dict[str, Any]:
    return {
        "edition": briefing.edition.key,
        "title": briefing.title,
        "period": {"start": briefing.edition.start.isoformat(), "end": briefing.edition.end.isoformat()},
        "generated": briefing.generated.isoformat(),
        "site_url": briefing.site_url,
        "url": briefing.url,
        "stories": [_story(story) for story in briefing.stories],
        "also": [{"title": a.title, "url": a.url, "source": a.source, "relevance": a.relevance} for a in briefing.also],
        "off_topic": briefing.off_topic,
    }


def _story(story: Story) -> dict[str, Any]:
    return {
        "id": story.id,
        "title": story.title,
        "dek": story.dek,
        "tags": list(story.tags),
        "update_of": story.update_of,
        "highlights": [_point(p) for p in story.highlights],
        "implications": [_point(p) for p in story.implications],
        "questions": [_point(p) for p in story.questions],
        "articles": [
            {"id": r.id, "title": r.title, "url": r.url, "source": r.source,
             "published": r.published.isoformat() if r.published else None, "relevance": r.relevance}
            for r in story.articles
        ],
    }


def _point(point: Point) -> dict[str, Any]:
    return {"text": point.text, "sources": list(point.sources), "quotes": list(point.quotes), "links": list(point.links)}


def briefing_from_json(data: dict[str, Any]) -> Briefing:
    return Briefing(
        title=data["title"],
        edition=Edition(
            key=data["edition"],
            start=datetime.fromisoformat(data["period"]["start"]),
            end=datetime.fromisoformat(data["period"]["end"]),
        ),
        generated=datetime.fromisoformat(data["generated"]),
        site_url=data["site_url"],
        stories=tuple(_story_from(s) for s in data["stories"]),
        also=tuple(AlsoItem(title=a["title"], url=a["url"], source=a["source"], relevance=float(a["relevance"]))
                   for a in data.get("also", [])),
        off_topic=int(data.get("off_topic", 0)),
    )


def _story_from(data: dict[str, Any]) -> Story:
    def points(key: str) -> tuple[Point, ...]:
        return tuple(Point(text=p["text"], sources=tuple(p["sources"]), quotes=tuple(p.get("quotes", ())),
                                 links=tuple(p.get("links", ()))) for p in data[key])

    return Story(
        id=data["id"], title=data["title"], dek=data["dek"], tags=tuple(data["tags"]),
        update_of=data.get("update_of", ""),
        highlights=points("highlights"), implications=points("implications"), questions=points("questions"),
        articles=tuple(
            ArticleRef(id=a["id"], title=a["title"], url=a["url"], source=a["source"],
                       published=datetime.fromisoformat(a["published"]) if a["published"] else None,
                       relevance=float(a.get("relevance", 1.0)))
            for a in data["articles"]
        ),
    )
