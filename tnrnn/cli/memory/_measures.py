"""What the measure actions of ``tnrnn memory`` share: reading a model, its flags, checking options, printing.

``MODEL`` is a weights file read without executing code:

* ``.npz`` with ``W``, ``U``, ``c`` and ``--arch linear``: a :class:`tnrnn.memory.LinearRNN`;
* ``.npz`` with ``W``, ``W_in`` (optional ``bias``, ``leak``) and ``--arch esn``: an echo-state reservoir
  (tanh; ``--activation identity`` for a linear one);
* any weights file ``tnrnn import`` reads, its architecture decided exactly as ``tnrnn import`` decides it
  (:func:`tnrnn.bridge.resolve_arch`): ``--arch``, else the JSON sidecar of a ``tnrnn train`` checkpoint,
  else detected from the keys and the gate multiple.

Every model is checked before it is measured: weights that are not finite are refused in one line (exit 2),
never measured into ``nan``.
"""

from __future__ import annotations

import os

import numpy as np

from ...errors import InvalidParameterError
from ...validation import parse_int
from .._common import add_json_argument, add_term

MEASURE_ARCHS = ("linear", "esn", "rnn", "rnn_tanh", "rnn_relu", "gru", "lstm", "mirnn", "rac", "scornn", "ssm", "gla",
                 "mamba", "lru", "s4d")


def add_model_arguments(p) -> None:
    """``MODEL``, ``--arch``, ``--nonlinearity``, ``--activation``, ``--seed``, ``--json``."""
    p.add_argument("model", metavar="MODEL", help="weights file (.npz, .pt, .safetensors; see 'tnrnn memory --help')")
    p.add_argument("--arch", default=None, choices=MEASURE_ARCHS,
                   help="the model's architecture (default: as 'tnrnn import' decides it: the JSON sidecar of a "
                        "tnrnn train checkpoint, else detected from the weights; required for linear and esn)")
    p.add_argument("--nonlinearity", default=None, help="rnn: tanh (default) or relu; mirnn: its phi")
    p.add_argument("--activation", default="tanh", choices=("tanh", "identity"), help="esn: the reservoir's f")
    add_term(p, "seed", type=parse_int, default=0, help="seed of the random inputs (default 0)")
    add_json_argument(p, "print the record as one JSON object")


def check_int(args, dest: str, option: str, minimum: int = 1, *, none_ok: bool = True) -> None:
    """Refuse ``args.dest`` below ``minimum``, naming ``option``."""
    value = getattr(args, dest)
    if value is None and none_ok:
        return
    if value is None or value < minimum:
        raise InvalidParameterError(option, value, f"an integer >= {minimum}")


def check_number(args, dest: str, option: str, low=None, high=None, *, open_low=False, open_high=False) -> None:
    """Refuse ``args.dest`` outside ``[low, high]`` (or not finite), naming ``option``."""
    from ...validation import check_finite

    value = getattr(args, dest)
    if value is not None:
        check_finite(value, option, low=low, high=high, open_low=open_low, open_high=open_high)


def _npz(path, keys, what):
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except (OSError, ValueError) as err:
        raise InvalidParameterError("MODEL", path, f"an .npz file with arrays {', '.join(keys)} ({err})") from None
    missing = [k for k in keys if k not in arrays]
    if missing:
        raise InvalidParameterError("MODEL", path, f"an .npz {what} with arrays {', '.join(keys)} "
                                    f"(missing {', '.join(missing)})")
    return arrays


def _arrays(obj, name="", depth=0):
    """``(name, array)`` of every numeric array held by ``obj``'s attributes, lists and nested objects."""
    if isinstance(obj, np.ndarray):
        if np.issubdtype(obj.dtype, np.number):
            yield name, obj
        return
    if depth > 3 or obj is None or isinstance(obj, (str, bytes, int, float, bool)):
        return
    if isinstance(obj, (list, tuple)):
        for i, item in enumerate(obj):
            yield from _arrays(item, f"{name}[{i}]", depth + 1)
        return
    fields = getattr(obj, "__dict__", None)
    if fields:
        for key, value in fields.items():
            yield from _arrays(value, f"{name}.{key}" if name else key, depth + 1)


def _check_finite_weights(model, path) -> None:
    """Refuse a model with non-finite weights (they would be measured into nan)."""
    for name, a in _arrays(model):
        if not np.all(np.isfinite(a)):
            raise InvalidParameterError("MODEL", path, f"finite weights ({name} has "
                                        f"{int((~np.isfinite(a)).sum())} non-finite entries)")


