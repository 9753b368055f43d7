"""The paper's memory tasks as seeded data generators (numpy only; no files, no downloads).

Every task follows the official code of Levine et al. (2020) by default
(HUJI-Deep, ``SES_utils.py``, as described in tnrnn's issue 22: the file
itself could not be consulted here); tnrnn's earlier variants remain as named
options.  ``docs/reproducing.rst`` lists every remaining difference.

Start-End Similarity (SES), after Levine et al. (2020)
------------------------------------------------------
An alphabet of ``n`` symbols ``0..n-1``, a sequence of even length ``T`` and
two windows of ``m`` symbols at positions ``o..o+m-1`` and
``T/2+o..T/2+o+m-1``.  The first window is uniform; the second copies it at
``j`` positions (a uniform ``j``-subset of the ``m``) and, at the other
``m - j``, holds a symbol drawn uniformly among the ``n - 1`` that differ from
the first window's, so that non-matching positions never match by chance.

``matches="official"`` (default)
    The label ``k`` is drawn uniformly in ``0..C`` and the match count is
    ``j = round(k * m / C)`` with numpy's rounding (halves to even): at
    ``m = 30, C = 2`` only ``{0, 15, 30}`` occur.  The offset ``o`` is
    uniform in ``0..T/2-m-1`` (``numpy`` ``integers(0, T/2 - m)``; ``0``
    when ``m = T/2``).  The padding symbol ``n`` fills the other positions
    and is part of the vocabulary only when ``m < T/2``: inputs are one-hot
    of size ``n + 1``, or ``n`` when the windows fill the sequence.
``matches="uniform"`` (tnrnn's earlier task, harder)
    Every count ``j`` in ``0..m`` occurs; the label is
    ``floor(C * j / m + 1/2)`` (halves rounded up), the class drawn
    uniformly first and ``j`` uniformly among its counts; offsets uniform in
    ``0..T/2-m``; the padding symbol always in the vocabulary (size ``n + 1``).

Copying Memory (Hochreiter & Schmidhuber, 1997; Arjovsky et al., 2016)
----------------------------------------------------------------------
``M`` symbols drawn uniformly from ``0..n-1``, blanks (symbol ``n``) and a
delimiter (symbol ``n + 1``); ``T = 2M + B``.

``layout="official"`` (default; alphabet 32, ``n + 2`` output classes)
    Positions ``0..M-1`` the symbols, ``M..T-M-1`` the ``B`` blanks, ``T-M``
    the delimiter, then ``M - 1`` blanks.  The target is the blank before
    ``T - M`` and the ``M`` symbols, in order, at ``T-M..T-1`` (the recall
    window starts at the delimiter).  Output classes are the whole
    vocabulary (symbols, blank, delimiter).
``layout="arjovsky"`` (tnrnn's earlier layout; ``n + 1`` output classes)
    ``B - 1`` blanks, the delimiter at ``M + B - 1``, ``M`` blanks; targets
    blank for the first ``M + B`` steps, the symbols at the last ``M``.

A memoryless predictor (blanks, then a uniform guess) scores
:meth:`CopyMemory.baseline_accuracy` overall and ``1/n`` on the recalled
symbols; its cross-entropy is ``M log(n) / T`` per step.

Sequential and permuted digits
------------------------------
scikit-learn's bundled 8 x 8 digits (1797 images, no download), read pixel by
pixel as a 64-step sequence of scalars in ``[0, 1]``; the permuted variant
applies one fixed permutation drawn from ``permutation_seed``.  The images are
split once (seeded) into train/validation/test.

Every generator draws from a ``numpy.random.Generator``; :func:`split_seeds`
derives independent train/validation/test streams from one seed, so a seed
fixes every batch.

Examples
--------
>>> ses = StartEndSimilarity(length=12, alphabet=4, window=3)
>>> s = ses.sample(2, np.random.default_rng(0))
>>> s.tokens.shape, ses.inputs, ses.outputs, ses.match_counts()
((2, 12), 5, 3, (0, 2, 3))
>>> bool(np.all(s.labels == ses.label(s.matches)))
True
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ..errors import InvalidParameterError, MissingDependencyError
from ..validation import check_positive_int

__all__ = [
    "TASKS",
    "MATCH_RULES",
    "COPY_LAYOUTS",
    "SESSample",
    "CopySample",
    "Batch",
    "StartEndSimilarity",
    "CopyMemory",
    "Digits",
    "one_hot",
    "split_seeds",
    "make_task",
    "batches",
]

#: Task names accepted by :func:`make_task` and ``tnrnn train``.
TASKS = ("ses", "copy", "digits")


def one_hot(tokens, size: int) -> np.ndarray:
    """float32 one-hot vectors of ``size`` for integer ``tokens`` (any shape; a new last axis).

    Examples
    --------
    >>> one_hot(np.array([[0, 2]]), 3).tolist()
    [[[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]]
    """
    tokens = np.asarray(tokens)
    if tokens.size and (tokens.min() < 0 or tokens.max() >= size):
        raise InvalidParameterError("tokens", f"values in {tokens.min()}..{tokens.max()}", f"integers in 0..{size - 1}")
    return np.eye(size, dtype=np.float32)[tokens]


def split_seeds(seed: int) -> tuple[np.random.Generator, np.random.Generator, np.random.Generator]:
    """Independent train, validation and test generators derived from one integer seed.

    Examples
    --------
    >>> a, b, c = split_seeds(0)
    >>> int(a.integers(100)) == int(split_seeds(0)[0].integers(100))
    True
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InvalidParameterError("seed", seed, "an integer >= 0")
    return tuple(np.random.default_rng(s) for s in np.random.SeedSequence(int(seed)).spawn(3))


class Batch(NamedTuple):
    """Model inputs ``x`` (N, T, inputs) float32 and integer targets ``y`` ((N,) or (N, T))."""

    x: np.ndarray
    y: np.ndarray


class SESSample(NamedTuple):
    """Start-End Similarity sequences with what generated them.

    ``tokens`` (N, T) symbols (``alphabet`` is padding); ``labels`` (N,);
    ``matches`` (N,) the number ``j`` of matching positions; ``offsets`` (N,)
    the windows' offset ``o``.
    """

    tokens: np.ndarray
    labels: np.ndarray
    matches: np.ndarray
    offsets: np.ndarray


class CopySample(NamedTuple):
    """Copying Memory sequences: ``tokens`` (N, T) inputs and ``targets`` (N, T)."""

    tokens: np.ndarray
    targets: np.ndarray


def _rng(rng) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, bool) or not isinstance(rng, (int, np.integer)):
        raise InvalidParameterError("rng", rng, "a numpy Generator or an integer seed")
    return np.random.default_rng(int(rng))


