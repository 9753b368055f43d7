"""The optimizer registry: one table of facts, the default, hyper-optimizers, presets for quimb/opt_einsum."""

from __future__ import annotations

import numpy as np
import pytest

from tnrnn import RAC, bench, compile
from tnrnn.errors import InvalidParameterError
from tnrnn.network import optimizers
from tnrnn.network.contract import plan_contraction
from tnrnn.network.optimizers import DEFAULT_OPTIMIZER, fresh, list_optimizers, max_tensors, optimizer_info


def _problem(depth, length, hidden=2, inputs=2):
    return compile(RAC.random(depth, hidden, inputs, seed=0), length).problem()


def test_one_table_of_limits():
    # the exhaustive optimizers are the only limited ones, and their limits live in one place
    limited = {name: max_tensors(name) for name in list_optimizers(available=False) if max_tensors(name)}
    assert limited == optimizers._EXHAUSTIVE_LIMITS
    assert set(limited) == {"optimal", "dp"}


@pytest.mark.parametrize("name", ["optimal", "dp"])
def test_planning_refuses_above_the_limit_and_the_benchmark_skips_with_the_same_number(name):
    limit = max_tensors(name)
    # the smallest shallow network above the limit: a depth-1 network has 2T + 1 tensors
    T = limit // 2 + 1 if (limit // 2 + 1) * 2 + 1 > limit else limit // 2 + 2
    p = _problem(1, T)
    assert p.num_tensors > limit
    with pytest.raises(InvalidParameterError, match=f"limited to {limit}"):
        plan_contraction(p.inputs, p.output, p.size_dict, name)
    (rec, _default) = bench([(1, 2, 2, T)], [name], repeats=1, progress=False)
    assert rec.status == "skipped"
    assert rec.reason == (f"{name} is exponential in the number of tensors: not tried above {limit} "
                          f"(this network has {p.num_tensors})")


def test_the_issue_example_is_a_documented_skip_not_a_planning_failure():
    recs = bench([(1, 2, 2, 4)], ["optimal"], repeats=1, progress=False)
    assert recs[0].strategy == "optimal"
    assert recs[0].status == "ok" or recs[0].reason.startswith("optimal is exponential")
    assert not any((r.reason or "").startswith("planning failed") for r in recs)


def test_optimal_below_its_limit_finds_the_cheapest_path():
    p = _problem(1, 3)                       # 7 tensors
    assert p.num_tensors <= max_tensors("optimal")
    best = plan_contraction(p.inputs, p.output, p.size_dict, "optimal").cost.flops_log10
    for other in ("greedy", "recurrence", DEFAULT_OPTIMIZER):
        assert best <= plan_contraction(p.inputs, p.output, p.size_dict, other).cost.flops_log10 + 1e-12


def test_default_is_registered_and_is_what_the_benchmark_adds():
    assert DEFAULT_OPTIMIZER in list_optimizers()
    recs = bench([(1, 2, 2, 3)], ["greedy"], repeats=1, progress=False)
    assert [r.strategy for r in recs if r.default] == [DEFAULT_OPTIMIZER]


def test_hyper_optimizers_are_fresh_objects():
    if "kahypar" not in list_optimizers():
        pytest.skip("kahypar is not installed")
    a, b = fresh("hyper"), fresh("hyper", max_time=1.0)
    assert a is not b and type(a).__name__ == "HyperOptimizer"
    assert optimizer_info("hyper").hyper_methods == () and optimizer_info("kahypar").hyper_methods == ("kahypar",)
    assert fresh("greedy") == "greedy" and fresh([(0, 1)]) == [(0, 1)]


def test_unknown_names_and_values_are_refused():
    with pytest.raises(InvalidParameterError, match="optimize"):
        optimizer_info("nope")
    p = _problem(1, 3)
    with pytest.raises(InvalidParameterError, match="optimize"):
        plan_contraction(p.inputs, p.output, p.size_dict, 3.5)


@pytest.mark.parametrize("name", ["tnrnn", "recurrence"])
def test_presets_contract_in_quimb_and_opt_einsum(name):
    import opt_einsum as oe

    optimizers.register_presets()
    net = compile(RAC.random(2, 2, 2, seed=3), 4)
    reference = net.grid_tensor("greedy")
    quimb_result = net.to_hyper().contract(output_inds=net.output_indices, optimize=name)
    assert np.allclose(quimb_result.data, reference)
    p = net.problem()
    symbols = {ind: oe.get_symbol(i) for i, ind in enumerate(p.size_dict)}
    eq = ",".join("".join(symbols[i] for i in inds) for inds in p.inputs) + "->" + "".join(symbols[i] for i in p.output)
    assert np.allclose(oe.contract(eq, *p.arrays, optimize=name), reference)


def test_explicit_paths_and_trees_are_accepted():
    p = _problem(1, 3)
    plan = plan_contraction(p.inputs, p.output, p.size_dict, "greedy")
    again = plan_contraction(p.inputs, p.output, p.size_dict, plan.tree.get_path())
    assert again.cost.flops_log10 == plan.cost.flops_log10
    assert again.cost.optimizer == "explicit path"


def test_default_planner_on_the_readme_bench_network_refines_greedy():
    """L = 2, T = 12 (181 tensors, the README's bench): the default path is no worse than cotengra's greedy
    refined by a subtree reconfiguration, computed here independently, and far below plain greedy."""
    import cotengra as ctg
    from cotengra.pathfinders.path_basic import GreedyOptimizer

    from tnrnn.circuits import RAC
    from tnrnn.network import optimizers
    from tnrnn.network.core import compile

    net = compile(RAC.random(2, 4, 2, seed=0), 12).problem()
    inputs = [tuple(i) for i in net.inputs]
    assert optimizers.HYPER_MAX_TENSORS < len(inputs) <= optimizers.LARGE_MAX_TENSORS
    path = optimizers._tnrnn_finder(inputs, tuple(net.output), net.size_dict)
    cost = ctg.ContractionTree.from_path(inputs, tuple(net.output), net.size_dict, path=path).contraction_cost()
    greedy = GreedyOptimizer().search(inputs, tuple(net.output), net.size_dict)
    assert cost <= greedy.contraction_cost()
    assert cost <= greedy.subtree_reconfigure(subtree_size=8, minimize="flops").contraction_cost()
