"""Write docs/gated_table.inc: the certified depth table of ssm and gla beside rac, from the JSON-lines records.

Usage (after the sweeps of docs/gated.rst have written docs/data/gated_ssm.jsonl and gated_gla.jsonl)::

    python benchmarks/gated_table.py

The rac values come from docs/data/bounds_table.jsonl (the RAC table of docs/bounds_table.rst).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs"
CELLS = [(L, R, M, T) for L in (1, 2, 3) for R in (2, 3, 4) for M, T in ((2, 16), (3, 16), (4, 12))]


def _records(path: Path) -> dict:
    out = {}
    if not path.exists():
        return out
    for line in path.read_text().splitlines():
        d = json.loads(line)
        r = d.get("result") if "task" in d else d
        if not r or d.get("status", "ok") != "ok" or r.get("cut") != "start-end":
            continue
        out[(r["depth"], r["hidden"], r["inputs"], r["length"])] = r
    return out


def _interval(r) -> str:
    if r is None:
        return "-"
    return f"{r['lower']}" if r["exact"] else f"[{r['lower']}, {r['upper']}]"


def _why(r) -> str:
    mode = r.get("details", {}).get("mode", "no rank")
    tries = ", ".join(f"p = {a['prime']}: {a['lower']}" for a in r.get("attempts") or [])
    return (f"GF(p) rank ({r.get('engine')} engine, {mode} mode; attempts {tries}) below the upper bound "
            f"({r['upper_source']})")


def main() -> int:
    rac = _records(DOCS / "data" / "bounds_table.jsonl")
    lines = []
    for kind in ("ssm", "gla"):
        recs = _records(DOCS / "data" / f"gated_{kind}.jsonl")
        done = [recs[c] for c in CELLS if c in recs]
        exact = sum(r["exact"] for r in done)
        seconds = sum(r["seconds"] for r in done)
        title = f"``{kind}`` beside ``rac`` (start-end cut)"
        lines += [title, "~" * len(title), ""]
        pct = f"{100 * exact / len(done):.0f} %" if done else "n/a"
        lines += [f"* cells: {len(done)} of {len(CELLS)}; certified exact: {exact} ({pct}); "
                  f"open: {len(done) - exact}; seconds in all (sum of the records' ``seconds``): {seconds:.0f}", ""]
        lines += [".. list-table::", "   :header-rows: 1", "",
                  "   * - L, R, M, T", f"     - ``{kind}``", "     - upper from", "     - seconds", "     - ``rac``"]
        for c in CELLS:
            r = recs.get(c)
            lines += [f"   * - {', '.join(map(str, c))}", f"     - {_interval(r)}",
                      f"     - {'-' if r is None else r['upper_source']}",
                      f"     - {'-' if r is None else format(r['seconds'], '.1f')}", f"     - {_interval(rac.get(c))}"]
        lines.append("")
        open_cells = [(c, recs[c]) for c in CELLS if c in recs and not recs[c]["exact"]]
        if open_cells:
            lines += [f"Open ``{kind}`` cells and why:", ""]
            lines += [f"* L, R, M, T = {', '.join(map(str, c))}: [{r['lower']}, {r['upper']}]; {_why(r)}"
                      for c, r in open_cells]
            lines.append("")
        missing = [c for c in CELLS if c not in recs]
        if missing:
            lines += [f"Cells without a record (not run): {', '.join(str(c) for c in missing)}", ""]
    (DOCS / "gated_table.inc").write_text("\n".join(lines) + "\n")
    print(f"wrote {DOCS / 'gated_table.inc'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
