"""briefing: weekly topic briefings from folders of articles and RSS/Atom feeds.

The pipeline (``briefing.pipeline``) reads top to bottom:
collect -> store -> select -> summarise -> render -> deliver.
"""

from __future__ import annotations

__version__ = "0.1.0"
USER_AGENT = f"briefing/{__version__} (+https://github.com/briefing/briefing)"
