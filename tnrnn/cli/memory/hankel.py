"""``tnrnn memory hankel``: Hankel spectra, exact ranks, minimal widths and balanced truncation of a memory."""

from __future__ import annotations

import argparse
from fractions import Fraction

import numpy as np

from ...errors import InvalidParameterError
from .._common import declare, figure_path
from ._common import check_plot, emit, float_list, name_list

EXAMPLES = """\
examples:
  tnrnn memory hankel --target pol
  tnrnn memory hankel --target exp,pol --eps 1e-1,1e-2,1e-3,1e-4 --plot hankel.png
  tnrnn memory hankel --target pol --width 8 --save pol8.npz --json
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
    src.add_argument("--target", help="target(s): exp, pol, shift, twoparts, airy, sin (name:delay), comma list")
    src.add_argument("--kernel", help="kernel samples h_0,h_1,...: numbers, integers or fractions like 1/3")
    p.add_argument("--horizon", type=float, default=64.0, help="time horizon of a target (default 64)")
    p.add_argument("--dt", type=float, default=0.1, help="sampling step of a target (default 0.1)")
    p.add_argument("--eps", default="1e-1,1e-2,1e-3,1e-4", help="errors for m(eps) (default 1e-1,1e-2,1e-3,1e-4)")
    p.add_argument("--tol", type=float, default=None, help="numerical-rank tolerance (default N*eps*s_max)")
    p.add_argument("--exact", action="store_true", help="with --kernel: rank over GF(p) (certified lower bound)")
    p.add_argument("--prime", type=int, default=None, help="the prime of --exact (default tnrnn's)")
    p.add_argument("--width", type=int, default=None, help="also truncate to this width (balanced truncation)")
    p.add_argument("--save", default=None, metavar="PATH",
                   help="with --width and one target: save the truncated W, U, c to PATH (.npz)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--plot", default=None, metavar="PATH", type=figure_path("--plot"), help="plot the singular values to PATH")
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
            values.append(Fraction(part))
        except (ValueError, ZeroDivisionError):
            raise InvalidParameterError("--kernel", text, "numbers or fractions like 1,1/3,0.25") from None
    if len(values) < 2:
        raise InvalidParameterError("--kernel", text, "at least 2 samples")
    return values


def run(args) -> int:
    """Run ``tnrnn memory hankel``."""
    from ...field import DEFAULT_PRIME
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
    eps = float_list(args.eps, "--eps")
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
        for name in name_list(args.target, "--target"):
            spec = target(name)
            kernels[spec.name] = sample_kernel(spec, args.horizon, args.dt)
    if args.save is not None and len(kernels) != 1:
        raise InvalidParameterError("--save", args.save, "a single --target")
    records, text, spectra = [], [], {}
    for name, h in kernels.items():
        sec = hankel_spectrum(h, args.tol, section=True)
        fir = hankel_spectrum(h, args.tol)
        rec = {"target": name, "samples": int(h.size),
               "horizon": None if args.kernel else args.horizon, "dt": None if args.kernel else args.dt,
               "section": sec.to_dict(), "fir": fir.to_dict(),
               "minimal_width": [w.to_dict() for w in minimal_width(h, eps)]}
        lines = [f"{name}: {h.size} samples" + ("" if args.kernel else f" (horizon {args.horizon:g}, dt {args.dt:g})"),
                 "  " + str(sec).replace("\n", "\n  "), "  " + str(fir).replace("\n", "\n  "),
                 "  minimal width m(eps):   eps     section(l1)  FIR(AAK)  BT-sufficient"]
        lines += [f"  {'':22}{w.eps:<8.0e}{w.lower:>12}{w.lower_fir:>10}{w.upper:>15}" for w in minimal_width(h, eps)]
        if args.exact:
            ex = hankel_rank_exact(exact_values, prime=args.prime or DEFAULT_PRIME)
            rec["exact"] = ex.to_dict()
            lines.append("  " + str(ex))
        if args.width is not None:
            bt = truncate_kernel(h, args.width)
            err = kernel_error(h, bt.model)
            rec["truncation"] = {**bt.to_dict(), "error": err.to_dict(), "section_bound": section_bound(h, args.width)}
            lines.append("  " + str(bt))
            lines.append(f"  on the horizon: {err}; section lower bound {section_bound(h, args.width):.3e}")
            if args.save is not None:
                W, U, c = bt.matrices
                np.savez(args.save, W=W, U=U, c=c)
                lines.append(f"  saved W {W.shape}, U {U.shape}, c {c.shape} to {args.save}")
        records.append(rec)
        text.append("\n".join(lines))
        spectra[f"{name} (section)"] = sec.singular_values
        spectra[f"{name} (FIR)"] = fir.singular_values
    emit(args, records if len(records) > 1 else records[0], "\n\n".join(text))
    if args.plot is not None:
        from ...plotting.memory import plot_hankel

        plot_hankel(spectra, args.plot, eps=eps)
    return 0
