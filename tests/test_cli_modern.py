"""The CLI for today's recurrent layers: exact ranks in ``tnrnn import``, exact capacities, plots, compare units."""

import json

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from tnrnn.bridge.automaton import automaton_rank  # noqa: E402
from tnrnn.cli import main  # noqa: E402
from tnrnn.measures.kalman import exact_linear_capacity  # noqa: E402
from tnrnn.memory.diagonal import DiagonalRecurrence, mcmillan_degree  # noqa: E402


def _out(capsys, argv):
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


def _lru_file(tmp_path, seed=0):
    d = DiagonalRecurrence.random(3, 2, 1, seed=seed)
    path = tmp_path / "lru.npz"
    np.savez(path, lambda_re=d.lam.real, lambda_im=d.lam.imag, B_re=d.B.real, B_im=d.B.imag, C_re=d.C.real,
             C_im=d.C.imag)
    return path, DiagonalRecurrence(d.lam, d.B, d.C, arch="s4d")


def test_import_exact_rank_and_plot(tmp_path, capsys):
    path, layer = _lru_file(tmp_path)
    out = json.loads(_out(capsys, ["import", path, "--length", 6, "--spectrum", "--exact-rank", "--json"]))
    assert out["import"]["arch"] == "s4d"
    assert out["exact_rank"]["rank"] == automaton_rank(layer, 6).rank
    assert out["exact_rank"]["spectrum"]["shape"] == [8, 8]
    results = tmp_path / "r.json"
    results.write_text(json.dumps(out))
    assert "automaton-rank" in _out(capsys, ["plot", results, "--plot", tmp_path / "r.png"])
    assert (tmp_path / "r.png").stat().st_size > 0


def test_import_exact_rank_refuses_deep_models(tmp_path, capsys):
    torch = pytest.importorskip("torch")
    from tnrnn.bridge.nn import CircuitModule

    path = tmp_path / "ssm.pt"
    torch.save(CircuitModule("ssm", 2, 2, 2, seed=0).state_dict(), path)
    assert main(["import", str(path), "--length", "4", "--exact-rank"]) == 2
    assert "one layer" in capsys.readouterr().err


def test_memory_capacity_exact(tmp_path, capsys):
    path, layer = _lru_file(tmp_path, seed=1)
    out = json.loads(_out(capsys, ["memory", "capacity", path, "--exact", "--first-lag", 0, "--length", 2000, "--json"]))
    assert out["exact"]["rank"] == exact_linear_capacity(layer).rank == 6
    assert out["exact"]["estimate"] == pytest.approx(out["total"])


@pytest.mark.parametrize("kind, record", [
    ("exact-capacity", lambda: exact_linear_capacity(DiagonalRecurrence.random(2, seed=0), estimate=True).to_dict()),
    ("mcmillan-degree", lambda: mcmillan_degree(DiagonalRecurrence.random(2, seed=0)).to_dict()),
    ("automaton-rank", lambda: automaton_rank(DiagonalRecurrence.random(2, seed=0), 4, spectrum=True).to_dict()),
])
def test_plot_draws_every_new_record_kind(tmp_path, capsys, kind, record):
    results = tmp_path / "r.jsonl"
    results.write_text(json.dumps(record()) + "\n" + json.dumps(record()) + "\n")
    assert kind in _out(capsys, ["plot", results, "--plot", tmp_path / "r.svg"])
    assert (tmp_path / "r.svg").stat().st_size > 0


@pytest.mark.parametrize("unit", ["ssm", "gla", "mamba"])
def test_compare_modern_units(unit):
    pytest.importorskip("torch")
    if unit == "mamba":
        pytest.importorskip("mambapy")
    from tnrnn.measures.compare import UNITS, comparison_configs, run_network, summarize

    assert unit in UNITS
    c = [c for c in comparison_configs("smoke", units=[unit], seeds=[0], max_steps=4) if c["length"]][0]
    r = run_network(c)
    assert r["unit"] == unit and 0 <= r["accuracy"] <= 1
    for metric in ("retention_area", "effective_rank", "lyapunov"):
        assert r[metric] is not None and np.isfinite(r[metric]), metric
    assert summarize([r])[0]["unit"] == unit


def test_compare_mamba_unit_imports_exactly():
    torch = pytest.importorskip("torch")
    pytest.importorskip("mambapy")
    from tnrnn.bridge import from_module
    from tnrnn.measures.compare import _build

    model = _build({"unit": "mamba", "hidden": 4, "seed": 0}, 3, 2, torch)
    X = np.eye(3)[np.random.default_rng(0).integers(0, 3, size=(5, 6))]
    with torch.no_grad():
        want = model(torch.as_tensor(X)).numpy()
    np.testing.assert_allclose(from_module(model)(X), want, atol=1e-10)


def test_memory_function_of_a_diagonal_layer_against_its_closed_form(tmp_path, capsys):
    path, _ = _lru_file(tmp_path, seed=2)
    out = json.loads(_out(capsys, ["memory", "function", path, "--arch", "s4d", "--lags", 20, "--json"]))
    assert out["closed_form_max_relative_error"] < 1e-12
