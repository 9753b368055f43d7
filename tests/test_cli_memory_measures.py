"""``tnrnn memory capacity|retention|horizon|lyapunov|compare``: values against closed forms, errors, files."""

import json
import os
import shlex

import numpy as np
import pytest

from tnrnn.cli import main


@pytest.fixture
def delay_line(tmp_path):
    d = 3
    path = tmp_path / "delay.npz"
    np.savez(path, W=np.eye(d, k=-1), U=np.eye(d)[:, :1], c=np.ones((1, d)))
    return path, d


def test_capacity_of_a_delay_line(capsys, delay_line):
    path, d = delay_line
    assert main(["memory", "capacity", str(path), "--arch", "linear", "--lags", "6", "--first-lag", "0",
                 "--ridge", "0", "--length", "2000", "--correction", "none", "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    np.testing.assert_allclose(rec["profile"][:d], 1.0, atol=1e-12)
    assert rec["lags"] == list(range(6)) and rec["total"] == pytest.approx(d, abs=0.1)


def test_capacity_of_a_reservoir_file(capsys, tmp_path):
    rng = np.random.default_rng(0)
    W = rng.normal(size=(5, 5))
    W *= 0.5 / np.max(np.abs(np.linalg.eigvals(W)))
    path = tmp_path / "esn.npz"
    np.savez(path, W=W, W_in=rng.uniform(-1, 1, size=(5, 1)), leak=np.array(0.8))
    assert main(["memory", "capacity", str(path), "--arch", "esn", "--lags", "10"]) == 0
    assert "memory capacity" in capsys.readouterr().out


def test_retention_of_a_register(capsys, tmp_path):
    V, d = 3, 2
    path = tmp_path / "reg.npz"
    W = np.kron(np.eye(d, k=-1), np.eye(V))
    U = np.vstack([np.eye(V), np.zeros((V, V))])
    np.savez(path, W=W, U=U, c=np.ones((1, V * d)))
    assert main(["memory", "retention", str(path), "--arch", "linear", "--lags", "4", "--window", "1",
                 "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["memory_length"] == d and rec["retention"][:d] == [1.0, 1.0]


def test_horizon_and_lyapunov_of_a_linear_model(capsys, tmp_path):
    pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    V = rng.normal(size=(3, 3))
    mu = np.array([0.9, -0.5, 0.2])
    W = V @ np.diag(mu) @ np.linalg.inv(V)
    U, c = rng.normal(size=(3, 2)), rng.normal(size=(1, 3))
    path = tmp_path / "lin.npz"
    np.savez(path, W=W, U=U, c=c)
    plot = tmp_path / "g.png"
    assert main(["memory", "horizon", str(path), "--arch", "linear", "--lags", "12", "--json",
                 "--plot", str(plot)]) == 0
    rec = json.loads(capsys.readouterr().out)
    ref = [np.linalg.norm(c @ np.linalg.matrix_power(W, k) @ U) for k in range(12)]
    np.testing.assert_allclose(rec["mean"], ref, rtol=1e-10)
    assert plot.stat().st_size > 0
    assert main(["memory", "lyapunov", str(path), "--arch", "linear", "--steps", "60", "--washout", "60",
                 "--sequences", "1", "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    np.testing.assert_allclose(rec["exponents"], np.log([0.9, 0.5, 0.2]), atol=1e-6)
    assert rec["units"] == "nats per step"


@pytest.mark.parametrize("argv, flag", [
    (["memory", "capacity", "missing.npz", "--arch", "esn"], "MODEL"),
    (["memory", "capacity", "{npz}"], "'linear' for an .npz"),
    (["memory", "capacity", "{npz}", "--arch", "esn"], "MODEL"),
    (["memory", "capacity", "{npz}", "--arch", "linear", "--lags", "0"], "--lags"),
    (["memory", "capacity", "{npz}", "--arch", "linear", "--seed", "-1"], "--seed"),
    (["memory", "capacity", "{npz}", "--arch", "linear", "--test-fraction", "1.5"], "--test-fraction"),
    (["memory", "capacity", "{npz}", "--arch", "linear", "--max-memory", "1KiB"], "1.00 KiB"),
    (["memory", "retention", "{npz}", "--arch", "linear", "--lags", "0"], "--lags"),
    (["memory", "retention", "{npz}", "--arch", "linear", "--threshold", "2"], "--threshold"),
    (["memory", "retention", "{npz}", "--arch", "linear", "--max-memory", "1KiB"], "1.00 KiB"),
    (["memory", "horizon", "{npz}", "--arch", "linear", "--horizon-tol", "2"], "--horizon-tol"),
    (["memory", "lyapunov", "{npz}", "--arch", "linear", "--washout", "-1"], "--washout"),
    (["memory", "compare", "--preset", "gpu", "--out", "{dir}"], "--preset"),
    (["memory", "compare", "--preset", "smoke", "--seeds", "-1", "--out", "{dir}"], "--seeds"),
])
def test_errors_are_one_line_and_name_the_subcommand(capsys, delay_line, tmp_path, argv, flag):
    path, _ = delay_line
    argv = [a.format(npz=path, dir=tmp_path / "o") for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and flag in err[0] and err[0].startswith(f"tnrnn memory {argv[1]}: error:"), err


def test_non_finite_weights_are_refused(capsys, tmp_path):
    path = tmp_path / "bad.npz"
    np.savez(path, W=np.array([[np.nan]]), W_in=np.ones((1, 1)))
    assert main(["memory", "capacity", str(path), "--arch", "esn"]) == 2
    err = capsys.readouterr().err
    assert "finite" in err and err.count("\n") == 1


def test_degenerate_state_prints_na_not_a_number(capsys, tmp_path):
    path = tmp_path / "zero.npz"
    np.savez(path, W=np.zeros((2, 2)), U=np.zeros((2, 1)), c=np.ones((1, 2)))
    assert main(["memory", "capacity", str(path), "--arch", "linear", "--length", "500", "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["total"] is None and "does not depend on the input" in rec["reason"]
    assert main(["memory", "capacity", str(path), "--arch", "linear", "--length", "500"]) == 0
    assert "memory capacity n/a: the state does not depend on the input" in capsys.readouterr().out


def test_model_pt_without_arch_is_detected_as_tnrnn_import_does(capsys, tmp_path):
    torch = pytest.importorskip("torch")
    lstm = torch.nn.LSTM(3, 4, batch_first=True)
    path = tmp_path / "model.pt"
    torch.save(lstm.state_dict(), path)
    assert main(["memory", "capacity", str(path), "--lags", "4", "--length", "400", "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["model"].startswith("lstm") and rec["state_dim"] == 4
    assert main(["import", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["import"]["arch"] == "lstm"


def test_compare_smoke_resumes_and_tabulates(capsys, tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("matplotlib")
    out = tmp_path / "cmp"
    argv = ["memory", "compare", "--preset", "smoke", "--units", "gru,rac", "--seeds", "0,1,2", "--out", str(out),
            "--json"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert captured.err.splitlines()[0].startswith("memory compare: 12 networks")
    recs = [json.loads(line) for line in (out / "compare.jsonl").read_text().splitlines()]
    assert sorted((r["unit"], r["length"]) for r in recs) == sorted([(u, t) for u in ("gru", "rac")
                                                                     for t in (0, 8)] * 3)
    for row in result["rows"]:
        mine = [r for r in recs if (r["unit"], r["length"]) == (row["unit"], row["length"])]
        acc = [r["accuracy"] for r in mine]
        assert row["accuracy"]["mean"] == pytest.approx(np.mean(acc))
        assert row["accuracy"]["low"] <= row["accuracy"]["mean"] <= row["accuracy"]["high"]
        caps = [r["capacity"] for r in mine]
        if row["unit"] == "rac":  # a multiplicative state driven by a scalar series collapses: n/a, never ~1e-32
            assert row["capacity"]["mean"] is None and "does not depend on the input" in row["capacity"]["reason"]
        else:
            assert row["capacity"]["mean"] == pytest.approx(np.mean(caps))
        assert row["horizon"]["censored"] == sum(r["horizon_censored"] for r in mine)
        if row["horizon"]["censored"]:
            assert row["horizon"]["mean"] is None
    md = (out / "compare.md").read_text()
    assert "| gru |" in md and "Significant differences" in md and "e-3" not in md
    assert (out / "compare.png").stat().st_size > 0
    assert main(argv) == 2  # one resume rule: an --out with records is refused without --resume
    assert "--resume" in capsys.readouterr().err
    assert main(argv + ["--resume"]) == 0  # resumes: nothing new to train
    capsys.readouterr()
    assert len((out / "compare.jsonl").read_text().splitlines()) == 12


def test_reads_a_train_checkpoint_through_its_sidecar(capsys, tmp_path):
    pytest.importorskip("torch")
    from tnrnn.tasks import make_config, run_config

    c = make_config(task="ses", arch="gru", depth=1, hidden=5, length=6, alphabet=2, window=2, max_steps=2,
                    eval_every=2, val_size=8, test_size=8, spectrum_samples=4, out=str(tmp_path))
    ckpt = run_config(c)["checkpoint"]
    assert main(["memory", "capacity", ckpt, "--lags", "4", "--length", "200", "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["state_dim"] == 5 and rec["model"].startswith("gru")


def test_every_command_reads_a_scornn_checkpoint_of_train(capsys, tmp_path, monkeypatch):
    """scoRNN, train's default model: import (also by the command stored in the sidecar) and every measure."""
    torch = pytest.importorskip("torch")
    from tnrnn.bridge import load_weights
    from tnrnn.measures.drive import stepper
    from tnrnn.tasks import make_config, run_config

    c = make_config(task="ses", arch="scornn", depth=2, hidden=3, length=6, alphabet=2, window=2, max_steps=2,
                    eval_every=2, val_size=8, test_size=8, spectrum_samples=4, out=str(tmp_path))
    ckpt = run_config(c)["checkpoint"]
    sidecar = json.loads((tmp_path / "checkpoints" / (os.path.basename(ckpt)[:-12] + ".json")).read_text())
    monkeypatch.chdir(tmp_path / "checkpoints")
    assert main(shlex.split(sidecar["import"])[1:] + ["--json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["import"]["arch"] == "scornn" and rec["spectrum"]["shape"][0] == rec["spectrum"]["shape"][1] > 1
    for action, extra in (("capacity", ["--lags", "3", "--length", "200"]), ("horizon", ["--lags", "4"]),
                          ("lyapunov", ["--steps", "10", "--washout", "2", "--sequences", "1"]),
                          ("retention", ["--lags", "2", "--window", "1", "--sequences", "20", "--no-kernel"])):
        assert main(["memory", action, ckpt, *extra, "--json"]) == 0, action
        rec = json.loads(capsys.readouterr().out)
        assert rec["kind"] == action
    # the stepper's equations against the network's own forward (numpy) and the trained torch model
    imported = load_weights(ckpt, arch=sidecar["arch"])
    X = np.random.default_rng(0).normal(size=(3, 5, imported.model.inputs))
    assert np.allclose(stepper(imported)(X), imported.model(X), atol=1e-12)
    st = stepper(imported)
    assert torch.allclose(st(torch.as_tensor(X)), torch.as_tensor(imported.model(X)), atol=1e-12)


@pytest.mark.parametrize("action, extra", [
    ("capacity", ["--lags", "4", "--length", "600"]),
    ("retention", ["--lags", "3", "--window", "1", "--sequences", "40", "--input-dist", "gaussian"]),
    ("horizon", ["--lags", "6", "--sequences", "2"]),
    ("lyapunov", ["--steps", "20", "--washout", "5", "--sequences", "1"]),
])
def test_tnrnn_plot_redraws_every_measure_record(capsys, delay_line, tmp_path, action, extra):
    """Round trip per record kind: the command's --out records -> tnrnn plot FILE -> the same figure kind."""
    pytest.importorskip("matplotlib")
    if action in ("horizon", "lyapunov"):
        pytest.importorskip("torch")
    path, _ = delay_line
    out, direct, redrawn = tmp_path / f"{action}.jsonl", tmp_path / "direct.svg", tmp_path / "redrawn.svg"
    assert main(["memory", action, str(path), "--arch", "linear", *extra, "--out", str(out),
                 "--plot", str(direct)]) == 0
    capsys.readouterr()
    assert main(["plot", str(out), "--plot", str(redrawn), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["record_kind"] == action and info["records"] == 1
    assert redrawn.read_text().startswith("<?xml") and direct.stat().st_size > 0


def test_tnrnn_plot_redraws_compare_records(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    from tnrnn.records import JsonlWriter

    rng = np.random.default_rng(0)
    recs = [{"kind": "compare", "key": f"{u}-{t}-{s}", "unit": u, "length": t, "seed": s, "chance": 1 / 3,
             "config": {"margin": 0.1, "lags": 12}, "reasons": {}, "accuracy": 0.9 if t else 0.33,
             "horizon_censored": False, **{m: float(rng.random()) for m in
                                           ("retention_area", "kernel_area", "memory_length", "kernel_length",
                                            "semantic_area", "capacity", "effective_rank", "horizon",
                                            "horizon_area", "lyapunov")}}
            for u in ("gru", "rac") for t in (0, 8) for s in range(3)]
    path = tmp_path / "compare.jsonl"
    with JsonlWriter(path) as w:
        for r in recs:
            w.write(r)
    figure = tmp_path / "compare.png"
    assert main(["plot", str(path), "--plot", str(figure), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["record_kind"] == "compare" and figure.stat().st_size > 0
