"""``tnrnn memory hankel``: Hankel spectra, exact ranks, minimal widths and balanced truncation of a memory."""

from __future__ import annotations

import argparse
from fractions import Fraction

import numpy as np

from ...errors import InvalidParameterError
from .._common import add_json_argument, add_term, declare, figure_path
from ..plot import register_kind
from ._common import (
    check_plot,
    emit,
    float_list_type,
    int_at_least,
    name_list,
    positive_float,
)

#: The largest kernel sample magnitude accepted (so that sums of squares stay finite in float64).
MAX_SAMPLE = 1e150

EXAMPLES = """\
examples:
  tnrnn memory hankel --target pol
  tnrnn memory hankel --target exp,pol --eps 1e-1,1e-2,1e-3,1e-4 --plot hankel.png
  tnrnn memory hankel --target pol --hidden 8 --save pol8.npz --json
  tnrnn memory hankel --target shift:20 --horizon 32 --dt 0.2
  tnrnn memory hankel --kernel 1,1,2,3,5,8,13,21,34 --exact
  tnrnn memory hankel --kernel 1,1/3,1/9,1/27,1/81 --exact --prime 65521

A target is sampled as h_k = dt * rho(k dt) over the horizon (N = horizon/dt samples).
'section' singular values are those of the (N+1)/2 square Hankel section (no width-m model
has an l1 error on the horizon below sigma_{m+1}); 'FIR' ones are those of the N x N Hankel
operator of the target cut at the horizon (AAK: Hankel/H-inf/l1 error over all lags >= sigma_{m+1};
balanced truncation: H-inf error <= 2 sum_{i>m} sigma_i).
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``tnrnn memory hankel``."""
    p = subparsers.add_parser(
        "hankel",
        help="Hankel singular values, exact rank, minimal widths m(eps), balanced truncation",
        description="Hankel analysis of a target memory or of a given kernel: singular values (float, "
                    "tolerance stated), the exact rank of an integer/rational kernel over GF(p), the minimal "
                    "width m(eps) of a linear RNN, and the balanced truncation to a width with its bounds.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    src = p.add_mutually_exclusive_group(required=True)
    add_term(src, "target", help="target(s): exp, pol, shift, twoparts, airy, sin (name:delay), comma list")
    src.add_argument("--kernel", help="kernel samples h_0,h_1,...: numbers, integers or fractions like 1/3")
    p.add_argument("--horizon", type=positive_float("--horizon"), default=64.0,
                   help="time horizon of a target (default 64)")
    p.add_argument("--dt", type=positive_float("--dt"), default=0.1, help="sampling step of a target (default 0.1)")
    p.add_argument("--eps", default=[1e-1, 1e-2, 1e-3, 1e-4], type=float_list_type("--eps", low=0, open_low=True),
                   help="errors for m(eps), numbers > 0 (default 1e-1,1e-2,1e-3,1e-4)")
    p.add_argument("--tol", type=positive_float("--tol", allow_zero=True), default=None,
                   help="numerical-rank tolerance (default N*eps*s_max, the noise floor)")
    p.add_argument("--exact", action="store_true", help="with --kernel: rank over GF(p) (certified lower bound)")
    p.add_argument("--prime", type=int_at_least("--prime", 2), default=None,
                   help="the prime of --exact (default tnrnn's)")
    add_term(p, "hidden", dest="width", deprecated=("--width",), type=int_at_least("--hidden"), default=None,
                   help="also truncate to this width (balanced truncation)")
    p.add_argument("--save", default=None, metavar="PATH",
                   help="with --hidden and one target: save the truncated W, U, c to PATH (.npz)")
    add_json_argument(p, "print the record (one target) or a list of records (several) as one JSON document")
    add_term(p, "plot", default=None, metavar="PATH", type=figure_path("--plot"), help="plot the singular values to PATH")
    declare(p, "records", "figure")
    p.set_defaults(func=run)
    return p


def _parse_kernel(text: str):
    values = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            v = Fraction(part)
        except (ValueError, ZeroDivisionError, OverflowError):
            raise InvalidParameterError("--kernel", part, "finite numbers or fractions like 1,1/3,0.25") from None
        if abs(v) > MAX_SAMPLE:
            raise InvalidParameterError("--kernel", part, f"samples of magnitude <= {MAX_SAMPLE:g} (float64 SVDs)")
        values.append(v)
    if len(values) < 2:
        raise InvalidParameterError("--kernel", text, "at least 2 samples")
    if not any(values):
        raise InvalidParameterError("--kernel", text, "a kernel with a nonzero sample")
    return values


def run(args) -> int:
    """Run ``tnrnn memory hankel``."""
    from ...field import DEFAULT_PRIME
    from ...limits import check_memory
    from ...memory import (
        hankel_rank_exact,
        hankel_spectrum,
        kernel_error,
        minimal_width,
        sample_kernel,
        section_bound,
        target,
        truncate_kernel,
    )

    check_plot(args.plot)
    eps = args.eps
    if args.save is not None and args.width is None:
        raise InvalidParameterError("--save", args.save, "to be used with --width")
    if args.save is not None and not str(args.save).endswith(".npz"):
        raise InvalidParameterError("--save", args.save, "a file name ending in .npz")
    if args.exact and args.kernel is None:
        raise InvalidParameterError("--exact", True, "a --kernel of integers or fractions (targets are floats)")
    kernels = {}
    if args.kernel is not None:
        exact_values = _parse_kernel(args.kernel)
        kernels["kernel"] = np.array([float(v) for v in exact_values])
    else:
        n = args.horizon / args.dt
        # the N x N FIR operator, its section and their SVDs (about six copies), before sampling anything
        check_memory(f"the {n:.3g} x {n:.3g} Hankel matrices and their SVDs", 6 * 8.0 * n * n, args.max_memory,
                     "use a larger --dt or a shorter --horizon")
        for name in name_list(args.target, "--target"):
            try:
                spec = target(name)
                kernels[spec.name] = sample_kernel(spec, args.horizon, args.dt)
            except InvalidParameterError as err:
                raise InvalidParameterError("--target", name, err.allowed) from None
    if args.save is not None and len(kernels) != 1:
        raise InvalidParameterError("--save", args.save, "a single --target")
    records, text = [], []
    for name, h in kernels.items():
        sec = hankel_spectrum(h, args.tol, section=True)
        fir = hankel_spectrum(h, args.tol)
        floor = fir.tolerance if args.tol is None else hankel_spectrum(h).tolerance
        rec = {"kind": "hankel", "target": name, "samples": int(h.size), "noise_floor": floor,
               "horizon": None if args.kernel else args.horizon, "dt": None if args.kernel else args.dt,
               "section": sec.to_dict(), "fir": fir.to_dict(),
               "minimal_width": [w.to_dict() for w in minimal_width(h, eps)]}
        lines = [f"{name}: {h.size} samples" + ("" if args.kernel else f" (horizon {args.horizon:g}, dt {args.dt:g})")
                 + f"; noise floor N eps sigma_1 = {floor:.2e}",
                 "  " + str(sec).replace("\n", "\n  "), "  " + str(fir).replace("\n", "\n  "),
                 "  minimal width m(eps):   eps     section(l1)  FIR(AAK)  BT-sufficient"]
        lines += [f"  {'':22}{w.eps:<8.0e}{w.lower:>12}{w.lower_fir:>10}{w.upper:>15}"
                  + ("  (eps at the noise floor: the widths of the floor)" if w.at_noise_floor else "")
                  for w in minimal_width(h, eps)]
        if args.exact:
            ex = hankel_rank_exact(exact_values, prime=args.prime or DEFAULT_PRIME)
            rec["exact"] = ex.to_dict()
            lines.append("  " + str(ex))
        if args.width is not None:
            bt = truncate_kernel(h, args.width)
            err = kernel_error(h, bt.model)
            sb = section_bound(h, args.width)
            rec["truncation"] = {**bt.to_dict(), "error": err.to_dict(), "section_bound": sb,
                                 "section_bound_at_floor": sb <= floor}
            lines.append("  " + str(bt))
            sbt = f"at the noise floor (<= {floor:.1e})" if sb <= floor else f"{sb:.3e}"
            lines.append(f"  on the horizon: {err}; section lower bound {sbt}")
            if args.save is not None:
                W, U, c = bt.matrices
                np.savez(args.save, W=W, U=U, c=c)
                lines.append(f"  saved W {W.shape}, U {U.shape}, c {c.shape} to {args.save}")
        records.append(rec)
        text.append("\n".join(lines))
    emit(args, records if len(records) > 1 else records[0], "\n\n".join(text))
    if args.plot is not None:
        _plot(records, args.plot)
    return 0


def _plot(records, path, title=None) -> None:
    from ...plotting.memory import plot_hankel

    spectra, floors, eps = {}, {}, []
    for r in records:
        for part, label in (("section", "section"), ("fir", "FIR")):
            key = f"{r['target']} ({label})"
            spectra[key] = r[part]["singular_values"]
            floors[key] = r[part]["tolerance"]
        eps += [w["eps"] for w in r.get("minimal_width", []) if w["eps"] not in eps]
    plot_hankel(spectra, path, eps=eps, floors=floors, title=title)


register_kind("hankel", lambda r: r.get("kind") == "hankel" or {"section", "fir", "minimal_width"} <= set(r),
              lambda records, args: _plot(records, args.output, args.title))
