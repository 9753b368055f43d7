"""Teachers, floors and the teacher-student records, checked against an independent recomputation.

The references here read ``teacher.npz`` with plain ``numpy.load`` and rebuild
the teacher's grid by a plain recurrence over ``itertools.product`` sequences
(not tnrnn's prefix enumeration or its circuit classes), take numpy's SVD, and
recompute every record's floor and every student's full-grid error from the
weights in its record.
"""

import itertools
import json
import os
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tnrnn.errors import InvalidParameterError
from tnrnn.stats import holm
from tnrnn.tasks.teacher import (
    choose_teacher,
    draw_teacher,
    floor_at,
    grid_values,
    load_teacher,
    save_teacher,
    start_end_spectrum,
)
from tnrnn.tasks.teacher_report import teacher_table

SHIPPED = os.path.join(os.path.dirname(__file__), os.pardir, "docs", "data", "teacher")
SHIPPED_KINDS = os.path.join(os.path.dirname(__file__), os.pardir, "docs", "data", "teacher_kinds")


def _onehot_all(M, T, dtype=float):
    seqs = np.array(list(itertools.product(range(M), repeat=T)), dtype=int)
    return np.eye(M, dtype=int).astype(dtype)[seqs]     # (M^T, T, M), x_0 most significant


def plain_rac(WH, WI, WO, M, T):
    """A RAC's first output on every sequence: h_t = (W^H h_{t-1}) * (W^I u_t), first hidden factor 1."""
    below = _onehot_all(M, T, np.asarray(WO).dtype)
    for wh, wi in zip(WH, WI, strict=True):
        h, outs = None, []
        for t in range(T):
            inp = below[:, t] @ wi.T
            h = inp if t == 0 else (h @ wh.T) * inp
            outs.append(h)
        below = np.stack(outs, 1)
    return below[:, -1] @ np.asarray(WO)[0]


def plain_ssm(layers, WO, M, T):
    """h_t = (A u_t) * h_{t-1} + B u_t, h_{-1} = 0; y_t = (C u_t) * h_t."""
    below = _onehot_all(M, T, np.asarray(WO).dtype)
    for A, B, C in layers:
        h, outs = np.zeros((below.shape[0], A.shape[0]), dtype=below.dtype), []
        for t in range(T):
            u = below[:, t]
            h = (u @ A.T) * h + u @ B.T
            outs.append((u @ C.T) * h)
        below = np.stack(outs, 1)
    return below[:, -1] @ np.asarray(WO)[0]


def plain_gla(layers, WO, M, T):
    """S_t = diag(A u_t) S_{t-1} + (K u_t)(V u_t)^T, S_{-1} = 0; y_t = S_t^T (Q u_t)."""
    below = _onehot_all(M, T, np.asarray(WO).dtype)
    for A, K, V, Q in layers:
        R = A.shape[0]
        S, outs = np.zeros((below.shape[0], R, R), dtype=below.dtype), []
        for t in range(T):
            u = below[:, t]
            S = (u @ A.T)[:, :, None] * S + (u @ K.T)[:, :, None] * (u @ V.T)[:, None, :]
            outs.append(np.einsum("nij,ni->nj", S, u @ Q.T))
        below = np.stack(outs, 1)
    return below[:, -1] @ np.asarray(WO)[0]


#: Each kind's parameter names, in the order its plain recurrence above takes them.
PLAIN = {"rac": (None, ("WH", "WI")), "ssm": (plain_ssm, ("A", "B", "C")), "gla": (plain_gla, ("A", "K", "V", "Q"))}


def plain_grid(kind, arrays, depth, M, T, exact=False):
    """The grid of a circuit of ``kind`` given as ``{name}{layer}`` arrays and ``WO`` (teacher.npz, a record's
    ``weights``), by the plain recurrences above; ``exact``: in rational arithmetic (``Fraction``, every float
    weight taken as the dyadic rational it is)."""
    func, names = PLAIN[kind]

    def array(w):
        w = np.asarray(w, dtype=np.float64)
        return np.vectorize(Fraction, otypes=[object])(w) if exact else w

    layers = [tuple(array(arrays[f"{n}{k}"]) for n in names) for k in range(1, depth + 1)]
    WO = array(arrays["WO"])
    if kind == "rac":
        return plain_rac([wh for wh, _ in layers], [wi for _, wi in layers], WO, M, T)
    return func(layers, WO, M, T)


