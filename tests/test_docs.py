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


def cli_reference() -> str:
    runner = CliRunner()
    parts = [
        "# Command reference\n",
        "Generated from `--help` by `make docs`; a test fails when it is out of date.\n",
    ]
    group = cli
    assert isinstance(group, click.Group)
    commands = [("voxpop", [])] + [
        (f"voxpop {name}", [name]) for name in sorted(group.list_commands(click.Context(group)))
    ]
    for title, args in commands:
        result = runner.invoke(cli, [*args, "--help"], prog_name="voxpop", terminal_width=100)
        assert result.exit_code == 0, result.output
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
    for name in cli.list_commands(click.Context(cli)):  # type: ignore[attr-defined]
        assert f"## voxpop {name}\n" in text


if __name__ == "__main__":
    CLI_DOC.write_text(cli_reference())
    FORMATS_DOC.write_text(formats_reference())
