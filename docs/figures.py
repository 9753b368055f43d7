"""Redraw every figure of the documentation from the data in ``docs/data/``.

Run from the repository root::

    python docs/figures.py                 # every figure into docs/images/
    python docs/figures.py ranks cut       # some of them
    python docs/figures.py --list          # each figure and the command that draws it

Each figure has one command: a ``tnrnn`` command line (the same one the docs
show beside the figure; ``tnrnn plot`` for figures drawn from saved records) or,
for the figures no subcommand draws, the library call shown by ``--list``.
Only the figures whose command says so compute anything, in a few seconds
(the certified ranks, the cut, the Hankel spectra and the memory function of
``docs/data/linear.npz``); the others read records saved in ``docs/data/``
(``docs/data/README.md`` says where each file comes from).
``tests/test_docs_figures.py`` runs every command into a temporary folder.
"""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IMAGES = os.path.join("docs", "images")


@dataclass(frozen=True)
class Figure:
    """One docs figure: its file under ``docs/images/`` and the command that draws it (``{out}``: the file)."""

    name: str
    command: str
    slow: bool = False   # more than a few seconds on an idle core: the test is marked slow

    @property
    def path(self) -> str:
        return os.path.join(IMAGES, self.name + ".png")


def _summary(path):
    import json

    with open(os.path.join(ROOT, path)) as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _repro(name: str):
    def draw(out):
        from tnrnn.tasks.report import draw_figure, preset_records

        draw_figure(name, preset_records(os.path.join(ROOT, "docs", "data")), out)

    return draw


def _copy(out):
    from tnrnn.tasks.grid_figures import plot_accuracy

    plot_accuracy(_summary("docs/data/repro_copy.jsonl"), out)


#: Every figure, in the order of the docs. Commands run from the repository root.
FIGURES = (
    Figure("ranks", "tnrnn bounds --depth 1,2,3 --hidden 3 --inputs 3 --length 2:12:2 --plot {out}", slow=True),
    Figure("cut", "tnrnn draw -L 2 -R 2 -M 4 -T 6 --plot {out}"),
    Figure("network_ssm", "tnrnn draw --circuit ssm -L 2 -R 2 -M 2 -T 4 --cut start-end --plot {out}"),
    Figure("gated_ssm_vs_length", "tnrnn plot docs/data/gated_ssm_vs_length.jsonl --plot {out}"),
    Figure("gated_gla_vs_length", "tnrnn plot docs/data/gated_gla_vs_length.jsonl --plot {out}"),
    Figure("bounds_table",
           "python benchmarks/bounds_table.py docs/data/bounds_table.jsonl {rst} {out}"),
    Figure("memory_function", "tnrnn memory function docs/data/linear.npz --arch linear --time continuous "
                              "--dt 0.02 --lags 1000 --plot {out}", slow=True),
    Figure("memory_hankel", "tnrnn memory hankel --target exp,pol --eps 1e-1,1e-2,1e-3,1e-4 --plot {out}",
           slow=True),
    Figure("memory_curse", "tnrnn plot docs/data/memory_curse.jsonl --plot {out}"),
    Figure("memory_plateau", "tnrnn plot docs/data/memory_plateau.jsonl --plot {out}"),
    Figure("teacher", "tnrnn plot docs/data/teacher/records.jsonl --plot {out}"),
    Figure("teacher_kinds", "tnrnn plot docs/data/teacher_kinds/records.jsonl --plot {out}"),
    Figure("measures_compare", "tnrnn plot docs/data/measures_compare.jsonl --plot {out}"),
    Figure("reproducing_success", "python docs/figures.py reproducing_success  "
                                  "# tnrnn.tasks.report.draw_figure (per-seed records of docs/data/repro_records.jsonl)"),
    Figure("reproducing_accuracy", "python docs/figures.py reproducing_accuracy  "
                                   "# tnrnn.tasks.report.draw_figure (per-seed records of docs/data/repro_records.jsonl)"),
    Figure("reproducing_rank", "python docs/figures.py reproducing_rank  "
                               "# tnrnn.tasks.report.draw_figure (per-seed records of docs/data/repro_records.jsonl)"),
    Figure("reproducing_copy", "python docs/figures.py reproducing_copy  "
                               "# tnrnn.tasks.plot_accuracy(records of docs/data/repro_copy.jsonl)"),
)

_LIBRARY = {
    "reproducing_success": _repro("reproducing_success"),
    "reproducing_accuracy": _repro("reproducing_accuracy"),
    "reproducing_rank": _repro("reproducing_rank"),
    "reproducing_copy": _copy,
}


def draw(figure: Figure, out: str, rst: str | None = None) -> None:
    """Draw ``figure`` into the file ``out`` (in this process); ``rst``: where bounds_table writes its page."""
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        if figure.name in _LIBRARY:
            _LIBRARY[figure.name](out)
            return
        argv = shlex.split(figure.command.format(out=out, rst=rst or os.path.join("docs", "bounds_table.rst")))
        if argv[0] == "tnrnn":
            from tnrnn.cli import main

            code = main(argv[1:])
        else:
            import runpy

            saved = sys.argv
            sys.argv = argv[1:]
            try:
                runpy.run_path(argv[1], run_name="__main__")
                code = 0
            finally:
                sys.argv = saved
        if code:
            raise SystemExit(f"{figure.name}: {figure.command} exited with {code}")
    finally:
        os.chdir(cwd)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv == ["--list"]:
        for f in FIGURES:
            print(f"{f.path}: {f.command.format(out=f.path, rst='docs/bounds_table.rst')}")
        return 0
    names = {f.name: f for f in FIGURES}
    unknown = [a for a in argv if a not in names]
    if unknown:
        print(f"figures.py: unknown figure {', '.join(unknown)}; figures: {', '.join(names)}", file=sys.stderr)
        return 2
    sys.path.insert(0, ROOT)
    for name in argv or list(names):
        figure = names[name]
        draw(figure, os.path.join(ROOT, figure.path))
        print(f"wrote {figure.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
