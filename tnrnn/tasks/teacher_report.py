"""The table and figure of the teacher-student experiment, from its records alone.

Cell: one teacher, one length ``T``, one student kind and shape (depth ``L``,
width ``H``), its seeds.  Per cell: the certified rank bound ``rank_upper`` and the
floor there, the depth-1 floor of the same teacher and length, the test
errors (median, mean with its BCa bootstrap 95 % interval, least), the
fraction of seeds below the depth-1 floor (Wilson 95 % interval), the
fraction stopped by the step cap, and for ``L > 1`` the two-sided
Mann-Whitney test of the errors against the depth-1 students of the same
kind, teacher and length, with its Holm-adjusted p-value: the family is every
depth comparison of the table (all teachers, lengths and shapes).

Examples
--------
>>> from tnrnn.stats import holm
>>> holm([0.01, 0.04, 0.03]).round(4).tolist()
[0.03, 0.06, 0.06]
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

__all__ = ["teacher_table", "format_teacher_table", "plot_teacher", "is_teacher_record", "student_kind"]

#: Floors at or below this are float64 SVD noise (the matricization's rank is below the bound): shown as 0.
FLOOR_NOISE = 1e-12


def is_teacher_record(r: dict) -> bool:
    """Whether ``r`` is a record of ``tnrnn train teacher`` (student or teacher spectrum)."""
    return r.get("kind") in ("teacher-student", "teacher-spectrum")


def student_kind(r: dict) -> str:
    """The kind of a ``teacher-student`` record (records from before other kinds existed are ``rac``)."""
    from .teacher_train import DEFAULT_STUDENT

    return r.get("student_circuit", DEFAULT_STUDENT)


def _shows_kinds(kinds) -> bool:
    """Whether tables and legends name the student kind: unless every student is of the default kind, whose
    tables and figures look as they did before other kinds existed."""
    from .teacher_train import DEFAULT_STUDENT

    return set(kinds) != {DEFAULT_STUDENT}


def _teacher_label(t: dict) -> str:
    return f"{t['circuit']} L={t['depth']} R={t['hidden']} (seed {t['seed']})"


def teacher_table(records: Iterable[dict]) -> list[dict]:
    """One row per cell (module docstring), teachers and lengths in the order first met, depth-1 first."""
    from ..stats import bootstrap_interval, mann_whitney_test, wilson_interval

    students = [r for r in records if r.get("kind") == "teacher-student"]
    order = {k: i for i, k in enumerate(dict.fromkeys(student_kind(r) for r in students))}
    cells: dict = {}
    for r in students:
        key = (r["teacher"]["file"], _teacher_label(r["teacher"]), r["length"], student_kind(r), r["depth"],
               r["hidden"])
        cells.setdefault(key, []).append(r)
    rows = []
    for key in sorted(cells, key=lambda k: (k[0], k[2], order[k[3]], k[4], -k[5])):
        file, label, T, kind, L, H = key
        rs = sorted(cells[key], key=lambda r: r["seed"])
        err = np.array([r["test_error"] for r in rs])
        f1 = rs[0]["floor_depth1"]
        below = int(np.sum(err < f1))
        mean = bootstrap_interval(err)
        share = wilson_interval(below, len(rs))
        row = {"teacher": label, "T": T, "student": kind, "L": L, "H": H, "width": rs[0]["width_rule"],
               "rank_upper": rs[0]["rank_upper"], "floor": rs[0]["floor"], "floor_depth1": f1, "seeds": len(rs),
               "error_median": float(np.median(err)), "error_mean": mean.estimate, "error_mean_low": mean.low,
               "error_mean_high": mean.high, "error_min": float(err.min()),
               "below_depth1_floor": share.estimate, "below_low": share.low, "below_high": share.high,
               "cap": float(np.mean([r["train"]["stopped"] == "cap" for r in rs])),
               "min_minus_floor": float(err.min() - rs[0]["floor"]), "p_vs_depth1": float("nan")}
        ref = [c for c in cells if c[0] == file and c[2] == T and c[3] == kind and c[4] == 1]
        if L > 1 and ref:
            ref_err = [r["test_error"] for r in cells[ref[0]]]
            row["p_vs_depth1"] = mann_whitney_test(err, ref_err).p_value
        rows.append(row)
    from ..stats import holm

    for row, adj in zip(rows, holm([r["p_vs_depth1"] for r in rows]).tolist(), strict=True):
        row["p_holm"] = adj
    return rows


def _g(v, spec=".3g"):
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    return format(v, spec)


def format_teacher_table(records: Iterable[dict], *, markdown: bool = False) -> str:
    """The table of :func:`teacher_table` as text (``markdown=True``: a Markdown/RST-friendly grid)."""
    from ..records import format_table

    rows = teacher_table(records)
    named = _shows_kinds(r["student"] for r in rows)
    text = []
    for row in rows:
        floor = row["floor"] if row["floor"] > FLOOR_NOISE else 0.0
        text.append({
            "teacher": row["teacher"], "T": row["T"], **({"student": row["student"]} if named else {}), "L": row["L"], "H": row["H"], "width": row["width"],
            "rank<=": row["rank_upper"], "floor": _g(floor), "depth-1 floor": _g(row["floor_depth1"]),
            "seeds": row["seeds"], "error median": _g(row["error_median"]),
            "error mean [95%]": f"{_g(row['error_mean'])} [{_g(row['error_mean_low'])}, {_g(row['error_mean_high'])}]",
            "error min": _g(row["error_min"]),
            "below depth-1 floor [95%]": f"{row['below_depth1_floor']:.2f} [{row['below_low']:.2f}, "
                                         f"{row['below_high']:.2f}]",
            "capped": f"{row['cap']:.2f}", "p vs L=1": _g(row["p_vs_depth1"], ".2g"),
            "p Holm": _g(row["p_holm"], ".2g"),
        })
    table = format_table(text, markdown=markdown) if markdown else format_table(text)
    note = ("floor: sum_{k>rank} sigma_k^2 / sum sigma_k^2 of the teacher's Start-End matricization at the student's "
            "certified bound (below 1e-12: 0, float64 noise); errors: relative squared error over all M^T sequences; "
            "p: two-sided Mann-Whitney against the depth-1 students of the same kind, Holm-adjusted over the "
            f"{sum(math.isfinite(r['p_vs_depth1']) for r in rows)} comparisons of the table")
    return table + "\n" + note


def plot_teacher(records: Iterable[dict], path=None, *, title: str | None = None):
    """Test error (median, quartile bars, every seed a faint point) vs ``T`` per student shape, one panel per
    teacher, floors dashed.

    The depth-1 floor is the black dashed line; a student whose own floor is
    above float noise (a narrow deep student at equal parameters) has its
    floor dashed in its colour.  Returns the figure.
    """
    from ..plotting.figure import (
        figure_format,
        integer_ticks,
        interval_bars,
        legend_outside,
        line_style,
        new_grid,
        save_figure,
    )

    fmt = figure_format(path, "path")
    records = list(records)
    students = [r for r in records if r.get("kind") == "teacher-student"]
    teachers = list(dict.fromkeys((r["teacher"]["file"], _teacher_label(r["teacher"])) for r in students))
    fig, axes = new_grid(max(1, len(teachers)), cols=min(3, max(1, len(teachers))), size_each=(4.6, 3.6),
                         sharey=True)
    named = _shows_kinds(student_kind(r) for r in students)
    order = {k: i for i, k in enumerate(dict.fromkeys(student_kind(r) for r in students))}
    for ax, (file, label) in zip(axes, teachers, strict=False):
        mine = [r for r in students if r["teacher"]["file"] == file]
        shapes = sorted({(student_kind(r), r["depth"], r["hidden"]) for r in mine},
                        key=lambda s: (order[s[0]], s[1], -s[2]))
        lengths = sorted({r["length"] for r in mine})
        for i, (kind, L, H) in enumerate(shapes):
            style = line_style(i)
            name = f"{kind} L={L} H={H}" if named else f"L={L} H={H}"
            cell = [r for r in mine if (student_kind(r), r["depth"], r["hidden"]) == (kind, L, H)]
            dx = (i - (len(shapes) - 1) / 2) * 0.09 * (lengths[-1] - lengths[0] if len(lengths) > 1 else 2) / 2
            xs, med, lo, hi, fl = [], [], [], [], []
            for T in lengths:
                err = [r["test_error"] for r in cell if r["length"] == T]
                if not err:
                    continue
                q = np.percentile(err, [25, 50, 75])
                ax.scatter([T + dx] * len(err), np.maximum(err, 1e-16), s=7, color=style["color"], alpha=0.35,
                           marker=style["marker"], linewidths=0)
                xs.append(T + dx)
                med.append(q[1])
                lo.append(q[0])
                hi.append(q[2])
                fl.append(next(r["floor"] for r in cell if r["length"] == T))
            interval_bars(ax, xs, med, lo, hi, label=name, **style)
            if L > 1 and any(f > FLOOR_NOISE for f in fl):
                fl = [f if f > FLOOR_NOISE else float("nan") for f in fl]   # float noise is not a floor
                ax.plot(xs, fl, color=style["color"], linestyle=(0, (2, 2)), linewidth=1.0, marker="_", markersize=10,
                        label=f"floor {name}")
        # the depth-1 floor of each kind's students (its depth-1 bound: R for rac, R + 1 for ssm and gla), one
        # line for the kinds whose floors coincide
        lines: dict = {}
        for kind in sorted({student_kind(r) for r in mine}, key=order.get):
            of = [r for r in mine if student_kind(r) == kind]
            ts = tuple(T for T in lengths if any(r["length"] == T for r in of))
            f1 = tuple(next(r["floor_depth1"] for r in of if r["length"] == T) for T in ts)
            lines.setdefault((ts, f1), []).append(kind)
        for j, ((ts, f1), kinds) in enumerate(lines.items()):
            ax.plot(ts, f1, color="black" if j == 0 else "0.45", linestyle="--" if j == 0 else (0, (5, 2, 1, 2)),
                    linewidth=1.2, marker="_", markersize=12,
                    label=f"depth-1 floor ({', '.join(kinds)})" if named else "depth-1 floor")
        ax.set_yscale("log")
        ax.set_xlabel("T")
        ax.set_ylabel("test error (relative, full grid)")
        ax.set_title(label, fontsize="medium")
        integer_ticks(ax)
        legend_outside(ax)
    if title:
        fig.suptitle(title)
    save_figure(fig, path, fmt)
    return fig
