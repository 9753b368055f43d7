"""The README is what tnrnn does: its rank table is what the command prints, its commands parse, its links exist."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from tnrnn.cli import build_parser, main

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


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


def _commands() -> list[list[str]]:
    """Every ``tnrnn ...`` line of the README's bash blocks and inline commands, as argv (comments dropped)."""
    text = README.read_text()
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        lines += [line.split("#", 1)[0] for line in block.splitlines() if line.startswith("tnrnn ")]
    lines += re.findall(r"\(`(tnrnn [^`]+)`\)", text)
    return [shlex.split(line)[1:] for line in lines]


def _subparser(parser, argv):
    """The leaf parser of ``argv`` (``memory hankel`` -> that parser) and the arguments after its name."""
    import argparse

    while True:
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs or not argv or argv[0] not in subs[0].choices:
            return parser, argv
        parser, argv = subs[0].choices[argv[0]], argv[1:]


def test_every_readme_command_names_a_command_and_its_options():
    commands = _commands()
    assert len(commands) >= 12
    for argv in commands:
        leaf, rest = _subparser(build_parser(), argv)
        assert leaf.prog != "tnrnn", f"no subcommand in `tnrnn {' '.join(argv)}`"
        known = {s for a in leaf._actions for s in a.option_strings}
        options = {t.split("=", 1)[0] for t in rest if t.startswith("-") and not re.fullmatch(r"-[\d.]+", t)}
        assert options <= known, f"`tnrnn {' '.join(argv)}`: unknown {sorted(options - known)}"


def test_readme_links_and_images_exist():
    text = README.read_text()
    targets = re.findall(r"\]\(([^)#\s]+)\)", text)
    assert targets
    for target in targets:
        assert (ROOT / target).exists(), f"README links to {target}, which is not in the repository"


def test_readme_is_a_quickstart():
    text = README.read_text()
    assert len(text.splitlines()) <= 160
    assert 'pip install "torch==2.13.0" -e ".[dev,torch]"' in text   # .ci/run executes exactly this line
    assert 'pip install -e ".[dev]"' in text
    assert "python -m pytest -n 2" in text
