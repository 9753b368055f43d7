"""tnrnn.bench.run and ``tnrnn bench``: records, independent flop counts, budgets, interrupts, the CLI.

No assertion is made on measured times (only that they exist and are positive).
"""

from __future__ import annotations

import json
import math
from collections import Counter

import pytest

from tnrnn import RAC, BenchRecord, bench
from tnrnn.backends import GPU_LABELS as GPU_BACKENDS
from tnrnn.bench import (
    available_backends,
    default_strategy,
    fit_time_vs_flops,
    load_records,
    summary_table,
)
from tnrnn.cli import main
from tnrnn.errors import InvalidParameterError
from tnrnn.network.core import compile, num_tensors_closed_form
from tnrnn.plotting import plot_bench

TINY = [(1, 2, 2, 3), (2, 2, 2, 3)]
FIELDS = {"depth", "hidden", "inputs", "length", "num_tensors", "output_size", "strategy", "default", "status",
          "reason", "plan_seconds", "flops_log10", "largest_intermediate", "peak_memory", "path", "times",
          "repeats", "skipped_backends", "seed", "versions", "run_id", "timestamp"}


def _problem(L, R, M, T, seed=0):
    net = compile(RAC.random(L, R, M, seed=seed), T)
    tensors = list(net.to_hyper().tensors)
    return [tuple(t.inds) for t in tensors], net.output_indices, {
        i: d for t in tensors for i, d in zip(t.inds, t.shape)}


def _path_cost(inputs, output, size_dict, path):
    """Flops and largest tensor of a linear path, counted directly.

    Each pairwise contraction costs the product of the dimensions of every
    index of its two operands; an index survives it when the output or a
    tensor not yet contracted still carries it (hyperindices included).
    """
    live = [set(i) for i in inputs]
    flops, largest = 0, max(math.prod(size_dict[i] for i in s) for s in live)
    for i, j in path:
        a, b = live[i], live[j]
        for k in sorted((i, j), reverse=True):
            live.pop(k)
        union = a | b
        flops += math.prod(size_dict[x] for x in union)
        elsewhere = set(output).union(*live) if live else set(output)
        new = {x for x in union if x in elsewhere}
        largest = max(largest, math.prod(size_dict[x] for x in new))
        live.append(new)
    assert len(live) == 1 and live[0] == set(output)
    return flops, largest


@pytest.fixture(scope="module")
def records():
    return bench(TINY, ["greedy", "optimal", "cotengra-greedy", "recurrence"], repeats=2, progress=False)


def test_records_have_every_field(records):
    default = default_strategy()
    assert [r.strategy for r in records] == ["greedy", "optimal", "cotengra-greedy", "recurrence", default] * 2
    for r in records:
        d = r.to_dict()
        assert set(d) == FIELDS | {"kind"} and d["kind"] == "bench"
        assert json.loads(json.dumps(d)) == d and BenchRecord.from_dict(d) == r
        assert d["versions"]["tnrnn"] and "numpy" in d["versions"]
        assert r.default == (r.strategy == default)
        assert r.run_id == records[0].run_id and len(r.run_id) == 12 and r.timestamp.endswith("Z")
        L, R, M, T = r.network
        assert r.num_tensors == (num_tensors_closed_form(L, T) - 1) * 2 // 3 + 1  # MUL tensors fused away
        assert r.output_size == M ** T
        if r.ok:
            assert r.reason is None and r.plan_seconds >= 0 and r.largest_intermediate >= 1
            assert r.peak_memory >= 8 * r.output_size
            assert set(r.times) == {"numpy"} and r.times["numpy"] > 0 and 1 <= r.repeats["numpy"] <= 2
        else:
            assert r.reason and r.times == {}


def test_flops_equal_an_independent_count(records):
    for r in records:
        if not r.ok:
            continue
        inputs, output, size_dict = _problem(*r.network)
        assert len(r.path) == len(inputs) - 1
        flops, largest = _path_cost(inputs, output, size_dict, r.path)
        assert r.flops_log10 == pytest.approx(math.log10(flops), abs=1e-9)
        assert r.largest_intermediate == largest


def test_recorded_paths_contract_to_the_grid_tensor():
    import numpy as np
    import opt_einsum as oe

    (rec,) = bench([(2, 2, 3, 3)], [("mine", "greedy")], repeats=1, progress=False)[:1]
    net = compile(RAC.random(2, 2, 3, seed=0), 3)
    tensors = list(net.to_hyper().tensors)
    sym = {}
    for t in tensors:
        for i in t.inds:
            sym.setdefault(i, oe.get_symbol(len(sym)))
    eq = ",".join("".join(sym[i] for i in t.inds) for t in tensors) + "->" + "".join(sym[i] for i in
                                                                                     net.output_indices)
    A = oe.contract(eq, *[t.data for t in tensors], optimize=list(rec.path))
    X = np.eye(3)[[[2, 0, 1]]]
    assert np.isclose(A[2, 0, 1], net.rac(X)[0, 0])


