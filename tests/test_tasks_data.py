"""The task generators against independent re-computations written here (numpy and scipy only)."""

import importlib.util

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from tnrnn.errors import InvalidParameterError
from tnrnn.tasks.data import CopyMemory, Digits, StartEndSimilarity, batches, make_task, one_hot, split_seeds


def _reference_label(j, C, m):
    """round(C j / m), halves rounded up, with Python fractions (independent of the integer formula)."""
    from fractions import Fraction

    v = Fraction(C * j, m)
    return int(v + Fraction(1, 2)) if v >= 0 else None  # int() floors a positive Fraction


def _recount(tokens, T, m, pad):
    """Offsets and match counts read back from the tokens alone."""
    half = T // 2
    offsets, matches = [], []
    for row in tokens:
        nonpad = np.flatnonzero(row[:half] != pad)
        # the first window is where the start half differs from padding; the alphabet has no pad symbol,
        # so the window's positions are all non-pad
        o = int(nonpad[0])
        offsets.append(o)
        matches.append(int(sum(row[o + i] == row[half + o + i] for i in range(m))))
    return np.array(offsets), np.array(matches)


@pytest.mark.parametrize("C,m", [(2, 30), (2, 4), (3, 7), (1, 1), (5, 5)])
def test_label_formula_matches_exact_rounding(C, m):
    ses = StartEndSimilarity(length=2 * m + 2, alphabet=3, window=m, classes=C, matches="uniform")
    j = np.arange(m + 1)
    assert ses.label(j).tolist() == [_reference_label(int(k), C, m) for k in j]
    # every class has at least one match count
    assert all(len(t) > 0 for t in ses.counts_by_label())


@settings(max_examples=25, deadline=None)
@given(half=st.integers(2, 12), m=st.integers(1, 12), n=st.integers(2, 6), C=st.integers(1, 4),
       seed=st.integers(0, 2**31))
def test_ses_matching_rule_padding_and_labels(half, m, n, C, seed):
    if m > half or C > m:
        return
    T = 2 * half
    ses = StartEndSimilarity(length=T, alphabet=n, window=m, classes=C, matches="uniform")
    s = ses.sample(64, np.random.default_rng(seed))
    pad = n
    assert s.tokens.shape == (64, T) and s.tokens.min() >= 0 and s.tokens.max() <= pad
    offsets, matches = _recount(s.tokens, T, m, pad)
    assert np.array_equal(offsets, s.offsets)
    assert np.array_equal(matches, s.matches)  # non-matching positions never match by chance
    assert all(_reference_label(int(j), C, m) == lab for j, lab in zip(matches, s.labels))
    for row, o in zip(s.tokens, offsets):
        assert 0 <= o <= half - m
        window = np.zeros(T, bool)
        window[o:o + m] = True
        window[half + o:half + o + m] = True
        assert np.all(row[~window] == pad)  # padding everywhere else
        assert np.all(row[window] != pad)  # windows hold symbols only


def test_ses_classes_balanced_chi_square():
    ses = StartEndSimilarity(length=64, alphabet=32, window=30, classes=2)
    labels = ses.sample(30000, np.random.default_rng(12)).labels
    counts = np.bincount(labels, minlength=3)
    chi2, p = stats.chisquare(counts)
    assert p > 0.01, (counts, chi2, p)


def test_ses_offsets_uniform_and_matched_positions_uniform():
    ses = StartEndSimilarity(length=20, alphabet=5, window=4, classes=2, matches="uniform")
    s = ses.sample(20000, np.random.default_rng(3))
    assert stats.chisquare(np.bincount(s.offsets, minlength=7)).pvalue > 0.01
    # among sequences with exactly one match, the matching position is uniform over the window
    one = s.matches == 1
    pos = [int(np.flatnonzero(r[o:o + 4] == r[10 + o:10 + o + 4])[0]) for r, o in zip(s.tokens[one], s.offsets[one])]
    assert stats.chisquare(np.bincount(pos, minlength=4)).pvalue > 0.01


