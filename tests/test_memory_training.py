"""Training linear RNNs (torch), plateau lengths, the torch module, the experiments' records."""

import importlib.util

import numpy as np
import pytest

from tnrnn.errors import InvalidParameterError, MissingDependencyError
from tnrnn.memory import LinearRNN, sample_kernel
from tnrnn.memory.training import plateau_length


def test_plateau_length():
    assert plateau_length([1.0, 1.0, 0.6, 0.5, 0.1]) == 3
    assert plateau_length([1.0, 0.9], threshold=0.5) is None
    with pytest.raises(InvalidParameterError):
        plateau_length([1.0], threshold=0)


def test_missing_torch_is_reported(monkeypatch):
    from tnrnn.memory import training

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real(name, *a))
    with pytest.raises(MissingDependencyError, match=r"tnrnn\[torch\]"):
        training.fit_linear_rnn([1.0, 0.5], 1)


def test_module_matches_numpy_model_and_kernel():
    torch = pytest.importorskip("torch")
    from tnrnn.memory.nn import LinearRNNModule

    rnn = LinearRNN.random(5, inputs=2, outputs=3, seed=1)
    module = LinearRNNModule.from_linear(rnn)
    X = np.random.default_rng(0).normal(size=(4, 13, 2))
    np.testing.assert_allclose(module(torch.as_tensor(X)).detach().numpy(), rnn.run(X), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(module.kernel(13).detach().numpy(), rnn.kernel(np.arange(13)), rtol=1e-10)
    back = module.to_linear()
    np.testing.assert_allclose(back.W, rnn.W)


def test_truncation_exports_a_module():
    torch = pytest.importorskip("torch")
    from tnrnn.memory import truncate_kernel

    h = sample_kernel("airy", 16.0, 0.2)
    bt = truncate_kernel(h, 6)
    out = bt.to_module()(torch.ones(1, 80, 1, dtype=torch.float64))[0, :, 0].detach().numpy()
    np.testing.assert_allclose(out, np.cumsum(bt.model.kernel(np.arange(80))), rtol=1e-9, atol=1e-12)
    W, U, c = bt.matrices
    assert W.shape == (6, 6) and U.shape == (6, 1) and c.shape == (1, 6)


@pytest.mark.parametrize("optimizer,loss", [("adam", "kernel"), ("gd", "kernel"), ("adam", "data")])
def test_fit_reduces_the_loss_and_reports_the_best_model(optimizer, loss):
    pytest.importorskip("torch")
    from tnrnn.memory import kernel_error
    from tnrnn.memory.training import fit_linear_rnn

    h = sample_kernel("exp", 8.0, 0.5)
    fit = fit_linear_rnn(h, 2, steps=80, lr=0.05 if optimizer == "adam" else 0.2, optimizer=optimizer, loss=loss,
                         dt=0.5, seed=0)
    assert len(fit.losses) == 81 and fit.final_loss < fit.losses[0]
    if loss == "kernel":  # the reported model has the reported loss (independent numpy evaluation)
        err = kernel_error(h, fit.model)
        np.testing.assert_allclose(err.l2 ** 2 / np.sum(h * h), fit.final_loss, rtol=1e-8)
    again = fit_linear_rnn(h, 2, steps=80, lr=0.05 if optimizer == "adam" else 0.2, optimizer=optimizer, loss=loss,
                           dt=0.5, seed=0)
    assert again.losses == fit.losses  # seeded


def test_plateaus_grow_with_the_delay():
    pytest.importorskip("torch")
    from tnrnn.memory.curse import plateau_records

    recs = list(plateau_records("shift", [2, 5], width=4, horizon=8.0, dt=0.2, lr=0.05, steps=400, seeds=0))
    assert [r.delay for r in recs] == [2.0, 5.0]
    assert recs[0].plateau is not None
    assert recs[1].plateau is None or recs[1].plateau > recs[0].plateau
    assert recs[0].curve[0] == pytest.approx(recs[0].to_dict()["curve"][0])


def test_records_stream_and_resume(tmp_path):
    from tnrnn.memory.curse import approximation_records, read_records, run_records

    path = tmp_path / "c.jsonl"
    calls = []

    def make(skip):
        calls.append(len(skip))
        return approximation_records(["exp", "airy"], [1, 2], horizon=4.0, dt=0.5, train=False, skip=skip)

    first = run_records(make, path)
    assert len(first) == 4 and len(read_records(path)) == 4
    with open(path, "a") as fh:
        fh.write('{"truncated')  # an interrupted write
    second = run_records(make, path)
    assert calls == [0, 4] and len(second) == 4

    def more(skip):
        return approximation_records(["exp"], [3], horizon=4.0, dt=0.5, train=False, skip=skip)

    assert len(run_records(more, path)) == 5 and len(read_records(path)) == 5  # the cut line was dropped
    rec = first[2]
    assert rec["target"] == "airy" and rec["lower_bound"] <= rec["bt_l1"] and rec["aak_lower"] <= rec["bt_upper"]


def test_the_plateau_decay_rule_stops_a_converged_fit():
    pytest.importorskip("torch")
    from tnrnn.memory.targets import sample_kernel
    from tnrnn.memory.training import fit_linear_rnn

    h = sample_kernel("exp", 8.0, 0.5)
    fit = fit_linear_rnn(h, 1, steps=5000, lr=0.05, dt=0.5, seed=0, patience=50)
    assert fit.converged and len(fit.losses) < 5001 and fit.final_loss < 1e-8
    budget = fit_linear_rnn(h, 1, steps=20, lr=1e-4, dt=0.5, seed=0, patience=50)
    assert not budget.converged and len(budget.losses) == 21
