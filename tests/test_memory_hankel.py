"""Hankel analysis: matrices, exact GF(p) ranks, balanced truncation and the bounds on its error."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tnrnn.errors import InvalidParameterError
from tnrnn.memory import (
    LinearRNN,
    balanced_truncation,
    fir_realization,
    hankel_matrix,
    hankel_rank_exact,
    hankel_singular_values,
    hankel_spectrum,
    kernel_error,
    minimal_width,
    realize_section,
    sample_kernel,
    section_bound,
    truncate_kernel,
)


def test_hankel_matrix_by_loops():
    h = np.arange(1.0, 8.0)
    H = hankel_matrix(h)
    S = hankel_matrix(h, 3, 4)
    for i in range(7):
        for j in range(7):
            assert H[i, j] == (h[i + j] if i + j < 7 else 0.0)
    assert S.shape == (3, 4) and all(S[i, j] == h[i + j] for i in range(3) for j in range(4))
    with pytest.raises(InvalidParameterError):
        hankel_matrix(h, 4, 5)


def _integer_realisation(m, seed):
    rng = np.random.default_rng(seed)
    return [rng.integers(-1, 2, size=(m, m)), rng.integers(-1, 2, size=m), rng.integers(-1, 2, size=m)]


def _exact_kernel(W, U, c, n):
    """c W^k U with Python integers (no overflow)."""
    W = [[int(v) for v in row] for row in W]
    x = [int(v) for v in U]
    out = []
    for _ in range(n):
        out.append(sum(int(ci) * xi for ci, xi in zip(c, x)))
        x = [sum(W[i][j] * x[j] for j in range(len(x))) for i in range(len(x))]
    return out


@pytest.mark.parametrize("m", [1, 2, 3, 5, 8, 13, 21, 32])
def test_exact_rank_of_integer_realisations(m):
    # a random {-1,0,1} realisation; if it happens to be non-minimal its Hankel rank is its minimal width,
    # which the controllability/observability ranks over Q give independently (computed here over GF(p) too,
    # so we pick seeds whose realisation is minimal: rank [U, WU, ...] = rank [c; cW; ...] = m)
    from tnrnn.field import DEFAULT_PRIME, rank_mod

    p = DEFAULT_PRIME
    for seed in range(50):
        W, U, c = _integer_realisation(m, seed)
        ctrl = np.stack([np.linalg.matrix_power(W.astype(object), k).dot(U) for k in range(m)], axis=1)
        obs = np.stack([c.astype(object).dot(np.linalg.matrix_power(W.astype(object), k)) for k in range(m)])
        if rank_mod(np.mod(ctrl, p).astype(np.int64), p) == m and rank_mod(np.mod(obs, p).astype(np.int64), p) == m:
            break
    else:
        pytest.fail("no minimal realisation among the seeds")
    h = _exact_kernel(W, U, c, 2 * m + 3)
    r = hankel_rank_exact(h)  # sections (m+2) x (m+2)
    assert r.rank == m and r.shape == (m + 2, m + 2)


def test_exact_rank_sees_the_minimal_width_of_redundant_realisations():
    # width 3 + 4 unobservable states: the kernel has Hankel rank 3, not 7
    W3, U3, c3 = _integer_realisation(3, 11)
    W = np.zeros((7, 7), dtype=np.int64)
    W[:3, :3], W[3:, 3:] = W3, np.eye(4, dtype=np.int64)
    U = np.concatenate([U3, np.ones(4, dtype=np.int64)])
    c = np.concatenate([c3, np.zeros(4, dtype=np.int64)])
    h = _exact_kernel(W, U, c, 19)
    assert h == _exact_kernel(W3, U3, c3, 19)
    assert hankel_rank_exact(h).rank == hankel_rank_exact(_exact_kernel(W3, U3, c3, 19)).rank <= 3


def test_exact_rank_of_fractions_and_fibonacci():
    assert hankel_rank_exact([Fraction(2, 3) ** k + Fraction(-1, 5) ** k for k in range(11)]).rank == 2
    assert hankel_rank_exact(np.array([1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89])).rank == 2
    with pytest.raises(InvalidParameterError):
        hankel_rank_exact([Fraction(1, 7), Fraction(1, 2), Fraction(1, 3)], prime=7)
    with pytest.raises(InvalidParameterError):
        hankel_rank_exact(["a", "b", "c"])


def test_float_spectrum_and_tolerance():
    h = 0.9 ** np.arange(30) + 0.5 ** np.arange(30)
    spec = hankel_spectrum(h, section=True)
    s = np.linalg.svd(hankel_matrix(h, section=True), compute_uv=False)
    assert spec.numerical_rank == 2 and spec.tolerance == 15 * np.finfo(float).eps * s[0]
    np.testing.assert_allclose(spec.singular_values, s, rtol=1e-10, atol=1e-14)
    assert hankel_spectrum(h, tol=(s[0] + s[1]) / 2, section=True).numerical_rank == 1


def test_gramian_singular_values_equal_the_fir_hankel_svd():
    h = np.random.default_rng(0).normal(size=12)
    np.testing.assert_allclose(hankel_singular_values(fir_realization(h)),
                               np.linalg.svd(hankel_matrix(h), compute_uv=False), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("time", ["discrete", "continuous"])
@pytest.mark.parametrize("m", [1, 3, 6])
def test_truncation_to_full_width_reproduces_the_kernel(time, m):
    rnn = LinearRNN.random(m, time=time, dt=0.1 if time == "continuous" else 1.0, seed=m)
    bt = balanced_truncation(rnn, m)
    t = np.arange(40) if time == "discrete" else 0.1 * np.arange(40)
    k, kb = rnn.kernel(t), bt.model.kernel(t)
    assert bt.width == m and np.max(np.abs(kb - k)) <= 1e-8 * np.max(np.abs(k))
    np.testing.assert_allclose(hankel_singular_values(bt.model), bt.hankel_singular_values, rtol=1e-7)


def test_truncated_model_is_balanced():
    from tnrnn.memory import gramians

    bt = balanced_truncation(LinearRNN.random(5, seed=3), 5)  # full width: exactly balanced
    P, Q = gramians(bt.model)
    np.testing.assert_allclose(P, np.diag(bt.hankel_singular_values), atol=1e-9)
    np.testing.assert_allclose(Q, np.diag(bt.hankel_singular_values), atol=1e-9)


def _long_kernel(model, n):
    return model.kernel(np.arange(n))


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(4, 24), m=st.integers(1, 6))
def test_no_width_m_model_beats_the_hankel_bounds(seed, n, m):
    """l1 >= Hankel norm >= sigma_{m+1} for truncated, Kung and random width-m models, in both settings."""
    rng = np.random.default_rng(seed)
    h = rng.normal(size=n) * 0.8 ** np.arange(n)
    sec = section_bound(h, m)
    fir = truncate_kernel(h, m)
    candidates = [fir.model, LinearRNN.random(m, seed=seed)]
    if m < n // 2:
        candidates.append(realize_section(h, m).model)
    for model in candidates:
        on_horizon = kernel_error(h, model)  # lags 0..n-1
        assert on_horizon.l1 >= on_horizon.hankel * (1 - 1e-12) >= sec * (1 - 1e-9) - 1e-12
        over_all = kernel_error(h, model, lags=2 * n - 1)  # against the FIR target, all lags it sees
        assert over_all.hankel >= fir.lower_bound * (1 - 1e-9) - 1e-12
        assert over_all.l1 >= over_all.hinf * (1 - 1e-12) >= 0
    # the truncation's H-infinity error (target zero beyond n; the model's tail summed far out) obeys 2 sum sigma
    e = np.concatenate([h, np.zeros(40 * n)]) - _long_kernel(fir.model, 41 * n)
    hinf = np.max(np.abs(np.fft.rfft(e, 16 * e.size)))
    assert hinf <= fir.upper_bound * (1 + 1e-9) + 1e-12


def test_trained_models_do_not_beat_the_bound():
    pytest.importorskip("torch")
    from tnrnn.memory.training import fit_linear_rnn

    h = sample_kernel("pol", horizon=8.0, dt=0.25)
    for m in (1, 2):
        fit = fit_linear_rnn(h, m, steps=60, lr=0.05, dt=0.25, seed=m)
        err = kernel_error(h, fit.model)
        assert err.l1 >= err.hankel >= section_bound(h, m) > 0


def test_kung_realisation_is_exact_for_low_rank_kernels():
    rnn = LinearRNN.random(3, seed=9)
    h = rnn.kernel(np.arange(15))
    k = realize_section(h, 3)
    np.testing.assert_allclose(k.model.kernel(np.arange(30)), rnn.kernel(np.arange(30)), atol=1e-9)
    assert k.method == "section" and k.upper_bound is None and k.lower_bound == 0.0


def test_minimal_width_ordering_and_the_curse():
    eps = [1e-1, 1e-2, 1e-3, 1e-4]
    for name in ("exp", "pol", "airy"):
        for w in minimal_width(sample_kernel(name, 16.0, 0.2), eps):
            assert w.lower <= w.lower_fir <= w.upper
    exp = [w.lower for w in minimal_width(sample_kernel("exp", 48.0, 0.2), eps)]
    pol = [w.lower for w in minimal_width(sample_kernel("pol", 48.0, 0.2), eps)]
    assert exp == [1, 1, 1, 1] and pol[0] >= 2 and pol == sorted(pol) and pol[-1] > pol[0]


def test_truncate_kernel_matches_generic_balanced_truncation():
    h = np.random.default_rng(4).normal(size=10) * 0.7 ** np.arange(10)
    a, b = truncate_kernel(h, 3), balanced_truncation(fir_realization(h), 3)
    np.testing.assert_allclose(a.model.kernel(np.arange(25)), b.model.kernel(np.arange(25)), atol=1e-9)
    np.testing.assert_allclose(a.hankel_singular_values, b.hankel_singular_values, atol=1e-9)


def test_unstable_and_invalid():
    with pytest.raises(InvalidParameterError):
        balanced_truncation(LinearRNN([[1.5]], [1.0], [1.0]), 1)
    with pytest.raises(InvalidParameterError):
        truncate_kernel(np.zeros(5), 1)
    with pytest.raises(InvalidParameterError):
        minimal_width([1.0, 0.5], [0.0])
    with pytest.raises(InvalidParameterError):
        hankel_matrix([[1.0]])


def test_memory_limit_and_registry():
    from tnrnn.errors import MemoryLimitError
    from tnrnn.measures import list_measures, measure

    with pytest.raises(MemoryLimitError):
        hankel_matrix(np.ones(1000), max_memory="1MiB")
    assert {"function", "hankel-singular-values"} <= {m.name for m in list_measures()}
    rnn = LinearRNN([[0.5]], [1.0], [1.0])
    np.testing.assert_allclose(measure("hankel-singular-values", rnn), [1 / (1 - 0.25)])
    mf = measure("function", rnn, lags=3, directions=[[1.0]])
    np.testing.assert_allclose(mf.responses[0, :, 0], [1.0, 0.5, 0.25])
    with pytest.raises(InvalidParameterError):
        measure("nope", rnn)


@pytest.mark.parametrize("time", ["discrete", "continuous"])
@pytest.mark.parametrize("m", [1, 4, 9])
def test_gramian_factors_reproduce_scipy_lyapunov_gramians(time, m):
    from tnrnn.memory import gramian_factors, gramians

    rnn = LinearRNN.random(m, time=time, dt=0.1 if time == "continuous" else 1.0, seed=10 + m)
    LP, LQ = gramian_factors(rnn)
    P, Q = gramians(rnn)
    np.testing.assert_allclose(LP @ LP.T, P, atol=1e-10 * np.abs(P).max())
    np.testing.assert_allclose(LQ @ LQ.T, Q, atol=1e-10 * np.abs(Q).max())


def test_non_minimal_realisation_has_no_spurious_hankel_singular_value():
    """0.5**k realised with two unobservable states in a rotated basis: the other values are 0, not sqrt(eps).

    eigh + sqrt of the formed gramians gave 2e-8 and 3e-9 here.
    """
    Q = np.linalg.qr(np.random.default_rng(1).normal(size=(3, 3)))[0]
    rnn = LinearRNN(Q @ np.diag([0.5, 0.3, -0.7]) @ Q.T, Q @ np.ones(3), np.array([[1.0, 0, 0]]) @ Q.T)
    s = hankel_singular_values(rnn)
    assert abs(s[0] - 1 / (1 - 0.25)) < 1e-13 and np.all(s[1:] < 1e-14)


def _scrambled_half_power(seed):
    """0.5**k from a width-3 realisation: mode 0.3 unobservable, mode -0.7 uncontrollable, basis rotated."""
    Q = np.linalg.qr(np.random.default_rng(seed).normal(size=(3, 3)))[0]
    W = np.diag([0.5, 0.3, -0.7])
    U = np.array([1.0, 1.0, 0.0])      # the -0.7 mode gets no input
    c = np.array([[1.0, 0.0, 1.0]])    # the 0.3 mode is not read
    return LinearRNN(Q @ W @ Q.T, Q @ U, c @ Q.T)


@pytest.mark.parametrize("seed", range(6))
def test_scrambled_non_minimal_half_power_has_hsvs_four_thirds_and_zeros(seed):
    """The done-when case of issue 21: HSVs (4/3, <= 1e-13 relative, <= 1e-13 relative)."""
    rnn = _scrambled_half_power(seed)
    # the kernel really is 0.5**k (independent check by matrix powers)
    k = [float((rnn.c @ np.linalg.matrix_power(rnn.W, j) @ rnn.U).ravel()[0]) for j in range(12)]
    np.testing.assert_allclose(k, 0.5 ** np.arange(12), atol=1e-14)
    s = hankel_singular_values(rnn)
    assert s.shape == (3,)
    assert abs(s[0] - 4 / 3) <= 1e-13 * 4 / 3
    assert s[1] <= 1e-13 * s[0] and s[2] <= 1e-13 * s[0]
    bt = balanced_truncation(rnn, 1)
    assert bt.lower_at_floor and bt.upper_at_floor          # sigma_2 is rounding: no certificate, no violation
    assert "at the noise floor" in str(bt)


def test_noise_floor_rule():
    from tnrnn.memory import at_noise_floor, noise_floor
    from tnrnn.validation import rank_tolerance

    h = np.random.default_rng(3).normal(size=9)
    s1 = np.linalg.svd(hankel_matrix(h), compute_uv=False)[0]
    assert noise_floor(h) == rank_tolerance((9, 9), s1) == noise_floor(samples=9, sigma_1=s1)
    assert at_noise_floor(noise_floor(h), noise_floor(h)) and not at_noise_floor(2 * noise_floor(h), noise_floor(h))
    # an eps below the floor gives the widths of the floor, flagged
    exp = sample_kernel("exp", 32.0, 0.1)
    w = minimal_width(exp, [1e-30, 1e-3])
    assert w[0].at_noise_floor and not w[1].at_noise_floor and w[0].lower == w[1].lower == 1
