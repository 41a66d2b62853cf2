"""Settings: defaults, path resolution, and one clear error (exit code 2) per mistake."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from briefing.errors import ConfigError
from briefing.settings import SETTINGS, load_settings
from tests.conftest import ROOT, ConfigMaker


def test_embedded_default_loads_and_resolves_against_its_folder() -> None:
    settings = load_settings(ROOT / "config" / "briefing.toml", env={})
    assert settings.sources.folders == (ROOT / "seeds",)
    assert settings.store.path == ROOT / "var" / "briefing.db"
    assert settings.output.dir == ROOT / "out"
    assert settings.output.templates == ROOT / "templates"
    assert settings.briefing.timezone.key == "UTC"
    assert settings.email.recipients == ("reader@example.org",)
    assert settings.smtp.password == ""


def test_password_comes_only_from_the_environment(make_config: ConfigMaker) -> None:
    settings = load_settings(make_config(), env={"BRIEFING_SMTP_PASSWORD": "s3cret"})
    assert settings.smtp.password == "s3cret"
    assert "s3cret" not in repr(settings)


def test_feeds_accept_strings_and_tables(make_config: ConfigMaker) -> None:
    path = make_config(sources={"feeds": ["https://a.example/feed", {"url": "https://b.example/x", "name": "B"}]})
    feeds = load_settings(path, env={}).sources.feeds
    assert [(f.url, f.name) for f in feeds] == [("https://a.example/feed", "a.example"), ("https://b.example/x", "B")]


def test_recipients_file_is_merged_with_comments_skipped(make_config: ConfigMaker, tmp_path: Path) -> None:
    (tmp_path / "subscribers.txt").write_text("# readers\nb@example.org  # Bea\n\nreader@example.org\n")
    settings = load_settings(make_config(email={"recipients_file": "subscribers.txt"}), env={})
    assert settings.email.recipients == ("reader@example.org", "b@example.org")


@pytest.mark.parametrize(
    ("overrides", "key", "problem"),
    [
        ({"output": {"colour": "blue"}}, "output.colour", "unknown key"),
        ({"outputs": {"dir": "x"}}, "outputs", "unknown section"),
        ({"smtp": {"port": "25"}}, "smtp.port", "expected a whole number"),
        ({"smtp": {"port": 70000}}, "smtp.port", "out of range"),
        ({"briefing": {"send_empty": "yes"}}, "briefing.send_empty", "expected true or false"),
        ({"briefing": {"timezone": "Mars/Olympus"}}, "briefing.timezone", "not an IANA timezone"),
        ({"email": {"recipients": ["not-an-address"]}}, "email.recipients", "not a valid email address"),
        ({"email": {"sender": "Briefing <nobody>"}}, "email.sender", "not a valid email address"),
        ({"smtp": {"security": "tls"}}, "smtp.security", "not one of none, starttls, ssl"),
        ({"schedule": {"day": "someday"}}, "schedule.day", "not a weekday"),
        ({"schedule": {"time": "8am"}}, "schedule.time", "not a time of day"),
        ({"output": {"site_url": "ftp://x"}}, "output.site_url", "not an absolute http(s) URL"),
        ({"sources": {"feeds": ["file:///etc/passwd"]}}, "sources.feeds", "not an absolute http(s) URL"),
    ],
)
def test_bad_settings_name_file_key_problem_and_example(make_config: ConfigMaker, overrides: dict, key: str, problem: str) -> None:
    path = make_config(**overrides)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    message = str(caught.value)
    assert str(path) in message
    assert f"[{key}]" in message
    assert problem in message
    if "unknown" not in problem:
        assert "for example:" in message


def test_malformed_address_in_recipients_file_names_the_line(make_config: ConfigMaker, tmp_path: Path) -> None:
    (tmp_path / "subscribers.txt").write_text("ok@example.org\nbroken@@example\n")
    with pytest.raises(ConfigError, match=r"subscribers.txt, line 2: 'broken@@example' is not a valid"):
        load_settings(make_config(email={"recipients_file": "subscribers.txt"}), env={})


def test_not_toml_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[sources\nfolders = 1")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(bad, env={})
    with pytest.raises(ConfigError, match="settings file not found"):
        load_settings(tmp_path / "missing.toml", env={})


def test_cli_exits_2_with_one_message(make_config: ConfigMaker) -> None:
    path = make_config(briefing={"timezone": "Nowhere/Land"})
    run = subprocess.run([sys.executable, "-m", "briefing", "--config", str(path), "status"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert run.stdout == ""
    assert f"{path}: [briefing.timezone]: 'Nowhere/Land' is not an IANA timezone name" in run.stderr
    assert "Traceback" not in run.stderr


def test_briefing_config_env_selects_the_file(make_config: ConfigMaker) -> None:
    path = make_config(smtp={"port": -1})
    run = subprocess.run([sys.executable, "-m", "briefing", "status"], capture_output=True, text=True,
                         timeout=60, env={"BRIEFING_CONFIG": str(path), "PATH": "/usr/bin:/bin"})
    assert run.returncode == 2
    assert "[smtp.port]" in run.stderr


def test_every_setting_is_documented_in_the_default_config_and_readme() -> None:
    sections = config_sections((ROOT / "config" / "briefing.toml").read_text())
    readme = (ROOT / "README.md").read_text()
    for setting in SETTINGS:
        where = f"{setting.section}.{setting.key}"
        assert re.search(rf"^#?\s*{setting.key} = ", sections.get(setting.section, ""), re.M), \
            f"{where} not in the [{setting.section}] section of config/briefing.toml"
        assert where in readme, f"{where} not in README"


def config_sections(text: str) -> dict[str, str]:
    """The text of each ``[section]`` of a TOML file (commented-out keys included)."""
    found: dict[str, str] = {}
    name = ""
    for line in text.splitlines(keepends=True):
        if heading := re.match(r"^\[([\w.]+)\]\s*$", line):
            name = heading.group(1)
        found[name] = found.get(name, "") + line
    return found


def test_the_documentation_check_looks_within_the_section() -> None:
    sections = config_sections("[web]\nhost = \"x\"\n[smtp]\n# port = 25\n")
    assert set(sections) == {"web", "smtp"}
    assert "host =" in sections["web"] and "host =" not in sections["smtp"] and "port =" in sections["smtp"]


def test_the_model_writer_is_off_by_default_and_its_key_comes_only_from_the_environment(make_config: ConfigMaker) -> None:
    assert not load_settings(make_config(), env={}).llm.enabled
    path = make_config(llm={"base_url": "http://127.0.0.1:11434/v1/", "model": "llama3.1:8b"})
    settings = load_settings(path, env={"BRIEFING_LLM_API_KEY": "sk-secret"})
    assert settings.llm.enabled and settings.llm.base_url == "http://127.0.0.1:11434/v1"
    assert settings.llm.api_key == "sk-secret" and "sk-secret" not in repr(settings)
    assert (settings.llm.temperature, settings.llm.timeout, settings.llm.max_stories) == (0.0, 60.0, 10)
    with pytest.raises(ConfigError, match=r"\[llm.api_key\]: unknown key"):
        load_settings(make_config(llm={"api_key": "sk-secret"}), env={})


@pytest.mark.parametrize(
    ("table", "key", "problem"),
    [
        ({"base_url": "http://127.0.0.1:11434/v1"}, "llm.model", "a model name is needed"),
        ({"base_url": "ollama:11434"}, "llm.base_url", "not an absolute http(s) URL"),
        ({"base_url": "https://user:sk-1@api.example.org/v1", "model": "m"}, "llm.base_url", "BRIEFING_LLM_API_KEY"),
        ({"temperature": 3}, "llm.temperature", "from 0 to 2"),
        ({"timeout": 0}, "llm.timeout", "seconds above 0"),
        ({"token_budget": 0}, "llm.token_budget", "out of range"),
        ({"retries": 11}, "llm.retries", "out of range"),
    ],
)
def test_bad_llm_settings_are_refused(make_config: ConfigMaker, table: dict, key: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(make_config(llm=table), env={})
    assert f"[{key}]" in str(caught.value) and problem in str(caught.value) and "for example:" in str(caught.value)
