"""Figures: networks and their cuts, certified ranks, spectra, benchmarks.

Every function returns a matplotlib ``Figure`` built without ``pyplot`` and
saves it when given ``path=`` (``.png``, ``.svg``, ``.pdf``); the shared
helper is :mod:`tnrnn.plotting.figure`.  matplotlib is imported only when a
figure is made, so ``import tnrnn`` stays light.
"""

from .bench import plot_bench
from .figure import FIGURE_FORMATS, figure_format
from .network import draw
from .ranks import plot_ranks
from .spectra import plot_spectra, plot_spectrum

__all__ = ["FIGURE_FORMATS", "draw", "figure_format", "plot_bench", "plot_ranks", "plot_spectra", "plot_spectrum"]
