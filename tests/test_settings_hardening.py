"""Issue 13, items 6 and 10: values that cannot work, or would inject headers, stop at start-up.

Each is one message naming the file and the key (exit 2), never a traceback
later in a send or a fetch.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from briefing.errors import ConfigError
from briefing.settings import load_settings
from tests.conftest import ConfigMaker

INJECTED = "\r\nBcc: victim@example.org\r\nX-Injected: yes"


@pytest.mark.parametrize(
    "overrides, key",
    [
        ({"email": {"unsubscribe_url": "https://briefing.example.org/unsubscribe" + INJECTED}}, "email.unsubscribe_url"),
        ({"email": {"sender": "Briefing <briefing@example.org>" + INJECTED}}, "email.sender"),
        ({"email": {"sender": "Brief\ring <briefing@example.org>"}}, "email.sender"),
        ({"briefing": {"title": "Rare Earth" + INJECTED}}, "briefing.title"),
        ({"briefing": {"title": "Rare\tEarth\x00"}}, "briefing.title"),
        ({"output": {"site_url": "https://briefing.example.org/\r\nX-Injected: yes"}}, "output.site_url"),
        ({"email": {"unsubscribe_mailto": "leave@example.org\nBcc: x@example.org"}}, "email.unsubscribe_mailto"),
    ],
)
def test_a_control_character_in_a_header_bound_setting_is_refused(make_config: ConfigMaker,
                                                                   overrides: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(make_config(**overrides), env={})
    assert f"[{key}]" in str(caught.value)


@pytest.mark.parametrize(
    "overrides, key",
    [
        ({"sources": {"fetch_timeout": float("nan")}}, "sources.fetch_timeout"),
        ({"sources": {"fetch_timeout": float("inf")}}, "sources.fetch_timeout"),
        ({"smtp": {"timeout": float("inf")}}, "smtp.timeout"),
        ({"smtp": {"retry_delay": float("nan")}}, "smtp.retry_delay"),
        ({"smtp": {"host": ""}}, "smtp.host"),
        ({"smtp": {"host": "   "}}, "smtp.host"),
        ({"schedule": {"day": "monkey"}}, "schedule.day"),
        ({"schedule": {"day": "Thursdays"}}, "schedule.day"),
    ],
)
def test_values_that_cannot_work_are_refused(make_config: ConfigMaker, overrides: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(make_config(**overrides), env={})
    assert f"[{key}]" in str(caught.value) and "for example:" in str(caught.value)


@pytest.mark.parametrize("day, expected", [("mon", "mon"), ("Monday", "mon"), ("SUN", "sun"), ("wednesday", "wed")])
def test_weekdays_are_three_letters_or_the_full_name(make_config: ConfigMaker, day: str, expected: str) -> None:
    assert load_settings(make_config(schedule={"day": day}), env={}).schedule.day == expected


def test_the_cli_says_which_key_and_exits_2(make_config: ConfigMaker) -> None:
    path = make_config(email={"unsubscribe_url": "https://briefing.example.org/u" + INJECTED})
    run = subprocess.run([sys.executable, "-m", "briefing", "--config", str(path), "send", "--dry-run"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2, run.stderr
    assert "[email.unsubscribe_url]" in run.stderr and "control character" in run.stderr
    assert "Traceback" not in run.stderr
