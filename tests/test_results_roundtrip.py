"""Every result type is a :class:`tnrnn.records.Record`: ``to_json`` and ``tnrnn.to_pandas`` round-trip it.

Two checks: a walk over the package finds every class with ``to_dict`` and requires the Record mixin (so a
new result type cannot forget it), and real results of every track, made by cheap calls of the public API,
go through ``json.loads(to_json())`` back to ``to_dict()`` and become one pandas row each.
"""

from __future__ import annotations

import importlib
import inspect
import json
import math
import pkgutil

import numpy as np
import pytest

import tnrnn
from tnrnn.records import Record


def _classes_with_to_dict():
    found = {}
    for info in pkgutil.walk_packages(tnrnn.__path__, "tnrnn."):
        if info.name.startswith("tnrnn.cli"):
            continue
        try:
            module = importlib.import_module(info.name)
        except ImportError:          # an optional dependency (torch, matplotlib) missing
            continue
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and obj.__module__ == module.__name__ and callable(getattr(obj, "to_dict", None)):
                found[f"{module.__name__}.{name}"] = obj
    return found


def test_every_class_with_to_dict_is_a_record():
    classes = _classes_with_to_dict()
    assert len(classes) >= 25
    missing = sorted(name for name, cls in classes.items() if not issubclass(cls, Record))
    assert missing == []


def _same(a, b):
    """JSON equality with NaN equal to itself (a record may hold an explicit NaN)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def _results():
    from tnrnn.bench.report import fit_time_vs_flops
    from tnrnn.memory import (
        LinearRNN,
        balanced_truncation,
        classify_decay,
        hankel_rank_exact,
        hankel_spectrum,
        kernel_error,
        memory_function,
        minimal_width,
    )
    from tnrnn.network.contract import contraction_cost
    from tnrnn.runinfo import new_run
    from tnrnn.runner import run_sweep

    rac = tnrnn.RAC.random(depth=1, hidden=3, inputs=2, seed=0)
    net = tnrnn.compile(rac, 4)
    rnn = LinearRNN(np.diag([0.5, 0.25, 0.1]), np.ones(3), np.ones(3))
    t = np.arange(1.0, 30.0)
    bench = tnrnn.bench([(1, 2, 2, 3), (2, 2, 2, 4)], ["greedy"], repeats=1)
    sweep = run_sweep("bounds", [dict(depth=1, hidden=2, inputs=2, length=4, method="closed-form", mincut=False)])
    out = {
        "RankBounds": tnrnn.rank_bounds(2, 2, 2, 4),
        "Spectrum": tnrnn.spectrum(rac, length=4),
        "MinCut": tnrnn.mincut_bound(net),
        "NetworkSummary": net.summary(),
        "ContractionCost": contraction_cost(net, "greedy"),
        "EmpiricalSpectrum": tnrnn.empirical_spectrum(rac, length=4),
        "BenchRecord": bench[0],
        "TimeFit": fit_time_vs_flops(list(bench)),
        "TaskRecord": sweep.records[0],
        "SweepResult": sweep,
        "RunInfo": new_run(),
        "MemoryFunction": memory_function(LinearRNN([[0.5]], [1.0], [1.0]), lags=8, directions=2, seed=0),
        "DecayFit": classify_decay(t, np.exp(-0.3 * t)),
        "HankelSpectrum": hankel_spectrum(0.5 ** np.arange(12), section=True),
        "ExactHankelRank": hankel_rank_exact([1, 1, 2, 3, 5, 8, 13, 21, 34]),
        "Truncation": balanced_truncation(rnn, 2),
        "KernelError": kernel_error([1.0, 0.5, 0.0], [1.0, 0.0, 0.25]),
        "MinimalWidth": minimal_width(0.5 ** np.arange(40), [1e-1])[0],
        "LinearRNN": rnn,
    }
    try:
        import torch  # noqa: F401

        from tnrnn.measures import (
            EchoStateNetwork,
            gradient_horizon,
            lag_retention,
            lyapunov_spectrum,
            memory_capacity,
        )

        esn = EchoStateNetwork.random(20, spectral_radius=0.9, seed=0)
        out["MemoryCapacity"] = memory_capacity(esn, lags=5, length=400, seed=0)
        out["GradientHorizon"] = gradient_horizon(LinearRNN([[0.5]], [1.0], [2.0]), lags=4, sequences=2)
        out["LyapunovSpectrum"] = lyapunov_spectrum(LinearRNN(np.diag([0.5, 0.2, 0.1]), np.ones(3), np.ones(3)),
                                                    steps=20, washout=0, sequences=1)
        out["Retention"] = lag_retention(LinearRNN(np.diag([0.5, 0.2]), np.eye(2), np.ones((1, 2))), lags=3,
                                         window=2, seed=0)
    except ImportError:
        pass
    return out


@pytest.fixture(scope="module")
def results():
    return _results()


def test_results_of_every_track_round_trip_through_json_and_pandas(results):
    pd = pytest.importorskip("pandas")
    assert len(results) >= 19
    for name, result in results.items():
        assert type(result).__name__ == name
        assert isinstance(result, Record), name
        text = result.to_json()
        assert _same(json.loads(text), result.to_dict()), name
        frame = tnrnn.to_pandas([result])
        assert isinstance(frame, pd.DataFrame) and len(frame) == 1, name


def test_spectrum_defaults_to_the_start_end_cut_like_cut_rank():
    rac = tnrnn.RAC.random(depth=2, hidden=2, inputs=2, seed=0)
    default, explicit = tnrnn.spectrum(rac, length=6), tnrnn.spectrum(rac, "start-end", length=6)
    np.testing.assert_array_equal(default.singular_values, explicit.singular_values)
    assert default.cut == explicit.cut == tnrnn.cut_rank(rac, length=6).cut


def test_the_python_api_prints_no_progress_unless_asked(capfd):
    tnrnn.bench([(1, 2, 2, 3)], ["greedy"], repeats=1)
    tnrnn.rank_bounds(1, 2, 2, 4)
    assert capfd.readouterr().err == ""
