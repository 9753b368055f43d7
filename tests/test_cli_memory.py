"""The ``tnrnn memory`` command group."""

import json

import numpy as np
import pytest

from tnrnn.cli import main
from tnrnn.memory import LinearRNN, sample_kernel


def test_hankel_targets_json(capsys):
    assert main(["memory", "hankel", "--target", "exp,pol", "--horizon", "16", "--dt", "0.2", "--json"]) == 0
    recs = json.loads(capsys.readouterr().out)
    assert [r["target"] for r in recs] == ["exp", "pol"]
    h = sample_kernel("pol", 16.0, 0.2)
    s = np.linalg.svd(np.array([[h[i + j] for j in range(40)] for i in range(40)]), compute_uv=False)
    np.testing.assert_allclose(recs[1]["section"]["singular_values"], s, rtol=1e-9, atol=1e-15)
    assert [w["lower"] for w in recs[0]["minimal_width"]] == [1, 1, 1, 1]


def test_hankel_exact_kernel_and_truncation(capsys, tmp_path):
    assert main(["memory", "hankel", "--kernel", "1,1,2,3,5,8,13,21,34", "--exact"]) == 0
    assert "rank 2 over GF(" in capsys.readouterr().out
    path = tmp_path / "airy6.npz"
    assert main(["memory", "hankel", "--target", "airy", "--horizon", "16", "--dt", "0.2", "--hidden", "6",
                 "--save", str(path), "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["truncation"]["width"] == 6 and rec["truncation"]["lower_bound"] <= rec["truncation"]["upper_bound"]
    with np.load(path) as z:
        model = LinearRNN(z["W"], z["U"], z["c"])
    err = np.sum(np.abs(model.kernel(np.arange(80)) - sample_kernel("airy", 16.0, 0.2)))
    assert err == pytest.approx(rec["truncation"]["error"]["l1"], rel=1e-9)


def test_function_of_a_linear_model(capsys, tmp_path):
    rnn = LinearRNN.random(4, 2, seed=0)
    path = tmp_path / "lin.npz"
    np.savez(path, W=rnn.W, U=rnn.U, c=rnn.c)
    plot = tmp_path / "rho.png"
    assert main(["memory", "function", str(path), "--arch", "linear", "--lags", "30", "--json",
                 "--plot", str(plot)]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["closed_form_max_relative_error"] < 1e-9 and rec["decay"]["kind"] == "exponential"
    assert plot.stat().st_size > 0
    cont = LinearRNN.random(3, time="continuous", dt=0.05, seed=1)
    np.savez(path, W=cont.W, U=cont.U, c=cont.c)
    assert main(["memory", "function", str(path), "--arch", "linear", "--time", "continuous", "--lags", "40"]) == 0
    assert "max relative difference of the estimate" in capsys.readouterr().out


def test_function_of_an_rnn_file(capsys, tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "rnn.npz"
    np.savez(path, weight_ih_l0=rng.normal(size=(4, 2)), weight_hh_l0=0.4 * rng.normal(size=(4, 4)),
             bias_ih_l0=np.zeros(4), bias_hh_l0=np.zeros(4))
    assert main(["memory", "function", str(path), "--arch", "rnn", "--lags", "12", "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert len(rec["mean"]) == 4 and len(rec["mean"][0]) == 12


def test_curse_without_training(capsys, tmp_path):
    out = tmp_path / "c.jsonl"
    argv = ["memory", "curse", "--target", "exp,airy", "--hidden", "1:3", "--horizon", "8", "--dt", "0.25",
            "--no-train", "--out", str(out), "--plot", str(tmp_path / "c.png")]
    assert main(argv + ["--json"]) == 0
    recs = json.loads(capsys.readouterr().out)
    assert len(recs) == 6 and all(r["trained_l1"] is None for r in recs)
    assert all(r["bt_l1"] >= r["lower_bound"] * (1 - 1e-9) for r in recs)
    assert main(argv + ["--resume"]) == 0  # resumed: nothing recomputed, same table
    assert len(out.read_text().splitlines()) == 6


def test_plateau(capsys):
    pytest.importorskip("torch")
    assert main(["memory", "plateau", "--target", "shift", "--delays", "2", "--hidden", "4", "--horizon", "6",
                 "--dt", "0.2", "--steps", "100", "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)[0]
    assert rec["target"] == "shift:2" and rec["delay"] == 2.0


@pytest.mark.parametrize("argv", [
    ["memory", "hankel", "--target", "nope"],
    ["memory", "hankel", "--target", "exp", "--exact"],
    ["memory", "hankel", "--kernel", "1,x"],
    ["memory", "hankel", "--target", "exp", "--plot", "x.jpg"],
    ["memory", "curse", "--hidden", "0", "--no-train"],
    ["memory", "function", "missing.npz", "--arch", "linear"],
    ["memory", "plateau", "--target", "exp"],
])
def test_errors_are_one_line(capsys, argv):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
