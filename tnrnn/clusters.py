"""Dask clusters for the sweeps of :mod:`tnrnn.runner`: a new local cluster, or a running one by address.

``distributed`` is optional (``pip install tnrnn[dask]``): nothing here imports it until a cluster is
asked for, and asking without it raises :class:`~tnrnn.errors.MissingDependencyError`.
"""

from __future__ import annotations

import contextlib
import importlib.util
import signal
import threading
from collections.abc import Iterator
from typing import Any

from .errors import InvalidParameterError, MissingDependencyError

__all__ = ["cluster", "check_scheduler_address"]


def _check_workers(workers, scheduler, client) -> None:
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise InvalidParameterError("workers", workers, "a positive number of worker processes or None")
    given = [n for n, v in (("workers", workers), ("scheduler", scheduler), ("client", client)) if v is not None]
    if len(given) > 1:
        raise InvalidParameterError(given[1], "given with " + given[0], "at most one of workers, scheduler, client")


def _require_distributed(feature: str) -> None:
    try:
        found = importlib.util.find_spec("distributed") is not None
    except (ImportError, ValueError):  # a broken or blocked installation counts as missing
        found = False
    if not found:
        raise MissingDependencyError("distributed", feature, extra="dask")


#: Address of a Dask scheduler: ``[protocol://]host:port``.
_SCHEDULER_ADDRESS = r"(?:(?:tcp|tls|ucx|ws|wss)://)?(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):[0-9]{1,5}"


def check_scheduler_address(scheduler) -> str:
    """``scheduler`` if it reads as a scheduler address (``tcp://host:8786``), else a one-line error.

    Examples
    --------
    >>> check_scheduler_address("tcp://10.0.0.2:8786")
    'tcp://10.0.0.2:8786'
    >>> check_scheduler_address("notaurl")
    Traceback (most recent call last):
    ...
    tnrnn.errors.InvalidParameterError: invalid scheduler='notaurl': expected a scheduler address like tcp://host:8786 (protocol tcp, tls, ucx, ws or wss; port 1-65535)
    """
    import re

    allowed = "a scheduler address like tcp://host:8786 (protocol tcp, tls, ucx, ws or wss; port 1-65535)"
    if not isinstance(scheduler, str) or not scheduler.isascii() or not re.fullmatch(_SCHEDULER_ADDRESS, scheduler):
        raise InvalidParameterError("scheduler", scheduler, allowed)
    if not 1 <= int(scheduler.rsplit(":", 1)[1]) <= 65535:
        raise InvalidParameterError("scheduler", scheduler, allowed)
    return scheduler


@contextlib.contextmanager
def cluster(workers: int | None = None, scheduler: str | None = None, *,
            threads_per_worker: int = 1) -> Iterator[Any]:
    """A ``distributed.Client``: on a new LocalCluster of ``workers`` processes, or connected to ``scheduler``.

    Yields ``None`` when both are ``None`` (run in-process).  The LocalCluster
    is shut down on exit; a cluster reached through ``scheduler`` is left
    running.

    Raises
    ------
    MissingDependencyError
        If dask.distributed is not installed (``pip install tnrnn[dask]``).
    """
    _check_workers(workers, scheduler, None)
    if workers is None and scheduler is None:
        yield None
        return
    _require_distributed("running on a Dask cluster (--workers, --scheduler)")
    import logging

    from distributed import Client, LocalCluster

    if scheduler is not None:
        check_scheduler_address(scheduler)
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError, ValueError) as err:
            raise InvalidParameterError("scheduler", scheduler, f"the address of a running scheduler ({err})") from None
        with client:
            yield client
        return
    # the worker processes start with SIGINT ignored (a disposition they inherit): Ctrl-C in a terminal
    # reaches the whole process group, and it is this process that stops the sweep and closes the cluster
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
    try:
        local = LocalCluster(n_workers=workers, threads_per_worker=threads_per_worker, processes=True,
                             dashboard_address=":0", silence_logs=logging.ERROR)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    with local, Client(local) as client:
        yield client