def test_infeasible_and_over_budget_strategies_are_recorded_as_skipped(tmp_path):
    def slow(inputs, output, size_dict):
        while True:  # a path finder that never ends: the budget stops it
            sum(range(1000))

    recs = bench([(2, 2, 2, 3), (2, 2, 2, 4)], ["optimal", ("slow", slow), "greedy"], repeats=1,
                 per_strategy_budget=0.3, progress=False)
    by = {(r.length, r.strategy): r for r in recs}
    assert by[3, "optimal"].status == "skipped" and "exponential" in by[3, "optimal"].reason
    assert by[3, "slow"].status == "skipped" and "budget" in by[3, "slow"].reason
    # not tried again on the larger network
    assert by[4, "slow"].status == "skipped" and "ran out of its 0.3 s budget" in by[4, "slow"].reason
    assert by[4, "slow"].plan_seconds is None
    assert by[4, "greedy"].ok


def test_memory_limit_and_total_budget_give_skipped_records():
    # the network (31 tensors) fits 1 MiB, its grid tensor (4^10 entries, 8 MiB) does not
    recs = bench([(1, 2, 4, 10)], ["greedy"], repeats=1, max_memory="1MiB", progress=False)
    r = recs[0]
    assert r.status == "skipped" and "peak memory" in r.reason and r.flops_log10 is not None and r.times == {}
    recs = bench([(1, 2, 2, 3)] * 3, ["greedy"], repeats=1, time_budget=1e-6, progress=False)
    assert len(recs) == 6 and all("total time budget" in r.reason for r in recs[2:])


def test_failing_strategy_is_a_record_not_a_crash():
    def broken(inputs, output, size_dict):
        raise RuntimeError("no path today")

    recs = bench([(1, 2, 2, 3)], [("broken", broken), "greedy"], repeats=1, progress=False)
    assert recs[0].status == "skipped" and "no path today" in recs[0].reason and recs[1].ok


def test_interrupt_keeps_the_records_on_disk(tmp_path):
    out = tmp_path / "bench.jsonl"
    calls = Counter()

    def interrupt(inputs, output, size_dict):
        calls["n"] += 1
        raise KeyboardInterrupt

    recs = bench([(1, 2, 2, 3), (1, 2, 2, 4)], ["greedy", "recurrence", ("ctrl-c", interrupt)], repeats=1,
                 out=out, progress=False)
    assert recs.interrupted and calls["n"] == 1
    assert [r.strategy for r in recs] == ["greedy", "recurrence"]
    assert load_records(out) == list(recs)
    # appending: a second run adds to the same file
    bench([(1, 2, 2, 3)], ["greedy"], repeats=1, out=out, progress=False)
    assert len(load_records(out)) == 4


def test_gpu_columns_absent_without_a_gpu(records):
    missing = [b for b in GPU_BACKENDS if b not in available_backends()]
    if not missing:
        pytest.skip("this machine has every GPU backend")
    recs = bench([(1, 2, 2, 3)], ["greedy"], ("numpy", *missing), repeats=1, progress=False)
    for r in recs:
        assert set(r.times) == {"numpy"} and set(r.skipped_backends) == set(missing)
    table = summary_table(recs)
    assert all(f"{b}[ms]" not in table for b in GPU_BACKENDS)
    with pytest.raises(InvalidParameterError, match="GPU"):
        plot_bench(recs, "speedup")


@pytest.mark.skipif("torch" not in available_backends(), reason="torch is not installed")
def test_torch_backend_is_timed():
    recs = bench([(1, 2, 2, 3)], ["greedy"], ("numpy", "torch"), repeats=1, progress=False)
    assert set(recs[0].times) == {"numpy", "torch"}
    assert "torch[ms]" in summary_table(recs)


@pytest.mark.gpu
@pytest.mark.skipif(not set(GPU_BACKENDS) & set(available_backends()), reason="no GPU backend here")
def test_gpu_backends_are_timed():
    gpus = [b for b in GPU_BACKENDS if b in available_backends()]
    recs = bench([(1, 2, 2, 3), (1, 2, 2, 5)], ["greedy"], ("numpy", *gpus), repeats=1, progress=False)
    assert all(set(r.times) == {"numpy", *gpus} for r in recs)
    assert plot_bench(recs, "speedup").axes


def test_bad_arguments_are_refused_before_measuring():
    for kwargs, name in [
        (dict(strategies=["nope"]), "strategies"),
        (dict(backends=["numpy", "tpu"]), "backends"),
        (dict(repeats=0), "repeats"),
        (dict(per_strategy_budget=-1), "per_strategy_budget"),
    ]:
        with pytest.raises(InvalidParameterError) as err:
            bench(TINY, **{"strategies": ["greedy"], **kwargs}, progress=False)
        assert err.value.name == name
    with pytest.raises(InvalidParameterError):
        bench([(1, 2, 0, 3)], ["greedy"], progress=False)


