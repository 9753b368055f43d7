"""The sweep runner (tnrnn.runner) in-process and on a 2-process LocalCluster, and sliced contractions on it.

The references are independent: the serial run of the same configurations, counts of task executions, and
the unsliced contraction (itself checked against a dense forward pass in test_network_contract).
"""

from __future__ import annotations

import json
import os
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests._network_reference import dense_grid, dense_matricization
from tnrnn import RAC, compile
from tnrnn.cuts import as_cut
from tnrnn.errors import InvalidParameterError, MemoryLimitError
from tnrnn.network.contract import ContractionPlan, grid_tensor, matricize, plan_contraction
from tnrnn.network.sliced import contract_sliced, estimate_slices
from tnrnn.network.spectrum import spectrum
from tnrnn.runner import bounds_task, config_key, read_task_records, run_sweep

#: 24 configurations of ``tnrnn bounds`` (exact GF(p) ranks): L x R x M x T.
GRID = [dict(depth=L, hidden=R, inputs=M, length=T) for L in (1, 2) for R in (2, 3) for M in (2, 3)
        for T in (2, 4, 6)]
TIMING = ("seconds", "evaluate_seconds", "rank_seconds")

CALLS: Counter = Counter()


def counted(config: dict) -> dict:
    """A task that counts its executions (in this process) and squares."""
    CALLS[config["x"]] += 1
    if config["x"] < 0:
        raise ValueError(f"negative x={config['x']}")
    return {"x": config["x"], "square": config["x"] ** 2}


STOP: dict = {"x": None}


def interrupt_at(config: dict) -> dict:
    """Ctrl-C when configuration ``STOP["x"]`` starts (in this process)."""
    if config["x"] == STOP["x"]:
        raise KeyboardInterrupt
    CALLS[config["x"]] += 1
    return {"x": config["x"]}


def bounds_dying_once(config: dict) -> dict:
    """``tnrnn bounds``' task, killing its worker process the first time configuration ``die`` runs."""
    config = dict(config)
    die, marker = config.pop("die"), config.pop("marker")
    if config["length"] == die and not os.path.exists(marker):
        open(marker, "w").close()
        os._exit(1)
    return bounds_task(config)


def _without_timings(result):
    if isinstance(result, dict):
        return {k: _without_timings(v) for k, v in result.items() if k not in TIMING}
    return result


def _keys(path) -> list[str]:
    with open(path) as fh:
        return [config_key(json.loads(line)["config"]) for line in fh]


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    import logging

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                                  silence_logs=logging.ERROR) as cluster, distributed.Client(cluster) as c:
        yield c


# -- in-process ---------------------------------------------------------------------------------------
def test_serial_records_stream_and_resume_skips_finished(tmp_path):
    out = tmp_path / "sweep.jsonl"
    CALLS.clear()
    first = run_sweep(counted, [{"x": x} for x in range(4)], out=out)
    assert first.ran == 4 and [r["square"] for r in first.results()] == [0, 1, 4, 9]
    assert [r.to_dict() for r in read_task_records(out)] == [r.to_dict() for r in first.records]
    second = run_sweep(counted, [{"x": x} for x in range(7)], out=out, resume=True)
    assert CALLS == Counter(range(7))  # 0..3 ran once, in the first sweep only
    assert (second.ran, second.resumed) == (3, 4)
    assert [r["square"] for r in second.results()] == [x * x for x in range(7)]
    assert sorted(_keys(out)) == sorted(config_key({"x": x}) for x in range(7))
    with pytest.raises(InvalidParameterError, match="resume"):
        run_sweep(counted, [{"x": 1}], out=out)  # never mixed into without resume


def test_a_failing_configuration_is_an_error_record_and_the_sweep_goes_on(tmp_path):
    sweep = run_sweep(counted, [{"x": 2}, {"x": -1}, {"x": 3}], out=tmp_path / "s.jsonl")
    assert [r.status for r in sweep.records] == ["ok", "error", "ok"] and sweep.failed == 1
    (err,) = sweep.errors()
    assert err.error.startswith("ValueError: negative x=-1") and err.result is None
    assert [r.status for r in read_task_records(tmp_path / "s.jsonl")] == ["ok", "error", "ok"]


