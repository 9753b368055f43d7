"""Every docs figure is redrawn by its documented command (docs/figures.py) from the data in docs/data/."""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("docs_figures", ROOT / "docs" / "figures.py")
figures = importlib.util.module_from_spec(_spec)
sys.modules["docs_figures"] = figures   # dataclasses look their module up
_spec.loader.exec_module(figures)

_NEEDS_TORCH = {"reproducing_copy"}   # summarising train records reads their configs through tnrnn.tasks


def _param(f):
    marks = [pytest.mark.slow] if f.slow else []
    return pytest.param(f, id=f.name, marks=marks)


@pytest.mark.parametrize("figure", [_param(f) for f in figures.FIGURES])
def test_each_docs_figure_is_drawn_by_its_command(figure, tmp_path, capsys):
    if figure.name in _NEEDS_TORCH:
        pytest.importorskip("torch")
    out = tmp_path / f"{figure.name}.png"
    figures.draw(figure, str(out), rst=str(tmp_path / "page.rst"))
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000   # a real figure, not an empty canvas
    shipped = ROOT / figure.path
    assert shipped.exists(), f"{figure.path} is listed but not in the repository"


def test_every_image_in_the_docs_has_a_command_and_every_data_file_is_used():
    listed = {f.path.replace(os.sep, "/") for f in figures.FIGURES}
    images = {f"docs/images/{p.name}" for p in (ROOT / "docs" / "images").glob("*.png")}
    assert images == listed
    pages = "".join(p.read_text() for p in (ROOT / "docs").glob("*.rst")) + (ROOT / "README.md").read_text()
    used = {m for m in re.findall(r"images/([\w.]+\.png)", pages)}
    assert used <= {Path(p).name for p in listed}
    commands = " ".join(f.command for f in figures.FIGURES)
    for data in (ROOT / "docs" / "data").iterdir():
        if data.suffix in (".jsonl", ".npz"):
            # a figure's data, or a table's (a docs page shows the command that makes the table from it)
            assert f"docs/data/{data.name}" in commands or f"data/{data.name}" in pages, \
                f"docs/data/{data.name} draws no figure and no documented table"


def test_the_readme_figures_are_drawn_by_the_commands_beside_them():
    readme = " ".join((ROOT / "README.md").read_text().split())
    by_name = {f.name: f for f in figures.FIGURES}
    for name in ("ranks", "cut"):
        command = by_name[name].command.format(out=f"docs/images/{name}.png")
        assert command in readme, f"README shows docs/images/{name}.png without `{command}`"


def test_list_names_each_figure_and_its_command(capsys):
    assert figures.main(["--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(figures.FIGURES) and all(": " in line for line in lines)
    assert figures.main(["no-such-figure"]) == 2