#: SES match-count rules (``StartEndSimilarity(matches=...)``, ``tnrnn train --matches``).
MATCH_RULES = ("official", "uniform")
#: Copying-task layouts (``CopyMemory(layout=...)``, ``tnrnn train --layout``).
COPY_LAYOUTS = ("official", "arjovsky")


@dataclass(frozen=True)
class StartEndSimilarity:
    """The Start-End Similarity task (see the module docstring for the definition).

    Parameters
    ----------
    length : int
        ``T``, even, with ``T/2 >= window``.
    alphabet : int
        ``n >= 2`` symbols (the padding symbol ``n`` comes on top).
    window : int
        ``m``, the compared symbols per window.
    classes : int
        ``C``; the labels are ``0..C``; ``C <= m`` so that every label occurs.
    matches : {"official", "uniform"}
        The match-count rule, offsets and vocabulary (module docstring).

    Examples
    --------
    >>> ses = StartEndSimilarity(length=64, alphabet=32, window=30, classes=2)
    >>> ses.match_counts(), ses.inputs
    ((0, 15, 30), 33)
    >>> ses = StartEndSimilarity(length=8, alphabet=3, window=2, classes=2, matches="uniform")
    >>> ses.label(np.arange(3)).tolist()
    [0, 1, 2]
    >>> x, y = ses.batch(4, rng=0)
    >>> x.shape, y.shape, x.dtype
    ((4, 8, 4), (4,), dtype('float32'))
    """

    length: int
    alphabet: int = 32
    window: int = 30
    classes: int = 2
    matches: str = "official"

    def __post_init__(self):
        T = check_positive_int(self.length, "length", 2)
        n = check_positive_int(self.alphabet, "alphabet", 2)
        m = check_positive_int(self.window, "window")
        C = check_positive_int(self.classes, "classes")
        if self.matches not in MATCH_RULES:
            raise InvalidParameterError("matches", self.matches, "one of " + ", ".join(MATCH_RULES))
        if T % 2:
            raise InvalidParameterError("length", T, "an even integer (the Start-End task splits T in halves)")
        if m > T // 2:
            raise InvalidParameterError("window", m, f"an integer <= length/2 = {T // 2}")
        if C > m:
            raise InvalidParameterError("classes", C, f"an integer <= window = {m} (so that every label occurs)")
        object.__setattr__(self, "length", T)
        object.__setattr__(self, "alphabet", n)
        object.__setattr__(self, "window", m)
        object.__setattr__(self, "classes", C)

    @property
    def padded(self) -> bool:
        """Whether the padding symbol occurs (official: only when ``m < T/2``; uniform: always in the vocabulary)."""
        return self.matches == "uniform" or self.window < self.length // 2

    @property
    def inputs(self) -> int:
        """The one-hot input size: ``n + 1`` with the padding symbol, else ``n``."""
        return self.alphabet + (1 if self.padded else 0)

    @property
    def outputs(self) -> int:
        """The number of classes ``C + 1``."""
        return self.classes + 1

    @property
    def pad(self) -> int:
        """The padding symbol ``n``."""
        return self.alphabet

    @property
    def offsets(self) -> int:
        """How many window offsets occur: ``T/2 - m`` (at least 1) officially, ``T/2 - m + 1`` uniform."""
        half, m = self.length // 2, self.window
        return max(1, half - m) if self.matches == "official" else half - m + 1

    def match_counts(self) -> tuple[int, ...]:
        """The match counts that occur, by label: official ``round(k m / C)`` (numpy rounding), else ``0..m``."""
        if self.matches == "official":
            k = np.arange(self.classes + 1)
            return tuple(int(j) for j in np.round(k * self.window / self.classes))
        return tuple(range(self.window + 1))

    def label(self, matches):
        """The label of match counts ``j``: official, the ``k`` with ``round(k m / C) = j`` (``-1`` if none);
        uniform, ``floor(C * j / m + 1/2)`` (exact integer arithmetic)."""
        j = np.asarray(matches, dtype=np.int64)
        if self.matches == "official":
            table = np.full(self.window + 1, -1, dtype=np.int64)
            table[list(self.match_counts())] = np.arange(self.classes + 1)
            return table[j]
        return (2 * self.classes * j + self.window) // (2 * self.window)

    def counts_by_label(self) -> tuple[tuple[int, ...], ...]:
        """For each label ``0..C``, the match counts ``j`` that carry it."""
        if self.matches == "official":
            return tuple((j,) for j in self.match_counts())
        labels = self.label(np.arange(self.window + 1))
        return tuple(tuple(int(j) for j in np.flatnonzero(labels == k)) for k in range(self.classes + 1))

    def sample(self, n: int, rng) -> SESSample:
        """``n`` sequences with their labels, match counts and offsets."""
        n = check_positive_int(n, "n")
        rng = _rng(rng)
        T, A, m, half = self.length, self.alphabet, self.window, self.length // 2
        labels = rng.integers(0, self.classes + 1, size=n)
        table = self.counts_by_label()
        pick = rng.random(n)
        matches = np.array([table[k][int(u * len(table[k]))] for k, u in zip(labels, pick)], dtype=np.int64)
        offsets = rng.integers(0, self.offsets, size=n)
        first = rng.integers(0, A, size=(n, m))
        # The matching positions: a uniform j-subset, as the j smallest of m uniform keys.
        order = np.argsort(np.argsort(rng.random((n, m)), axis=1), axis=1)
        matched = order < matches[:, None]
        other = (first + rng.integers(1, A, size=(n, m))) % A  # uniform among the symbols != first
        second = np.where(matched, first, other)
        tokens = np.full((n, T), self.pad, dtype=np.int64)
        rows = np.arange(n)[:, None]
        cols = offsets[:, None] + np.arange(m)[None, :]
        tokens[rows, cols] = first
        tokens[rows, cols + half] = second
        return SESSample(tokens, labels.astype(np.int64), matches, offsets.astype(np.int64))

    def batch(self, n: int, rng) -> Batch:
        """``n`` one-hot sequences (N, T, inputs) and their labels (N,)."""
        s = self.sample(n, rng)
        return Batch(one_hot(s.tokens, self.inputs), s.labels)


