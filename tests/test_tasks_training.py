"""Training one configuration, checkpoints through the bridge, the resumable grid runner and the CLI."""

import itertools
import json
import os

import numpy as np
import pytest

from tnrnn.errors import InvalidParameterError
from tnrnn.tasks.experiments import grid, read_records, run_grid, summarize
from tnrnn.tasks.training import config_key, make_config

torch = pytest.importorskip("torch")
pytest.importorskip("safetensors")

from tnrnn.tasks.models import orthogonality_error  # noqa: E402
from tnrnn.tasks.training import load_checkpoint, run_config  # noqa: E402

torch.set_num_threads(1)  # tiny models: threads only add overhead on a shared machine

TINY = {"task": "ses", "length": 4, "alphabet": 2, "window": 1, "classes": 1, "hidden": 6, "max_steps": 300,
        "eval_every": 50, "patience": 3, "lr": 1e-2, "batch_size": 32, "val_size": 64, "test_size": 256,
        "spectrum_samples": 9}


def _train(config):
    """Train like run_config does, returning the torch model (for checks on the live module)."""
    from tnrnn.tasks.data import batches, make_task, split_seeds
    from tnrnn.tasks.models import build_model

    c = make_config(**config)
    task = make_task(c["task"], c["length"], alphabet=c["alphabet"], window=c["window"], classes=c["classes"])
    dtype = getattr(torch, c["dtype"])
    net = build_model(c["arch"], c["depth"], c["hidden"], task.inputs, task.outputs, seed=c["seed"], dtype=dtype)
    opt = torch.optim.Adam(net.parameters(), lr=c["lr"])
    for b in itertools.islice(batches(task, 32, split_seeds(0)[0]), 100):
        loss = torch.nn.functional.cross_entropy(net(torch.as_tensor(b.x, dtype=dtype)), torch.as_tensor(b.y))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return net, task


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_orthogonal_after_training(dtype):
    net, _ = _train({**TINY, "depth": 2, "dtype": dtype})
    init = _train({**TINY, "depth": 2, "dtype": dtype, "lr": 1e-12})[0]
    moved = (net.rnn.weight_hh_l0 - init.rnn.weight_hh_l0).abs().max()
    assert moved > 1e-3  # training did change W_hh ...
    assert orthogonality_error(net) < 1e-6  # ... and it stayed orthogonal


def test_run_config_learns_checkpoints_and_reimports(tmp_path):
    c = make_config(**TINY, depth=2, out=str(tmp_path))
    r = run_config(c)
    # the task with one compared symbol pair: label 1 iff they match; a trained network solves it
    assert r["test_accuracy"] > 0.9, r
    assert r["orthogonality_error"] < 1e-6
    assert json.loads(json.dumps(r)) == r  # JSON-safe
    path = r["checkpoint"]
    assert os.path.basename(path) == config_key(c) + ".safetensors"
    imported, sidecar = load_checkpoint(path)
    assert sidecar["test_accuracy"] == r["test_accuracy"] and imported.arch == "rnn_tanh"
    # the live torch model, retrained deterministically from the same config, against the re-imported one
    from safetensors.torch import load_file

    from tnrnn.tasks.models import build_model

    net = build_model("ortho", 2, 6, 3, 2, seed=0)
    weights = load_file(path)
    with torch.no_grad():
        net.rnn.weight_ih_l0.copy_(weights["rnn.weight_ih_l0"])
        for k in range(2):
            for name in ("weight_ih", "bias_ih", "bias_hh"):
                getattr(net.rnn, f"{name}_l{k}").copy_(weights[f"rnn.{name}_l{k}"])
            setattr(net.rnn, f"weight_hh_l{k}", weights[f"rnn.weight_hh_l{k}"])  # through right_inverse
        net.fc.weight.copy_(weights["fc.weight"])
        net.fc.bias.copy_(weights["fc.bias"])
        x = torch.eye(3)[torch.randint(0, 3, (64, 4), generator=torch.Generator().manual_seed(0))]
        want = net(x).numpy()
    assert np.abs(imported(x.double().numpy()) - want).max() < 1e-5
    # the accuracy recorded is the checkpoint's: recompute it on the test set from the imported weights
    from tnrnn.tasks.data import make_task, split_seeds

    test = make_task("ses", 4, alphabet=2, window=1, classes=1).batch(256, split_seeds(0)[2])
    acc = np.mean(imported(test.x.astype(np.float64)).argmax(-1) == test.y)
    assert acc == pytest.approx(r["test_accuracy"], abs=1e-12)


def test_trained_torch_outputs_match_bridge_import_float32():
    from tnrnn.bridge import from_state_dict
    from tnrnn.tasks.models import export_state_dict

    for arch in ("ortho", "lstm", "gru", "mirnn"):
        net, task = _train({**TINY, "arch": arch, "depth": 2})
        x = torch.as_tensor(task.batch(128, 1).x)
        with torch.no_grad():
            want = net(x).numpy()
        got = from_state_dict(export_state_dict(net), {"ortho": "rnn_tanh"}.get(arch, arch))(x.double().numpy())
        assert np.abs(got - want).max() < 1e-5, arch


