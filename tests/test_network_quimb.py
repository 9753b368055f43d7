"""quimb-native networks: quimb's own calls return the grid tensor; tnrnn's presets; the on-disk path cache."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests._network_reference import dense_grid
from tnrnn import RAC, compile
from tnrnn.network import optimizers

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("depth,hidden,inputs,length", [(1, 3, 2, 4), (2, 2, 3, 4), (3, 2, 2, 4)])
@pytest.mark.parametrize("optimize", ["greedy", "tnrnn", "recurrence", "auto-hq"])
def test_quimb_contract_returns_the_grid_tensor(depth, hidden, inputs, length, optimize):
    rac = RAC.random(depth, hidden, inputs, seed=5)
    net = compile(rac, length)
    expected = dense_grid(rac, length)
    for tn in (net.tn, net.to_hyper()):
        assert tn.outer_inds() == net.input_indices
        A = tn.contract(optimize=optimize)  # quimb's own call, no output_inds
        assert A.inds == net.input_indices
        assert np.allclose(A.data, expected, rtol=1e-10, atol=1e-12)


def test_open_output_channel_and_copies_keep_the_declaration():
    rac = RAC.random(2, 2, 2, outputs=3, seed=1)
    net = compile(rac, 3, output=None)
    tn = net.tn.copy()
    assert tn.outer_inds() == (*net.input_indices, "y")
    A = tn.contract(optimize="greedy")
    assert A.shape == (2, 2, 2, 3)
    X = np.eye(2)[[[0, 1, 1]]]
    assert np.allclose(A.data[0, 1, 1], rac(X)[0])


def test_closing_an_input_removes_it_from_the_outer_indices():
    import quimb.tensor as qtn

    rac = RAC.random(1, 2, 3, seed=0)
    net = compile(rac, 3)
    tn = net.tn.copy()
    tn.add_tensor(qtn.Tensor(np.eye(3)[2], inds=("x1",)))   # feed e_2 at step 1
    tn.contract_ind("x1")
    assert tn.outer_inds() == ("x0", "x2")
    A = tn.contract(optimize="greedy").data
    assert np.allclose(A, net.grid_tensor()[:, 2, :])


def test_tnrnn_preset_works_in_a_fresh_process_before_any_plan(tmp_path):
    code = """
import numpy as np, quimb.tensor as qtn
import tnrnn
net = tnrnn.compile(tnrnn.RAC.random(2, 2, 2, seed=0), 3)
tn = net.tn                     # building the network registers the presets; nothing was planned yet
A = tn.contract(optimize="tnrnn").data
B = net.grid_tensor("greedy")
# a plain quimb network, built by the user, with tnrnn's presets
t = [qtn.Tensor(np.ones((2, 3)), ("a", "b")), qtn.Tensor(np.ones((3, 4)), ("b", "c"))]
C = qtn.TensorNetwork(t).contract(optimize="recurrence", output_inds=("a", "c")).data
print(float(abs(A - B).max()), C.shape, float(C.sum()))
"""
    env = dict(os.environ, PYTHONPATH=str(ROOT), TNRNN_CACHE_DIR=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert float(out.stdout.split(" ", 1)[0]) < 1e-12
    assert out.stdout.strip().endswith("(2, 4) 24.0")


def test_opt_einsum_sees_the_presets():
    import opt_einsum as oe

    assert compile(RAC.random(1, 2, 2), 2).tn.num_tensors  # building the network registers the presets
    a, b = np.random.default_rng(0).random((2, 3)), np.random.default_rng(1).random((3, 4))
    assert np.allclose(oe.contract("ab,bc->ac", a, b, optimize="recurrence"), a @ b)


def test_the_path_cache_is_written_and_read(tmp_path, monkeypatch):
    monkeypatch.setenv("TNRNN_CACHE_DIR", str(tmp_path))
    net = compile(RAC.random(2, 2, 2, seed=0), 5)
    problem = net.problem()
    assert problem.num_tensors >= optimizers.DISK_CACHE_MIN_TENSORS
    optimizers._tnrnn_path.cache_clear()
    first = optimizers._tnrnn_finder(problem.inputs, problem.output, problem.size_dict)
    files = list(tmp_path.iterdir())
    assert len(files) == 1
    assert json.loads(files[0].read_text())["path"] == [list(step) for step in first]
    # a planted path is what the next process (here: a cleared memo) reads back
    planted = [[0, 1]] + [[0, 1]] * (problem.num_tensors - 2)
    files[0].write_text(json.dumps({"path": planted}))
    optimizers._tnrnn_path.cache_clear()
    assert optimizers._tnrnn_finder(problem.inputs, problem.output, problem.size_dict) == [tuple(p) for p in planted]
    # a damaged file is ignored and replaced
    files[0].write_text("{not json")
    optimizers._tnrnn_path.cache_clear()
    again = optimizers._tnrnn_finder(problem.inputs, problem.output, problem.size_dict)
    assert len(again) == problem.num_tensors - 1
    assert np.allclose(net.grid_tensor(again), net.grid_tensor("greedy"))
    optimizers._tnrnn_path.cache_clear()


def test_the_cache_can_be_turned_off(tmp_path, monkeypatch):
    monkeypatch.setenv("TNRNN_CACHE_DIR", "off")
    assert optimizers.path_cache_dir() is None
    optimizers._tnrnn_path.cache_clear()
    problem = compile(RAC.random(2, 2, 2, seed=0), 5).problem()
    optimizers._tnrnn_finder(problem.inputs, problem.output, problem.size_dict)
    optimizers._tnrnn_path.cache_clear()
    monkeypatch.delenv("TNRNN_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert optimizers.path_cache_dir() == str(tmp_path / "tnrnn" / "paths")


def test_compile_twice_reads_the_cache(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT), TNRNN_CACHE_DIR=str(tmp_path))
    argv = [sys.executable, "-m", "tnrnn", "compile", "-L", "2", "-R", "3", "-M", "3", "-T", "6", "--json",
            "--optimize", "tnrnn"]
    first = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120)
    assert first.returncode == 0, first.stderr
    assert len(list(tmp_path.iterdir())) == 1
    second = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120)
    a, b = (json.loads(r.stdout)["costs"][0] for r in (first, second))
    assert a["flops_log10"] == b["flops_log10"] and a["largest_intermediate"] == b["largest_intermediate"]