@dataclass(frozen=True)
class CopyMemory:
    """The Copying Memory task (see the module docstring for the layouts).

    Parameters
    ----------
    memory : int
        ``M``, the symbols to remember.
    blanks : int
        ``B >= 1``; ``T = 2M + B``.
    alphabet : int
        ``n >= 1`` symbols; the blank is ``n`` and the delimiter ``n + 1``.
    layout : {"official", "arjovsky"}
        Where the delimiter and the recall window sit (module docstring).

    Examples
    --------
    >>> task = CopyMemory(memory=2, blanks=3, alphabet=4)
    >>> s = task.sample(1, rng=0)
    >>> task.length, task.outputs, s.tokens[0, 2:].tolist(), s.targets[0, :5].tolist()
    (7, 6, [4, 4, 4, 5, 4], [4, 4, 4, 4, 4])
    >>> bool(np.all(s.targets[0, 5:] == s.tokens[0, :2]))
    True
    >>> CopyMemory(memory=2, blanks=3, alphabet=4, layout="arjovsky").sample(1, rng=0).tokens[0, 2:].tolist()
    [4, 4, 5, 4, 4]
    """

    memory: int = 30
    blanks: int = 10
    alphabet: int = 32
    layout: str = "official"

    def __post_init__(self):
        object.__setattr__(self, "memory", check_positive_int(self.memory, "memory"))
        object.__setattr__(self, "blanks", check_positive_int(self.blanks, "blanks"))
        # one symbol is nothing to remember: the recall would be perfect without memory
        object.__setattr__(self, "alphabet", check_positive_int(self.alphabet, "alphabet", minimum=2))
        if self.layout not in COPY_LAYOUTS:
            raise InvalidParameterError("layout", self.layout, "one of " + ", ".join(COPY_LAYOUTS))

    @classmethod
    def from_length(cls, length: int, memory: int = 30, alphabet: int = 32, layout: str = "official") -> CopyMemory:
        """The task of total length ``T = 2M + B`` (``B = T - 2M >= 1``)."""
        T = check_positive_int(length, "length")
        M = check_positive_int(memory, "memory")
        if T <= 2 * M:
            raise InvalidParameterError("length", T, f"an integer > 2 * memory = {2 * M}")
        return cls(M, T - 2 * M, alphabet, layout)

    @property
    def length(self) -> int:
        """``T = 2M + B``."""
        return 2 * self.memory + self.blanks

    @property
    def inputs(self) -> int:
        """One-hot size ``n + 2`` (symbols, blank, delimiter)."""
        return self.alphabet + 2

    @property
    def outputs(self) -> int:
        """Target classes: ``n + 2`` officially (the whole vocabulary), ``n + 1`` (symbols, blank) for arjovsky."""
        return self.alphabet + (2 if self.layout == "official" else 1)

    @property
    def blank(self) -> int:
        """The blank symbol ``n``."""
        return self.alphabet

    @property
    def delimiter(self) -> int:
        """The delimiter ``n + 1``."""
        return self.alphabet + 1

    @property
    def delimiter_position(self) -> int:
        """``T - M`` officially, ``M + B - 1`` for arjovsky."""
        return self.length - self.memory if self.layout == "official" else self.memory + self.blanks - 1

    @property
    def recall_start(self) -> int:
        """The first step of the recall window: ``T - M`` in both layouts."""
        return self.length - self.memory

    def baseline_accuracy(self) -> float:
        """Accuracy over all steps of the memoryless predictor: ``(M + B + M/n) / T``."""
        return (self.memory + self.blanks + self.memory / self.alphabet) / self.length

    def baseline_recall_accuracy(self) -> float:
        """Its accuracy on the recalled symbols: ``1/n``."""
        return 1.0 / self.alphabet

    def baseline_loss(self) -> float:
        """Its cross-entropy per step: ``M log(n) / T``."""
        return self.memory * math.log(self.alphabet) / self.length

    def sample(self, n: int, rng) -> CopySample:
        """``n`` input sequences and their targets, both (N, T) integers."""
        n = check_positive_int(n, "n")
        rng = _rng(rng)
        M, T = self.memory, self.length
        symbols = rng.integers(0, self.alphabet, size=(n, M))
        tokens = np.full((n, T), self.blank, dtype=np.int64)
        tokens[:, :M] = symbols
        tokens[:, self.delimiter_position] = self.delimiter
        targets = np.full((n, T), self.blank, dtype=np.int64)
        targets[:, self.recall_start:] = symbols
        return CopySample(tokens, targets)

    def batch(self, n: int, rng) -> Batch:
        """``n`` one-hot sequences (N, T, n+2) and per-step targets (N, T)."""
        s = self.sample(n, rng)
        return Batch(one_hot(s.tokens, self.inputs), s.targets)