def test_ses_batch_is_one_hot_of_tokens_and_deterministic():
    ses = StartEndSimilarity(length=12, alphabet=4, window=3)
    a, b = ses.batch(8, 5), ses.batch(8, 5)
    assert np.array_equal(a.x, b.x) and np.array_equal(a.y, b.y)
    tokens = ses.sample(8, 5).tokens
    assert np.array_equal(a.x.argmax(-1), tokens) and np.all(a.x.sum(-1) == 1)
    assert not np.array_equal(ses.batch(8, 6).x, a.x)


def test_copy_layout_arjovsky():
    task = CopyMemory(memory=3, blanks=4, alphabet=5, layout="arjovsky")
    assert task.length == 10
    s = task.sample(50, np.random.default_rng(0))
    for tok, tgt in zip(s.tokens, s.targets):
        expected_in = list(tok[:3]) + [5] * 3 + [6] + [5] * 3
        assert tok.tolist() == expected_in
        assert tgt.tolist() == [5] * 7 + list(tok[:3])
        assert max(tok[:3]) < 5
    assert task.baseline_accuracy() == pytest.approx((3 + 4 + 3 / 5) / 10)
    assert task.baseline_loss() == pytest.approx(3 * np.log(5) / 10)
    # the memoryless predictor's accuracy, measured: blanks everywhere, then a fixed guess
    guess = np.where(np.arange(10) < 7, 5, 0)
    big = task.sample(20000, np.random.default_rng(1))
    assert np.mean(big.targets == guess) == pytest.approx(task.baseline_accuracy(), abs=0.01)
    assert CopyMemory.from_length(10, memory=3, alphabet=5, layout="arjovsky") == task
    assert task.outputs == 6


def test_determinism_per_seed_and_streams():
    for task in (StartEndSimilarity(16, 4, 3), CopyMemory(2, 3, 4)):
        s1 = [next(batches(task, 4, 7)).x for _ in range(2)]
        assert np.array_equal(s1[0], s1[1])
        g = batches(task, 4, 7)
        first, second = next(g), next(g)
        assert not np.array_equal(first.x, second.x)
    a = [g.integers(1 << 30) for g in split_seeds(3)]
    b = [g.integers(1 << 30) for g in split_seeds(3)]
    assert a == b and len(set(a)) == 3


@pytest.mark.skipif(importlib.util.find_spec("sklearn") is None, reason="needs scikit-learn")
def test_digits_sequences_and_permutation():
    from sklearn.datasets import load_digits

    images, labels = load_digits(return_X_y=True)
    seq, perm = Digits(), Digits(permuted=True)  # the same seed 0: the same split, pixels permuted
    xs, ys = seq.split("train")
    xp, yp = perm.split("train")
    assert xs.shape == (1197, 64, 1) and np.array_equal(ys, yp)
    p = np.random.default_rng(0).permutation(64)
    assert not np.array_equal(p, np.arange(64))
    assert np.array_equal(xp[:, :, 0], xs[:, :, 0][:, p])
    # every split image is one of scikit-learn's, scaled to [0, 1], with its label
    lookup = {tuple(img): lab for img, lab in zip((images / 16.0).astype(np.float32), labels)}
    assert all(lookup[tuple(x[:, 0])] == y for x, y in zip(*seq.split("test")))
    sizes = [len(seq.split(k).y) for k in ("train", "val", "test")]
    assert sizes == [1197, 300, 300]
    assert next(batches(seq, 32, 0)).x.shape == (32, 64, 1)


def test_invalid_parameters():
    with pytest.raises(InvalidParameterError, match="length"):
        StartEndSimilarity(length=7, alphabet=3, window=2)
    with pytest.raises(InvalidParameterError, match="window"):
        StartEndSimilarity(length=8, alphabet=3, window=5)
    with pytest.raises(InvalidParameterError, match="classes"):
        StartEndSimilarity(length=8, alphabet=3, window=2, classes=3)
    with pytest.raises(InvalidParameterError, match="alphabet"):
        StartEndSimilarity(length=8, alphabet=1, window=2)
    with pytest.raises(InvalidParameterError, match="length"):
        CopyMemory.from_length(6, memory=3)
    with pytest.raises(InvalidParameterError, match="task"):
        make_task("mnist", 10)
    with pytest.raises(InvalidParameterError, match="tokens"):
        one_hot(np.array([3]), 3)
    with pytest.raises(InvalidParameterError, match="matches"):
        StartEndSimilarity(length=8, alphabet=3, window=2, matches="half-up")
    with pytest.raises(InvalidParameterError, match="layout"):
        CopyMemory(2, 3, 4, layout="other")


