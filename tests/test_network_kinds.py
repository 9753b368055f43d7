"""Networks of every layer kind (rac, ssm, gla): contraction against the circuit's own forward pass,
matrix-product bonds, the tree's closed forms against an independent count, min-cuts against
brute-force GF(p) ranks (plain Python integers and FLINT), the CLI, and bad input."""

from __future__ import annotations

import itertools
import json
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tnrnn.circuits import CircuitSpec, GatedCircuit, random_circuit, random_modular_circuit
from tnrnn.cli import main
from tnrnn.errors import InvalidParameterError, MemoryLimitError
from tnrnn.network import compile, mincut_bound, mincut_bound_for
from tnrnn.network.spectrum import spectrum
from tnrnn.network.structure import copies_closed_form, node_copies_closed_form, num_tensors_closed_form

KINDS = ("rac", "ssm", "gla")
#: Copies of the layer input read by a step and, when the output is read, by the output map
#: (the issue's definitions: rac reads W^I u; ssm A u and B u, then C u; gla A u with (K u)(V u)^T, then Q u).
INPUT_USES = {"rac": (1, 0), "ssm": (1, 1), "gla": (2, 1)}


def _backends():
    out = [pytest.param("numpy", id="numpy")]
    out.append(pytest.param("torch", id="torch"))
    out.append(pytest.param("cupy", id="cupy"))
    return out


def _require(backend):
    if backend == "torch":
        pytest.importorskip("torch")
    if backend == "cupy":
        cupy = pytest.importorskip("cupy")
        if cupy.cuda.runtime.getDeviceCount() < 1:   # pragma: no cover - GPU machines only
            pytest.skip("no CUDA device")


def _as_backend(X, backend):
    if backend == "torch":
        import torch

        return torch.as_tensor(X, dtype=torch.float64)
    if backend == "cupy":   # pragma: no cover - GPU machines only
        import cupy

        return cupy.asarray(X)
    return X


def _to_numpy(a):
    from autoray import to_numpy

    return np.asarray(to_numpy(a))


def _one_hot_batch(rng, N, T, M):
    return np.eye(M)[rng.integers(0, M, size=(N, T))]