_DIGITS_SPLIT = (1197, 300, 300)


@dataclass(frozen=True)
class Digits:
    """scikit-learn's 8 x 8 digits as 64-step sequences (sequential, or permuted with a fixed permutation).

    Parameters
    ----------
    permuted : bool
        Apply the permutation drawn from ``permutation_seed`` to the pixel order.
    permutation_seed : int
        Seed of the permutation and of the train/validation/test split
        (1197/300/300 images).

    Examples
    --------
    >>> d = Digits(permuted=True)
    >>> x, y = d.split("test")
    >>> x.shape, d.inputs, d.outputs, int(y.max())
    ((300, 64, 1), 1, 10, 9)
    """

    permuted: bool = False
    permutation_seed: int = 0

    length = 64
    inputs = 1
    outputs = 10

    def permutation(self) -> np.ndarray:
        """The pixel order: the identity, or the seeded permutation."""
        if not self.permuted:
            return np.arange(64)
        return np.random.default_rng(self.permutation_seed).permutation(64)

    def _data(self):
        if importlib.util.find_spec("sklearn") is None:
            raise MissingDependencyError("scikit-learn", "the digits task", extra="tasks")
        from sklearn.datasets import load_digits

        images, labels = load_digits(return_X_y=True)
        x = (images[:, self.permutation()] / 16.0).astype(np.float32)[:, :, None]
        order = np.random.default_rng(self.permutation_seed).permutation(len(labels))
        return x[order], labels[order].astype(np.int64)

    def split(self, part: str) -> Batch:
        """The ``"train"``, ``"val"`` or ``"test"`` images as (N, 64, 1) sequences and labels."""
        bounds = {"train": (0, _DIGITS_SPLIT[0]), "val": (_DIGITS_SPLIT[0], sum(_DIGITS_SPLIT[:2])),
                  "test": (sum(_DIGITS_SPLIT[:2]), sum(_DIGITS_SPLIT))}
        if part not in bounds:
            raise InvalidParameterError("part", part, "'train', 'val' or 'test'")
        x, y = self._data()
        lo, hi = bounds[part]
        return Batch(x[lo:hi], y[lo:hi])


