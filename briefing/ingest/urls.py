"""Canonical URLs: one spelling for every link to the same page.

Two links name the same article when they differ only in scheme (http and
https), host case, a leading ``www.``, a default port, a trailing slash, the
order of query parameters, a fragment, or tracking parameters
(``TRACKING_PARAMETERS`` and any ``utm_*``). A site's front page (no path and
no query) is not an article link and has no canonical form: feeds that point
every entry at their home page must not merge all entries into one.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from briefing.safety import DEFAULT_PORTS as _DEFAULT_PORTS

TRACKING_PREFIXES = ("utm_", "at_", "pk_", "mtm_", "hsa_")
# Only parameters that are tracking everywhere: a wrong entry here would merge
# different articles (``?id=``-style sites), which is worse than a missed merge.
TRACKING_PARAMETERS = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "igshid", "mc_cid",
    "mc_eid", "_hsenc", "_hsmi", "mkt_tok", "ref", "ref_src", "cmpid", "ocid", "s_cid", "wt_mc",
    "wt.mc_id", "smid", "guccounter",
})


def canonical_url(url: str) -> str:
    """The canonical form of an http(s) article link; "" for anything else or a front page."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return ""
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in _DEFAULT_PORTS or not host:
        return ""
    host = f"[{host}]" if ":" in host else host.removeprefix("www.")
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    path = parts.path.rstrip("/")
    query = urlencode(sorted(
        (key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True) if not _tracking(key)
    ))
    if not path and not query:
        return ""
    return urlunsplit(("https", host, path or "/", query, ""))


def _tracking(key: str) -> bool:
    lowered = key.lower()
    return lowered in TRACKING_PARAMETERS or lowered.startswith(TRACKING_PREFIXES)
