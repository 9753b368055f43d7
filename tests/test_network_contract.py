import importlib.util

import numpy as np
import pytest

from tests._network_reference import dense_grid, dense_matricization
from tnrnn import RAC, Cut, compile, list_optimizers
from tnrnn.errors import InvalidParameterError, MemoryLimitError, MissingDependencyError
from tnrnn.network.contract import ContractionCost, contract_tn, contraction_cost, plan_contraction
from tnrnn.network.optimizers import recurrence_path

# (L, T) per optimizer: every optimizer on L <= 4 and small T; exhaustive searches only on tiny networks
SMALL = [(1, 3), (2, 2), (3, 2), (4, 2)]
MEDIUM = [(1, 5), (2, 4), (3, 3), (4, 3)]
SIZES = {"optimal": [(1, 2), (1, 3)], "dp": [(1, 4), (2, 2), (3, 2), (2, 3)],
         "kahypar": [(2, 3), (4, 2)], "hyper": SMALL}


def _configs():
    for opt in list_optimizers(available=False):
        for L, T in SIZES.get(opt, SMALL + MEDIUM):
            yield opt, L, T


def _requires(opt):
    return "kahypar" if opt == "kahypar" else None


@pytest.mark.parametrize("opt,L,T", list(_configs()))
def test_every_optimizer_gives_the_forward_pass(opt, L, T):
    if _requires(opt):
        pytest.importorskip(_requires(opt))
    rac = RAC.random(L, 3, 2, seed=10 * L + T)
    A = compile(rac, T).grid_tensor(opt)
    ref = dense_grid(rac, T)
    assert A.shape == (2,) * T
    assert np.abs(A - ref).max() <= 1e-10 * np.abs(ref).max()


@pytest.mark.parametrize("opt", ["greedy", "cotengra-greedy", "recurrence", "auto"])
@pytest.mark.parametrize("L,T", [(1, 4), (2, 3), (3, 3), (4, 2)])
def test_torch_cpu_backend(opt, L, T):
    torch = pytest.importorskip("torch")
    rac = RAC.random(L, 3, 2, seed=L * T)
    A = compile(rac, T).grid_tensor(opt, backend="torch", device="cpu")
    assert isinstance(A, torch.Tensor) and A.dtype == torch.float64
    ref = dense_grid(rac, T)
    assert np.abs(A.numpy() - ref).max() <= 1e-10 * np.abs(ref).max()


def _cuda_torch():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    return torch


@pytest.mark.gpu
@pytest.mark.parametrize("L,T", [(1, 6), (2, 4), (4, 3)])
def test_torch_cuda_backend(L, T):
    _cuda_torch()
    rac = RAC.random(L, 3, 2, seed=1)
    A = compile(rac, T).grid_tensor("recurrence", backend="torch", device="cuda")
    assert A.is_cuda
    ref = dense_grid(rac, T)
    assert np.abs(A.cpu().numpy() - ref).max() <= 1e-10 * np.abs(ref).max()


@pytest.mark.gpu
@pytest.mark.parametrize("L,T", [(1, 6), (2, 4), (4, 3)])
def test_cupy_backend(L, T):
    cupy = pytest.importorskip("cupy")
    try:
        cupy.cuda.runtime.getDeviceCount()
    except Exception:
        pytest.skip("no CUDA device")
    rac = RAC.random(L, 3, 2, seed=1)
    A = compile(rac, T).grid_tensor("greedy", backend="cupy")
    ref = dense_grid(rac, T)
    assert np.abs(cupy.asnumpy(A) - ref).max() <= 1e-10 * np.abs(ref).max()


def test_missing_backend_is_reported(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "cupy" else real(name, *a))
    with pytest.raises(MissingDependencyError, match="cupy"):
        compile(RAC.random(1, 2, 2), 3).grid_tensor(backend="cupy")


def test_unknown_backend_and_optimizer():
    net = compile(RAC.random(1, 2, 2), 3)
    with pytest.raises(InvalidParameterError):
        net.grid_tensor(backend="jax-on-a-toaster")
    with pytest.raises(InvalidParameterError):
        net.grid_tensor("no-such-optimizer")
    with pytest.raises(InvalidParameterError, match="exhaustive"):
        compile(RAC.random(3, 2, 2), 4).grid_tensor("optimal")


@pytest.mark.parametrize("L,T", [(1, 4), (2, 3), (3, 3)])
@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_evaluate_equals_forward(L, T, backend):
    if backend == "torch":
        torch = pytest.importorskip("torch")
    rac = RAC.random(L, 3, 4, seed=3)
    X = np.random.default_rng(L).standard_normal((7, T, 4))
    ref = rac(X)
    if backend == "torch":
        out = compile(rac, T).evaluate(torch.as_tensor(X), optimize="recurrence")
        assert isinstance(out, torch.Tensor)
        out = out.numpy()
    else:
        out = compile(rac, T).evaluate(X, optimize="recurrence")
    assert out.shape == ref.shape == (7, 1)
    assert np.abs(out - ref).max() <= 1e-10 * np.abs(ref).max()


def test_evaluate_open_output_and_single_sequence():
    rac = RAC.random(2, 3, 2, outputs=3, seed=4)
    X = np.random.default_rng(0).standard_normal((5, 3, 2))
    np.testing.assert_allclose(compile(rac, 3, output=None).evaluate(X), rac(X), rtol=1e-10)
    np.testing.assert_allclose(compile(rac, 3).evaluate(X[0]), rac(X[0])[:1], rtol=1e-10)
    with pytest.raises(InvalidParameterError):
        compile(rac, 3).evaluate(X[:, :2])


