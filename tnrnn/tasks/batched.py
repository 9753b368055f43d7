"""Many seeds at once: S networks of one shape trained as one model with a leading seed axis.

A :class:`SeedStack` holds the weights of ``S`` independent networks of the
same architecture and shape, stacked along a first axis of length ``S``; one
forward pass is one batched matmul per layer and time step (``torch.bmm``
over the seed axis), so 32 seeds cost a small multiple of one on a CPU and
fill a GPU.  Nothing couples the seeds:

* each seed's initial weights come from its own generator (seeded by the
  seed alone, drawn in a fixed order), its batches from its own stream
  (:func:`~tnrnn.tasks.data.split_seeds`), its validation and test sets
  from its own generators;
* the loss is the sum over seeds of each seed's mean cross-entropy, so the
  gradient of a seed's weights is that of its own loss;
* the optimisers (:class:`StackedOptimizer`: Adam, RMSProp) are elementwise,
  with a learning rate per seed; gradient clipping scales each seed's
  gradient by its own norm; the plateau rule (÷10, then stop) runs per seed,
  and a stopped seed's learning rate is 0 (its weights no longer move);

so each seed's trajectory equals training it alone (``S = 1``) up to the
rounding of the batched kernels (tested: ``tests/test_tasks_batched.py``).

Architectures
-------------
``"ortho"``
    ``h' = tanh(W_ih x + b + W h)``, ``W = Q_0 exp(B - B^T)`` with ``Q_0`` a
    Haar-random orthogonal matrix and ``B`` trained from 0 (the
    trivialisation of ``torch.nn.utils.parametrizations.orthogonal`` with
    ``matrix_exp``); ``W_ih, b`` uniform in ``±1/sqrt(H)`` as in ``nn.RNN``;
    Adam by default.
``"scornn"`` (Helfrich, Willmott & Ye, 2018, as the paper trains it)
    ``h' = modReLU(W_in x + W h)`` with ``modReLU(z) = sign(z) relu(|z| + b)``
    and the scaled Cayley transform ``W = (I + A)^{-1} (I - A) D``: ``A``
    skew-symmetric, ``D`` diagonal with ``-1`` on the first ``floor(H/2)``
    entries and ``+1`` on the rest.  ``A`` is initialised in 2 x 2 blocks
    ``[[0, a], [-a, 0]]``, ``a = tan(theta/2)``, ``theta ~ U(0, pi/2)``
    (rotations by ``theta``); ``W_in`` and ``b`` uniform in ``±0.01``; a
    fixed random initial state uniform in ``±0.01``; readout Glorot-uniform.
    RMSProp at ``lr`` (1e-3) on everything but ``A``, and at
    ``lr_recurrent`` (1e-4) on ``A`` with the paper's gradient
    ``V^T - V``, ``V = (I + A)^{-T} (dL/dW) (D + W^T)``: the skew part of
    autograd's gradient through the Cayley map, doubled.  That gradient is
    exactly skew, and RMSProp's update ``g / sqrt(v)`` keeps ``A`` exactly
    skew.  ``W`` is computed from ``A`` in float64 and rounded once to the
    training dtype, so ``||W^T W - I||`` is that rounding (float32: about
    ``1e-7``; float64: ``1e-15``).

Both stack to depth ``L`` (layer ``l`` reads layer ``l - 1``'s states) with a
linear readout of the top layer (the last step, or every step for the
copying task).

Examples
--------
>>> import torch
>>> net = SeedStack("scornn", depth=2, hidden=4, inputs=3, outputs=2, seeds=[0, 1], dtype=torch.float64)
>>> net(torch.zeros(2, 5, 6, 3, dtype=torch.float64)).shape
torch.Size([2, 5, 2])
>>> net.orthogonality_error() < 1e-12
True
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import InvalidParameterError
from ..validation import check_choice, check_positive_int
from .models import _torch

__all__ = ["STACKED_ARCHS", "SeedStack", "StackedOptimizer", "modrelu", "stack_memory_bytes"]

#: Architectures :class:`SeedStack` trains (the others train one seed at a time).
STACKED_ARCHS = ("ortho", "scornn")


def modrelu(z, bias):
    """``sign(z) * relu(|z| + bias)`` (real modReLU; numpy or torch arrays)."""
    if hasattr(z, "detach"):
        torch = _torch()
        return torch.sign(z) * torch.relu(z.abs() + bias)
    return np.sign(z) * np.maximum(np.abs(z) + bias, 0.0)


def stack_memory_bytes(seeds: int, batch: int, length: int, hidden: int, depth: int, inputs: int, outputs: int,
                       per_step: bool, itemsize: int = 4) -> int:
    """Bytes a training step of a :class:`SeedStack` holds for autograd (states, pre-activations, inputs, logits).

    Examples
    --------
    >>> stack_memory_bytes(32, 128, 64, 16, 3, 5, 3, False)   # about 300 MB
    307331072
    """
    states = seeds * batch * length * hidden * depth * 6  # input projection, pre-activation, state, temporaries
    x = seeds * batch * length * inputs
    logits = seeds * batch * (length if per_step else 1) * outputs * 2
    return int(itemsize * (states + x + logits))


#: Seconds per time step and layer of one training step on one CPU thread: a fixed cost (Python and kernel
#: launches, about 1000 small ops per step at depth 3, T = 32) plus one per stacked multiply-add element
#: (seeds x batch x width^2 x gates).  Fitted to benchmarks/bench_batched_training.py at the repro-cpu shape
#: (one seed 13 ms a step at depth 3, T = 32; 32 seeds about 6 times that; benchmarks/README.md).
STEP_OVERHEAD_SECONDS = 1.4e-4
STEP_ELEMENT_SECONDS = 7e-9


def stack_step_seconds(seeds: int, batch: int, length: int, hidden: int, depth: int, gates: int = 1) -> float:
    """Estimated seconds of one training step of a :class:`SeedStack` on one CPU thread (see the constants).

    A model of the measured cost, not a measurement: a GPU removes most of the
    per-element cost but little of the fixed one; a loaded machine is slower.

    Examples
    --------
    >>> round(stack_step_seconds(1, 64, 32, 7, 3) * 1000)    # one seed at the repro-cpu shape, ms
    16
    """
    return length * depth * (STEP_OVERHEAD_SECONDS + STEP_ELEMENT_SECONDS * seeds * batch * hidden * hidden * gates)


def _haar(H, generator, torch):
    """A Haar-random orthogonal matrix (QR of a Gaussian with the signs of R's diagonal fixed)."""
    q, r = torch.linalg.qr(torch.randn(H, H, generator=generator, dtype=torch.float64))
    return q * torch.sign(torch.diagonal(r)).unsqueeze(0)


class SeedStack:
    """``S`` networks of one architecture and shape, weights stacked along a seed axis (see the module docstring).

    Parameters
    ----------
    arch : {"ortho", "scornn"}
    depth, hidden, inputs, outputs : int
        ``L``, ``H``, the input size and the number of classes.
    seeds : sequence of int
        One network per seed; its initial weights depend on its seed only.
    per_step : bool
        Logits at every step (copying task) instead of the last.
    dtype : torch.dtype
        Training dtype (``torch.float32`` by default).
    device : str or torch.device
    """

    def __init__(self, arch: str, depth: int, hidden: int, inputs: int, outputs: int, seeds, *,
                 per_step: bool = False, dtype=None, device="cpu"):
        torch = _torch()
        self.arch = check_choice(arch, "arch", STACKED_ARCHS)
        self.depth = check_positive_int(depth, "depth")
        self.hidden = check_positive_int(hidden, "hidden")
        self.inputs = check_positive_int(inputs, "inputs")
        self.outputs = check_positive_int(outputs, "outputs")
        self.seeds = [int(s) for s in seeds]
        if not self.seeds:
            raise InvalidParameterError("seeds", seeds, "at least one seed")
        self.per_step = bool(per_step)
        self.dtype = torch.float32 if dtype is None else dtype
        self.device = torch.device(device)
        per_seed = [self._init_one(s, torch) for s in self.seeds]
        self.params = {k: torch.stack([p[k] for p in per_seed]).to(self.device, self.dtype).requires_grad_(True)
                       for k in per_seed[0] if not k.startswith("_")}
        self.buffers = {k: torch.stack([p[k] for p in per_seed]).to(self.device) for k in per_seed[0]
                        if k.startswith("_")}

    # -- initialisation -------------------------------------------------------------------------
    def _init_one(self, seed, torch):
        g = torch.Generator().manual_seed(int(seed))
        L, H, M, C = self.depth, self.hidden, self.inputs, self.outputs
        f64 = torch.float64

        def uniform(shape, bound):
            return (torch.rand(shape, generator=g, dtype=f64) * 2 - 1) * bound

        p = {}
        for k in range(L):
            fan_in = M if k == 0 else H
            if self.arch == "ortho":
                bound = 1 / math.sqrt(H)
                p[f"weight_ih_{k}"] = uniform((H, fan_in), bound)
                p[f"bias_{k}"] = uniform((H,), bound)
                p[f"skew_{k}"] = torch.zeros(H, H, dtype=f64)
                p[f"_base_{k}"] = _haar(H, g, torch)
            else:
                p[f"weight_ih_{k}"] = uniform((H, fan_in), 0.01)
                p[f"bias_{k}"] = uniform((H,), 0.01)
                theta = torch.rand(H // 2, generator=g, dtype=f64) * (math.pi / 2)
                A = torch.zeros(H, H, dtype=f64)
                idx = torch.arange(0, 2 * (H // 2), 2)
                A[idx, idx + 1] = torch.tan(theta / 2)
                A[idx + 1, idx] = -torch.tan(theta / 2)
                p[f"skew_{k}"] = A
                d = torch.ones(H, dtype=f64)
                d[: H // 2] = -1.0
                p[f"_diag_{k}"] = d
                p[f"_h0_{k}"] = uniform((H,), 0.01)
        bound = 1 / math.sqrt(H) if self.arch == "ortho" else math.sqrt(6 / (H + C))
        p["readout_weight"] = uniform((C, H), bound)
        p["readout_bias"] = uniform((C,), 1 / math.sqrt(H)) if self.arch == "ortho" else torch.zeros(C, dtype=f64)
        return p

    # -- the recurrent matrices -------------------------------------------------------------------
    def recurrent(self, k: int):
        """``W`` of layer ``k`` for every seed, (S, H, H), computed in float64 and rounded to the dtype."""
        torch = _torch()
        A = self.params[f"skew_{k}"].to(torch.float64)
        if self.arch == "ortho":
            W = self.buffers[f"_base_{k}"] @ torch.matrix_exp(A - A.transpose(1, 2))
        else:
            eye = torch.eye(self.hidden, dtype=torch.float64, device=A.device)
            W = torch.linalg.solve(eye + A, eye - A) * self.buffers[f"_diag_{k}"].unsqueeze(1)
        return W.to(self.dtype)

    def parameters(self):
        """The trained tensors (leading axis: seeds)."""
        return list(self.params.values())

    def __call__(self, x):
        """Logits (S, N, C), or (S, N, T, C) per step, of inputs ``x`` (S, N, T, inputs)."""
        torch = _torch()
        S, N, T, _ = x.shape
        h_in = x
        for k in range(self.depth):
            W_t = self.recurrent(k).transpose(1, 2).contiguous()
            Wih = self.params[f"weight_ih_{k}"]
            b = self.params[f"bias_{k}"]
            if self.arch == "ortho":
                pre = torch.einsum("snti,shi->snth", h_in, Wih) + b[:, None, None, :]
                h = torch.zeros(S, N, self.hidden, dtype=x.dtype, device=x.device)
            else:
                pre = torch.einsum("snti,shi->snth", h_in, Wih)
                h = self.buffers[f"_h0_{k}"].to(x.dtype)[:, None, :].expand(S, N, self.hidden)
            outs = []
            # unbind once: indexing pre[:, :, t] in the loop makes autograd fill a full-size zero gradient per
            # step (quadratic in T)
            for p_t in pre.unbind(2):
                z = torch.baddbmm(p_t, h, W_t)
                h = torch.tanh(z) if self.arch == "ortho" else modrelu(z, b[:, None, :])
                outs.append(h)
            h_in = torch.stack(outs, 2) if (k < self.depth - 1 or self.per_step) else h
        Wo, bo = self.params["readout_weight"], self.params["readout_bias"]
        if self.per_step:
            return torch.einsum("snth,sch->sntc", h_in, Wo) + bo[:, None, None, :]
        return torch.einsum("snh,sch->snc", h_in, Wo) + bo[:, None, :]

    # -- per-seed views ---------------------------------------------------------------------------
    def snapshot(self) -> dict:
        """A detached copy of every trained tensor (for keeping the best weights)."""
        return {k: v.detach().clone() for k, v in self.params.items()}

    def restore(self, snapshot: dict, mask=None) -> None:
        """Copy ``snapshot`` back (only the seeds where ``mask`` is true, when given)."""
        torch = _torch()
        with torch.no_grad():
            for k, v in self.params.items():
                if mask is None:
                    v.copy_(snapshot[k])
                else:
                    m = mask.view(-1, *([1] * (v.dim() - 1)))
                    v.copy_(torch.where(m, snapshot[k], v))

    def keep(self, snapshot: dict, mask) -> None:
        """Update ``snapshot`` in place with the current weights of the seeds where ``mask`` is true."""
        torch = _torch()
        with torch.no_grad():
            for k, v in self.params.items():
                m = mask.view(-1, *([1] * (v.dim() - 1)))
                snapshot[k].copy_(torch.where(m, v, snapshot[k]))

    def orthogonality_error(self) -> float:
        """``max |W^T W - I|`` over seeds and layers of the matrices in the training dtype (computed in float64)."""
        torch = _torch()
        err = 0.0
        with torch.no_grad():
            for k in range(self.depth):
                W = self.recurrent(k).double()
                eye = torch.eye(self.hidden, dtype=torch.float64, device=W.device)
                err = max(err, float((W.transpose(1, 2) @ W - eye).abs().max()))
        return err

    def orthogonality_errors(self) -> list[float]:
        """:meth:`orthogonality_error` per seed."""
        torch = _torch()
        errs = np.zeros(len(self.seeds))
        with torch.no_grad():
            for k in range(self.depth):
                W = self.recurrent(k).double()
                eye = torch.eye(self.hidden, dtype=torch.float64, device=W.device)
                errs = np.maximum(errs, (W.transpose(1, 2) @ W - eye).abs().amax(dim=(1, 2)).cpu().numpy())
        return [float(e) for e in errs]

    def export(self, index: int) -> dict:
        """Seed ``index``'s weights as a plain state dict (CPU tensors, torch's RNN names plus scoRNN's own).

        ``ortho`` exports an ``nn.RNN`` (tanh) state dict with ``bias_hh = 0``,
        which :func:`tnrnn.bridge.from_state_dict` imports as ``rnn_tanh``;
        ``scornn`` adds ``rnn.skew_l{k}``, ``rnn.diag_l{k}``,
        ``rnn.modrelu_bias_l{k}`` and ``rnn.h0_l{k}`` (no ``bias_ih``/``bias_hh``),
        imported by :func:`tnrnn.bridge.modules.from_scornn_state`.
        """
        torch = _torch()
        out = {}
        with torch.no_grad():
            for k in range(self.depth):
                out[f"rnn.weight_ih_l{k}"] = self.params[f"weight_ih_{k}"][index]
                out[f"rnn.weight_hh_l{k}"] = self.recurrent(k)[index]
                if self.arch == "ortho":
                    out[f"rnn.bias_ih_l{k}"] = self.params[f"bias_{k}"][index]
                    out[f"rnn.bias_hh_l{k}"] = torch.zeros_like(self.params[f"bias_{k}"][index])
                else:
                    out[f"rnn.skew_l{k}"] = self.params[f"skew_{k}"][index]
                    out[f"rnn.diag_l{k}"] = self.buffers[f"_diag_{k}"][index].to(self.dtype)
                    out[f"rnn.modrelu_bias_l{k}"] = self.params[f"bias_{k}"][index]
                    out[f"rnn.h0_l{k}"] = self.buffers[f"_h0_{k}"][index].to(self.dtype)
            out["fc.weight"] = self.params["readout_weight"][index]
            out["fc.bias"] = self.params["readout_bias"][index]
        return {k: v.detach().cpu().contiguous().clone() for k, v in out.items()}


class StackedOptimizer:
    """Adam or RMSProp on stacked tensors with one learning rate per seed and per group (torch's formulas).

    Parameters
    ----------
    stack : SeedStack
    kind : {"adam", "rmsprop"}
    lr : float
        Learning rate of every tensor except scoRNN's ``A``.
    lr_recurrent : float, optional
        Learning rate of scoRNN's ``A`` (default ``lr``); its gradient is made
        ``G - G^T`` first (module docstring).
    clip : float, optional
        Scale each seed's gradient so that its norm (over all its tensors) is at most ``clip``.

    Adam: ``m = b1 m + (1-b1) g``, ``v = b2 v + (1-b2) g^2``,
    ``p -= lr m/(1-b1^t) / (sqrt(v/(1-b2^t)) + eps)`` (``0.9, 0.999, 1e-8``);
    RMSProp: ``v = a v + (1-a) g^2``, ``p -= lr g / (sqrt(v) + eps)`` (``0.99, 1e-8``).
    """

    def __init__(self, stack: SeedStack, kind: str = "adam", lr: float = 1e-3, *, lr_recurrent: float | None = None,
                 clip: float | None = None):
        torch = _torch()
        self.stack = stack
        self.kind = check_choice(kind, "optimizer", ("adam", "rmsprop"))
        S = len(stack.seeds)
        dev = stack.device
        self.scale = torch.ones(S, dtype=torch.float64, device=dev)  # the plateau rule's factor (1, 0.1, ...; 0 stops)
        self.base = {k: (lr_recurrent if (k.startswith("skew_") and stack.arch == "scornn" and lr_recurrent)
                         else lr) for k in stack.params}
        self.clip = clip
        self.t = 0
        self.state = {k: (torch.zeros_like(v), torch.zeros_like(v)) for k, v in stack.params.items()}

    def zero_grad(self):
        for v in self.stack.params.values():
            v.grad = None

    def step(self):
        torch = _torch()
        self.t += 1
        params = self.stack.params
        with torch.no_grad():
            if self.stack.arch == "scornn":
                for k in range(self.stack.depth):
                    g = params[f"skew_{k}"].grad
                    if g is not None:
                        params[f"skew_{k}"].grad = g - g.transpose(1, 2)
            if self.clip is not None:
                sq = sum((v.grad.double() ** 2).flatten(1).sum(1) for v in params.values() if v.grad is not None)
                factor = torch.clamp(self.clip / (sq.sqrt() + 1e-6), max=1.0)
            for k, p in params.items():
                g = p.grad
                if g is None:
                    continue
                shape = (-1, *([1] * (p.dim() - 1)))
                if self.clip is not None:
                    g = g * factor.to(g.dtype).view(shape)
                lr = (self.base[k] * self.scale).to(p.dtype).view(shape)
                m, v = self.state[k]
                if self.kind == "adam":
                    m.mul_(0.9).add_(g, alpha=0.1)
                    v.mul_(0.999).addcmul_(g, g, value=0.001)
                    mhat = m / (1 - 0.9 ** self.t)
                    vhat = v / (1 - 0.999 ** self.t)
                    p.sub_(lr * mhat / (vhat.sqrt() + 1e-8))
                else:
                    v.mul_(0.99).addcmul_(g, g, value=0.01)
                    p.sub_(lr * g / (v.sqrt() + 1e-8))
