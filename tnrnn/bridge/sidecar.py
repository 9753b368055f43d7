"""Which architecture a weights file holds, as every command that reads one decides it.

One rule for ``tnrnn import`` and every ``tnrnn memory`` measure: an explicit
``arch`` wins; else the ``arch`` named by the file's JSON sidecar
(``KEY.json`` beside ``KEY.safetensors``, as ``tnrnn train`` writes it);
else ``None``, and :func:`tnrnn.bridge.load_weights` detects the
architecture from the keys and the gate multiple
(:func:`tnrnn.bridge.detect_arch`).
"""

from __future__ import annotations

import os

__all__ = ["sidecar_arch", "resolve_arch"]


def sidecar_arch(path) -> str | None:
    """The ``arch`` named by ``PATH``'s JSON sidecar (``KEY.json`` beside ``KEY.safetensors``), if any.

    Examples
    --------
    >>> sidecar_arch("no/such/model.safetensors") is None
    True
    """
    from ..safe_io import read_json_file

    data = read_json_file(os.path.splitext(os.fspath(path))[0] + ".json")
    arch = data.get("arch") if isinstance(data, dict) else None
    return arch if isinstance(arch, str) else None


def resolve_arch(path, arch: str | None = None) -> str | None:
    """``arch`` if given, else the sidecar's, else ``None`` (detect from the weights): see the module docstring."""
    return arch if arch is not None else sidecar_arch(path)
