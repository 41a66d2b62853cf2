"""Settings: declared once, loaded from TOML, validated at start-up.

Every setting is a row of ``SETTINGS`` (section, key, default, parser, example),
in the manner of Datasette's SETTINGS table. What each setting means is written
once for readers, in ``config/briefing.toml`` and the README's table (a test
checks that both name every row), not a third time here. ``load_settings`` rejects unknown
sections and keys, wrong types and bad values with one ``ConfigError`` that
names the file, the key, what was wrong and a valid example. Relative paths
resolve against the folder of the file that names them. Secrets never come
from the file: the SMTP password is read from ``BRIEFING_SMTP_PASSWORD``.
"""

from __future__ import annotations

import os
import tomllib
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import time
from email.utils import parseaddr
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from briefing import resources
from briefing.addresses import check_address
from briefing.errors import ConfigError
from briefing.phrases import compile_rule
from briefing.safety import http_url

CONFIG_ENV = "BRIEFING_CONFIG"
PASSWORD_ENV = "BRIEFING_SMTP_PASSWORD"
SECRET_ENV = "BRIEFING_SECRET_KEY"  # signs the confirm and unsubscribe links (briefing.tokens)
LLM_KEY_ENV = "BRIEFING_LLM_API_KEY"  # the model endpoint's key (briefing.llm.client), never from a file
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAYS: tuple[Weekday, ...] = get_args(Weekday)
DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MAX_SECONDS = 86_400  # a timeout or delay longer than a day is a typo, and inf never ends


FullText = Literal["teasers", "always", "never"]
FULL_TEXT: tuple[FullText, ...] = get_args(FullText)
Security = Literal["none", "starttls", "ssl"]  # smtp.security
SECURITY: tuple[Security, ...] = get_args(Security)


@dataclass(frozen=True)
class FeedSource:
    url: str
    name: str
    include: tuple[str, ...] = ()  # keep only entries matching one of these (phrases or /regex/)
    exclude: tuple[str, ...] = ()  # drop entries matching any of these (briefing.feedfilter)
    origin: str = "config"  # "config", or the OPML file that listed it
    folder: str = ""  # the OPML folder path ("News/Mining"), kept for export
    full_text: str = ""  # "always" | "never" | "" = sources.full_text
    username: str = ""  # HTTP basic auth; the password only from env ``password_env``
    password_env: str = ""
    headers_env: tuple[tuple[str, str], ...] = ()  # (header, env variable holding its value)
    password: str = field(default="", repr=False)
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)

    @property
    def auth(self) -> tuple[str, str] | None:
        return (self.username, self.password) if self.username else None


@dataclass(frozen=True)
class SourcesSettings:
    folders: tuple[Path, ...]
    feeds: tuple[FeedSource, ...]
    poll_minutes: int
    max_file_bytes: int
    max_feed_bytes: int
    fetch_timeout: float
    opml: tuple[Path, ...] = ()
    full_text: FullText = "teasers"
    teaser_words: int = 150
    full_text_pages: int = 50
    full_text_seconds: float = 60.0
    host_delay: float = 1.0
    allow_private_hosts: bool = False


@dataclass(frozen=True)
class StoreSettings:
    path: Path
    url: str = ""  # empty: the SQLite file ``path``; the password is never here (briefing.db.engine)


@dataclass(frozen=True)
class OutputSettings:
    dir: Path
    site_url: str
    templates: Path
    keep_editions: int
    max_email_bytes: int


@dataclass(frozen=True)
class BriefingSettings:
    title: str
    timezone: ZoneInfo
    send_empty: bool
    max_stories: int
    max_highlights: int
    max_implications: int
    max_questions: int
    max_words: int = 1200  # reading budget of the plain-text part (briefing.summarise.budget)


@dataclass(frozen=True)
class TopicSettings:
    """What the briefing is about (``briefing.topic``); no keywords and no exemplars: everything is."""

    keywords: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    exemplars: tuple[Path, ...] = ()
    entities: tuple[str, ...] = ()
    threshold: float = 0.5

    @property
    def enabled(self) -> bool:
        return bool(self.keywords or self.exemplars or self.entities)


