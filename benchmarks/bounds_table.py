"""The certified table of issue 10: read a ``tnrnn bounds --out`` sweep, write docs/bounds_table.rst and a figure.

Run the sweep (resumable; nothing finished is lost on Ctrl-C), then this script::

    for T in 2 4 6 8 10 12 14 16; do
      tnrnn bounds -L 1:4 -R 2:4 -M 2:4 -T $T --out docs/data/bounds_table.jsonl --resume --workers 2 --max-memory 3GiB
    done
    python benchmarks/bounds_table.py docs/data/bounds_table.jsonl docs/bounds_table.rst docs/images/bounds_table.png

Each open cell gets a reason from what its record says (the engine's mode and the upper bound's source).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter


def load(path):
    """The latest record per configuration (a rerun replaces an earlier error)."""
    cells = {}
    with open(path) as fh:
        for line in fh:
            if line.strip():
                rec = json.loads(line)
                c = rec["config"]
                key = (c["depth"], c["hidden"], c["inputs"], c["length"])
                if rec["status"] == "ok" or key not in cells or cells[key]["status"] != "ok":
                    cells[key] = rec
    return dict(sorted(cells.items()))


def _miss(res, key):
    """The record's bound of kind ``key`` ("sketch" or "weights") as text; older records have no miss_bounds."""
    entry = (res.get("miss_bounds") or {}).get(key)
    if entry is None:
        if key == "sketch" and (res.get("details") or {}).get("mode") == "sketch":
            return f"<= {2 * res['upper'] / res['prime']:.1e} (2 upper / p)"
        return "not stated (the record predates miss_bounds)"
    if entry["value"] is None:
        return f"no bound ({entry['reason']})"
    return f"<= {entry['value']:.1e}"


