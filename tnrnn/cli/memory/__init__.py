"""``tnrnn memory``: memory functions, Hankel analysis and the curse-of-memory experiments.

A subcommand group: each action lives in its own module of this package and
exposes ``add_parser(subparsers)`` (registering the action, setting ``func``);
:data:`ACTIONS` lists them in the order ``tnrnn memory --help`` shows.  A new
memory measure adds a module here and its name to :data:`ACTIONS`.
"""

from __future__ import annotations

import argparse
import importlib

__all__ = ["ACTIONS", "add_parser"]

#: Action modules of ``tnrnn memory``, in the order of its help.
ACTIONS = ("function", "hankel", "curse", "plateau", "capacity", "retention", "horizon", "lyapunov", "compare")

EXAMPLES = """\
examples:
  tnrnn memory function linear.npz --arch linear --lags 64
  tnrnn memory function rnn.npz --arch rnn --lags 32 --directions 16 --json
  tnrnn memory hankel --target exp,pol --eps 1e-1,1e-2,1e-3,1e-4
  tnrnn memory hankel --kernel 1,1,2,3,5,8,13,21,34 --exact
  tnrnn memory curse --preset quick --out curse.jsonl --plot curse.png
  tnrnn memory plateau --target shift --delays 2,4,6,8 --plot plateau.png
  tnrnn memory capacity reservoir.npz --arch esn --lags 100
  tnrnn memory retention model.safetensors --lags 16 --window 4 --json
  tnrnn memory horizon model.pt --arch lstm --lags 64
  tnrnn memory lyapunov model.pt --arch gru --steps 500
  tnrnn memory compare --preset cpu --out compare/
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``tnrnn memory`` and its actions."""
    p = subparsers.add_parser(
        "memory",
        help="memory functions, Hankel spectra, the curse of memory, and memory measures (capacity, retention, ...)",
        description="How long is a model's memory, and how many hidden units does a memory cost: memory "
                    "functions of any model, Hankel analysis of target memories (singular values, exact "
                    "ranks, minimal widths, balanced truncation with its bounds), the curse-of-memory "
                    "experiments of Li, Han, E, Li (ICLR 2021), and memory measures of any model: short-term "
                    "memory capacity, lag retention and semantic recoverability, gradient horizon, Lyapunov "
                    "spectrum, and the comparison of units across training lengths.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="action", metavar="ACTION", parser_class=type(p))
    sub.required = True
    for name in ACTIONS:
        importlib.import_module(f"{__name__}.{name}").add_parser(sub)
    return p
