"""Progress reports of the CLI: on stderr, on a TTY by default, ``--progress`` forces, ``--quiet`` silences.

Every subcommand that can run for more than a couple of seconds takes
:func:`add_progress_arguments` and builds a :class:`Progress` from its
parsed arguments.  Two kinds of report, both tqdm bars on stderr (stdout
stays clean, so ``--json`` output can be piped):

* :meth:`Progress.stage`: a step of unknown length (planning a contraction,
  the rank step, a spectrum, drawing); its line appears at once and shows
  the elapsed time, refreshed twice a second by a daemon thread;
* :meth:`Progress.bar`: a loop over known items (``tqdm`` itself).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading

__all__ = ["Progress", "add_progress_arguments"]


def add_progress_arguments(p: argparse.ArgumentParser) -> None:
    """``--progress`` (force the reports, even when stderr is not a terminal) and ``--quiet/-q`` (none)."""
    group = p.add_mutually_exclusive_group()
    group.add_argument("--progress", dest="progress", action="store_const", const=True, default=None,
                       help="show progress on stderr even when it is not a terminal")
    group.add_argument("--quiet", "-q", "--no-progress", dest="progress", action="store_const", const=False,
                       help="no progress on stderr")


class Progress:
    """Progress reports on stderr for one command.

    Parameters
    ----------
    enabled : bool or None
        ``True`` forces, ``False`` silences, ``None`` reports when stderr is
        a terminal.
    file : file-like, optional
        Where to write (default ``sys.stderr``).

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> progress = Progress(True, file=out)
    >>> with progress.stage("planning"):
    ...     pass
    >>> "planning" in out.getvalue()
    True
    >>> Progress(False).enabled
    False
    """

    def __init__(self, enabled: bool | None = None, file=None):
        self.file = sys.stderr if file is None else file
        if enabled is None:
            isatty = getattr(self.file, "isatty", None)
            enabled = bool(isatty and isatty())
        self.enabled = bool(enabled)

    @classmethod
    def from_args(cls, args) -> Progress:
        """From parsed arguments with :func:`add_progress_arguments` (``args.progress``)."""
        return cls(getattr(args, "progress", None))

    def bar(self, iterable=None, **kwargs):
        """A ``tqdm`` bar on the report stream (disabled when reports are off); ``kwargs`` are tqdm's."""
        import shutil

        from tqdm import tqdm

        kwargs.setdefault("leave", False)
        kwargs.setdefault("ncols", shutil.get_terminal_size((100, 24)).columns or 100)
        return tqdm(iterable, file=self.file, disable=not self.enabled, **kwargs)

    def wrapper(self, desc: str, unit: str = "it"):
        """A tqdm-like callable ``wrap(iterable)`` for library functions taking ``progress=`` (or ``None``)."""
        if not self.enabled:
            return None
        return lambda iterable: self.bar(iterable, desc=desc, unit=unit)

    @contextlib.contextmanager
    def stage(self, desc: str):
        """Report a step of unknown length: its name at once, then the elapsed time until it ends."""
        if not self.enabled:
            yield
            return
        bar = self.bar(total=None, desc=desc, bar_format="{desc}: {elapsed}", mininterval=0.0)
        bar.refresh()
        stop = threading.Event()

        def tick():
            while not stop.wait(0.5):
                bar.refresh()

        thread = threading.Thread(target=tick, daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()
            bar.close()