def test_keyboard_interrupt_leaves_valid_lines_and_resume_completes(tmp_path):
    out = tmp_path / "s.jsonl"
    configs = [{"x": x} for x in range(6)]
    CALLS.clear()
    STOP["x"] = 3
    sweep = run_sweep(interrupt_at, configs, out=out)
    assert sweep.interrupted and sweep.ran == 3
    assert [r.config["x"] for r in read_task_records(out)] == [0, 1, 2]
    with open(out, "a") as fh:  # a crash in the middle of a write leaves half a line
        fh.write('{"task": "half')
    STOP["x"] = None
    rest = run_sweep(interrupt_at, configs, out=out, resume=True)
    assert (rest.resumed, rest.ran, rest.interrupted) == (3, 3, False)
    assert CALLS == Counter(range(6))
    text = out.read_text()
    assert [json.loads(line)["config"]["x"] for line in text.splitlines()] == list(range(6))


@settings(max_examples=25, deadline=None)
@given(xs=st.lists(st.integers(0, 30), min_size=1, max_size=12), stop=st.integers(0, 30))
def test_interrupt_then_resume_gives_each_configuration_exactly_once(tmp_path_factory, xs, stop):
    out = tmp_path_factory.mktemp("s") / "s.jsonl"
    configs = [{"x": x} for x in xs]
    CALLS.clear()
    STOP["x"] = stop
    first = run_sweep(interrupt_at, configs, out=out)
    assert first.interrupted == (stop in xs)
    STOP["x"] = None
    second = run_sweep(interrupt_at, configs, out=out, resume=True)
    assert sorted(_keys(out)) == sorted({config_key(c) for c in configs})
    assert CALLS == Counter(set(xs)) and second.resumed == first.ran
    assert [r.result["x"] for r in second.records] == list(dict.fromkeys(xs))


def test_bad_options_are_refused():
    for kwargs, name in [(dict(workers=0), "workers"), (dict(workers=2, scheduler="tcp://x:1"), "scheduler"),
                         (dict(resume=True), "resume")]:
        with pytest.raises(InvalidParameterError) as err:
            run_sweep(counted, [{"x": 1}], **kwargs)
        assert err.value.name == name
    with pytest.raises(InvalidParameterError, match="task"):
        run_sweep("no-such-task", [{}])
    with pytest.raises(InvalidParameterError, match="config"):
        run_sweep(counted, [{"x": object()}])


# -- on a 2-process LocalCluster ----------------------------------------------------------------------
def test_cluster_sweep_gives_the_serial_records(client, tmp_path):
    serial = run_sweep("bounds", GRID)
    out = tmp_path / "bounds.jsonl"
    parallel = run_sweep("bounds", GRID, client=client, out=out)
    assert serial.failed == parallel.failed == 0 and parallel.ran == 24
    assert [_without_timings(r) for r in parallel.results()] == [_without_timings(r) for r in serial.results()]
    assert {r.worker for r in parallel.records} <= set(client.scheduler_info()["workers"])
    on_disk = {r.key: _without_timings(r.result) for r in read_task_records(out)}
    assert on_disk == {r.key: _without_timings(r.result) for r in serial.records}


def test_cluster_interrupt_then_resume_and_failures(client, tmp_path):
    out = tmp_path / "s.jsonl"
    configs = [{"x": x} for x in range(-2, 10)]
    seen = []

    def stop_after_three(record):
        seen.append(record)
        if len(seen) == 3:
            raise KeyboardInterrupt

    first = run_sweep(counted, configs, client=client, out=out, on_record=stop_after_three)
    assert first.interrupted and len(read_task_records(out)) == 3
    rest = run_sweep(counted, configs, client=client, out=out, resume=True)
    assert (rest.resumed, rest.ran) == (3, 9) and not rest.interrupted
    assert sorted(_keys(out)) == sorted(config_key(c) for c in configs)  # each exactly once
    assert {r.config["x"] for r in rest.errors()} == {-2, -1}
    assert [r["square"] for r in rest.results()] == [x * x for x in range(10)]


