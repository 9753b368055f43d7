"""Lag retention and semantic recoverability: exact answers on delay lines, memoryless and i.i.d. limits."""

import numpy as np
import pytest

from tnrnn.errors import InvalidParameterError
from tnrnn.measures import EchoStateNetwork, lag_retention, memory_length
from tnrnn.memory import LinearRNN


def _register(V, d):
    """A shift register holding the one-hot codes of the last d symbols."""
    W = np.kron(np.eye(d, k=-1), np.eye(V))
    U = np.vstack([np.eye(V)] + [np.zeros((V, V))] * (d - 1))
    return LinearRNN(W, U, np.ones((1, V * d)))


def test_register_retains_exactly_its_depth():
    V, d = 4, 3
    ret = lag_retention(_register(V, d), lags=6, window=2, sequences=200, seed=1)
    np.testing.assert_allclose(ret.retention[:d], 1.0)
    np.testing.assert_allclose(ret.score[:d], 1.0)
    # beyond the register the symbol is independent of the state: chance level 1/V (binomial spread)
    n = ret.test
    assert np.all(np.abs(ret.retention[d:] - 1 / V) < 5 * np.sqrt(0.25 * 0.75 / n))
    assert ret.length == d
    # windows of 2 inside the register (lags 0, 1) are exact; lag 2 keeps one of its two tokens
    np.testing.assert_allclose(ret.semantic[:2], 1.0, atol=1e-5)  # ridge shrinkage
    assert 0.3 < ret.semantic[2] < 0.7 and ret.semantic_length in (2, 3)  # 3 iff the estimate of 1/2 lands above


def test_semantic_r2_by_hand_for_one_missing_token():
    """Embeddings fixed: the window (t-2, t-3) with t-3 unseen -> R^2 = var(e)/ (2 var(e)) = 1/2 in expectation."""
    V = 3
    emb = np.array([[1.0], [0.0], [-1.0]])
    ret = lag_retention(_register(V, 3), lags=4, window=2, embeddings=emb, sequences=1000, rows=8, seed=0)
    assert ret.semantic[2] == pytest.approx(0.5, abs=0.05)


def test_gaussian_inputs_on_a_delay_line():
    d = 3
    rnn = LinearRNN(np.eye(d, k=-1), np.eye(d)[:, 0], np.ones(d))
    ret = lag_retention(rnn, lags=5, inputs="gaussian", window=1, sequences=100, seed=0)
    np.testing.assert_allclose(ret.retention[:d], 1.0, atol=1e-6)
    assert np.all(ret.retention[d:] < 0.1)
    np.testing.assert_allclose(ret.semantic, ret.retention, atol=1e-12)  # window 1 of the inputs themselves
    assert ret.kind == "gaussian" and ret.length == d


def test_memoryless_reservoir_forgets_at_once():
    esn = EchoStateNetwork(np.zeros((4, 4)), np.random.default_rng(0).normal(size=(4, 4)))
    ret = lag_retention(esn, lags=3, sequences=200, seed=0)
    assert ret.retention[0] == 1.0 and ret.length == 1
    assert ret.to_dict()["memory_length"] == 1 and "memory length" in str(ret)


def test_memory_length_and_validation():
    assert memory_length([np.nan, 1.0], 0.5) == 0
    esn = EchoStateNetwork.random(3, seed=0)
    for kwargs, name in [({"lags": 0}, "lags"), ({"inputs": "words"}, "inputs"), ({"test_size": 2}, "test_size"),
                         ({"templates": np.eye(2)}, "templates")]:
        with pytest.raises(InvalidParameterError) as err:
            lag_retention(esn, **kwargs)
        assert err.value.name == name


def test_kernel_probe_recovers_what_multiplicative_units_hold():
    """A RAC holds its inputs in products: the linear probe scores ~0 by construction, the kernel probe does not."""
    from tnrnn import RAC

    rac = RAC.random(depth=1, hidden=8, inputs=4, seed=0)
    ret = lag_retention(rac, lags=4, window=2, seed=0)
    assert abs(ret.score[0]) < 0.15 and ret.kernel_score[0] > 0.3
    assert ret.kernel_area > ret.area + 0.3 and ret.to_dict()["kernel_area"] == pytest.approx(ret.kernel_area)


def test_kernel_probe_fits_a_product_and_agrees_with_the_linear_one_on_a_register():
    from tnrnn.measures.retention import kernel_probe

    rng = np.random.default_rng(1)
    Z = rng.normal(size=(700, 3))
    y = np.stack([Z[:, 0] * Z[:, 1], Z[:, 2]], axis=1)
    pred = kernel_probe(Z[:500], y[:500], Z[500:], [0, 1], rng=0)
    resid = np.sum((y[500:] - pred) ** 2, axis=0) / np.sum((y[500:] - y[500:].mean(0)) ** 2, axis=0)
    assert np.all(resid < 0.1)
    ret = lag_retention(_register(3, 2), lags=4, window=1, seed=2)
    np.testing.assert_allclose(ret.kernel_retention[:2], 1.0)


def test_areas_are_threshold_free_and_exact_on_a_register():
    from tnrnn.measures.retention import curve_area

    ret = lag_retention(_register(4, 3), lags=6, window=1, sequences=300, seed=1)
    assert ret.area == pytest.approx(3.0, abs=0.3)  # 1 up to the depth, chance (0 +- noise) beyond
    assert curve_area([np.nan, 1.0]) != curve_area([np.nan, 1.0])  # nan


def test_degenerate_state_is_na_with_the_reason():
    zero = LinearRNN(np.zeros((3, 3)), np.zeros((3, 4)), np.ones((1, 3)))
    ret = lag_retention(zero, lags=3, seed=0)
    assert ret.reason and "does not depend on the input" in ret.reason
    d = ret.to_dict()
    assert d["memory_length"] is None and d["area"] is None and "n/a" in str(ret)


def test_given_token_sequences_are_probed():
    tokens = np.random.default_rng(0).integers(0, 4, size=(64, 20))
    ret = lag_retention(_register(4, 2), lags=3, window=1, tokens=tokens, kernel=False, seed=0)
    assert ret.source == "given" and ret.retention[0] == 1.0 and np.isnan(ret.kernel_score).all()
    with pytest.raises(InvalidParameterError) as err:
        lag_retention(_register(4, 2), lags=3, window=1, tokens=tokens[:, :5])
    assert err.value.name == "tokens"
    with pytest.raises(InvalidParameterError) as err:
        lag_retention(_register(4, 2), threshold=2)
    assert err.value.name == "threshold"
