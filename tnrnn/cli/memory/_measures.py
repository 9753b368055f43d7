"""What the measure actions of ``tnrnn memory`` share: reading a model, its flags, printing results.

``MODEL`` is a weights file read without executing code:

* ``.npz`` with ``W``, ``U``, ``c`` and ``--arch linear``: a :class:`tnrnn.memory.LinearRNN`;
* ``.npz`` with ``W``, ``W_in`` (optional ``bias``, ``leak``) and ``--arch esn``: an echo-state reservoir
  (tanh; ``--activation identity`` for a linear one);
* a checkpoint of ``tnrnn train`` (``KEY.safetensors`` beside its ``KEY.json``): read with the sidecar's arch
  when ``--arch`` is not given;
* any weights file ``tnrnn import`` reads, with ``--arch rnn|rnn_tanh|rnn_relu|gru|lstm|mirnn|rac``.
"""

from __future__ import annotations

import os

import numpy as np

from ...errors import InvalidParameterError

MEASURE_ARCHS = ("linear", "esn", "rnn", "rnn_tanh", "rnn_relu", "gru", "lstm", "mirnn", "rac")


def add_model_arguments(p) -> None:
    """``MODEL``, ``--arch``, ``--nonlinearity``, ``--activation``, ``--seed``, ``--json``."""
    p.add_argument("model", metavar="MODEL", help="weights file (.npz, .pt, .safetensors; see 'tnrnn memory --help')")
    p.add_argument("--arch", default=None, choices=MEASURE_ARCHS,
                   help="the model's architecture (default: read from a tnrnn train checkpoint's sidecar)")
    p.add_argument("--nonlinearity", default=None, help="rnn: tanh (default) or relu; mirnn: its phi")
    p.add_argument("--activation", default="tanh", choices=("tanh", "identity"), help="esn: the reservoir's f")
    p.add_argument("--seed", type=int, default=0, help="seed of the random inputs (default 0)")
    p.add_argument("--json", action="store_true", help="print JSON")


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


def load_model(args):
    """The model ``args.model`` names, per ``args.arch``."""
    path = args.model
    if not os.path.isfile(path):
        raise InvalidParameterError("MODEL", path, "an existing weights file")
    if args.arch == "linear":
        from ...memory import LinearRNN

        a = _npz(path, ("W", "U", "c"), "linear RNN")
        return LinearRNN(a["W"], a["U"], a["c"])
    if args.arch == "esn":
        from ...measures import EchoStateNetwork

        a = _npz(path, ("W", "W_in"), "reservoir")
        leak = float(a["leak"]) if "leak" in a else 1.0
        return EchoStateNetwork(a["W"], a["W_in"], a.get("bias"), leak, args.activation)
    if args.arch is None:
        sidecar = os.path.splitext(path)[0] + ".json"
        if not os.path.isfile(sidecar):
            raise InvalidParameterError("--arch", None, "one of " + ", ".join(MEASURE_ARCHS)
                                        + " (required unless MODEL is a tnrnn train checkpoint with its .json)")
        from ...tasks.training import load_checkpoint

        return load_checkpoint(path)[0]
    from ...bridge import load_weights

    return load_weights(path, arch=args.arch, nonlinearity=args.nonlinearity)
