"""The README's rank table is what the command prints (all but the timing column)."""

from __future__ import annotations

import re
from pathlib import Path

from tnrnn.cli import main

README = Path(__file__).resolve().parent.parent / "README.md"


def table_after(command: str) -> list[list[str]]:
    text = README.read_text()
    block = text[text.index(f"$ {command}") :].split("```", 1)[0]
    rows = [line.split() for line in block.splitlines()[1:] if line.strip()]
    return [row[:-1] for row in rows]  # drop seconds


def test_readme_bounds_table_matches_the_cli(capsys):
    command = "tnrnn bounds --depth 1,2,3 --hidden 3 --inputs 3 --length 4,8,12"
    expected = table_after(command)
    assert main(re.split(r"\s+", command)[1:]) == 0
    got = [line.split()[:-1] for line in capsys.readouterr().out.strip().splitlines()]
    assert got == expected and len(got) == 10