def test_table_fit_and_plots(records, tmp_path):
    table = summary_table(records).splitlines()
    assert len(table) == 1 + len(records) + 1 and "numpy[ms]" in table[0]
    assert any("skipped: optimal is exponential" in line for line in table)
    fit = fit_time_vs_flops(records)
    assert fit.points == sum(r.ok for r in records) and -1 <= fit.correlation <= 1
    for kind in ("flops", "time"):
        fig = plot_bench(records, kind, path=tmp_path / f"{kind}.png")
        assert (tmp_path / f"{kind}.png").stat().st_size > 0 and fig.axes
    with pytest.raises(InvalidParameterError):
        plot_bench(records, "bars")


def test_cli_writes_files(tmp_path, capsys):
    out, fig = tmp_path / "r.jsonl", tmp_path / "flops.svg"
    argv = ["bench", "-L", "1,2", "-R", "2", "-M", "2", "-T", "3:4", "--strategies", "greedy,recurrence",
            "--repeats", "1", "--strategy-seconds", "5", "--out", str(out), "--plot", str(fig), "--no-progress"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "recurrence" in text and "log10 time" in text
    recs = load_records(out)
    assert len(recs) == 4 * 3 and fig.stat().st_size > 0
    assert main([*argv[:-5], "--json", "--no-progress"]) == 0
    assert {r["strategy"] for r in json.loads(capsys.readouterr().out)} == {"greedy", "recurrence",
                                                                            default_strategy()}


@pytest.mark.parametrize("extra,needle", [
    (["--strategies", "greedy,nope"], "--strategies"),
    (["--backend", "numpy,tpu"], "--backend"),
    (["--length", "x"], "--length"),
    (["--repeats", "0"], "--repeats"),
    (["--strategy-seconds", "0"], "--strategy-seconds"),
    (["--plot", "f.jpg"], "--plot"),
    (["--plot", "f.png", "--plot-kind", "speedup"], "--plot-kind"),
    (["--max-memory", "lots"], "--max-memory"),
])
def test_cli_bad_input_exits_2_with_one_line(capsys, extra, needle):
    argv = ["bench", "-L", "1", "-R", "2", "-M", "2", "-T", "3", "--no-progress"]
    i = argv.index("-T") + 2 if "--length" not in extra else argv.index("-T")
    if "--length" in extra:
        argv = argv[:i] + argv[i + 2:]
    assert main([*argv, *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and needle in err and "Traceback" not in err


def test_cli_resume_measures_only_the_new_networks(tmp_path, capsys):
    out = tmp_path / "b.jsonl"
    base = ["bench", "-L", "1", "-R", "2", "-M", "2", "--strategies", "greedy", "--repeats", "1", "--strategy-seconds", "5",
            "--out", str(out), "--no-progress"]
    assert main([*base, "-T", "3"]) == 0
    first = load_records(out)
    assert main([*base, "-T", "3:4", "--resume"]) == 0
    recs = load_records(out)
    assert sorted((r.length, r.strategy) for r in recs) == sorted(
        (T, s) for T in (3, 4) for s in ("greedy", default_strategy()))
    assert recs[:2] == first and len(out.read_text().splitlines()) == 2  # one sweep record per network
    capsys.readouterr()
    assert main([*base, "-T", "3", "--resume", "--time-budget", "5"]) == 2
    assert "--time-budget" in capsys.readouterr().err


def test_cli_time_budget_run_writes_sweep_records(tmp_path):
    out = tmp_path / "b.jsonl"
    argv = ["bench", "-L", "1", "-R", "2", "-M", "2", "-T", "3,4", "--strategies", "greedy", "--repeats", "1",
            "--time-budget", "100", "--out", str(out), "--no-progress"]
    assert main(argv) == 0
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(d["task"], d["status"], d["config"]["length"], d["config"]["time_budget"]) for d in lines] == \
        [("bench", "ok", 3, 100.0), ("bench", "ok", 4, 100.0)]
    assert sorted((r.length, r.strategy) for r in load_records(out)) == sorted(
        (T, s) for T in (3, 4) for s in ("greedy", default_strategy()))


def test_flops_figure_draws_coinciding_strategies_as_one_labelled_curve():
    recs = bench([(1, 2, 2, T) for T in (3, 4, 5)] + [(2, 2, 2, 4)], ["greedy", "recurrence", "optimal"],
                 repeats=1, progress=False)
    fig = plot_bench(recs, "flops")
    for ax in fig.axes[:2]:
        fam = ax.get_title()
        L = int(fam.split(",")[0].split("=")[1])
        # the groups, from the records alone: strategies with the same (T, flops) series
        series = {}
        for s in dict.fromkeys(r.strategy for r in recs):
            pts = tuple(sorted((r.length, r.flops_log10) for r in recs if r.network[0] == L and r.strategy == s and r.flops_log10 is not None))
            if pts:
                series.setdefault(pts, set()).add(s)
        drawn = {frozenset(line.get_gid().split(":", 1)[1].split("=")) for line in ax.get_lines()}
        assert drawn == {frozenset(g) for g in series.values()}
        assert len({line.get_marker() for line in ax.get_lines()}) == len(drawn)
    assert fig.axes[0].get_shared_y_axes().joined(fig.axes[0], fig.axes[1])