def reason(res):
    """Why a cell stays open, read off its record (both probability statements, kept apart)."""
    mode = (res.get("details") or {}).get("mode")
    src = res["upper_source"]
    if res.get("engine") is None:
        return f"no GF(p) rank computed: lower is the theorem's value ({res['lower_source']}); upper = {src}"
    if mode == "sample":
        n_r, n_c = res.get("samples") or ("?", "?")
        rank = (res.get("details") or {}).get("gf_rank", res["lower"])
        tries = ", ".join(str(a["lower"]) for a in res.get("attempts") or [])
        if isinstance(n_r, int) and rank == min(n_r, n_c):
            what = (f"the sampled {n_r} x {n_c} matrix has full rank {rank}: the lower bound is the sample size "
                    "(the most the memory limit allowed), not the rank")
        else:
            what = (f"the sampled {n_r} x {n_c} matrix has rank {rank} < {min(n_r, n_c)}"
                    + (f" (attempts: {tries})" if tries else "")
                    + ": the sample is not saturated, the rank may lie anywhere up to the upper bound")
        return (f"grid too large to evaluate whole within the memory limit; {what}. "
                f"Sample: no guarantee of reaching the whole grid's rank (sketch bound: {_miss(res, 'sketch')}); "
                f"weight draw: {_miss(res, 'weights')}. Upper = {src}; no tighter upper bound is proven")
    how = {"full": "the whole grid matricization (deterministic for the drawn weights)",
           "sketch": "a random sketch of the whole matricization (below its rank for the drawn weights with "
                     f"probability {_miss(res, 'sketch')})"}.get(mode, mode)
    return (f"lower is the GF(p) rank of {how}; the drawn weights fall below the generic rank mod p with "
            f"probability {_miss(res, 'weights')}; upper = {src}; no tighter upper bound is proven")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("records")
    ap.add_argument("rst")
    ap.add_argument("figure")
    args = ap.parse_args(argv)
    cells = load(args.records)
    rows, counts, widest, open_rows, prime_set = [], Counter(), None, [], set()
    for (L, R, M, T), rec in cells.items():
        if rec["status"] != "ok":
            counts["error"] += 1
            rows.append((L, R, M, T, "-", "-", "refused", f"{rec['seconds']:.2f}", "-"))
            open_rows.append((L, R, M, T, "-", "-", rec["error"]))
            continue
        res = rec["result"]
        exact = res["exact"]
        if res["engine"] is None:
            counts["theorem"] += 1
        if res.get("prime"):
            prime_set.add(res["prime"])
        counts["exact" if exact else "open"] += 1
        if L <= 3 and T <= 12:
            counts["small exact" if exact else "small open"] += 1
        mode = (res.get("details") or {}).get("mode", "-")
        engine = f"{res['engine'] or 'closed form'}" + (f" ({mode})" if res["engine"] else "")
        rows.append((L, R, M, T, res["lower"], res["upper"], "exact" if exact else "open",
                     f"{res['seconds']:.2f}", engine))
        if not exact:
            width = res["upper"] - res["lower"]
            if widest is None or width > widest[0]:
                widest = (width, L, R, M, T, res["lower"], res["upper"])
            open_rows.append((L, R, M, T, res["lower"], res["upper"], reason(res)))
    small = counts["small exact"] + counts["small open"]
    configured = sorted({rec["config"].get("prime") for rec in cells.values() if rec["config"].get("prime")})
    retried = sorted(prime_set - set(configured))
    primes = (", ".join(f"p = {p}" for p in configured) or "none used") + (
        f"; cells whose first rank fell below the upper bound were retried once with p = "
        f"{', '.join(map(str, retried))} and seed 1, both attempts recorded" if retried else "")
    out = [".. _bounds-table:", "", "Certified Start-End ranks, L = 1..4", "=" * 36, "",
           "Generated by ``benchmarks/bounds_table.py`` from ``docs/data/bounds_table.jsonl``, a",
           "``tnrnn bounds -L 1:4 -R 2:4 -M 2:4 -T ... --out ... --resume --workers 2 --max-memory 3GiB`` sweep",
           f"(Start-End cut, prime {primes}, seed 0, engine ``auto``). Where the engine column names an engine,",
           "``lower`` comes from a rank computed over GF(p) (:ref:`sketch` for the modes); in the",
           f"{counts['theorem']} cells whose engine column says *closed form* (L = 1, and L = 2 with T = 2) it is the",
           "paper's theorem value (Levine et al. 2020, Theorems 1 and 2, generic weights), taken without computation",
           "because it already meets the upper bound. ``upper`` is the least proven closed form or min-cut bound",
           "(:ref:`bounds`); a cell is *exact* when they meet. Each why-open entry says where its lower bound",
           "came from (the sample's size and rank) and, kept apart, what is proven about its two ways of falling",
           "short: the sample or sketch, for the drawn weights, and the weight draw, against the generic rank mod p",
           "(\"no bound\" where nothing is proven or the bound would be vacuous; see \"The certificate\" in",
           ":doc:`theory`). Seconds are wall-clock per cell on 2 shared cores (two cells",
           "at a time, while other jobs shared the machine: read them as upper bounds).",
           "", f"* cells: {len(cells)}; certified exact: {counts['exact']}; open: {counts['open']}; "
           f"refused: {counts['error']}",
           f"* cells with L <= 3 and T <= 12: {small}, of which exact: {counts['small exact']}"
           + (f" ({100 * counts['small exact'] / small:.1f} %)" if small else ""),
           ]
    compact = [k for k, rec in cells.items() if rec["status"] == "ok"
               and "int32" in str((rec["result"].get("details") or {}).get("storage", ""))]
    if compact:
        out.append("* rerun with the grid stored as int32 (issue 29: the whole grid where it fits 3 GiB, else "
                   "samples sized to the upper bound): " + "; ".join("L={}, R={}, M={}, T={}".format(*k)
                                                                      for k in compact))
    old_samples = [(k, rec) for k, rec in cells.items() if rec["status"] == "ok" and not rec["result"]["exact"]
                   and (rec["result"].get("details") or {}).get("mode") == "sample"
                   and "int32" not in str((rec["result"].get("details") or {}).get("storage", ""))]
    if old_samples:
        limit = max(rec["config"].get("max_memory") or 0 for _, rec in old_samples)
        side = int((limit / 4) ** 0.5)
        least = min(rec["result"]["upper"] for _, rec in old_samples)
        out.append(f"* the {len(old_samples)} open cells sampled with float64 storage were not rerun: with int32 "
                   f"storage (4 bytes an entry) a {limit / 2**30:.0f} GiB sample is at most about {side} x {side}, "
                   f"below every one of their upper bounds (the least is {least}), so no sample within the "
                   "limit can meet the upper bound; they stay open until a tighter upper bound is proven")
    if widest:
        w, L, R, M, T, lo, up = widest
        out.append(f"* widest open interval: L={L}, R={R}, M={M}, T={T}: [{lo}, {up}] (width {w})")
    out += ["", ".. image:: images/bounds_table.png", "   :width: 100%", "", "Open cells and why", "-" * 18, ""]
    if open_rows:
        out += [".. list-table::", "   :header-rows: 1", "", "   * - L, R, M, T", "     - interval", "     - why open"]
        for L, R, M, T, lo, up, why in open_rows:
            out += [f"   * - {L}, {R}, {M}, {T}", f"     - [{lo}, {up}]", f"     - {why}"]
    else:
        out.append("None.")
    out += ["", "All cells", "-" * 9, "", ".. list-table::", "   :header-rows: 1", "",
            "   * - L", "     - R", "     - M", "     - T", "     - lower", "     - upper", "     - certified",
            "     - seconds", "     - engine (mode)"]
    for row in rows:
        out.append(f"   * - {row[0]}")
        out += [f"     - {v}" for v in row[1:]]
    with open(args.rst, "w") as fh:
        fh.write("\n".join(out) + "\n")
    plot(cells, args.figure)
    print(f"{len(cells)} cells: {counts['exact']} exact, {counts['open']} open, {counts['error']} refused;"
          f" L<=3,T<=12: {counts['small exact']}/{small} exact; widest open {widest}")


