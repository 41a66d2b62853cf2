"""Every command is documented in the README and has --help (after Datasette's test_docs)."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from briefing.cli import cli
from tests.conftest import ROOT


def commands(group: click.Group, prefix: str = "briefing") -> list[str]:
    found = []
    for name, command in sorted(group.commands.items()):
        found.append(f"{prefix} {name}")
        if isinstance(command, click.Group):
            found.extend(commands(command, f"{prefix} {name}"))
    return found


@pytest.mark.parametrize("command", commands(cli))
def test_every_command_is_in_the_readme(command: str) -> None:
    assert f"`{command}" in (ROOT / "README.md").read_text(encoding="utf-8"), f"{command} is not documented"


@pytest.mark.parametrize("command", commands(cli))
def test_every_command_has_help(command: str) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, [*command.split()[1:], "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
