"""docs/cli.md and docs/formats.md are generated from the code; they must match it.

Regenerate with `make docs` (runs this file as a script).
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

import click
from click.testing import CliRunner

from voxpop.cli import cli
from voxpop.sources import READERS

DOCS = Path(__file__).resolve().parents[1] / "docs"
CLI_DOC = DOCS / "cli.md"
FORMATS_DOC = DOCS / "formats.md"


def command_paths(group: click.Group, prefix: list[str]) -> list[list[str]]:
    """Every command's argument path, groups before their subcommands."""
    paths = [prefix]
    for name in sorted(group.list_commands(click.Context(group))):
        command = group.get_command(click.Context(group), name)
        if isinstance(command, click.Group):
            paths += command_paths(command, [*prefix, name])
        else:
            paths.append([*prefix, name])
    return paths


def cli_reference() -> str:
    runner = CliRunner()
    parts = [
        "# Command reference\n",
        "Generated from `--help` by `make docs`; a test fails when it is out of date.\n",
    ]
    assert isinstance(cli, click.Group)
    for args in command_paths(cli, []):
        result = runner.invoke(cli, [*args, "--help"], prog_name="voxpop", terminal_width=100)
        assert result.exit_code == 0, result.output
        title = " ".join(["voxpop", *args])
        parts.append(f"## {title}\n\n```\n{result.output.rstrip()}\n```\n")
    return "\n".join(parts)


def formats_reference() -> str:
    parts = [
        "# Input formats\n",
        "Generated from the readers' docstrings by `make docs`. Formats are detected by content,",
        "in this order; `voxpop ingest --format NAME` overrides detection.\n",
    ]
    for reader in READERS:
        module = sys.modules[reader.read.__module__]
        doc = inspect.cleandoc(module.__doc__ or "")
        parts.append(f"## {reader.name}\n\n{reader.description}\n\n{doc}\n")
    return "\n".join(parts)


def test_formats_reference_is_current() -> None:
    assert FORMATS_DOC.read_text() == formats_reference(), "docs/formats.md is stale: make docs"


def test_cli_reference_is_current() -> None:
    assert CLI_DOC.read_text() == cli_reference(), "docs/cli.md is stale: run `make docs`"


def test_every_command_is_documented() -> None:
    text = CLI_DOC.read_text()
    assert isinstance(cli, click.Group)
    paths = command_paths(cli, [])
    assert ["collect", "status"] in paths
    for args in paths:
        assert "## " + " ".join(["voxpop", *args]) + "\n" in text


if __name__ == "__main__":
    CLI_DOC.write_text(cli_reference())
    FORMATS_DOC.write_text(formats_reference())