@pytest.mark.parametrize("cut", ["start-end", "interleaved", "prefix:1", "0,3|1,2"])
def test_matricize_equals_dense_matricization(cut):
    rac = RAC.random(2, 2, 3, seed=8)
    c = Cut.parse(cut, 4)
    G = compile(rac, 4).matricize(c)
    ref = dense_matricization(rac, 4, c)
    assert G.shape == (3 ** len(c.start), 3 ** len(c.end))
    np.testing.assert_allclose(G, ref, rtol=1e-10, atol=1e-12 * np.abs(ref).max())


def test_cost_is_reported_before_contracting():
    net = compile(RAC.random(1, 4, 2), 6)
    cost = net.contraction_cost("recurrence")
    assert isinstance(cost, ContractionCost)
    assert cost.output_size == 2 ** 6 and cost.num_slices == 1
    # the last intermediate of the time-ordered sweep is A with the bond open: M^(T-1) * M * R
    assert cost.largest_intermediate >= 2 ** 6
    assert cost.peak_memory >= 8 * cost.largest_intermediate
    assert "flops" in str(cost) and set(cost.to_dict()) >= {"flops_log10", "peak_memory", "largest_intermediate"}


def test_plan_flops_of_a_matrix_product():
    plan = plan_contraction([("a", "b"), ("b", "c")], ("a", "c"), {"a": 5, "b": 7, "c": 3}, "greedy")
    assert plan.cost.flops_log10 == pytest.approx(np.log10(5 * 7 * 3))
    assert plan.cost.largest_intermediate == 15         # the one intermediate is the 5 x 3 result
    assert plan.cost.output_size == 15


def test_memory_limit_refuses_with_estimate_and_hint():
    net = compile(RAC.random(1, 2, 2), 12)         # grid tensor alone: 2^12 * 8 B = 32 KiB
    with pytest.raises(MemoryLimitError, match="result alone") as info:
        net.grid_tensor(max_memory="16KiB")
    assert info.value.estimate == 2**12 * 8 and info.value.limit == 16 * 1024
    # a result that fits, with intermediates that do not: the hint is to slice (a flag that exists)
    net = compile(RAC.random(2, 4, 2), 5)          # result 2^5 entries = 256 B, intermediates of R^2 M^k
    with pytest.raises(MemoryLimitError, match="--slice") as info:
        net.grid_tensor("greedy", max_memory="300B")
    assert info.value.estimate > 300


def test_slicing_gives_the_same_tensor():
    rac = RAC.random(2, 4, 2, seed=9)
    net = compile(rac, 5)
    ref = dense_grid(rac, 5)
    full = net.contraction_cost("greedy")
    sliced = net.contraction_cost("greedy", slice_to=full.largest_intermediate // 4)
    assert sliced.num_slices > 1 and sliced.largest_intermediate <= full.largest_intermediate // 4
    A = net.grid_tensor("greedy", slice_to=full.largest_intermediate // 4)
    np.testing.assert_allclose(A, ref, rtol=1e-10, atol=1e-14)


def test_cotengra_optimizer_instances(tmp_path):
    ctg = pytest.importorskip("cotengra")
    rac = RAC.random(2, 3, 2, seed=2)
    net = compile(rac, 4)
    ref = dense_grid(rac, 4)
    opt = ctg.HyperOptimizer(methods=["greedy"], max_repeats=4, parallel=False)
    np.testing.assert_allclose(net.grid_tensor(opt), ref, rtol=1e-10)
    cache = tmp_path / "ctg-cache"
    reusable = ctg.ReusableHyperOptimizer(methods=["greedy"], max_repeats=4, parallel=False, directory=str(cache))
    np.testing.assert_allclose(net.grid_tensor(reusable), ref, rtol=1e-10)
    assert any(cache.rglob("*"))                      # the path went to disk
    again = ctg.ReusableHyperOptimizer(methods=["greedy"], max_repeats=4, parallel=False, directory=str(cache))
    np.testing.assert_allclose(net.grid_tensor(again), ref, rtol=1e-10)
    assert cost_name(net, reusable) == "ReusableHyperOptimizer"


def cost_name(net, opt):
    return contraction_cost(net, opt).optimizer


def test_explicit_path_and_recurrence_path():
    # a three-tensor chain contracted left to right
    path = recurrence_path([("a",), ("a", "b"), ("b", "x")], ("x",))
    assert [tuple(sorted(p)) for p in path] == [(0, 1), (2, 3)]
    rac = RAC.random(1, 2, 2, seed=0)
    net = compile(rac, 2)   # hyper form tensors: WI0, INIT0, WI1, WH1, WO
    A = net.grid_tensor([(0, 1), (0, 1), (0, 1), (0, 1)])
    np.testing.assert_allclose(A, dense_grid(rac, 2), rtol=1e-12)


def test_contract_tn_on_a_quimb_network():
    import quimb.tensor as qtn

    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((4, 5))
    tn = qtn.TensorNetwork([qtn.Tensor(a, ("i", "k")), qtn.Tensor(b, ("k", "j"))])
    np.testing.assert_allclose(contract_tn(tn, ["i", "j"], "greedy"), a @ b)


def test_list_optimizers_names():
    names = list_optimizers(available=False)
    for name in ("greedy", "dp", "optimal", "random-greedy", "random-greedy-128", "auto", "auto-hq",
                 "cotengra-greedy", "kahypar", "hyper", "recurrence"):
        assert name in names
