import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests._network_reference import dense_matricization
from tnrnn import RAC, Cut, Spectrum, compile, spectrum
from tnrnn.errors import InvalidParameterError, MissingDependencyError


def _dense_rank(G):
    s = np.linalg.svd(G, compute_uv=False)
    return int(np.sum(s > max(G.shape) * np.finfo(float).eps * s[0])), s


# shallow RACs: the exact Start-End rank of a generic shallow RAC is min(R, M^{T/2})
@pytest.mark.parametrize("R,M,T", [(3, 2, 4), (3, 2, 6), (4, 2, 8), (2, 3, 4), (5, 2, 10), (6, 2, 12), (3, 3, 6)])
@pytest.mark.parametrize("method", ["auto", "dense", "factors", "gram"])
def test_shallow_rank_closed_form(R, M, T, method):
    rac = RAC.random(1, R, M, seed=R * T)
    s = spectrum(rac, "start-end", length=T, method=method)
    assert s.numerical_rank == min(R, M ** (T // 2))


@pytest.mark.parametrize("L,R,M,T,cut", [(1, 3, 2, 6, "interleaved"), (1, 5, 2, 6, "prefix:2"),
                                         (2, 2, 2, 4, "start-end"), (2, 3, 2, 6, "start-end"),
                                         (3, 2, 2, 5, "0,3|1,2,4"), (2, 2, 3, 4, "interleaved")])
@pytest.mark.parametrize("method", ["dense", "factors"])
def test_singular_values_equal_dense_svd(L, R, M, T, cut, method):
    rac = RAC.random(L, R, M, seed=1)
    c = Cut.parse(cut, T)
    rank, sv = _dense_rank(dense_matricization(rac, T, c))
    s = spectrum(compile(rac, T), c, method=method)
    assert s.numerical_rank == rank
    n = min(len(sv), len(s.singular_values))
    np.testing.assert_allclose(s.singular_values[:n], sv[:n], rtol=0, atol=1e-12 * sv[0])


def test_gram_route_resolves_down_to_sqrt_eps():
    rac = RAC.random(1, 4, 2, seed=2)
    c = Cut.start_end(10)
    _, sv = _dense_rank(dense_matricization(rac, 10, c))
    s = spectrum(rac, c, length=10, method="gram")
    assert s.method == "gram" and s.bond_dimension == 4
    assert "Gram" in s.tolerance_rule
    big = sv > 1e-6 * sv[0]
    np.testing.assert_allclose(s.singular_values[: big.sum()], sv[big], rtol=1e-6)


def test_auto_routes():
    # MPS, long prefix cut: bonds R = 3 much narrower than 2^6 rows -> no dense matrix
    s = spectrum(RAC.random(1, 3, 2), "start-end", length=12)
    assert s.method == "factors" and s.bond_dimension == 3
    # bonds as wide as the smaller side: dense
    s = spectrum(RAC.random(1, 8, 2), "start-end", length=4)
    assert s.method == "dense" and s.bond_dimension is None
    # long MPS: the side matrices (2^21 x 2 entries each) are too big, Gram matrices are 2 x 2
    s = spectrum(RAC.random(1, 2, 2, seed=1), "start-end", length=42)
    assert s.method == "gram" and s.numerical_rank == 2 and s.shape == (2 ** 21, 2 ** 21)


@pytest.mark.parametrize("method", ["dense", "factors", "gram"])
def test_torch_backend(method):
    torch = pytest.importorskip("torch")  # noqa: F841
    rac = RAC.random(2, 2, 2, seed=3)
    c = Cut.start_end(4)
    rank, sv = _dense_rank(dense_matricization(rac, 4, c))
    s = spectrum(rac, c, length=4, method=method, backend="torch", device="cpu")
    assert s.backend == "torch" and s.device == "cpu"
    assert isinstance(s.singular_values, np.ndarray)
    if method != "gram":
        assert s.numerical_rank == rank
    np.testing.assert_allclose(s.singular_values[:2], sv[:2], rtol=1e-8)


@pytest.mark.gpu
@pytest.mark.parametrize("backend", ["cupy", "torch"])
def test_gpu_backends(backend):
    if backend == "cupy":
        cupy = pytest.importorskip("cupy")
        try:
            cupy.cuda.runtime.getDeviceCount()
        except Exception:
            pytest.skip("no CUDA device")
        device = None
    else:
        torch = pytest.importorskip("torch")
        if not torch.cuda.is_available():
            pytest.skip("no CUDA device")
        device = "cuda"
    rac = RAC.random(1, 4, 2, seed=3)
    for method in ("dense", "factors", "gram"):
        s = spectrum(rac, "start-end", length=10, method=method, backend=backend, device=device)
        assert s.numerical_rank == 4


def test_missing_cupy(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "cupy" else real(name, *a))
    with pytest.raises(MissingDependencyError):
        spectrum(RAC.random(1, 2, 2), "start-end", length=4, backend="cupy")


def test_tolerances_and_record():
    rac = RAC.random(2, 3, 2, seed=0)
    s = spectrum(rac, "start-end", length=6)
    assert isinstance(s, Spectrum)
    assert list(s.singular_values) == sorted(s.singular_values, reverse=True)
    assert s.tolerance == pytest.approx(8 * np.finfo(float).eps * s.singular_values[0])
    loose = spectrum(rac, "start-end", length=6, rtol=1e-3)
    assert loose.numerical_rank == int(np.sum(s.singular_values > 1e-3 * s.singular_values[0]))
    given_tol = spectrum(rac, "start-end", length=6, tol=float(s.singular_values[1]))
    assert given_tol.numerical_rank == 1
    d = json.loads(json.dumps(s.to_dict()))
    assert d["numerical_rank"] == s.numerical_rank and len(d["singular_values"]) == len(s.singular_values)
    assert "numerical rank" in str(s) and "tolerance" in str(s)
    with pytest.raises(AttributeError):
        s.numerical_rank = 0
    with pytest.raises(ValueError):
        s.singular_values[0] = 1.0


@pytest.mark.parametrize("kwargs", [dict(method="svd"), dict(tol=-1.0), dict(rtol=float("nan")),
                                    dict(tol=1e-3, rtol=1e-3), dict(backend="jax"), dict(length=5)])
def test_invalid(kwargs):
    args = dict(length=4)
    args.update(kwargs)
    with pytest.raises(InvalidParameterError):
        spectrum(RAC.random(1, 2, 2), "start-end", **args)


def test_requires_length_for_a_rac():
    with pytest.raises(InvalidParameterError):
        spectrum(RAC.random(1, 2, 2), "start-end")
    with pytest.raises(InvalidParameterError):
        spectrum(compile(RAC.random(1, 2, 2), 4), "start-end", length=6)


@settings(max_examples=15, deadline=None)
@given(L=st.integers(1, 3), R=st.integers(1, 3), T=st.sampled_from([2, 4]), seed=st.integers(0, 1000))
def test_property_factors_rank_equals_dense_rank(L, R, T, seed):
    rac = RAC.random(L, R, 2, seed=seed)
    c = Cut.start_end(T)
    rank, _ = _dense_rank(dense_matricization(rac, T, c))
    assert spectrum(rac, c, length=T, method="factors").numerical_rank == rank


def test_long_mps_by_gram_matrices_only():
    # M^{T/2} = 4^32 rows could never be formed; the shallow closed form is min(R, M^{T/2}) = R
    s = spectrum(RAC.random(1, 6, 4, seed=5), "start-end", length=64)
    assert s.method == "gram" and s.shape == (4 ** 32, 4 ** 32)
    assert s.numerical_rank == 6


def test_spectrum_command_shows_the_certified_rank_beside_the_float_rank(capsys):
    """The README's `tnrnn spectrum -L 2 -R 3 -M 3 -T 6`: the certified 27 (FLINT's rank of the same grid
    matricization, evaluated with exact rationals) is printed beside the float rank, which is said to disagree
    when it does."""
    import json

    flint = pytest.importorskip("flint")
    from tnrnn.cli import main
    from tnrnn.ranks import float_vs_certified

    assert main(["spectrum", "-L", "2", "-R", "3", "-M", "3", "-T", "6", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    rac = RAC.random(2, 3, 3, seed=0)
    seq = (0, 2, 1, 1, 0, 2)
    assert float(_exact_rac_output(rac, seq)) == pytest.approx(float(rac(np.eye(3)[list(seq)][None])[0, 0]), rel=1e-9)
    # independent: the 27 x 27 grid matricization with exact rationals (float weights are dyadic), rank by FLINT
    import itertools

    def exact_output(seq):
        return _exact_rac_output(rac, seq)

    rows = [[exact_output(s + e) for e in itertools.product(range(3), repeat=3)]
            for s in itertools.product(range(3), repeat=3)]
    assert flint.fmpq_mat([[flint.fmpq(v.numerator, v.denominator) for v in r] for r in rows]).rank() == 27
    assert record["certified"]["lower"] == record["certified"]["upper"] == 27
    assert main(["spectrum", "-L", "2", "-R", "3", "-M", "3", "-T", "6"]) == 0
    text = capsys.readouterr().out
    assert "certified rank 27" in text
    assert float_vs_certified(record["numerical_rank"], record["certified"]) in text
    if record["numerical_rank"] != 27:
        assert f"the float rank {record['numerical_rank']} disagrees" in text


def _exact_rac_output(rac, seq):
    """The RAC's output channel 0 on one-hot inputs, with exact rationals (the recursion of tnrnn.circuits.rac)."""
    from fractions import Fraction

    def frac(a):
        return [[Fraction(float(v)) for v in row] for row in np.atleast_2d(a)]

    Win = [frac(w) for w in rac.input_weights]
    Whh = [frac(w) for w in rac.hidden_weights]
    Wout = frac(rac.output_weights)
    h0 = [[Fraction(float(v)) for v in f] for f in rac.initial_factors()]
    state = [None] * rac.depth
    for t, x in enumerate(seq):
        below = [Fraction(int(i == x)) for i in range(rac.inputs)]
        for k in range(rac.depth):
            inp = [sum(w * b for w, b in zip(row, below)) for row in Win[k]]
            hid = h0[k] if t == 0 else [sum(w * s for w, s in zip(row, state[k])) for row in Whh[k]]
            state[k] = [a * b for a, b in zip(hid, inp)]
            below = state[k]
    return sum(w * s for w, s in zip(Wout[0], state[-1]))


def test_float_vs_certified_says_where_they_disagree():
    from tnrnn.ranks import float_vs_certified

    exact = {"lower": 27, "upper": 27, "exact": True, "source": "GF(p)"}
    assert float_vs_certified(27, exact).endswith("the float rank agrees")
    assert "24 disagrees: 3 singular values" in float_vs_certified(24, exact)
    assert "rounding noise" in float_vs_certified(28, exact)
    assert "is inside" in float_vs_certified(5, {"lower": 4, "upper": 6, "exact": False, "source": "s"})
    assert float_vs_certified(3, None) is None
    assert float_vs_certified(3, {"reason": "too slow"}) == "certified rank not computed (too slow)"