def test_a_killed_worker_loses_nothing(client, tmp_path):
    out = tmp_path / "s.jsonl"
    grid = [c for c in GRID if c["depth"] == 2 and c["inputs"] == 3]
    configs = [{**c, "die": 4, "marker": str(tmp_path / "died")} for c in grid]
    sweep = run_sweep(bounds_dying_once, configs, client=client, out=out)
    assert os.path.exists(tmp_path / "died")  # a worker did die
    serial = run_sweep("bounds", grid)
    assert sweep.failed == 0
    assert [_without_timings(r) for r in sweep.results()] == [_without_timings(r) for r in serial.results()]
    assert sorted(_keys(out)) == sorted(config_key(c) for c in configs)  # each exactly once


# -- sliced contractions --------------------------------------------------------------------------------
def test_sliced_grid_tensor_on_the_cluster_where_the_unsliced_path_is_refused(client):
    rac = RAC.random(2, 8, 4, seed=3)
    net = compile(rac, 6)
    with pytest.raises(MemoryLimitError):
        grid_tensor(net, max_memory="80KiB")
    A = grid_tensor(net, max_memory="80KiB", client=client)
    reference = dense_grid(rac, 6)
    assert np.abs(A - reference).max() <= 1e-12 * np.abs(reference).max()
    # the same floats in this process: the gather does not depend on who finishes first
    p = net.problem()
    plan = plan_contraction(p.inputs, p.output, p.size_dict, max_memory="80KiB", slicing=True)
    assert plan.cost.num_slices > 1
    assert np.array_equal(contract_sliced(plan, p.arrays, client=client, max_memory="80KiB"),
                          contract_sliced(plan, p.arrays, max_memory="80KiB"))


def test_forced_slicing_gathers_outer_and_inner_slices(client):
    rac = RAC.random(2, 3, 2, seed=5)
    net = compile(rac, 6)
    p = net.problem()
    plan = plan_contraction(p.inputs, p.output, p.size_dict, slice_to=32)
    kinds = {info.inner for info in plan.tree.sliced_inds.values()}
    assert kinds == {True, False}  # output indices placed, inner indices summed
    # inner slices only: slice the unsliced tree with cotengra, outer indices not allowed
    unsliced = plan_contraction(p.inputs, p.output, p.size_dict)
    inner_tree = unsliced.tree.slice(target_size=64, allow_outer=False, seed=0)
    assert inner_tree.nslices > 1 and all(info.inner for info in inner_tree.sliced_inds.values())
    inner = ContractionPlan(inner_tree, unsliced.cost, unsliced.inputs, unsliced.output)
    reference = dense_grid(rac, 6)
    for sliced in (plan, inner):
        for chunks in (None, 3):
            A = contract_sliced(sliced, p.arrays, client=client, chunks=chunks)
            assert np.abs(A - reference).max() <= 1e-12 * np.abs(reference).max()
    M = matricize(net, "start-end", slice_to=32, client=client)
    ref_m = dense_matricization(rac, 6, as_cut("start-end", 6))
    assert np.abs(M - ref_m).max() <= 1e-12 * np.abs(ref_m).max()


@pytest.mark.parametrize("method,slice_to", [("dense", 64), ("factors", 64), ("gram", 128)])
def test_sliced_spectrum_on_the_cluster(client, monkeypatch, method, slice_to):
    import tnrnn.network.sliced as sliced_module

    slices = []
    original = sliced_module.contract_sliced

    def spy(plan, arrays, **kwargs):
        slices.append(plan.cost.num_slices)
        return original(plan, arrays, **kwargs)

    monkeypatch.setattr(sliced_module, "contract_sliced", spy)
    net = compile(RAC.random(2, 3, 2, seed=7), 8)
    plain = spectrum(net, "start-end", method=method)
    sliced = spectrum(net, "start-end", method=method, slice_to=slice_to, client=client)
    assert slices and max(slices) > 1  # some contraction was sliced and sent to the cluster
    assert sliced.numerical_rank == plain.numerical_rank and sliced.method == method
    kept = plain.singular_values > plain.tolerance  # below the tolerance is rounding noise, sliced or not
    # the Gram route squares the matrices: a value s is known to about eps * s_max^2 / s, and the two
    # runs contract along different paths (rounding differs), so it is compared relative to s_max
    top = plain.singular_values[0]
    np.testing.assert_allclose(sliced.singular_values[kept], plain.singular_values[kept],
                               rtol=1e-6 if method == "gram" else 1e-10, atol=(1e-10 if method == "gram" else 1e-14) * top)


