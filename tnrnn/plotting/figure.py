"""The one figure helper every tnrnn plot uses: file formats, new figures, saving.

Figures are built without ``pyplot`` (no global state, no GUI backend needed)
and saved as PNG, SVG or PDF; matplotlib is imported only when a figure is made.
:func:`figure_format` refuses a bad extension or an unwritable place before any
work, and :func:`save_figure` writes atomically (a temporary file in the same
folder, then ``os.replace``), so a failed save never leaves a partial figure.
"""

from __future__ import annotations

import os

from ..errors import InvalidParameterError
from ..limits import check_writable
from ..typing import PathLike

__all__ = ["FIGURE_FORMATS", "figure_format", "new_figure", "save_figure"]

#: File formats that the ``path=`` arguments accept (by extension).
FIGURE_FORMATS = ("png", "svg", "pdf")


def figure_format(path: PathLike | None, name: str = "path") -> str | None:
    """The format (``"png"``, ``"svg"`` or ``"pdf"``) that ``path``'s extension names.

    Commands call it before computing anything, to refuse a bad file name at once;
    ``name`` is the parameter's name in the error (``"--plot"``).

    Raises
    ------
    InvalidParameterError
        If the extension is not one of :data:`FIGURE_FORMATS`, or no file
        can be written at ``path`` (see :func:`tnrnn.limits.check_writable`).

    Examples
    --------
    >>> figure_format("ranks.PNG"), figure_format(None)
    ('png', None)
    >>> figure_format("ranks.jpg")
    Traceback (most recent call last):
    ...
    tnrnn.errors.InvalidParameterError: invalid path='ranks.jpg': expected a file name ending in .png, .svg or .pdf
    """
    if path is None:
        return None
    if not isinstance(path, (str, os.PathLike)):
        raise InvalidParameterError(name, path, "a file name ending in .png, .svg or .pdf")
    ext = os.path.splitext(os.fspath(path))[1].lower().lstrip(".")
    if ext not in FIGURE_FORMATS:
        raise InvalidParameterError(name, os.fspath(path), "a file name ending in .png, .svg or .pdf")
    check_writable(path, name)
    return ext


def new_figure(figsize: tuple[float, float]):
    """A constrained-layout ``Figure`` (no pyplot) and its one ``Axes``."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def save_figure(fig, path: PathLike | None, fmt: str | None) -> None:
    """Save ``fig`` to ``path`` (if given) in ``fmt``; PNGs at 150 dpi.

    The figure is written to a temporary file in the same folder and moved
    into place with ``os.replace``: ``path`` holds either its old content or
    the whole new figure, never a partial one.

    Raises
    ------
    OSError
        If writing fails (the temporary file is removed).
    """
    if path is None:
        return
    import tempfile

    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tnrnn-", suffix="." + (fmt or "tmp"), dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fig.savefig(fh, format=fmt, dpi=150 if fmt == "png" else None)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