def refuse_unused_model_options(args) -> None:
    """``--nonlinearity`` with ``--arch linear`` or ``esn`` (their models have none to choose) is refused."""
    arch = getattr(args, "arch", None)
    if arch in ("linear", "esn") and getattr(args, "nonlinearity", None) is not None:
        raise InvalidParameterError("--nonlinearity", args.nonlinearity,
                                    f"no --nonlinearity with --arch {arch} (its model has no nonlinearity to choose)")


def load_model(args):
    """The model ``args.model`` names, per ``args.arch`` (see the module docstring)."""
    refuse_unused_model_options(args)
    path = args.model
    if not os.path.isfile(path):
        raise InvalidParameterError("MODEL", path, "an existing weights file")
    if args.arch == "linear":
        from ...memory import LinearRNN

        a = _npz(path, ("W", "U", "c"), "linear RNN")
        for k in ("W", "U", "c"):
            if not np.all(np.isfinite(a[k])):
                raise InvalidParameterError("MODEL", path, f"finite weights ({k} is not finite)")
        return LinearRNN(a["W"], a["U"], a["c"])
    if args.arch == "esn":
        from ...measures import EchoStateNetwork

        a = _npz(path, ("W", "W_in"), "reservoir")
        for k in ("W", "W_in", "bias"):
            if k in a and not np.all(np.isfinite(a[k])):
                raise InvalidParameterError("MODEL", path, f"finite weights ({k} is not finite)")
        leak = float(a["leak"]) if "leak" in a else 1.0
        return EchoStateNetwork(a["W"], a["W_in"], a.get("bias"), leak, args.activation)
    from ...bridge import load_weights, resolve_arch

    if args.arch is None and str(path).lower().endswith(".npz"):
        try:
            with np.load(path, allow_pickle=False) as z:
                keys = set(z.files)
        except (OSError, ValueError):
            keys = set()
        for want, arch in (({"W", "U", "c"}, "linear"), ({"W", "W_in"}, "esn")):
            if want <= keys:
                raise InvalidParameterError("--arch", None, f"'{arch}' for an .npz with arrays "
                                            f"{', '.join(sorted(want))} (tnrnn import reads only torch-style keys)")
    model = load_weights(path, arch=resolve_arch(path, args.arch), nonlinearity=args.nonlinearity,
                         max_memory=getattr(args, "max_memory", None))
    _check_finite_weights(model, path)
    return model


def emit_measure(args, result, action: str, extra: dict | None = None, text: str | None = None) -> dict:
    """Print (text or ``--json``) and store (``--out``) one measure's record; draw ``--plot``; return the record."""
    from ._common import emit

    record = {"file": args.model, **result.to_dict(), **(extra or {})}
    emit(args, record, str(result) + ("" if text is None else "\n" + text))
    if getattr(args, "plot", None):
        from .._common import write_or_rescue

        draw = _DRAWERS[action]
        write_or_rescue(lambda: draw([record], args.plot), [record], "--plot", args.plot, f"memory {action}")
    return record


def _draw(name):
    def draw(records, path, title=None):
        from ...plotting import measures

        return getattr(measures, name)(records, path, title=title)

    return draw


_DRAWERS = {"capacity": _draw("plot_capacity"), "retention": _draw("plot_retention"),
            "horizon": _draw("plot_horizon"), "lyapunov": _draw("plot_lyapunov")}

#: The fields each measure's figure reads as numbers (:func:`tnrnn.cli.plot.check_number_fields`).
_NUMBERS = {"capacity": ("total", "total_stderr", "lags", "profile", "raw", "stderr", "null", "bound"),
            "retention": (),
            "horizon": ("lags", "mean", "spread", "horizon", "horizon_at_least", "area"),
            "lyapunov": ("exponents", "spread", "maximal", "sum", "steps")}


def _register_plot_kinds() -> None:
    """``tnrnn plot FILE`` re-draws the records of every measure (and of ``memory compare``)."""
    from ..plot import register_kind

    for name, draw in _DRAWERS.items():
        register_kind(name, lambda r, name=name: name in (r.get("kind"), r.get("measure")),
                      lambda records, args, draw=draw: draw(records, args.output, args.title), numbers=_NUMBERS[name])

    def draw_compare(records, args):
        from ...plotting.measures import plot_compare

        plot_compare(records, args.output, title=args.title)

    register_kind("compare", lambda r: r.get("kind") == "compare" and "unit" in r and "length" in r, draw_compare)


_register_plot_kinds()