def plot(cells, path):
    """One panel per (R, M), one series per depth: certified ranks, open cells marked.

    Depths whose curves coincide (L = 3 and L = 4 fill the grid at small T) stay
    distinguishable: each depth has its own colour, marker and dash and is drawn
    beside the others (a small horizontal offset around each T, the tick at the
    true T), and the legend sits outside the panels.
    """
    from matplotlib.lines import Line2D

    from tnrnn.plotting.figure import dodge, integer_ticks, line_style, new_grid, save_figure
    from tnrnn.plotting.palette import BLACK, REFERENCE

    Rs = sorted({k[1] for k in cells})
    Ms = sorted({k[2] for k in cells})
    Ls = sorted({k[0] for k in cells})
    fig, flat = new_grid(len(Rs) * len(Ms), cols=len(Ms), size_each=(3.3, 2.7), sharey=True)
    for i, R in enumerate(Rs):
        for j, M in enumerate(Ms):
            ax = flat[i * len(Ms) + j]
            for rank, L in enumerate(Ls):
                pts = sorted((k[3], rec["result"]) for k, rec in cells.items()
                             if k[:3] == (L, R, M) and rec["status"] == "ok")
                if not pts:
                    continue
                style = line_style(L - 1)
                shift = dodge(rank, len(Ls), 0.35)
                Ts = [t + shift for t, _ in pts]
                ax.plot(Ts, [r["lower"] for _, r in pts], color=style["color"], marker=style["marker"],
                        linestyle=style["linestyle"], ms=3.6, lw=1.1, zorder=10 - rank)
                if any(not r["exact"] for _, r in pts):
                    ax.plot(Ts, [r["upper"] for _, r in pts], ":", lw=0.9, color=style["color"], zorder=2)
                opened = [(t + shift, r["lower"]) for t, r in pts if not r["exact"]]
                if opened:
                    ax.plot(*zip(*opened), "x", color=BLACK, ms=7, mew=1.3, zorder=20)
            ax.set_yscale("log")
            ax.set_title(f"$R={R},\\ M={M}$", fontsize=9)
            ax.grid(True, which="major", alpha=0.25)
            integer_ticks(ax, "x")
            lengths = sorted({k[3] for k in cells if k[1:3] == (R, M)})
            ax.set_xticks(lengths[::2] if len(lengths) > 6 else lengths)   # the lengths run, not the offsets
            if i == len(Rs) - 1:
                ax.set_xlabel("sequence length $T$")
            if j == 0:
                ax.set_ylabel("Start-End rank")
    handles = []
    for L in Ls:
        style = line_style(L - 1)
        handles.append(Line2D([], [], color=style["color"], marker=style["marker"], linestyle=style["linestyle"],
                              label=f"$L={L}$ (lower)"))
    handles.append(Line2D([], [], color=REFERENCE, linestyle=":", label="proven upper (open cells)"))
    handles.append(Line2D([], [], color=BLACK, marker="x", linestyle="none", label="open: lower < upper"))
    fig.legend(handles=handles, loc="outside right upper", frameon=False, fontsize="small")
    fig.suptitle("Certified Start-End separation ranks of RACs (lower = upper unless marked open)", fontsize=10)
    save_figure(fig, path, path.rsplit(".", 1)[-1].lower())


if __name__ == "__main__":
    main()
