"""The summariser's name for ``briefing.sentences`` (the sentence splitter moved below ingest).

Ingest (titles), render (the archive's sentence anchors) and the summariser all split
sentences, so the splitter lives in the foundation layer; this module re-exports it so
``briefing.summarise.sentences`` keeps working for the summariser's modules, tests and
benches (and for benches run against older commits, which only have this name).
"""

from __future__ import annotations

from briefing.sentences import *  # noqa: F403
from briefing.sentences import __all__ as __all__