# -- the official rules (HUJI-Deep SES_utils.py as issue 22 describes it), re-derived from the tokens alone ---------
def _official_counts(m, C):
    """round(k m / C), k = 0..C, with Python's round (halves to even, like numpy; an independent implementation)."""
    from fractions import Fraction

    return [round(Fraction(k * m, C)) for k in range(C + 1)]


@pytest.mark.parametrize("T,n,m,C", [(64, 32, 30, 2), (200, 32, 30, 2), (16, 4, 5, 2), (12, 4, 3, 2),
                                     (10, 3, 5, 2), (20, 4, 7, 4)])
def test_ses_official_rule_from_tokens(T, n, m, C):
    ses = StartEndSimilarity(length=T, alphabet=n, window=m, classes=C)
    s = ses.sample(6000, np.random.default_rng(T + m))
    half = T // 2
    counts = _official_counts(m, C)
    padded = m < half
    # vocabulary: the padding symbol n occurs iff m < T/2, and the one-hot size follows
    assert ses.inputs == n + int(padded)
    assert s.tokens.min() >= 0 and s.tokens.max() == (n if padded else n - 1)
    for row, label, off in zip(s.tokens[:2000], s.labels, s.offsets):
        if padded:
            o = int(np.flatnonzero(row[:half] != n)[0])  # the first window is where padding stops
            window = np.zeros(T, bool)
            window[o:o + m] = True
            window[half + o:half + o + m] = True
            assert np.all(row[~window] == n) and np.all(row[window] != n)
        else:
            o = 0
        assert o == off
        j = int(np.sum(row[o:o + m] == row[half + o:half + o + m]))
        assert j == counts[label]  # the label's match count, and no chance matches elsewhere
    # offsets: every value in 0..T/2-m-1 occurs (0 only when the windows fill the halves), none outside
    expected = set(range(half - m)) if padded else {0}
    assert set(s.offsets.tolist()) == expected
    # labels uniform over 0..C
    assert set(s.labels.tolist()) == set(range(C + 1))
    assert stats.chisquare(np.bincount(s.labels, minlength=C + 1)).pvalue > 1e-3


def test_ses_official_counts_use_half_to_even_rounding():
    # m = 5, C = 2: k m / C = 2.5 rounds to 2 (numpy), where half-up would give 3
    assert StartEndSimilarity(length=12, alphabet=4, window=5).match_counts() == (0, 2, 5)
    assert StartEndSimilarity(length=64, alphabet=32, window=30).match_counts() == (0, 15, 30)
    ses = StartEndSimilarity(length=12, alphabet=4, window=5)
    assert ses.label([0, 2, 5, 3]).tolist() == [0, 1, 2, -1]


def test_copy_official_layout_position_by_position():
    for M, B, n in [(10, 44, 32), (3, 4, 5), (1, 1, 2), (5, 10, 4)]:
        task = CopyMemory(memory=M, blanks=B, alphabet=n)
        T = 2 * M + B
        assert task.length == T and task.inputs == n + 2 and task.outputs == n + 2
        s = task.sample(200, np.random.default_rng(M))
        for tok, tgt in zip(s.tokens, s.targets):
            symbols = tok[:M].tolist()
            assert all(0 <= v < n for v in symbols)
            expected = symbols + [n] * B + [n + 1] + [n] * (M - 1)  # B blanks, delimiter at T - M
            assert tok.tolist() == expected
            assert tgt.tolist() == [n] * (T - M) + symbols  # recall from the delimiter on
    assert make_task("copy", 64, memory=10) == CopyMemory(10, 44, 32)