@dataclass(frozen=True)
class ScheduleSettings:
    day: Weekday
    time: time
    standby_seconds: int = 15  # a standby scheduler retries the lock this often (briefing.db.leader)


@dataclass(frozen=True)
class EmailSettings:
    sender: str
    recipients: tuple[str, ...]
    recipients_file: Path | None
    unsubscribe_url: str
    unsubscribe_mailto: str


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: Security
    username: str
    timeout: float
    rate_per_minute: int
    retries: int
    retry_delay: float
    connections: int = 1
    password: str = field(default="", repr=False)


@dataclass(frozen=True)
class WebSettings:
    host: str
    port: int
    rate_limit: int
    secret_key: str = field(default="", repr=False)  # only from env BRIEFING_SECRET_KEY


@dataclass(frozen=True)
class SubscribersSettings:
    confirm_days: int


@dataclass(frozen=True)
class LlmSettings:
    """The optional model writer (``briefing.llm``); off while ``base_url`` is empty."""

    base_url: str
    model: str
    timeout: float
    max_stories: int
    token_budget: int
    temperature: float
    retries: int
    api_key: str = field(default="", repr=False)  # only from env BRIEFING_LLM_API_KEY

    @property
    def enabled(self) -> bool:
        return bool(self.base_url)


@dataclass(frozen=True)
class Settings:
    file: Path
    sources: SourcesSettings
    store: StoreSettings
    output: OutputSettings
    briefing: BriefingSettings
    schedule: ScheduleSettings
    email: EmailSettings
    smtp: SmtpSettings
    web: WebSettings
    subscribers: SubscribersSettings
    topic: TopicSettings = TopicSettings()
    llm: LlmSettings = LlmSettings("", "", 60.0, 10, 100_000, 0.0, 2)


# --- value parsers: (value, base folder) -> typed value, ValueError on bad input

Parser = Callable[[Any, Path], Any]


def _str(value: Any, base: Path) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {type(value).__name__}")
    return value


def _int_between(low: int, high: int) -> Parser:
    def parse(value: Any, base: Path) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"expected a whole number, got {type(value).__name__}")
        if not low <= value <= high:
            raise ValueError(f"{value} is out of range {low}..{high}")
        return value

    return parse