def test_run_config_deterministic_and_rac_certified():
    c = make_config(**{**TINY, "max_steps": 60, "eval_every": 30, "hidden": 3}, arch="rac", depth=2)
    a, b = run_config(c), run_config(c)
    for k in ("test_accuracy", "val_accuracy", "test_loss", "spectrum"):
        assert a[k] == b[k]
    cert = a["certified"]
    assert cert["length"] == 4 and cert["lower"] <= cert["upper"]
    # an independent rank: the 9 x 9 Start-End grid matrix of the imported RAC at T=4, by float SVD
    from safetensors.torch import save_file  # noqa: F401  (the run above needs it too)

    from tnrnn.bridge import from_state_dict
    from tnrnn.tasks.data import StartEndSimilarity
    from tnrnn.tasks.models import build_model, export_state_dict

    net = build_model("rac", 2, 3, 3, 2, seed=0)
    assert StartEndSimilarity(4, 2, 1, 1).inputs == 3
    rac = from_state_dict(export_state_dict(net), "rac").rac
    X = np.eye(3)[np.array(list(itertools.product(range(3), repeat=4)))]
    A = rac(X)[:, 0].reshape(9, 9)
    s = np.linalg.svd(A, compute_uv=False)
    from tnrnn import cut_rank

    assert cut_rank(rac, "start-end", length=4).lower == int(np.sum(s > 1e-9 * s[0]))


def test_copy_record_reports_baselines():
    c = make_config(task="copy", length=7, memory=2, alphabet=3, hidden=6, max_steps=40, eval_every=20,
                    val_size=32, test_size=64, spectrum_samples=4)
    r = run_config(c)
    assert r["baseline_recall_accuracy"] == pytest.approx(1 / 3)
    assert r["baseline_accuracy"] == pytest.approx((2 + 3 + 2 / 3) / 7)
    assert 0 <= r["test_recall_accuracy"] <= 1 and r["certified"] is None


def test_run_grid_resume_and_interrupt(tmp_path):
    configs = grid("ses", [1, 2], [4], [0, 1], hidden=4, alphabet=2, window=1, classes=1)
    calls, interrupt = [], [True]

    def fake(c, progress=False):
        calls.append(config_key(c))
        if len(calls) == 3 and interrupt[0]:
            raise KeyboardInterrupt
        return {"kind": "train", "key": config_key(c), "config": c, "params": 1, "test_accuracy": c["depth"] / 10 + c["seed"],
                "spectrum": {"trained": {"effective_rank": 1.0}, "untrained": {"effective_rank": 1.0}}}

    path = tmp_path / "r" / "records.jsonl"
    with pytest.raises(KeyboardInterrupt):
        run_grid(configs, path, runner=fake)
    assert [r["key"] for r in read_records(path)] == calls[:2]  # what finished stays valid
    calls.clear()
    interrupt[0] = False
    out = run_grid(configs, path, runner=fake)
    assert calls == [config_key(c) for c in configs[2:]] and [r["key"] for r in out] == [config_key(c) for c in configs]
    with open(path, "a") as f:
        f.write('{"key": "trunc')  # a killed writer's partial line
    with pytest.warns(UserWarning, match="truncated"):
        records = read_records(path)
    assert len(records) == 4
    rows = summarize(records)
    assert [(r["depth"], r["mean"], r["seeds"]) for r in rows] == [(1, pytest.approx(0.6), 2), (2, pytest.approx(0.7), 2)]


def test_config_validation():
    with pytest.raises(InvalidParameterError, match="optimizer"):
        make_config(optimizer="sgd")
    with pytest.raises(InvalidParameterError, match="nonsense"):
        make_config(nonsense=1)
    with pytest.raises(InvalidParameterError, match="arch"):
        make_config(task="copy", arch="rac", length=70)
    with pytest.raises(InvalidParameterError, match="window"):
        make_config(task="ses", length=10, window=6)
    assert make_config(task="digits")["length"] == 64
    a, b = make_config(seed=1), make_config(seed=1, out="/elsewhere", device="cuda")
    assert config_key(a) == config_key(b) != config_key(make_config(seed=1, lr=0.1))


def test_cli_train_then_import(tmp_path, capsys):
    from tnrnn.cli import main

    out = tmp_path / "res"
    args = ["train", "ses", "--depth", "1,2", "--hidden", "4", "--length", "4,6", "--n-seeds", "1", "--alphabet", "2",
            "--window", "1", "--classes", "1", "--max-steps", "20", "--eval-every", "10", "--spectrum-samples", "4",
            "--out", str(out)]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "test accuracy" in text and (out / "accuracy.png").exists() and (out / "rank.png").exists()
    records = read_records(out / "records.jsonl")
    assert len(records) == 4
    assert main(args + ["--json", "--resume"]) == 0  # resumed: nothing retrained, the same records printed
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["seconds"] for r in printed] == [r["seconds"] for r in records]
    ckpt = records[0]["checkpoint"]
    assert main(["import", ckpt, "--arch", "rnn", "--length", "4", "--spectrum", "--samples", "4", "--json"]) == 0
    imported = json.loads(capsys.readouterr().out)
    assert imported["import"]["arch"] == "rnn_tanh"
    assert imported["spectrum"]["effective_rank"] == pytest.approx(
        records[0]["spectrum"]["trained"]["raw_effective_rank"])  # import shows the raw spectrum
    # without --arch, the sidecar names it
    assert main(["import", ckpt, "--length", "4", "--spectrum", "--samples", "4", "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["import"] == imported["import"]
    assert again["spectrum"]["singular_values"] == imported["spectrum"]["singular_values"]
    assert main(["train", "ses", "--length", "5", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "length" in err