def make_task(task: str, length: int | None = None, *, alphabet: int | None = None, window: int | None = None,
              classes: int = 2, memory: int | None = None, permuted: bool = False, matches: str = "official",
              layout: str = "official"):
    """The task object of a name and its parameters (the defaults are the official code's: module docstring).

    Examples
    --------
    >>> make_task("ses", 64)
    StartEndSimilarity(length=64, alphabet=32, window=30, classes=2, matches='official')
    >>> make_task("copy", 30, memory=10)
    CopyMemory(memory=10, blanks=10, alphabet=32, layout='official')
    """
    if task == "ses":
        if length is None:
            raise InvalidParameterError("length", length, "a sequence length for the ses task")
        return StartEndSimilarity(length, 32 if alphabet is None else alphabet, 30 if window is None else window,
                                  classes, matches)
    if task == "copy":
        if length is None:
            raise InvalidParameterError("length", length, "a sequence length for the copy task")
        return CopyMemory.from_length(length, 30 if memory is None else memory, 32 if alphabet is None else alphabet,
                                      layout)
    if task == "digits":
        if length not in (None, 64):
            raise InvalidParameterError("length", length, "64 (or none) for the digits task")
        return Digits(permuted=permuted)
    raise InvalidParameterError("task", task, "one of " + ", ".join(TASKS))


def batches(task, batch_size: int, rng) -> Iterator[Batch]:
    """An endless stream of training batches (digits: reshuffled training epochs).

    Examples
    --------
    >>> stream = batches(CopyMemory(2, 3, 4), 5, rng=0)
    >>> next(stream).x.shape
    (5, 7, 6)
    """
    batch_size = check_positive_int(batch_size, "batch_size")
    rng = _rng(rng)
    if isinstance(task, Digits):
        x, y = task.split("train")
        if batch_size > len(y):
            raise InvalidParameterError("batch_size", batch_size, f"an integer <= {len(y)} (the training images)")
        while True:
            order = rng.permutation(len(y))
            for lo in range(0, len(y) - batch_size + 1, batch_size):
                idx = order[lo:lo + batch_size]
                yield Batch(x[idx], y[idx])
    while True:
        yield task.batch(batch_size, rng)