def test_slice_memory_is_estimated_before_submitting(client, monkeypatch):
    net = compile(RAC.random(1, 8, 4, seed=3), 6)
    p = net.problem()
    plan = plan_contraction(p.inputs, p.output, p.size_dict, slice_to=64)
    estimate = estimate_slices(plan, p.arrays)
    inputs = sum(a.nbytes for a in p.arrays)
    assert estimate.task_bytes >= inputs + 64 * 8 and estimate.gather_bytes >= 4**6 * 8

    def no_submission(*args, **kwargs):
        raise AssertionError("submitted before the memory check")

    monkeypatch.setattr(client, "submit", no_submission)
    monkeypatch.setattr(client, "scatter", no_submission)
    with pytest.raises(MemoryLimitError, match="one task"):
        contract_sliced(plan, p.arrays, client=client, max_memory=estimate.task_bytes - 1)
    assert estimate.gather_bytes > estimate.task_bytes  # the 4^6 outputs outweigh one slice here
    with pytest.raises(MemoryLimitError, match="gathering"):
        contract_sliced(plan, p.arrays, client=client, max_memory=estimate.gather_bytes - 1)


def test_without_dask_the_in_process_default_works(tmp_path):
    """A subprocess in which dask and distributed cannot be imported."""
    import subprocess
    import sys

    script = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("dask", "distributed"):
            raise ModuleNotFoundError(name)
sys.meta_path.insert(0, Block())
import tnrnn, tnrnn.runner
from tnrnn.errors import MissingDependencyError
from tnrnn.runner import run_sweep
s = run_sweep("bounds", [dict(depth=1, hidden=2, inputs=2, length=4)], out=sys.argv[1])
assert s.ran == 1 and s.failed == 0, s
try:
    run_sweep("bounds", [dict(depth=1, hidden=2, inputs=2, length=6)], workers=2)
except MissingDependencyError as err:
    assert "tnrnn[dask]" in str(err), err
else:
    raise AssertionError("no MissingDependencyError")
assert not any(m.split(".")[0] in ("dask", "distributed") for m in sys.modules)
print("ok")
"""
    proc = subprocess.run([sys.executable, "-c", script, str(tmp_path / "s.jsonl")], capture_output=True, text=True,
                          cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))), timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


def test_bench_tasks_on_the_cluster_plan_as_the_serial_bench(client):
    from tnrnn.bench import bench

    configs = [dict(depth=L, hidden=2, inputs=2, length=4, strategies=["greedy", "recurrence"], repeats=1)
               for L in (1, 2)]
    sweep = run_sweep("bench", configs, client=client)
    serial = bench([(1, 2, 2, 4), (2, 2, 2, 4)], ["greedy", "recurrence"], repeats=1, progress=False)
    # the default strategy's hyper-optimizer may find another path in another process: compared apart
    planned = [(d["depth"], d["strategy"], d["status"]) + (() if d["default"] else (d["flops_log10"], d["path"]))
               for result in sweep.results() for d in result]
    assert planned == [(r.depth, r.strategy, r.status) + (() if r.default else (r.flops_log10, [list(p) for p in r.path]))
                       for r in serial]


def test_the_old_name_of_the_sweep_reader_warns_and_reads_the_same(tmp_path):
    import tnrnn.runner as runner

    out = tmp_path / "s.jsonl"
    run_sweep("bounds", [dict(depth=1, hidden=2, inputs=2, length=4, method="closed-form")], out=out, progress=False)
    with pytest.warns(DeprecationWarning, match="read_task_records"):
        old = runner.read_records
    assert [r.to_dict() for r in old(out)] == [r.to_dict() for r in read_task_records(out)]
    with pytest.raises(AttributeError):
        _ = runner.no_such_reader
