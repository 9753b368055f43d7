"""The quimb class of compiled networks: its open indices are the inputs, whatever their copies.

A compiled network shares one *hyperindex* ``x{t}`` among every copy of
input ``t`` (and, in the hyperindex form, one ``h{c}`` among the three legs
of a COPY tensor).  quimb calls an index *outer* when it appears on exactly
one tensor, so a plain ``quimb.tensor.TensorNetwork`` of a deep RAC reports
no inputs as outer and refuses ``contract()`` without ``output_inds``.
:class:`CircuitTensorNetwork` is a ``TensorNetwork`` that *declares* its
open indices (tnrnn's own convention):

* :meth:`~CircuitTensorNetwork.outer_inds` returns the declared open indices
  still present (``x0 .. x{T-1}``, then ``y`` when the output is open),
  followed by any other index that appears once;
* a full :meth:`~CircuitTensorNetwork.contract` without ``output_inds``
  contracts to those indices, so ``tn.contract(optimize="greedy")`` is the
  grid tensor.

Closing an input (contracting a vector into ``x{t}`` with quimb's own
operations) removes the declaration for that index when the index leaves the
network; while the index is present it stays open.  Copies, ``tn.copy()`` and
selections keep the class and the declaration (quimb's ``_EXTRA_PROPS``);
combining with another network (``tn & other``) gives a plain
``TensorNetwork``, whose outer indices follow quimb's rule again.

This module imports quimb at import time; tnrnn imports it only when a
network's ``tn`` is built.  Building one also registers the ``"tnrnn"`` and
``"recurrence"`` presets with cotengra and opt_einsum
(:func:`tnrnn.network.optimizers.register_presets`).
"""

from __future__ import annotations

import quimb.tensor as qtn

from .optimizers import register_presets

__all__ = ["CircuitTensorNetwork"]


class CircuitTensorNetwork(qtn.TensorNetwork):
    """A quimb ``TensorNetwork`` whose outer indices are its declared open (hyper)indices.

    Parameters
    ----------
    ts : sequence of quimb.tensor.Tensor or TensorNetwork
        The tensors.
    open_inds : sequence of str
        The indices left open by a full contraction, in the result's order.
    virtual : bool
        Keep the tensors themselves instead of copies (quimb's meaning).

    Examples
    --------
    >>> import numpy as np
    >>> a = qtn.Tensor(np.ones((2, 3)), ("x", "b"))
    >>> b = qtn.Tensor(np.arange(6.0).reshape(2, 3), ("x", "b"))
    >>> c = qtn.Tensor(np.ones(2), ("x",))
    >>> tn = CircuitTensorNetwork([a, b, c], open_inds=("x",))
    >>> tn.outer_inds()
    ('x',)
    >>> tn.contract(optimize="greedy").data.tolist()    # sum_b a[x, b] b[x, b] c[x]
    [3.0, 12.0]
    """

    _EXTRA_PROPS = ("_open_inds",)

    def __init__(self, ts=(), *, open_inds=None, virtual: bool = False, check_collisions: bool = True):
        super().__init__(ts, virtual=virtual, check_collisions=check_collisions)
        if open_inds is not None:
            self._open_inds = tuple(open_inds)
        elif not hasattr(self, "_open_inds"):
            self._open_inds = ()
        register_presets()

    @property
    def open_inds(self) -> tuple[str, ...]:
        """The declared open indices still present in the network."""
        return tuple(i for i in self._open_inds if i in self.ind_map)

    def outer_inds(self) -> tuple[str, ...]:
        """The declared open indices, then any other index that appears on one tensor only."""
        declared = self.open_inds
        return declared + tuple(i for i in self._outer_inds if i not in declared)

    def contract(self, tags=..., output_inds=None, optimize=None, **kwargs):
        """quimb's ``contract``; a full contraction keeps :meth:`outer_inds` open by default.

        Every argument is quimb's (``optimize`` may be ``"tnrnn"`` or
        ``"recurrence"``: the presets are registered).
        """
        if output_inds is None and (tags is ... or tags is all) and kwargs.get("max_bond") is None:
            output_inds = self.outer_inds()
        return super().contract(tags, output_inds=output_inds, optimize=optimize, **kwargs)
