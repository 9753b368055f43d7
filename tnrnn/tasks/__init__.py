"""The paper's experiments: memory tasks, models trained on them, and the rank analysis of what they learned.

Levine et al. (2020) train deep recurrent networks with orthogonal
hidden-to-hidden matrices on the Start-End Similarity and Copying Memory tasks
and plot accuracy against sequence length by depth.  This track reproduces
that at any scale and closes the loop with tnrnn's measures::

    data.py         seeded generators: StartEndSimilarity, CopyMemory, Digits (scikit-learn's 8x8)
    models.py       torch models: deep orthogonal tanh RNN, LSTM, GRU, RACModule, MIRNN; parameter budgets
    batched.py      many seeds as one stacked model: ortho and scoRNN, per-seed optimisers
    training.py     configurations -> records: train (one seed, or many together), test, checkpoint, spectra
    experiments.py  the depth x length grid, a resumable JSON-lines runner, summaries
    grid_figures.py its figures (success rate, accuracy, rank against T)

``import tnrnn.tasks`` needs numpy only; training needs torch (``pip install
'tnrnn[torch]'``) and the digits task scikit-learn (``pip install 'tnrnn[tasks]'``).

Examples
--------
>>> from tnrnn.tasks import StartEndSimilarity
>>> StartEndSimilarity(length=64).inputs
33
"""

from .data import TASKS, Batch, CopyMemory, Digits, StartEndSimilarity, batches, make_task, one_hot, split_seeds
from .experiments import (
    PRESETS,
    compare_depths,
    format_summary,
    grid,
    read_records,
    run_grid,
    summarize,
    summarize_runs,
)
from .grid_figures import plot_accuracy, plot_effective_rank, plot_success
from .models import ARCHS, bridge_arch, count_parameters, hidden_for_budget
from .training import DEFAULTS, config_key, load_checkpoint, make_config, run_config, run_seeds

__all__ = [
    "TASKS", "Batch", "CopyMemory", "Digits", "StartEndSimilarity", "batches", "make_task", "one_hot", "split_seeds",
    "PRESETS", "format_summary", "grid", "plot_accuracy", "plot_effective_rank", "plot_success", "read_records", "run_grid",
    "summarize", "summarize_runs", "compare_depths", "run_seeds", "ARCHS", "bridge_arch", "count_parameters",
    "hidden_for_budget", "DEFAULTS", "config_key", "load_checkpoint", "make_config", "run_config",
]
