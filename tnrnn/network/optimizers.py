"""Contraction-path optimizers: one registry of names, facts and the default.

Every fact about a path optimizer lives here: its name, the optional module
it needs, where it comes from, how many tensors an exhaustive search may be
given (:func:`max_tensors`), how a hyper-optimizer is built (:func:`fresh`)
and which optimizer tnrnn uses by default (:data:`DEFAULT_OPTIMIZER`).
Planning (:mod:`tnrnn.network.contract`), the benchmark and the CLI ask this
module; none of them repeats a name or a limit.

Optimizer names (see :func:`list_optimizers`)
---------------------------------------------
``greedy``, ``dp``, ``optimal``, ``random-greedy``, ``random-greedy-128``, ``auto``, ``auto-hq``
    opt_einsum's path functions.  ``optimal`` and ``dp`` are exponential in
    the number of tensors and refuse networks above :func:`max_tensors`.
``cotengra-greedy``, ``kahypar``, ``hyper``
    cotengra: its greedy optimizer, and hyper-optimizers over kahypar
    partitions or over its default methods (a modest number of trials; pass a
    configured ``cotengra.HyperOptimizer`` for more).
``tnrnn`` (the default, :data:`DEFAULT_OPTIMIZER`)
    opt_einsum's ``auto-hq``, refined, for networks of at most
    :data:`HYPER_MAX_TENSORS` tensors whose path costs at least
    :data:`HYPER_MIN_FLOPS` flops, by cotengra's forest of subtree
    reconfigurations; the path with fewer flops wins (benchmarked against a
    generous hyper-optimizer in ``benchmarks/README.md``).  Cheaper
    contractions keep the ``auto-hq`` path: contracting them takes
    milliseconds, less than any refinement.  Paths are memoized per
    contraction in the process and, from :data:`DISK_CACHE_MIN_TENSORS`
    tensors, on disk (:func:`path_cache_dir`), so a second process plans the
    same network by reading one file.
``recurrence``
    tnrnn's own path (:func:`recurrence_path`): tensors are absorbed one at a
    time in the network's order, which :func:`tnrnn.compile` makes the
    post-order of the circuit tree, so each intermediate is a hidden state
    ``h^l_t`` as a function of the inputs below it: the forward pass over all
    inputs, written as an explicit path.

An ``optimize`` argument may also be any object cotengra's ``find_tree``
dispatches: an object with a ``search(inputs, output, size_dict)`` method
(``HyperOptimizer``, ``ReusableHyperOptimizer`` with an on-disk
``directory=``), an opt_einsum ``PathOptimizer`` or path function, a
``ContractionTree``, or an explicit linear path (a list of tuples).

:func:`register_presets` makes ``"tnrnn"`` and ``"recurrence"`` presets of
cotengra and opt_einsum, so that quimb's own ``tn.contract(optimize="tnrnn")``
uses them; tnrnn does it when a network's quimb ``tn`` is built and on its
first plan (importing cotengra costs 0.1 s, so ``import tnrnn`` does not).
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidParameterError, MissingDependencyError
from ..typing import OptimizeLike

#: The environment variable that moves the on-disk path cache (``"off"`` disables it).
CACHE_ENV = "TNRNN_CACHE_DIR"

__all__ = [
    "DEFAULT_OPTIMIZER",
    "HYPER_MAX_TENSORS",
    "HYPER_MIN_FLOPS",
    "DISK_CACHE_MIN_TENSORS",
    "OptimizerInfo",
    "find_tree",
    "fresh",
    "hyper_max_time",
    "list_optimizers",
    "max_tensors",
    "optimizer_info",
    "optimizer_name",
    "path_cache_dir",
    "plan_seconds",
    "recurrence_path",
    "register_optimizer",
    "register_presets",
]

#: The optimizer tnrnn uses when ``optimize=`` is not given.
DEFAULT_OPTIMIZER = "tnrnn"

#: ``"tnrnn"`` refines the ``auto-hq`` path by cotengra's subtree-reconfiguration forest on
#: networks of at most this many tensors whose path costs at least :data:`HYPER_MIN_FLOPS`; below
#: that, ``auto-hq``'s path is kept: a contraction of fewer than 10^6 flops takes about a millisecond,
#: while the refinement takes seconds.
HYPER_MAX_TENSORS = 100
HYPER_MIN_FLOPS = 10**6

#: Above :data:`HYPER_MAX_TENSORS` and up to this many tensors, ``"tnrnn"`` starts from cotengra's greedy
#: path instead of ``auto-hq`` and refines it by a small seeded forest (4 trees, 1 restart): on the README's
#: bench (L = 2, T = 12, 181 tensors) auto-hq alone overran the 10 s planning budget of a loaded machine.
LARGE_MAX_TENSORS = 400

#: A named hyper-optimizer (``"hyper"``, ``"kahypar"``) searching without a time budget stops after
#: :func:`hyper_max_time` seconds: its trials, else up to :data:`HYPER_MAX_SECONDS`, grow with the network.
HYPER_SECONDS_PER_TENSOR = 0.05
HYPER_MIN_SECONDS = 5.0
HYPER_MAX_SECONDS = 60.0

#: Seconds of path search per tensor and optimizer at 1000 tensors, for work estimates before planning big
#: networks; the time grows like ``n^1.5`` (:func:`plan_seconds`).  Measured on compiled depth-2 networks
#: (Intel Xeon, 2 cores): greedy planned 2581 tensors in 0.16 s and 9961 in 1.05 s (exponent 1.4),
#: recurrence 0.06 s and 0.35 s; greedy and recurrence on a 60k-tensor network took about 1.1e-4 s per
#: tensor each (AMD EPYC, ``tnrnn compile -L 2 -R 3 -M 3 -T 200``). The constant is several times these.
PLAN_SECONDS_PER_TENSOR = 2e-4

#: Greedy runs per plan of the randomized optimizers (opt_einsum's ``random-greedy`` runs 32, ``auto-hq``
#: and so ``tnrnn`` run ``random-greedy-128`` on large networks: 44 s for 2581 tensors, measured).
_PLAN_REPEATS = {"random-greedy": 32, "random-greedy-128": 128, "auto-hq": 128, DEFAULT_OPTIMIZER: 128}

#: Commands refuse to plan when the estimate (:data:`PLAN_SECONDS_PER_TENSOR`) is above this many seconds.
MAX_PLAN_SECONDS = 120.0

PathFinder = Callable[[list, tuple, dict], Any]


def plan_seconds(name: str, num_tensors: int) -> float:
    """Estimated seconds for the optimizer ``name`` to plan a network of ``num_tensors`` tensors.

    ``PLAN_SECONDS_PER_TENSOR * n * sqrt(n / 1000)`` times the greedy runs of
    the randomized optimizers; a named hyper-optimizer's time budget
    (:func:`hyper_max_time`).  An order of magnitude for refusing minutes of
    search before it starts, not a prediction.

    Examples
    --------
    >>> plan_seconds("greedy", 1000), plan_seconds("random-greedy", 1000)
    (0.2, 6.4)
    >>> plan_seconds("greedy", 135451) > MAX_PLAN_SECONDS
    True
    """
    n = max(int(num_tensors), 1)
    info = _OPTIMIZERS.get(name)
    if info is not None and info.hyper_methods is not None:
        return hyper_max_time(n)
    return round(_PLAN_REPEATS.get(name, 1) * PLAN_SECONDS_PER_TENSOR * n * (n / 1000) ** 0.5, 6)


@dataclass(frozen=True)
class OptimizerInfo:
    """What tnrnn knows about one named optimizer.

    Attributes
    ----------
    name : str
    finder : callable
        ``finder(inputs, output, size_dict)`` returning a
        ``cotengra.ContractionTree`` or a linear path.
    requires : str or None
        An optional module the finder needs.
    source : str
        ``"opt_einsum"``, ``"cotengra"``, ``"builtin"`` (tnrnn's own) or ``"user"``.
    max_tensors : int or None
        Exhaustive searches refuse networks with more tensors.
    hyper_methods : tuple of str or None
        For cotengra hyper-optimizers: their methods (``()`` for cotengra's
        defaults); ``None`` for every other optimizer.
    hyper_repeats : int
        Trials of a hyper-optimizer when no time budget is given.
    """

    name: str
    finder: PathFinder
    requires: str | None = None
    source: str = "user"
    max_tensors: int | None = None
    hyper_methods: tuple[str, ...] | None = None
    hyper_repeats: int = 16

    @property
    def available(self) -> bool:
        """Whether the optional module it needs is installed."""
        return self.requires is None or importlib.util.find_spec(self.requires) is not None


_OPTIMIZERS: dict[str, OptimizerInfo] = {}


def register_optimizer(name: str, finder: PathFinder, *, requires: str | None = None, source: str = "user",
                       max_tensors: int | None = None) -> None:
    """Register a path optimizer under ``name``.

    Parameters
    ----------
    name : str
        The name ``optimize=`` will accept.
    finder : callable
        ``finder(inputs, output, size_dict)`` returning a
        ``cotengra.ContractionTree`` or a linear path.
    requires : str, optional
        A module the finder needs; :func:`list_optimizers` hides the name when
        it is missing.
    source : str
        Where the optimizer comes from (``"user"`` by default).
    max_tensors : int, optional
        Refuse networks with more tensors (for exhaustive searches, whose
        time explodes).
    """
    if not isinstance(name, str) or not name:
        raise InvalidParameterError("name", name, "a non-empty string")
    _OPTIMIZERS[name] = OptimizerInfo(name, finder, requires, source, max_tensors)


def list_optimizers(available: bool = True) -> tuple[str, ...]:
    """Names ``optimize=`` accepts.

    Parameters
    ----------
    available : bool
        Only names whose optional dependencies are installed (default).

    Examples
    --------
    >>> names = list_optimizers()
    >>> "greedy" in names and "recurrence" in names and DEFAULT_OPTIMIZER in names
    True
    """
    return tuple(name for name, info in _OPTIMIZERS.items() if not available or info.available)


def optimizer_info(name: str) -> OptimizerInfo:
    """The registry entry of ``name``.

    Raises
    ------
    InvalidParameterError
        For a name that is not registered.
    """
    info = _OPTIMIZERS.get(name) if isinstance(name, str) else None
    if info is None:
        raise InvalidParameterError("optimize", name, "one of " + ", ".join(list_optimizers())
                                    + ", an optimizer object or a path")
    return info


def max_tensors(name: str) -> int | None:
    """The most tensors the named optimizer is given (``None``: no limit).

    Examples
    --------
    >>> max_tensors("optimal"), max_tensors("greedy")
    (8, None)
    """
    return optimizer_info(name).max_tensors


def optimizer_name(optimize: OptimizeLike) -> str:
    """A label for any ``optimize`` value: the name, ``"explicit path"`` or the object's type.

    Examples
    --------
    >>> optimizer_name("greedy"), optimizer_name([(0, 1)])
    ('greedy', 'explicit path')
    """
    if isinstance(optimize, str):
        return optimize
    if isinstance(optimize, (list, tuple)):
        return "explicit path"
    return type(optimize).__name__


def fresh(optimize: OptimizeLike, max_time: float | None = None) -> OptimizeLike:
    """The ``optimize`` value for one new contraction.

    Hyper-optimizers keep state across searches, so a named one (``"hyper"``,
    ``"kahypar"``) becomes a new ``cotengra.HyperOptimizer``, stopped after
    ``max_time`` seconds when given (else after its registered number of
    trials).  Every other value is returned as is.
    """
    if not isinstance(optimize, str):
        return optimize
    info = optimizer_info(optimize)
    if info.hyper_methods is None:
        return optimize
    import cotengra as ctg

    return ctg.HyperOptimizer(methods=list(info.hyper_methods) or None,
                              max_repeats=info.hyper_repeats if max_time is None else 128, max_time=max_time,
                              parallel=False, reconf_opts=None, progbar=False, on_trial_error="ignore")


def find_tree(inputs: Sequence[Sequence[str]], output: Sequence[str], size_dict: dict,
              optimize: OptimizeLike = DEFAULT_OPTIMIZER):
    """A ``cotengra.ContractionTree`` for the contraction, from any ``optimize`` value.

    Names are looked up in the registry (checking requirements and size
    limits); everything else goes through cotengra's ``find_tree`` dispatch.

    Raises
    ------
    InvalidParameterError
        For an unknown name, or an exhaustive optimizer given more tensors
        than :func:`max_tensors`.
    MissingDependencyError
        When the optimizer's optional module is missing.
    """
    from cotengra.interface import find_tree as ctg_find_tree

    register_presets()
    if isinstance(optimize, str):
        info = optimizer_info(optimize)
        if not info.available:
            raise MissingDependencyError(info.requires, f"the {optimize!r} path optimizer")
        if info.max_tensors is not None and len(inputs) > info.max_tensors:
            raise InvalidParameterError(
                "optimize", optimize,
                f"a faster optimizer for {len(inputs)} tensors ({optimize!r} is exhaustive and limited to "
                f"{info.max_tensors}; try 'auto-hq', 'hyper' or 'recurrence')")
        optimize = info.finder(inputs, output, size_dict)
    elif not (hasattr(optimize, "search") or callable(optimize) or isinstance(optimize, (list, tuple))
              or hasattr(optimize, "get_path")):
        raise InvalidParameterError("optimize", optimize, "an optimizer name, an optimizer object or a path")
    elif callable(optimize) and not hasattr(optimize, "search"):
        # a plain path function (opt_einsum's signature): sets in, linear path out
        optimize = list(optimize([set(i) for i in inputs], set(output), dict(size_dict)))
    elif isinstance(optimize, (list, tuple)):
        optimize = [tuple(step) for step in optimize]
    return ctg_find_tree(inputs, output, size_dict, optimize)


# -- the finders ---------------------------------------------------------------------------------------
def _opt_einsum_finder(name: str) -> PathFinder:
    def finder(inputs, output, size_dict):
        import opt_einsum as oe

        return list(oe.paths.get_path_fn(name)([set(i) for i in inputs], set(output), dict(size_dict)))

    return finder


def hyper_max_time(num_tensors: int) -> float:
    """Seconds a named hyper-optimizer may search a network of ``num_tensors`` tensors (tnrnn's budget).

    Grows with the network (:data:`HYPER_SECONDS_PER_TENSOR`), between
    :data:`HYPER_MIN_SECONDS` and :data:`HYPER_MAX_SECONDS`, so that planning
    never takes minutes unless a configured optimizer object asks for it.

    Examples
    --------
    >>> hyper_max_time(10), hyper_max_time(400), hyper_max_time(10**6)
    (5.0, 20.0, 60.0)
    """
    return float(min(max(HYPER_SECONDS_PER_TENSOR * num_tensors, HYPER_MIN_SECONDS), HYPER_MAX_SECONDS))


def _hyper_search(name: str) -> PathFinder:
    def finder(inputs, output, size_dict):
        optimizer = fresh(name)
        optimizer.max_time = hyper_max_time(len(inputs))   # its trials, or this many seconds
        return optimizer.search(inputs, output, size_dict)

    return finder


def _cotengra_greedy(inputs, output, size_dict):
    from cotengra.pathfinders.path_basic import GreedyOptimizer

    return GreedyOptimizer().search(inputs, output, size_dict)


def path_cache_dir() -> str | None:
    """Where the default optimizer keeps its refined paths on disk (``None``: no disk cache).

    ``$TNRNN_CACHE_DIR`` when set (``"off"`` or an empty value disable the
    cache), else ``$XDG_CACHE_HOME/tnrnn/paths`` (``~/.cache/tnrnn/paths``).
    One small JSON file per contraction, named by a hash of its structure;
    a file that cannot be read is ignored and planned again.  Min-cuts are
    cached in its subfolder ``mincuts`` (:mod:`tnrnn.network.mincut`).

    Why not ``cotengra.ReusableHyperOptimizer(directory=...)`` (issue 20
    asked; measured with cotengra 0.8.3 on the 55-tensor network of a
    ``(2, 3, 3)`` RAC at ``T = 6``, Intel Xeon, 2 cores): a cache hit costs
    the same (0.27 ms through a ``cotengra.reusable.ReusableOptimizer``
    subclass wrapping this optimizer, 0.26 ms here, both rebuilding the
    tree; 0.06 ms for the JSON read alone), but cotengra's ``DiskDict``
    stores ``pickle`` files and loads them with ``pickle.load``: a file
    planted in the cache folder ran its code on the next plan (checked), and
    a corrupt file raised ``UnboundLocalError`` instead of being planned
    again; its writes are not atomic, so a concurrent reader can see half a
    file.  The path cache must never execute what a folder holds (the same
    rule as :mod:`tnrnn.bridge.files`), so it stays a JSON file per
    contraction, written atomically (``os.replace``).

    Examples
    --------
    >>> import os
    >>> saved = os.environ.get("TNRNN_CACHE_DIR")
    >>> os.environ["TNRNN_CACHE_DIR"] = "off"
    >>> path_cache_dir() is None
    True
    >>> _ = os.environ.pop("TNRNN_CACHE_DIR") if saved is None else os.environ.update(TNRNN_CACHE_DIR=saved)
    """
    import os

    env = os.environ.get(CACHE_ENV)
    if env is not None:
        return None if env.strip().lower() in ("", "off", "none", "0") else env
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "tnrnn", "paths")


#: Bumped when the refinement changes, so that old cached paths are not reused.
_CACHE_VERSION = 2


def _cache_file(key, folder: str | None = None) -> str | None:
    """The cache file of ``key`` (JSON-able), in :func:`path_cache_dir` or its subfolder ``folder``."""
    import hashlib
    import json
    import os

    directory = path_cache_dir()
    if directory is None:
        return None
    if folder is not None:
        directory = os.path.join(directory, folder)
    digest = hashlib.sha256(json.dumps([_CACHE_VERSION, *key]).encode()).hexdigest()[:40]
    return os.path.join(directory, f"{digest}.json")


def _valid_path(steps, n: int) -> tuple | None:
    """``steps`` as a contraction path of ``n`` tensors if it is one (pairs of distinct live positions), else ``None``."""
    if not isinstance(steps, list) or len(steps) != max(n - 1, 0):
        return None
    out, live = [], n
    for step in steps:
        if (not isinstance(step, list) or len(step) != 2
                or not all(isinstance(i, int) and not isinstance(i, bool) and 0 <= i < live for i in step)
                or step[0] == step[1]):
            return None
        out.append((step[0], step[1]))
        live -= 1
    return tuple(out)


def cache_read(key, folder: str | None = None):
    """The JSON value cached under ``key`` (or ``None``): a file of the cache may be anything, so it is read
    with :func:`tnrnn.safe_io.read_json_file` and the caller validates what it uses."""
    from ..safe_io import read_json_file

    path = _cache_file(key, folder)
    return None if path is None else read_json_file(path)


def cache_write(key, value, folder: str | None = None) -> None:
    """Cache the JSON-able ``value`` under ``key``, atomically (``os.replace``); a read-only or full
    cache folder only costs a recomputation."""
    import json
    import os
    import tempfile

    target = _cache_file(key, folder)
    if target is None:
        return
    try:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(target), suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(value, fh)
        os.replace(tmp, target)  # atomic: readers see the old file or the new one
    except OSError:
        pass


def _cache_read(key) -> tuple | None:
    """The cached path for ``key``, or ``None``: whatever is under the cache name is validated, never trusted."""
    record = cache_read(key)
    if not isinstance(record, dict):
        return None
    return _valid_path(record.get("path"), len(key[0]))


def _cache_write(key, path_) -> None:
    cache_write(key, {"path": [list(step) for step in path_]})


#: Paths of contractions with at least this many tensors go to the disk cache (``auto-hq`` alone
#: takes 0.1-0.4 s on 50-100 tensors; smaller ones plan in milliseconds).
DISK_CACHE_MIN_TENSORS = 24


@functools.lru_cache(maxsize=256)
def _tnrnn_path(inputs: tuple, output: tuple, sizes: tuple) -> tuple:
    import cotengra as ctg
    import opt_einsum as oe

    key = (inputs, output, sizes)
    on_disk = len(inputs) >= DISK_CACHE_MIN_TENSORS
    if on_disk:
        cached = _cache_read(key)
        if cached is not None:
            return cached
    size_dict = dict(sizes)
    if HYPER_MAX_TENSORS < len(inputs) <= LARGE_MAX_TENSORS:
        # auto-hq (128 random-greedy trials) takes many seconds here (17 s on 181 tensors, L = 2, T = 12, on a
        # loaded machine); cotengra's greedy path refined by a small seeded forest of subtree reconfigurations
        # is as good as the large forest's path and takes a fraction of its time
        best = _cotengra_greedy(inputs, output, size_dict)
        if not isinstance(best, ctg.ContractionTree):
            best = ctg.ContractionTree.from_path(inputs, output, size_dict, path=best)
        tree = best.subtree_reconfigure_forest(num_trees=4, num_restarts=1, subtree_size=8, parallel=False,
                                               minimize="flops", seed=0, progbar=False)
        if tree.contraction_cost() < best.contraction_cost():
            best = tree
        found = tuple(tuple(int(i) for i in step) for step in best.get_path())
        if on_disk:
            _cache_write(key, found)
        return found
    path = oe.paths.get_path_fn("auto-hq")([set(i) for i in inputs], set(output), dict(size_dict))
    best = ctg.ContractionTree.from_path(inputs, output, size_dict, path=path)
    if len(inputs) <= HYPER_MAX_TENSORS and best.contraction_cost() >= HYPER_MIN_FLOPS:
        # a forest of subtree reconfigurations (about 2 s on 90 tensors) recovers the paths a
        # generous hyper-optimizer finds where greedy-type paths are 20-35% worse
        tree = best.subtree_reconfigure_forest(num_trees=8, num_restarts=2, subtree_size=8, parallel=False,
                                               minimize="flops", progbar=False)
        if tree.contraction_cost() < best.contraction_cost():
            best = tree
    found = tuple(tuple(int(i) for i in step) for step in best.get_path())
    if on_disk:
        _cache_write(key, found)
    return found


def _tnrnn_finder(inputs, output, size_dict):
    """The default: opt_einsum's ``auto-hq`` path, refined for up to :data:`HYPER_MAX_TENSORS` tensors
    and at least :data:`HYPER_MIN_FLOPS` by cotengra's subtree-reconfiguration forest (8 trees, 2
    restarts, subtrees of 8), keeping the path with fewer flops; from there to
    :data:`LARGE_MAX_TENSORS` tensors, cotengra's greedy path refined by a seeded forest of 4 trees. Paths are memoized per contraction
    in the process, and on disk (:func:`path_cache_dir`) from :data:`DISK_CACHE_MIN_TENSORS` tensors.
    """
    key = (tuple(tuple(i) for i in inputs), tuple(output), tuple(sorted(size_dict.items())))
    return list(_tnrnn_path(*key))


def recurrence_path(inputs: Sequence[Sequence[str]], output: Sequence[str],
                    size_dict: dict | None = None) -> list[tuple[int, int]]:
    """tnrnn's structure-aware path, as an SSA path.

    Tensors are taken in the given order; each is contracted with every
    earlier intermediate it shares a summed index with (open indices do not
    join: two copies sharing only ``x_t`` stay apart).  Whatever is left is
    then joined in order.  On a compiled network (post-order tensors) the
    intermediates are the hidden states ``h^l_t`` as functions of the inputs
    below them.

    Examples
    --------
    >>> recurrence_path([("a",), ("a", "b"), ("b", "x")], ("x",))    # (a . ab) . bx
    [(0, 1), (3, 2)]
    """
    output = set(output)
    remaining: dict[str, int] = {}
    for inds in inputs:
        for ind in set(inds):
            remaining[ind] = remaining.get(ind, 0) + 1
    alive: dict[int, set[str]] = {}
    path: list[tuple[int, int]] = []
    next_id = len(inputs)

    def join(i: int, inds_i: set[str], j: int, inds_j: set[str]) -> tuple[int, set[str]]:
        nonlocal next_id
        path.append((i, j))
        new = inds_i | inds_j
        for ind in inds_i & inds_j:
            remaining[ind] -= 1
        keep = {ind for ind in new if ind in output or remaining[ind] > 1}
        for ind in new - keep:
            remaining[ind] -= 1
        next_id += 1
        return next_id - 1, keep

    for k, inds in enumerate(inputs):
        cur, cur_inds = k, set(inds)
        while True:
            partner = next((j for j in sorted(alive) if (alive[j] & cur_inds) - output), None)
            if partner is None:
                break
            cur, cur_inds = join(partner, alive.pop(partner), cur, cur_inds)
        alive[cur] = cur_inds
    ids = sorted(alive)
    cur, cur_inds = ids[0], alive[ids[0]]
    for j in ids[1:]:
        cur, cur_inds = join(cur, cur_inds, j, alive[j])
    return path


def _recurrence_finder(inputs, output, size_dict):
    import cotengra as ctg

    return ctg.ContractionTree.from_path(inputs, output, size_dict, ssa_path=recurrence_path(inputs, output))


#: Exhaustive searches are refused above these sizes (the one table; the benchmark reads it through
#: :func:`max_tensors`).  Measured on compiled RAC networks (R = M = 2, hyperindex form, whose
#: hyperindices make these searches slow) on a 2-core AMD EPYC: ``optimal`` plans 7 tensors in 0.06 s
#: and did not finish 9 in 10 s; ``dp`` plans 19 tensors in 0.3 s, 23 in 2.7 s, 25 in 8.7 s, 27 in
#: 44 s and 29 in 25 s (a deep network), 31 in 269 s.
_EXHAUSTIVE_LIMITS = {"optimal": 8, "dp": 24}


def _register_defaults() -> None:
    for name in ("greedy", "dp", "optimal", "random-greedy", "random-greedy-128", "auto", "auto-hq"):
        register_optimizer(name, _opt_einsum_finder(name), source="opt_einsum",
                           max_tensors=_EXHAUSTIVE_LIMITS.get(name))
    register_optimizer("cotengra-greedy", _cotengra_greedy, source="cotengra")
    for name, methods, repeats, requires in (("kahypar", ("kahypar",), 4, "kahypar"), ("hyper", (), 16, None)):
        _OPTIMIZERS[name] = OptimizerInfo(name, _hyper_search(name), requires, "cotengra", None, methods, repeats)
    register_optimizer("recurrence", _recurrence_finder, source="builtin")
    register_optimizer(DEFAULT_OPTIMIZER, _tnrnn_finder, source="builtin")


_register_defaults()


@functools.cache
def register_presets() -> None:
    """Register ``"tnrnn"`` and ``"recurrence"`` as cotengra (and opt_einsum) presets.

    Afterwards quimb's ``TensorNetwork.contract(optimize="tnrnn")`` and
    ``opt_einsum.contract(..., optimize="recurrence")`` use tnrnn's paths.

    Examples
    --------
    >>> import quimb.tensor as qtn
    >>> from tnrnn import RAC, compile
    >>> register_presets()
    >>> net = compile(RAC.random(1, 2, 2, seed=0), 3)
    >>> A = net.to_hyper().contract(optimize="tnrnn")
    >>> bool(abs(A.data - net.grid_tensor()).max() < 1e-12)
    True
    """
    from cotengra.interface import register_preset

    def path_of(finder):
        def path_fn(inputs, output, size_dict, memory_limit=None, **kwargs):
            found = finder([tuple(i) for i in inputs], tuple(output), dict(size_dict))
            return found.get_path() if hasattr(found, "get_path") else found

        return path_fn

    for name in ("recurrence", DEFAULT_OPTIMIZER):
        register_preset(name, path_of(_OPTIMIZERS[name].finder))