# -- contraction == the circuit's forward pass ----------------------------------------------------
@pytest.mark.parametrize("backend", _backends())
@pytest.mark.parametrize("depth", [1, 2, 3])
@pytest.mark.parametrize("kind", KINDS)
def test_contraction_equals_forward_pass(kind, depth, backend):
    _require(backend)
    R, M = 2, 3
    T = 4 if depth < 3 else 3
    circuit = random_circuit(kind, depth, R, M, seed=depth)
    net = compile(circuit, T)
    rng = np.random.default_rng(depth)
    X = _one_hot_batch(rng, 7, T, M)
    expected = circuit(X)                                           # the circuit's own forward pass (numpy)
    got = net.evaluate(_as_backend(X, backend), backend=backend)
    np.testing.assert_allclose(_to_numpy(got), expected, rtol=1e-10, atol=1e-12)
    # the grid tensor at those sequences, contracted on the backend
    A = _to_numpy(net.grid_tensor(backend=backend))
    symbols = X.argmax(-1)
    np.testing.assert_allclose(A[tuple(symbols.T)], expected[:, 0], rtol=1e-10, atol=1e-12)
    # the forward pass on the backend's own arrays agrees too
    np.testing.assert_allclose(_to_numpy(circuit(_as_backend(X, backend))), expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kind", ["ssm", "gla"])
def test_whole_grid_and_open_output(kind):
    circuit = random_circuit(kind, 2, 2, 2, outputs=2, seed=5)
    T = 4
    seqs = np.array(list(itertools.product(range(2), repeat=T)))
    Y = circuit(np.eye(2)[seqs])                                     # (M^T, C)
    A = compile(circuit, T, output=None).grid_tensor()
    np.testing.assert_allclose(A.reshape(-1, 2), Y, rtol=1e-10, atol=1e-12)
    A1 = compile(circuit, T, output=1).grid_tensor()
    np.testing.assert_allclose(A1.reshape(-1), Y[:, 1], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("optimize", ["greedy", "cotengra-greedy", "recurrence", "tnrnn", "auto-hq"])
@pytest.mark.parametrize("kind", ["ssm", "gla"])
def test_paths_quimb_and_slicing_agree(kind, optimize):
    circuit = random_circuit(kind, 2, 2, 2, seed=3)
    T = 5
    net = compile(circuit, T)
    seqs = np.array(list(itertools.product(range(2), repeat=T)))
    expected = circuit(np.eye(2)[seqs])[:, 0].reshape((2,) * T)
    np.testing.assert_allclose(net.grid_tensor(optimize), expected, rtol=1e-10, atol=1e-12)
    # quimb's own contraction of the network, with tnrnn's presets registered there
    quimb_name = optimize if optimize in ("greedy", "recurrence", "tnrnn") else "greedy"
    np.testing.assert_allclose(net.to_hyper().contract(optimize=quimb_name).data, expected, rtol=1e-10, atol=1e-12)
    # a sliced contraction: half the largest intermediate, so at least two slices
    target = net.contraction_cost(optimize).largest_intermediate // 2
    from tnrnn.network.contract import plan_contraction

    p = net.problem()
    assert plan_contraction(p.inputs, p.output, p.size_dict, optimize, slice_to=target).cost.num_slices >= 2
    np.testing.assert_allclose(net.grid_tensor(optimize, slice_to=target), expected, rtol=1e-10, atol=1e-12)


@settings(max_examples=15, deadline=None)
@given(kind=st.sampled_from(KINDS), depth=st.integers(1, 2), hidden=st.integers(1, 3), inputs=st.integers(1, 3),
       length=st.integers(1, 4), seed=st.integers(0, 2**16))
def test_property_network_equals_circuit_on_one_hot(kind, depth, hidden, inputs, length, seed):
    circuit = random_circuit(kind, depth, hidden, inputs, seed=seed)
    X = _one_hot_batch(np.random.default_rng(seed), 3, length, inputs)
    np.testing.assert_allclose(compile(circuit, length).evaluate(X), circuit(X), rtol=1e-9, atol=1e-12)


# -- depth 1: matrix product states ---------------------------------------------------------------
@pytest.mark.parametrize("kind, bond", [("ssm", lambda R: R + 1), ("gla", lambda R: R * R + 1),
                                        ("rac", lambda R: R)])
@pytest.mark.parametrize("R", [1, 2, 3])
def test_depth_one_is_an_mps_of_the_issue_bond(kind, bond, R):
    M, T = 2, 5
    circuit = random_circuit(kind, 1, R, M, seed=R)
    net = compile(circuit, T)
    mps = net.to_mps()
    assert mps.bond_sizes() == [bond(R)] * (T - 1)
    seqs = np.array(list(itertools.product(range(M), repeat=T)))
    np.testing.assert_allclose(mps.to_dense().ravel(), circuit(np.eye(M)[seqs])[:, 0], rtol=1e-10, atol=1e-12)
    assert net.num_tensors == (3 * T + 1 if kind == "rac" else T + 2)     # a chain: one STEP per step, EMIT, WO


# -- the tree's closed forms against an independent count ----------------------------------------------
def _independent_node_counts(L, T, n_step, n_emit):
    """Copies of every (layer, time, emits), pushed down from the root: a node (l, t) has the hidden child
    (l, t-1) (not emitting) and, above layer 1, n_step (+ n_emit if it emits) emitting input children."""
    mult = Counter({(L, T - 1, True): 1})
    for layer in range(L, 0, -1):
        for t in range(T - 1, -1, -1):
            for emits in (True, False):
                m = mult[layer, t, emits]
                if not m:
                    continue
                if t > 0:
                    mult[layer, t - 1, False] += m
                if layer > 1:
                    mult[layer - 1, t, True] += m * (n_step + (n_emit if emits else 0))
    return mult


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("L, T", [(1, 1), (1, 5), (2, 1), (2, 4), (3, 3), (3, 5), (4, 3)])
def test_tensor_and_copy_counts_match_closed_forms(kind, L, T):
    n_step, n_emit = INPUT_USES[kind]
    separate = kind != "rac"               # a RAC's output is its state: no output map
    mult = _independent_node_counts(L, T, n_step, n_emit if separate else 0)
    copies = {(lay, t): mult[lay, t, True] + mult[lay, t, False] for lay in range(1, L + 1) for t in range(T)}
    emitting = {(lay, t): mult[lay, t, True] for lay in range(1, L + 1) for t in range(T)}
    closed = node_copies_closed_form(L, T, kind)
    assert {k: v[0] for k, v in closed.items()} == copies
    if separate:
        assert {k: v[1] for k, v in closed.items()} == emitting
    tensors = (3 * sum(copies.values()) + 1 if not separate
               else sum(copies.values()) + sum(emitting.values()) + 1)
    assert num_tensors_closed_form(L, T, kind) == tensors
    inputs = tuple(copies[1, t] + (emitting[1, t] if separate else 0) for t in range(T))
    assert copies_closed_form(L, T, kind) == inputs
    net = compile(random_circuit(kind, L, 2, 2, seed=0), T)
    assert net.num_tensors == tensors and net.copies() == inputs
    counted = Counter((n.layer, n.time) for n in net.nodes)
    assert dict(counted) == copies
    assert net.summary().copies_match_closed_form


def test_rac_counts_are_binomials():
    from math import comb

    for L, T in [(1, 4), (2, 5), (3, 4), (5, 6)]:
        assert num_tensors_closed_form(L, T, "rac") == 3 * (comb(T + L, L) - 1) + 1
        assert copies_closed_form(L, T, "rac") == tuple(comb(L + T - t - 2, L - 1) for t in range(T))


# -- min-cut >= brute-force GF(p) rank -------------------------------------------------------------------
P = 2**31 - 1


def _lin(W, u):
    return [sum(w * x for w, x in zip(row, u)) % P for row in W]


def _step(kind, W, state, u):
    """One layer step over GF(P) in plain Python integers, written from the issue's definitions."""
    if kind == "rac":
        inp = _lin(W["WI"], u)
        hid = [1] * len(inp) if state is None else _lin(W["WH"], state)
        h = [a * b % P for a, b in zip(hid, inp)]
        return h, h
    if kind == "ssm":
        b = _lin(W["B"], u)
        h = b if state is None else [(a * s + bb) % P for a, s, bb in zip(_lin(W["A"], u), state, b)]
        return h, [c * s % P for c, s in zip(_lin(W["C"], u), h)]
    k, v = _lin(W["K"], u), _lin(W["V"], u)
    R = len(k)
    S = [[k[i] * v[j] % P for j in range(R)] for i in range(R)]
    if state is not None:
        a = _lin(W["A"], u)
        S = [[(a[i] * state[i][j] + S[i][j]) % P for j in range(R)] for i in range(R)]
    q = _lin(W["Q"], u)
    return S, [sum(S[i][j] * q[i] for i in range(R)) % P for j in range(R)]


def _random_weights(kind, L, R, M, rng):
    names = {"rac": ("WH", "WI"), "ssm": ("A", "B", "C"), "gla": ("A", "K", "V", "Q")}[kind]
    layers = []
    for layer in range(L):
        fan_in = M if layer == 0 else R
        layers.append({n: [[int(rng.integers(0, P)) for _ in range(R if n == "WH" else fan_in)] for _ in range(R)]
                       for n in names})
    return layers, [int(rng.integers(0, P)) for _ in range(R)]


def _brute_rank(kind, L, R, M, T, cut, seed):
    import flint

    rng = np.random.default_rng(seed)
    layers, wo = _random_weights(kind, L, R, M, rng)
    value = {}
    for seq in itertools.product(range(M), repeat=T):
        states = [None] * L
        for t in range(T):
            below = [int(m == seq[t]) for m in range(M)]
            for layer in range(L):
                states[layer], below = _step(kind, layers[layer], states[layer], below)
        value[seq] = sum(w * y for w, y in zip(wo, below)) % P
    rows = list(itertools.product(range(M), repeat=len(cut.start)))
    cols = list(itertools.product(range(M), repeat=len(cut.end)))
    entries = []
    for r in rows:
        for c in cols:
            seq = [0] * T
            for pos, m in zip(cut.start, r):
                seq[pos] = m
            for pos, m in zip(cut.end, c):
                seq[pos] = m
            entries.append(value[tuple(seq)])
    return flint.nmod_mat(len(rows), len(cols), entries, P).rank()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("L, R, M, T, cut", [
    (1, 2, 2, 6, "start-end"), (1, 2, 3, 4, "start-end"), (1, 3, 3, 6, "start-end"), (1, 2, 3, 4, "interleaved"),
    (2, 2, 2, 6, "start-end"), (2, 2, 3, 4, "start-end"), (2, 2, 2, 6, "prefix:2"), (3, 2, 2, 4, "start-end"),
])
def test_mincut_bounds_brute_force_gfp_rank(kind, L, R, M, T, cut):
    pytest.importorskip("flint")
    from tnrnn.cuts import as_cut

    the_cut = as_cut(cut, T)
    bound = mincut_bound_for(L, R, M, T, cut, kind=kind).bound
    rank = _brute_rank(kind, L, R, M, T, the_cut, seed=L * 100 + R * 10 + M)
    assert rank <= bound
    assert bound <= min(M ** len(the_cut.start), M ** len(the_cut.end))
    # the same bound from a spec and from a compiled network
    assert mincut_bound(CircuitSpec(kind, L, R, M), cut, length=T).bound == bound
    assert mincut_bound(compile(random_circuit(kind, L, R, M), T), cut).bound == bound


def test_depth_one_mincut_is_the_issue_bond_and_gfp_brute_force_is_below_it():
    pytest.importorskip("flint")
    from tnrnn.cuts import as_cut

    # one layer: the prefix cut of a chain crosses one state bond (R + 1, R^2 + 1) when inputs are wider
    assert mincut_bound_for(1, 3, 4, 8, "start-end", kind="ssm").bound == 4
    assert mincut_bound_for(1, 2, 3, 8, "start-end", kind="gla").bound == 5
    # and the GF(p) rank of one gla layer stays at R + 1 (the automaton bound), below the bond R^2 + 1
    assert _brute_rank("gla", 1, 2, 3, 6, as_cut("start-end", 6), seed=3) <= 3


def test_modular_circuit_weights_agree_with_the_plain_integer_step():
    """The brute force's step is the issue's definition; check it once against the library's GF(p) forward pass."""
    for kind in KINDS:
        c = random_modular_circuit(kind, 2, 2, 3, prime=P, seed=1)
        params = [{k: [[int(x) for x in row] for row in np.asarray(w)] for k, w in lp.items() if k != "factor"}
                  for lp in c.layer_params()]
        seq = [2, 0, 1]
        states = [None, None]
        for m in seq:
            below = [int(j == m) for j in range(3)]
            for layer in range(2):
                states[layer], below = _step(kind, params[layer], states[layer], below)
        wo = [int(x) for x in np.asarray(c.output_weights)[0]]
        expected = sum(w * y for w, y in zip(wo, below)) % P
        assert int(c(np.eye(3, dtype=np.int64)[seq])[0]) == expected


# -- spectra: the three routes agree -------------------------------------------------------------
@pytest.mark.parametrize("kind, depth", [("ssm", 1), ("ssm", 2), ("gla", 1), ("gla", 2)])
def test_spectrum_routes_agree(kind, depth):
    circuit = random_circuit(kind, depth, 2, 2, seed=7)
    net = compile(circuit, 6)
    dense = spectrum(net, "start-end", method="dense", optimize="greedy")
    factors = spectrum(net, "start-end", method="factors", optimize="greedy")
    gram = spectrum(net, "start-end", method="gram", optimize="greedy")
    s = np.linalg.svd(net.matricize("start-end", "greedy"), compute_uv=False)
    k = 3
    np.testing.assert_allclose(dense.singular_values[:k], s[:k], rtol=1e-9)
    np.testing.assert_allclose(factors.singular_values[:k], s[:k], rtol=1e-9)
    np.testing.assert_allclose(gram.singular_values[:1], s[:1], rtol=1e-6)
    assert factors.bond_dimension == mincut_bound(net, "start-end").bound


# -- the CLI ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["ssm", "gla"])
def test_cli_compile(kind, capsys):
    argv = ["compile", "--circuit", kind, "-L", "2", "-R", "2", "-M", "2", "-T", "4", "--json",
            "--optimize", "greedy,recurrence"]
    assert main(argv) == 0
    record = json.loads(capsys.readouterr().out)
    n_step, n_emit = INPUT_USES[kind]
    mult = _independent_node_counts(2, 4, n_step, n_emit)
    assert record["network"]["circuit"] == kind
    assert record["network"]["copies"] == [mult[1, t, True] * 2 + mult[1, t, False] for t in range(4)]
    assert record["network"]["copies_match_closed_form"]
    assert {c["optimizer"] for c in record["costs"]} == {"greedy", "recurrence"}
    assert all(c["output_size"] == 2**4 for c in record["costs"])


@pytest.mark.parametrize("kind", ["ssm", "gla"])
def test_cli_draw(kind, tmp_path, capsys):
    out = tmp_path / f"{kind}.png"
    assert main(["draw", "--circuit", kind, "-L", "2", "-R", "2", "-M", "2", "-T", "4", "--plot", str(out), "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert out.stat().st_size > 0 and record["circuit"] == kind
    assert record["title"].startswith(f"{kind}: L=2") and "min-cut bound" in record["title"]


@pytest.mark.parametrize("kind, bond", [("ssm", 4), ("gla", 10)])
def test_cli_spectrum(kind, bond, capsys):
    assert main(["spectrum", "--circuit", kind, "-L", "1", "-R", "3", "-M", "4", "-T", "4", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["circuit"] == kind and record["shape"] == [16, 16]
    # one layer: the numerical rank is at most the automaton bound R + 1 (docs/theory), below the MPS bond
    assert record["numerical_rank"] <= 4
    assert record["bond_dimension"] in (None, bond)


@pytest.mark.parametrize("kind", ["ssm", "gla"])
def test_cli_bench(kind, capsys):
    argv = ["bench", "--circuit", kind, "-L", "1,2", "-R", "2", "-M", "2", "-T", "4", "--strategies", "greedy",
            "--repeats", "1", "--json"]
    assert main(argv) == 0
    records = json.loads(capsys.readouterr().out)
    assert records and all(r["circuit"] == kind and r["status"] == "ok" for r in records)
    assert {(r["depth"], r["num_tensors"]) for r in records} == {(L, num_tensors_closed_form(L, 4, kind))
                                                                 for L in (1, 2)}


def test_cli_rac_records_have_no_circuit_key(capsys):
    assert main(["compile", "-L", "1", "-R", "2", "-M", "2", "-T", "3", "--json", "--optimize", "greedy"]) == 0
    assert "circuit" not in json.loads(capsys.readouterr().out)["network"]


# -- bad input -------------------------------------------------------------------------------------
@pytest.mark.parametrize("argv", [
    ["compile", "--circuit", "lstm", "-L", "1", "-R", "2", "-M", "2", "-T", "3"],
    ["draw", "--circuit", "gla", "-L", "1", "-R", "2", "-M", "2", "-T", "5", "--plot", "x.png"],        # odd T
    ["compile", "--circuit", "gla", "-L", "2", "-R", "40", "-M", "2", "-T", "6", "--max-memory", "1MiB"],
    ["spectrum", "--circuit", "ssm", "-L", "1", "-R", "2", "-M", "2", "-T", "4", "--method", "svd"],
    ["bench", "--circuit", "gla", "-L", "1", "-R", "2", "-M", "2", "-T", "4", "--strategies", "nope"],
])
def test_cli_errors_are_one_line(argv, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "error" in err


def test_memory_refusal_names_the_estimate_before_building():
    big = CircuitSpec("gla", 2, 40, 2)
    circuit = GatedCircuit.random("gla", big.depth, big.hidden, big.inputs)
    with pytest.raises(MemoryLimitError, match=r"gla, L=2, T=6"):
        compile(circuit, 6, max_memory="1MiB")


def test_api_errors():
    ssm = random_circuit("ssm", 2, 2, 3, seed=0)
    net = compile(ssm, 3)
    with pytest.raises(InvalidParameterError, match="one-hot"):
        net.evaluate(np.full((1, 3, 3), 0.5))
    with pytest.raises(InvalidParameterError, match="depth"):
        net.to_mps()
    with pytest.raises(InvalidParameterError, match="rac"):
        compile(random_modular_circuit("ssm", 1, 2, 2, prime=101), 3)
    with pytest.raises(InvalidParameterError, match="hidden"):
        mincut_bound_for(CircuitSpec("ssm", 1, 2, 2), 3, length=4)
    with pytest.raises(InvalidParameterError, match="circuit"):
        mincut_bound_for(1, 2, 2, 4, kind="lstm")


def test_an_unregistered_kind_without_step_tensors_has_no_augmented_network():
    from tnrnn.circuits.kinds import LayerKind
    from tnrnn.network.forms import network_form

    bare = LayerKind("bare", "a kind without a network", "h_t = ...", params=("A",), input_uses=(1, 0))
    with pytest.raises(InvalidParameterError, match="input_uses"):
        network_form(bare)
    assert network_form("ssm").name == "augmented" and network_form("rac").name == "factored"