def _number_in(value: Any, low: float, high: float, message: str, *, above_low: bool = False) -> float:
    """``value`` as a float from ``low`` (or above it) to ``high``, else ``ValueError(message)``.

    nan compares false with everything and inf never times out: neither passes.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(message)
    if not (low < value if above_low else low <= value) or not value <= high:
        raise ValueError(message)
    return float(value)


def _seconds(value: Any, base: Path) -> float:
    return _number_in(value, 0, MAX_SECONDS, f"expected a number of seconds above 0 and at most {MAX_SECONDS:,}, "
                      f"got {value!r}", above_low=True)


def _header_text(value: Any, base: Path) -> str:
    """Text that ends up in a mail header: one line, no control characters (no header injection)."""
    text = _str(value, base)
    bad = next((ch for ch in text if unicodedata.category(ch) == "Cc"), None)
    if bad is not None:
        raise ValueError(f"contains the control character {bad!r}; a value that goes into a mail header "
                         "must be one line of text")
    return text


def _bool(value: Any, base: Path) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {type(value).__name__}")
    return value


def _path(value: Any, base: Path) -> Path:
    return (base / Path(_str(value, base)).expanduser()).resolve()


def _optional_path(value: Any, base: Path) -> Path | None:
    return _path(value, base) if _str(value, base) else None


def _folders(value: Any, base: Path) -> tuple[Path, ...]:
    if not isinstance(value, list):
        raise ValueError(f"expected a list of folder paths, got {type(value).__name__}")
    return tuple(_path(item, base) for item in value)


def _http_url(value: Any, base: Path) -> str:
    url = _header_text(value, base).strip()  # urlsplit silently drops CR, LF and tab: refuse them first
    if any(ch.isspace() for ch in url):
        raise ValueError(f"{url!r} contains a space; write it percent-encoded (%20)")
    if not http_url(url):
        raise ValueError(f"{url!r} is not an absolute http(s) URL")
    return url


def _optional_http_url(value: Any, base: Path) -> str:
    return _http_url(value, base) if _str(value, base) else ""


def _site_url(value: Any, base: Path) -> str:
    url = _http_url(value, base)
    return url if url.endswith("/") else url + "/"


def _rules(value: Any, base: Path) -> tuple[str, ...]:
    """Phrases or /regex/ (briefing.phrases), each checked to compile."""
    if not isinstance(value, list):
        raise ValueError(f"expected a list of phrases or /regex/ strings, got {type(value).__name__}")
    rules = tuple(_str(item, base) for item in value)
    for rule in rules:
        compile_rule(rule)
    return rules


FEED_KEYS = ("url", "name", "include", "exclude", "full_text", "username", "password_env", "headers_env")


def _feeds(value: Any, base: Path) -> tuple[FeedSource, ...]:
    if not isinstance(value, list):
        raise ValueError("expected a list of URLs or {url = ..., name = ...} tables")
    feeds = []
    for item in value:
        if isinstance(item, str):
            url = _http_url(item, base)
            feeds.append(FeedSource(url=url, name=urlsplit(url).netloc))
        elif isinstance(item, dict):
            feeds.append(_feed_table(item, base))
        else:
            raise ValueError(f"a feed is a URL string or a table, got {type(item).__name__}")
    return tuple(feeds)


def _feed_table(item: dict[str, Any], base: Path) -> FeedSource:
    extra = set(item) - set(FEED_KEYS)
    if extra or "url" not in item:
        raise ValueError(f"a feed table takes keys {', '.join(FEED_KEYS)} (url required), got {sorted(item)}")
    url = _http_url(item["url"], base)
    full_text = item.get("full_text")
    if full_text is not None and not isinstance(full_text, bool):
        raise ValueError(f"feed {url}: full_text is true or false, got {full_text!r}")
    password_env = _env_name(item.get("password_env", ""), "password_env")
    username = _str(item.get("username", ""), base)
    if password_env and not username:
        raise ValueError(f"feed {url}: password_env needs a username")
    headers_env = item.get("headers_env", {})
    if not isinstance(headers_env, dict) or not all(isinstance(v, str) for v in headers_env.values()):
        raise ValueError(f"feed {url}: headers_env is a table of header = \"ENV_NAME\"")
    return FeedSource(
        url=url, name=_str(item.get("name", ""), base) or urlsplit(url).netloc,
        include=_rules(item.get("include", []), base), exclude=_rules(item.get("exclude", []), base),
        full_text="" if full_text is None else ("always" if full_text else "never"), username=username,
        password_env=password_env,
        headers_env=tuple((_header_name(k), _env_name(v, "headers_env")) for k, v in headers_env.items()),
    )


def _env_name(value: Any, key: str) -> str:
    if not isinstance(value, str) or (value and not value.replace("_", "a").isalnum()):
        raise ValueError(f"{key} names an environment variable (letters, digits, _), got {value!r}")
    return value


def _header_name(name: str) -> str:
    if not name or not all(ch.isalnum() or ch in "-_" for ch in name):
        raise ValueError(f"{name!r} is not an HTTP header name")
    return name


def _full_text(value: Any, base: Path) -> FullText:
    return _one_of(FULL_TEXT, _str(value, base))


def _seconds_or_zero(value: Any, base: Path) -> float:
    return _number_in(value, 0, 3600, "expected a number of seconds from 0 to 3600")


def _files(value: Any, base: Path) -> tuple[Path, ...]:
    if not isinstance(value, list):
        raise ValueError(f"expected a list of file paths, got {type(value).__name__}")
    return tuple(_path(item, base) for item in value)


def _fraction(value: Any, base: Path) -> float:
    return _number_in(value, 0, 1, f"expected a number from 0 to 1, got {value!r}")


def _entities(value: Any, base: Path) -> tuple[str, ...]:
    """Names of gazetteer entities (briefing/data/gazetteer.toml)."""
    from briefing.gazetteer import load_gazetteer

    if not isinstance(value, list):
        raise ValueError(f"expected a list of gazetteer entity names, got {type(value).__name__}")
    known = {entity.name for entity in load_gazetteer()}
    names = tuple(_str(item, base) for item in value)
    for name in names:
        if name not in known:
            raise ValueError(f"{name!r} is not an entity of the gazetteer; known: {', '.join(sorted(known))}")
    return names


def _timezone(value: Any, base: Path) -> ZoneInfo:
    name = _str(value, base)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not an IANA timezone name") from None


def _day(value: Any, base: Path) -> Weekday:
    text = _str(value, base).strip().lower()
    day = next((d for d, name in zip(DAYS, DAY_NAMES) if text in (d, name)), None)
    if day is None:
        raise ValueError(f"{value!r} is not a weekday; use one of {', '.join(DAYS)}")
    return day


def _clock_time(value: Any, base: Path) -> time:
    text = _str(value, base)
    try:
        hour, minute = (int(part) for part in text.split(":"))
        return time(hour, minute)
    except ValueError:
        raise ValueError(f"{text!r} is not a time of day as HH:MM") from None


def _sender(value: Any, base: Path) -> str:
    text = _header_text(value, base)
    name, address = parseaddr(text)
    check_address(address)
    return text


def _addresses(value: Any, base: Path) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ValueError(f"expected a list of addresses, got {type(value).__name__}")
    return tuple(check_address(_str(item, base)) for item in value)


def _mailto(value: Any, base: Path) -> str:
    text = _header_text(value, base)
    return check_address(text) if text else ""


def _host(value: Any, base: Path) -> str:
    text = _str(value, base).strip()
    if not text or any(ch.isspace() or ch in "/[]" for ch in text):
        raise ValueError(f"{value!r} is not a host name or IP address")
    return text


def _security(value: Any, base: Path) -> Security:
    return _one_of(SECURITY, _str(value, base))


Choice = TypeVar("Choice", bound=str)


def _one_of(choices: tuple[Choice, ...], text: str) -> Choice:
    """``text`` as the one of ``choices`` (a ``Literal``'s values) it is; the one check of a choice setting."""
    for choice in choices:
        if text == choice:
            return choice
    raise ValueError(f"{text!r} is not one of {', '.join(choices)}")


def _temperature(value: Any, base: Path) -> float:
    return _number_in(value, 0, 2, "expected a number from 0 to 2")


def _model_url(value: Any, base: Path) -> str:
    """An OpenAI-compatible base URL (up to and including ``/v1``), without a trailing slash."""
    url = _optional_http_url(value, base)
    parts = urlsplit(url)
    if parts.username or parts.password:
        raise ValueError(f"the key must not be written in the settings file: set env {LLM_KEY_ENV}")
    return url.rstrip("/")


@dataclass(frozen=True)
class Setting:
    section: str
    key: str
    default: Any
    parse: Parser
    example: str



def _store_url(value: Any, base: Path) -> str:
    """A ``sqlite:///`` or ``postgresql://`` URL, without a literal password."""
    url = _str(value, base).strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("sqlite", "postgresql", "postgresql+psycopg"):
        raise ValueError(f"expected sqlite:///FILE or postgresql://USER@HOST/DB, got {parts.scheme or url!r}")
    password = parts.password or ""
    if password and not (password.startswith("${") and password.endswith("}")):
        raise ValueError("a password must not be written in the settings file: set env "
                         "BRIEFING_STORE_PASSWORD, or write ${NAME} to read env NAME")
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        return "sqlite:///" + str(base / url[len("sqlite:///"):])
    return url

SETTINGS: tuple[Setting, ...] = (
    Setting("sources", "folders", ["../seeds"], _folders, 'folders = ["../seeds"]'),
    Setting("sources", "feeds", [], _feeds, 'feeds = ["https://example.org/feed.xml"]'),
    Setting("sources", "poll_minutes", 30, _int_between(1, 10_080), "poll_minutes = 30"),
    Setting("sources", "max_file_bytes", 5_000_000, _int_between(1, 1 << 31), "max_file_bytes = 5000000"),
    Setting("sources", "max_feed_bytes", 10_000_000, _int_between(1, 1 << 31), "max_feed_bytes = 10000000"),
    Setting("sources", "fetch_timeout", 20, _seconds, "fetch_timeout = 20"),
    Setting("sources", "opml", [], _files, 'opml = ["feeds.opml"]'),
    Setting("sources", "full_text", "teasers", _full_text, 'full_text = "teasers"'),
    Setting("sources", "teaser_words", 150, _int_between(0, 100_000), "teaser_words = 150"),
    Setting("sources", "full_text_pages", 50, _int_between(0, 100_000), "full_text_pages = 50"),
    Setting("sources", "full_text_seconds", 60, _seconds, "full_text_seconds = 60"),
    Setting("sources", "host_delay", 1, _seconds_or_zero, "host_delay = 1"),
    Setting("sources", "allow_private_hosts", False, _bool, "allow_private_hosts = false"),
    Setting("store", "path", "../var/briefing.db", _path, 'path = "../var/briefing.db"'),
    Setting("store", "url", "", _store_url, 'url = "postgresql://briefing@db.example.org/briefing"'),
    Setting("output", "dir", "../out", _path, 'dir = "../out"'),
    Setting("output", "site_url", "https://briefing.example.org/", _site_url, 'site_url = "https://briefing.example.org/"'),
    Setting("output", "templates", "", _optional_path, 'templates = "../templates"'),
    Setting("output", "keep_editions", 20, _int_between(1, 1000), "keep_editions = 20"),
    Setting("output", "max_email_bytes", 95_000, _int_between(10_000, 10_000_000), "max_email_bytes = 95000"),
    Setting("briefing", "title", "Rare Earth Briefing", _header_text, 'title = "Rare Earth Briefing"'),
    Setting("briefing", "timezone", "UTC", _timezone, 'timezone = "Europe/Berlin"'),
    Setting("briefing", "send_empty", False, _bool, "send_empty = false"),
    Setting("briefing", "max_stories", 8, _int_between(1, 500), "max_stories = 8"),
    Setting("briefing", "max_words", 1200, _int_between(100, 100_000), "max_words = 1200"),
    Setting("briefing", "max_highlights", 5, _int_between(1, 20), "max_highlights = 5"),
    Setting("briefing", "max_implications", 4, _int_between(0, 20), "max_implications = 4"),
    Setting("briefing", "max_questions", 4, _int_between(0, 20), "max_questions = 4"),
    Setting("schedule", "day", "mon", _day, 'day = "mon"'),
    Setting("schedule", "time", "08:00", _clock_time, 'time = "08:00"'),
    Setting("schedule", "standby_seconds", 15, _int_between(1, 3600), "standby_seconds = 15"),
    Setting("email", "sender", "Rare Earth Briefing <briefing@example.org>", _sender, 'sender = "Briefing <briefing@example.org>"'),
    Setting("email", "recipients", ["reader@example.org"], _addresses, 'recipients = ["reader@example.org"]'),
    Setting("email", "recipients_file", "", _optional_path, 'recipients_file = "subscribers.txt"'),
    Setting("email", "unsubscribe_url", "", _optional_http_url, 'unsubscribe_url = "https://briefing.example.org/unsubscribe"'),
    Setting("email", "unsubscribe_mailto", "", _mailto, 'unsubscribe_mailto = "unsubscribe@example.org"'),
    Setting("smtp", "host", "localhost", _host, 'host = "smtp.example.org"'),
    Setting("smtp", "port", 25, _int_between(1, 65535), "port = 587"),
    Setting("smtp", "security", "none", _security, 'security = "starttls"'),
    Setting("smtp", "username", "", _str, 'username = "briefing"'),
    Setting("smtp", "timeout", 30, _seconds, "timeout = 30"),
    Setting("smtp", "rate_per_minute", 0, _int_between(0, 100_000), "rate_per_minute = 60"),
    Setting("smtp", "retries", 3, _int_between(0, 20), "retries = 3"),
    Setting("smtp", "retry_delay", 10, _seconds, "retry_delay = 10"),
    Setting("smtp", "connections", 1, _int_between(1, 16), "connections = 4"),
    Setting("web", "host", "127.0.0.1", _host, 'host = "127.0.0.1"'),
    Setting("web", "port", 8000, _int_between(0, 65535), "port = 8000"),
    Setting("web", "rate_limit", 10, _int_between(1, 100_000), "rate_limit = 10"),
    Setting("topic", "keywords", [], _rules, 'keywords = ["rare earth", "dysprosium"]'),
    Setting("topic", "exclude", [], _rules, 'exclude = ["rare disease"]'),
    Setting("topic", "exemplars", [], _folders, 'exemplars = ["../seeds"]'),
    Setting("topic", "entities", [], _entities, 'entities = ["Lynas", "Dy"]'),
    Setting("topic", "threshold", 0.5, _fraction, "threshold = 0.5"),
    Setting("subscribers", "confirm_days", 7, _int_between(1, 365), "confirm_days = 7"),
    Setting("llm", "base_url", "", _model_url, 'base_url = "http://127.0.0.1:11434/v1"'),
    Setting("llm", "model", "", _str, 'model = "llama3.1:8b"'),
    Setting("llm", "timeout", 60, _seconds, "timeout = 60"),
    Setting("llm", "max_stories", 10, _int_between(0, 500), "max_stories = 10"),
    Setting("llm", "token_budget", 100_000, _int_between(1, 100_000_000), "token_budget = 100000"),
    Setting("llm", "temperature", 0, _temperature, "temperature = 0"),
    Setting("llm", "retries", 2, _int_between(0, 10), "retries = 2"),
)
SECTIONS = tuple(dict.fromkeys(s.section for s in SETTINGS))


def default_config_path() -> Path:
    """The file used without ``--config``: env ``BRIEFING_CONFIG`` or the embedded default."""
    env = os.environ.get(CONFIG_ENV, "").strip()
    return Path(env) if env else resources.bundled("config") / "briefing.toml"


def load_settings(path: Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate a settings file; raise ``ConfigError`` on the first problem."""
    env = os.environ if env is None else env
    path = (path or default_config_path()).expanduser().resolve()
    raw = _read_toml(path)
    values = _validate(raw, path)
    _check_output_dir(values, path)
    return _assemble(values, path, env)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(path, "", "settings file not found", "briefing --config config/briefing.toml") from None
    except OSError as exc:
        raise ConfigError(path, "", f"cannot read settings file: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, "", f"not valid TOML: {exc}") from None


def _validate(raw: dict[str, Any], path: Path) -> dict[tuple[str, str], Any]:
    for section, table in raw.items():
        if section not in SECTIONS:
            raise ConfigError(path, section, f"unknown section; valid sections are {', '.join(SECTIONS)}")
        if not isinstance(table, dict):
            raise ConfigError(path, section, "expected a table", f"[{section}]")
        known = [s.key for s in SETTINGS if s.section == section]
        for key in table:
            if key not in known:
                raise ConfigError(path, f"{section}.{key}", f"unknown key; valid keys in [{section}] are {', '.join(known)}")
    values = {}
    base = path.parent
    for setting in SETTINGS:
        value = raw.get(setting.section, {}).get(setting.key, setting.default)
        try:
            values[(setting.section, setting.key)] = setting.parse(value, base)
        except ValueError as exc:
            raise ConfigError(path, f"{setting.section}.{setting.key}", str(exc), setting.example) from None
    return values


# Folders an output.dir may never be: `briefing serve` publishes it and every build writes into it.
SYSTEM_FOLDERS = frozenset(Path(p) for p in ("/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib64",
                                              "/opt", "/proc", "/root", "/run", "/sbin", "/srv", "/sys", "/tmp",
                                              "/usr", "/var"))


def _check_output_dir(values: dict[tuple[str, str], Any], path: Path) -> None:
    """Refuse an ``output.dir`` that would publish the store or the settings, or write into a system folder."""
    out: Path = values[("output", "dir")]
    url: str = values[("store", "url")]
    store: Path | None = values[("store", "path")]
    if url:  # a PostgreSQL store has no file here; a sqlite:/// URL names its own
        store = Path(urlsplit(url).path).resolve() if url.startswith("sqlite:///") else None
    problem = ""
    if out in SYSTEM_FOLDERS or out == Path.home().resolve():
        problem = f"{out} is a system folder; briefing writes its pages there and `briefing serve` publishes it"
    elif store is not None and store.is_relative_to(out):
        problem = (f"{out} holds the store {store} (subscribers included), and `briefing serve` publishes "
                   "output.dir: use a folder of its own")
    elif path.is_relative_to(out):
        problem = f"{out} holds the settings file, and `briefing serve` publishes output.dir: use a folder of its own"
    if problem:
        raise ConfigError(path, "output.dir", problem, 'dir = "../out"')


def _assemble(values: dict[tuple[str, str], Any], path: Path, env: Mapping[str, str]) -> Settings:
    def section(name: str) -> dict[str, Any]:
        return {key: value for (sec, key), value in values.items() if sec == name}

    output = section("output")
    output["templates"] = output["templates"] or resources.bundled("templates")
    email = section("email")
    if email["recipients_file"] is not None:
        email["recipients"] = _merge_recipients(email["recipients"], email["recipients_file"], path)
    sources = section("sources")
    sources["feeds"] = _with_secrets(_with_opml(sources["feeds"], sources["opml"], path), path, env)
    return Settings(
        file=path,
        sources=SourcesSettings(**sources),
        store=StoreSettings(**section("store")),
        output=OutputSettings(**output),
        briefing=BriefingSettings(**section("briefing")),
        schedule=ScheduleSettings(**section("schedule")),
        email=EmailSettings(**email),
        smtp=SmtpSettings(**section("smtp"), password=env.get(PASSWORD_ENV, "")),
        web=WebSettings(**section("web"), secret_key=env.get(SECRET_ENV, "")),
        subscribers=SubscribersSettings(**section("subscribers")),
        topic=TopicSettings(**section("topic")),
        llm=_llm(section("llm"), path, env),
    )


def _llm(values: dict[str, Any], path: Path, env: Mapping[str, str]) -> LlmSettings:
    if values["base_url"] and not values["model"].strip():
        raise ConfigError(path, "llm.model", "a model name is needed when llm.base_url is set", 'model = "llama3.1:8b"')
    return LlmSettings(**values, api_key=env.get(LLM_KEY_ENV, "").strip())


def _with_opml(feeds: tuple[FeedSource, ...], files: tuple[Path, ...], config: Path) -> tuple[FeedSource, ...]:
    """The configured feeds, then those of each OPML file not already listed (by URL)."""
    from briefing.opml import OpmlError, read_opml

    found = {feed.url: feed for feed in feeds}
    for file in files:
        try:
            listed = read_opml(file)
        except OpmlError as exc:
            raise ConfigError(config, "sources.opml", str(exc), 'opml = ["feeds.opml"]') from None
        for item in listed:
            found.setdefault(item.url, FeedSource(url=item.url, name=item.name, origin=str(file), folder=item.folder))
    return tuple(found.values())


def _with_secrets(feeds: tuple[FeedSource, ...], config: Path, env: Mapping[str, str]) -> tuple[FeedSource, ...]:
    """Each private feed's password and headers, read from the environment variables it names."""
    def read(feed: FeedSource, name: str) -> str:
        value = env.get(name, "")
        if not value:
            raise ConfigError(config, "sources.feeds", f"feed {feed.name} ({feed.url}) reads env {name}, which is "
                              "not set; export it (secrets never live in the file)", f"export {name}=...")
        return value

    return tuple(replace(feed, password=read(feed, feed.password_env) if feed.password_env else "",
                         headers=tuple((header, read(feed, var)) for header, var in feed.headers_env))
                 for feed in feeds)


def _merge_recipients(listed: tuple[str, ...], file: Path, config: Path) -> tuple[str, ...]:
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(config, "email.recipients_file", f"cannot read {file}: {exc}") from None
    found = list(listed)
    for number, line in enumerate(lines, start=1):
        address = line.split("#", 1)[0].strip()
        if not address:
            continue
        try:
            found.append(check_address(address))
        except ValueError as exc:
            raise ConfigError(config, "email.recipients_file", f"{file}, line {number}: {exc}", "reader@example.org") from None
    return tuple(dict.fromkeys(found))