def rational_rank(rows):
    """The rank of a matrix of ``Fraction`` entries by Gaussian elimination (exact)."""
    rows = [list(r) for r in rows]
    rank, cols = 0, len(rows[0])
    for c in range(cols):
        pivot = next((i for i in range(rank, len(rows)) if rows[i][c] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for i in range(rank + 1, len(rows)):
            if rows[i][c] != 0:
                f = rows[i][c] / rows[rank][c]
                rows[i] = [a - f * b for a, b in zip(rows[i], rows[rank], strict=True)]
        rank += 1
    return rank


def float_rank(values, M, T):
    """The rank of the Start-End matricization, singular values counted above 1e-9 of the largest: the grid's
    float64 rounding (sums of products of T factors) leaves singular values near 1e-15 that numpy's default
    tolerance (about 2e-15 here) would count."""
    s = np.linalg.svd(np.asarray(values).reshape(M ** (T // 2), -1), compute_uv=False)
    return int(np.sum(s > 1e-9 * s[0]))


def ey_floors(values, M, T):
    """Eckart-Young floors at every rank 0..n of the Start-End matricization (numpy SVD, float64)."""
    s = np.linalg.svd(np.asarray(values).reshape(M ** (T // 2), -1), compute_uv=False) ** 2
    return [s[k:].sum() / s.sum() for k in range(len(s) + 1)]


def _teacher_grid_from_npz(path, M, T):
    """The grid of a saved rac, ssm or gla teacher, by the plain recurrences above."""
    with np.load(path, allow_pickle=False) as f:
        data = {k: f[k] for k in f.files}
    kind = str(data["meta_kind"])
    if kind == "rac":
        assert data["WH1"].shape == (int(data["meta_hidden"]),) * 2
    return plain_grid(kind, data, int(data["meta_depth"]), M, T)


def check_records(folder):
    """Every record of a teacher run against the independent recomputation; returns the students checked."""
    with open(os.path.join(folder, "records.jsonl")) as f:
        records = [json.loads(line) for line in f if line.strip()]
    students = [r for r in records if r["kind"] == "teacher-student"]
    assert students
    grids = {}
    for r in records:
        t = r["teacher"]
        key = (t["file"], r["length"])
        if key not in grids:
            grids[key] = _teacher_grid_from_npz(os.path.join(folder, t["file"]), t["inputs"], r["length"])
        A = grids[key]
        floors = ey_floors(A, r["inputs"], r["length"])
        if r["kind"] == "teacher-spectrum":
            n = len(floors) - 1
            assert r["floors"][:n + 1] == pytest.approx(floors[:len(r["floors"])], abs=1e-10)
            continue
        ref = floors[min(r["rank_upper"], len(floors) - 1)]
        assert r["floor"] == pytest.approx(ref, abs=1e-10), r["key"]
        assert r["floor_depth1"] == pytest.approx(floors[min(r["rank_upper_depth1"], len(floors) - 1)], abs=1e-10)
        assert r["test_error_method"] == "full grid"
        assert r["test_error"] >= r["floor"] - 1e-9, r["key"]          # no student beats its certified floor
        if "weights" in r:
            B = plain_grid(r.get("student_circuit", "rac"), r["weights"], r["depth"], r["inputs"], r["length"])
            assert r["test_error"] == pytest.approx(np.sum((A - B) ** 2) / np.sum(A ** 2), rel=1e-8, abs=1e-12)
    return students


def test_grid_values_equals_a_plain_recurrence_for_rac_and_ssm():
    rac = draw_teacher("rac", 2, 3, 3, seed=4)
    WH = list(rac.hidden_weights)
    WI = list(rac.input_weights)
    assert np.allclose(grid_values(rac, 6), plain_rac(WH, WI, rac.output_weights, 3, 6), rtol=1e-12, atol=1e-12)
    ssm = draw_teacher("ssm", 2, 2, 3, seed=1, init="gaussian")
    layers = [(lp["A"], lp["B"], lp["C"]) for lp in ssm.layers]
    assert np.allclose(grid_values(ssm, 4), plain_ssm(layers, ssm.output_weights, 3, 4), rtol=1e-12, atol=1e-12)


def test_teacher_npz_names_and_round_trip(tmp_path):
    for kind, names in (("rac", ["WH1", "WH2", "WI1", "WI2", "WO"]), ("ssm", ["A1", "A2", "B1", "B2", "C1", "C2",
                                                                               "WO"])):
        t = draw_teacher(kind, 2, 3, 2, seed=0)
        path = tmp_path / f"{kind}.npz"
        save_teacher(path, t, {"kind": kind, "depth": 2, "hidden": 3, "inputs": 2, "seed": 0})
        with np.load(path, allow_pickle=False) as f:
            assert sorted(k for k in f.files if not k.startswith("meta_")) == names
        back, meta = load_teacher(path)
        assert meta["kind"] == kind and np.array_equal(grid_values(back, 4), grid_values(t, 4))


def test_spread_rac_teacher_is_orthogonal_with_sign_inputs():
    t = draw_teacher("rac", 3, 4, 3, seed=7)
    for w in (*t.hidden_weights, *t.input_weights[1:]):
        assert np.allclose(w @ w.T, np.eye(4), atol=1e-12)
    assert set(np.abs(t.input_weights[0]).ravel()) == {1.0}


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(0.0, 10.0), min_size=1, max_size=12), st.integers(0, 14))
def test_floor_is_the_tail_share_and_decreases_with_rank(weights, rank):
    s = np.sort(np.array(weights))[::-1]
    if s.sum() == 0:
        return
    s = s / s.sum()
    assert floor_at(s, 0) == pytest.approx(1.0)
    assert floor_at(s, rank) == pytest.approx(sum(float(v) for v in s[rank:]), abs=1e-12)
    assert floor_at(s, rank + 1) <= floor_at(s, rank) + 1e-15


def test_chosen_teacher_meets_the_rule_and_an_impossible_rule_is_refused():
    t, info = choose_teacher("rac", 2, 3, 3, [4, 6], width=2, seed=0)
    for T in (4, 6):
        floors = ey_floors(plain_rac(list(t.hidden_weights), list(t.input_weights), t.output_weights, 3, T), 3, T)
        assert floors[2] >= 0.05
        assert np.allclose(start_end_spectrum(info["grids"][T], 3, T).sum(), 1.0)
    assert all(f < 0.05 for _, f in info["tries"][:-1]) and info["tries"][-1][0] == info["seed"]
    with pytest.raises(InvalidParameterError, match="--min-floor"):
        choose_teacher("rac", 1, 2, 2, [4], width=2, min_floor=0.5, max_tries=3)   # depth-1 width 2: rank <= 2


def test_odd_length_refused():
    with pytest.raises(InvalidParameterError, match="length"):
        grid_values(draw_teacher("rac", 1, 2, 2), 5)


def _holm_reject(p, alpha):
    """The Holm step-down rejections at level alpha, by the definition."""
    order = np.argsort(p)
    m, reject = len(p), np.zeros(len(p), bool)
    for k, i in enumerate(order):
        if p[i] > alpha / (m - k):
            break
        reject[i] = True
    return reject


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=10), st.sampled_from([0.01, 0.05, 0.1]))
def test_holm_adjusted_values_reject_what_the_step_down_rule_rejects(p, alpha):
    adj = np.array(holm(p))
    assert np.array_equal(adj <= alpha, _holm_reject(np.array(p), alpha)) or np.any(np.isclose(adj, alpha))
    assert np.all(adj >= np.array(p) - 1e-15)


def test_tiny_run_records_match_the_independent_recomputation(tmp_path):
    pytest.importorskip("torch")
    from tnrnn.tasks.teacher_train import TRAIN_DEFAULTS, run_experiment

    spec = {"teacher_circuit": "rac", "teacher_depth": 2, "teacher_hidden": [3], "teacher_seed": 0,
            "teacher_init": "spread", "min_floor": 0.05, "inputs": 3, "lengths": [4], "depths": [1, 2, 3],
            "hidden": 2, "budgets": ["none", "dof"], "seeds": 2,
            **{**TRAIN_DEFAULTS, "max_steps": 20, "eval_every": 10, "val_size": 32, "batch_size": 16}}
    records = run_experiment(spec, tmp_path)
    students = check_records(tmp_path)
    assert {(r["depth"], r["hidden"]) for r in students} == {(1, 2), (2, 2), (2, 1), (3, 2), (3, 1)}
    assert len(students) == 10 and len(records) == 11
    by = {(r["depth"], r["hidden"]): r for r in students}
    assert by[(1, 2)]["rank_upper"] == 2 and by[(2, 1)]["rank_upper"] == 1     # Theorem 1: depth 1 rank <= R
    assert by[(2, 2)]["floor"] < 1e-12 < by[(1, 2)]["floor"]                  # rank 6 of a 9 x 9 teacher of rank <= 9
    rows = teacher_table(records)
    assert [(r["L"], r["H"]) for r in rows] == [(1, 2), (2, 2), (2, 1), (3, 2), (3, 1)]
    again = run_experiment(spec, tmp_path)                                    # resumed: nothing retrained
    assert [r["key"] for r in again] == [r["key"] for r in records]


def test_full_batch_run_on_the_whole_grid(tmp_path):
    pytest.importorskip("torch")
    from tnrnn.tasks.teacher_train import TRAIN_DEFAULTS, run_experiment

    spec = {"teacher_circuit": "rac", "teacher_depth": 2, "teacher_hidden": [2], "teacher_seed": 0,
            "teacher_init": "spread", "min_floor": 0.05, "inputs": 3, "lengths": [4], "depths": [1, 2],
            "hidden": 2, "budgets": ["none"], "seeds": 2,
            **{**TRAIN_DEFAULTS, "max_steps": 10, "eval_every": 5, "batch_size": 81}}     # 81 = 3^4: the grid
    run_experiment(spec, tmp_path)
    students = check_records(tmp_path)
    assert len(students) == 4
    for r in students:   # validated on the whole grid with the readout refitted there: the test error itself
        assert r["val_error"] == pytest.approx(r["test_error"], rel=1e-6, abs=1e-9)


def test_ssm_teacher_with_rac_students(tmp_path):
    pytest.importorskip("torch")
    from tnrnn.tasks.teacher_train import TRAIN_DEFAULTS, run_experiment

    spec = {"teacher_circuit": "ssm", "teacher_depth": 2, "teacher_hidden": [2], "teacher_seed": 0,
            "teacher_init": "spread", "min_floor": 0.05, "inputs": 2, "lengths": [4], "depths": [1, 2],
            "hidden": 2, "budgets": ["none"], "seeds": 2,
            **{**TRAIN_DEFAULTS, "max_steps": 10, "eval_every": 5, "batch_size": 8, "val_size": 16}}
    run_experiment(spec, tmp_path)
    with np.load(tmp_path / "teacher.npz", allow_pickle=False) as f:
        assert {"A1", "B1", "C1", "A2", "B2", "C2", "WO"} <= set(f.files)
    assert len(check_records(tmp_path)) == 4


@pytest.mark.skipif(not os.path.exists(os.path.join(SHIPPED, "records.jsonl")), reason="no shipped teacher run")
def test_shipped_cpu_preset_records_match_the_independent_recomputation():
    students = check_records(SHIPPED)
    assert {r["depth"] for r in students} == {1, 2, 3}
    counts = {}
    for r in students:
        k = (r["teacher"]["file"], r["length"], r["depth"], r["hidden"])
        counts[k] = counts.get(k, 0) + 1
    assert min(counts.values()) >= 20


def test_grid_values_equals_a_plain_recurrence_for_gla():
    gla = draw_teacher("gla", 2, 2, 3, seed=3)
    arrays = {f"{n}{k}": lp[n] for k, lp in enumerate(gla.layers, 1) for n in lp} | {"WO": gla.output_weights}
    assert np.allclose(grid_values(gla, 4), plain_grid("gla", arrays, 2, 3, 4), rtol=1e-12, atol=1e-12)


def _upper(kind, L, H, M, T):
    """The bound a student of ``kind`` must carry: the RAC closed forms, else ``kind_upper`` (docs/gated.rst)."""
    from tnrnn.circuits import CircuitSpec
    from tnrnn.cuts import Cut
    from tnrnn.ranks.bounds import closed_form_upper
    from tnrnn.ranks.kinds import kind_upper

    if kind == "rac":
        return closed_form_upper(L, H, M, Cut.start_end(T))
    return kind_upper(CircuitSpec(kind, L, H, M), Cut.start_end(T))


def _student_checks(folder, kinds):
    """:func:`check_records`, then: the bound is the certified bound of the student's kind and shape, and the
    float rank of the student's own Start-End matricization (numpy SVD) is at most that bound."""
    students = check_records(folder)
    assert {r["student_circuit"] for r in students} == set(kinds)
    for r in students:
        M, T, L, H = r["inputs"], r["length"], r["depth"], r["hidden"]
        up = _upper(r["student_circuit"], L, H, M, T)
        assert (r["rank_upper"], r["rank_upper_source"]) == (up.value, up.source)
        assert r["rank_upper_depth1"] == _upper(r["student_circuit"], 1, r["config"]["reference_hidden"], M, T).value
        B = plain_grid(r["student_circuit"], r["weights"], L, M, T)
        assert float_rank(B, M, T) <= r["rank_upper"]
        assert r["params"] == sum(np.size(w) for w in r["weights"].values())
    return students


def test_ssm_and_gla_students_match_the_independent_recomputation(tmp_path):
    pytest.importorskip("torch")
    from tnrnn.tasks.teacher_train import TRAIN_DEFAULTS, run_experiment

    spec = {"teacher_circuit": "rac", "teacher_depth": 2, "teacher_hidden": [3], "teacher_seed": 0,
            "teacher_init": "spread", "min_floor": 0.05, "inputs": 3, "lengths": [4], "depths": [1, 2],
            "hidden": 2, "budgets": ["none", "dof"], "seeds": 2, "student_circuits": ["ssm", "gla"],
            **{**TRAIN_DEFAULTS, "max_steps": 20, "eval_every": 10, "val_size": 32, "batch_size": 16}}
    records = run_experiment(spec, tmp_path)
    students = _student_checks(tmp_path, ["ssm", "gla"])
    for r in students[::3]:   # the exact rank over Q of the student's own 9 x 9 matricization is within its bound
        B = plain_grid(r["student_circuit"], r["weights"], r["depth"], 3, 4, exact=True)
        assert rational_rank(B.reshape(9, 9)) <= r["rank_upper"]
    # the depth-1 bound R + 1 = 3 is reached (so the check above is not vacuous there)
    assert max(rational_rank(plain_grid(r["student_circuit"], r["weights"], 1, 3, 4, exact=True).reshape(9, 9))
               for r in students if r["depth"] == 1) == 3
    # widths: gla at depth 2 and width 1 has 4 * 3 + 4 + 1 = 17 parameters, the nearest to depth 1's 4 * 2 * 3 + 2
    assert sorted({(r["student_circuit"], r["depth"], r["hidden"]) for r in students}) == [
        ("gla", 1, 2), ("gla", 2, 1), ("gla", 2, 2), ("ssm", 1, 2), ("ssm", 2, 1), ("ssm", 2, 2)]
    assert {r["student_circuit"]: r["rank_upper_depth1"] for r in students} == {"ssm": 3, "gla": 3}   # R + 1
    assert len({r["key"] for r in students}) == 12
    spectrum = next(r for r in records if r["kind"] == "teacher-spectrum")
    assert spectrum["rank_upper"]["gla-L1-H2"] == 3 and "L1-H2" not in spectrum["rank_upper"]
    rows = teacher_table(records)
    assert [(r["student"], r["L"], r["H"]) for r in rows] == [
        ("ssm", 1, 2), ("ssm", 2, 2), ("ssm", 2, 1), ("gla", 1, 2), ("gla", 2, 2), ("gla", 2, 1)]


def test_gla_teacher_with_gla_and_rac_students(tmp_path):
    pytest.importorskip("torch")
    from tnrnn.tasks.teacher_train import TRAIN_DEFAULTS, run_experiment

    spec = {"teacher_circuit": "gla", "teacher_depth": 2, "teacher_hidden": [2], "teacher_seed": 0,
            "teacher_init": "spread", "min_floor": 0.05, "inputs": 2, "lengths": [6], "depths": [1, 2],
            "hidden": 1, "budgets": ["none"], "seeds": 2, "student_circuits": ["rac", "gla"],
            **{**TRAIN_DEFAULTS, "max_steps": 10, "eval_every": 5, "val_size": 16, "batch_size": 8}}
    run_experiment(spec, tmp_path)
    students = check_records(tmp_path)
    gla = [r for r in students if r["student_circuit"] == "gla"]
    assert len(gla) == 4 and len(students) == 8
    from tnrnn.circuits import CircuitSpec
    from tnrnn.cuts import Cut
    from tnrnn.ranks.kinds import kind_upper

    for r in gla:    # width 1, T = 6, M = 2: depth 1 rank <= 2 (R + 1), depth 2 at the 8 x 8 grid's cap
        up = kind_upper(CircuitSpec("gla", r["depth"], 1, 2), Cut.start_end(6))
        assert r["rank_upper"] == up.value == (2 if r["depth"] == 1 else 8)
        B = plain_grid("gla", r["weights"], r["depth"], 2, 6)
        assert float_rank(B, 2, 6) <= r["rank_upper"]


@pytest.mark.parametrize("kind", ["ssm", "gla"])
def test_stacked_forward_is_each_seeds_circuit_module(kind):
    torch = pytest.importorskip("torch")
    from tnrnn.bridge.nn import CircuitModule
    from tnrnn.tasks.batched import StackedOptimizer
    from tnrnn.tasks.teacher_train import CircuitStack

    seeds = [0, 3, 5]
    stack = CircuitStack(kind, 2, 3, 3, seeds, dtype=torch.float64)
    x = torch.eye(3, dtype=torch.float64)[torch.randint(0, 3, (3, 7, 5), generator=torch.Generator().manual_seed(1))]
    for i, s in enumerate(seeds):    # the initial students: each seed's own spread circuit, in torch's module
        own = CircuitModule.from_circuit(draw_teacher(kind, 2, 3, 3, s, "spread"))
        assert torch.allclose(stack(x)[i], own(x[i])[:, 0], rtol=1e-12, atol=1e-12)
    opt = StackedOptimizer(stack, "adam", 1e-2)
    for _ in range(3):
        opt.zero_grad()
        (stack(x) ** 2).mean(1).sum().backward()
        opt.step()
    for i in range(len(seeds)):      # after training steps: a fresh module loaded with seed i's slice
        own = CircuitModule(kind, 2, 3, 3, seed=9, dtype=torch.float64)
        own.load_state_dict({k: v[i].detach() for k, v in stack.params.items()})
        out = own(x[i])[:, 0]
        assert torch.allclose(stack(x)[i], out, rtol=1e-12, atol=1e-12)
        wo = stack.params["output_weights"][i, 0]
        assert torch.allclose(stack.features(x)[i] @ wo, out, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kind", ["rac", "ssm", "gla"])
def test_dof_widths_count_the_kinds_own_module_parameters(kind):
    torch = pytest.importorskip("torch")
    from tnrnn.bridge.nn import circuit_module
    from tnrnn.circuits import random_circuit
    from tnrnn.tasks.teacher_train import student_widths

    def n_params(L, H, M=3):
        return sum(p.numel() for p in circuit_module(random_circuit(kind, L, H, M)).parameters())

    for R in (2, 3, 4):
        target = n_params(1, R)
        for L, H in student_widths([1, 2, 3], R, 3, ["dof"], kind):
            if L > 1:   # the width whose own module's parameter count is nearest the depth-1 student's
                gaps = {h: abs(n_params(L, h) - target) for h in range(1, R + 2)}
                assert gaps[H] == min(gaps.values())
    del torch


@pytest.mark.skipif(not os.path.exists(os.path.join(SHIPPED, "records.jsonl")), reason="no shipped teacher run")
def test_shipped_rac_records_keep_their_keys_and_configs():
    from tnrnn.tasks.teacher_train import TRAIN_DEFAULTS, student_config, student_key

    with open(os.path.join(SHIPPED, "records.jsonl")) as f:
        students = [r for r in map(json.loads, f) if r["kind"] == "teacher-student"]
    for r in students[::37]:
        c = r["config"]
        again = student_config("rac", c["depth"], c["hidden"], c["length"], c["seed"], c["reference_hidden"],
                               {k: c[k] for k in TRAIN_DEFAULTS})
        assert again == c and student_key(r["teacher"], again) == r["key"]   # --resume of old runs finds them
        ssm = student_config("ssm", c["depth"], c["hidden"], c["length"], c["seed"], c["reference_hidden"],
                             {k: c[k] for k in TRAIN_DEFAULTS})
        assert student_key(r["teacher"], ssm) != r["key"] and "-ssm-L" in student_key(r["teacher"], ssm)


@pytest.mark.skipif(not os.path.exists(os.path.join(SHIPPED_KINDS, "records.jsonl")), reason="no shipped run")
def test_shipped_student_kinds_records_match_the_independent_recomputation():
    """docs/teacher.rst, "Students of other kinds": every record rebuilt from its weights and teacher.npz."""
    students = _student_checks(SHIPPED_KINDS, ["rac", "ssm", "gla"])
    assert len(students) == 3 * 2 * 2 * 10
