"""Where the bundled templates and default configuration live.

In a checkout (and an editable install) they are the top-level ``templates/``
and ``config/`` folders; a wheel carries copies under ``briefing/_bundled/``.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def bundled(name: str) -> Path:
    """The folder ``name`` ("templates" or "config") shipped with briefing."""
    checkout = _PACKAGE.parent / name
    if checkout.is_dir():
        return checkout
    return _PACKAGE / "_bundled" / name
