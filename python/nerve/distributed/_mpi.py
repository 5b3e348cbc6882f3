"""MPI itself: mpi4py (the optional extra), the communicator, and the C++ gradient reducer built
from mpi4py's handles. Everything else in nerve.distributed goes through this module."""

from __future__ import annotations

import ctypes.util
import os
import sys

from .. import _core

_INSTALL = 'pip install "nerve[mpi]"'
_DEFAULT_TIMEOUT = 120.0  # seconds one collective may wait for the other ranks
_DEFAULT_BUCKET_BYTES = 8 << 20  # gradient bytes per allreduce


class _State:
    comm = None
    reducer = None
    timeout = _DEFAULT_TIMEOUT


def import_mpi():
    """mpi4py's MPI module (importing it initialises MPI), or ImportError naming the extra."""
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise ImportError(
            f"nerve.distributed needs MPI and mpi4py, which nerve does not install by default: "
            f"{_INSTALL} (it brings mpi4py and Open MPI, with mpirun). ({e})"
        ) from e
    return MPI


def _library_path(MPI) -> str:
    """The libmpi that mpi4py loaded: the C++ reducer opens the same one."""
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                if os.path.basename(path).startswith("libmpi.so"):
                    return path
    except OSError:
        pass
    found = ctypes.util.find_library("mpi")
    if not found:
        raise ImportError(f"nerve.distributed: cannot find the libmpi mpi4py uses ({_INSTALL})")
    return found


def init(timeout=None, bucket_bytes=None):
    MPI = import_mpi()
    vendor = MPI.get_vendor()[0]
    if vendor != "Open MPI":
        # The C++ reducer takes mpi4py's handles as Open MPI's pointers (see README.md).
        raise ImportError(
            f"nerve.distributed supports Open MPI (the handle ABI its C++ reducer uses); "
            f"mpi4py runs on {vendor}. {_INSTALL} installs Open MPI."
        )
    if timeout is None:
        timeout = float(os.environ.get("NERVE_DISTRIBUTED_TIMEOUT", _DEFAULT_TIMEOUT))
    if not timeout > 0:
        raise ValueError(f"nerve.distributed.init: timeout must be positive seconds, got {timeout}")
    bucket_bytes = _DEFAULT_BUCKET_BYTES if bucket_bytes is None else int(bucket_bytes)
    if bucket_bytes < 1024:
        raise ValueError(
            f"nerve.distributed.init: bucket_bytes must be at least 1024, got {bucket_bytes}"
        )
    if MPI.Query_thread() < MPI.THREAD_MULTIPLE:
        # The reducer's watchdog calls MPI_Abort from its own thread while a collective runs.
        raise RuntimeError(
            "nerve.distributed needs MPI initialised with MPI_THREAD_MULTIPLE (mpi4py's "
            "default; do not set mpi4py.rc.thread_level lower)"
        )
    comm = MPI.COMM_WORLD
    if _State.comm is None:
        _abort_on_uncaught_exception(comm)
    _State.comm = comm
    _State.timeout = float(timeout)
    _State.reducer = _core.distributed.MpiGradientReducer(
        library=_library_path(MPI),
        comm=MPI._handleof(comm),
        float32=MPI._handleof(MPI.FLOAT),
        float64=MPI._handleof(MPI.DOUBLE),
        sum=MPI._handleof(MPI.SUM),
        rank=comm.Get_rank(),
        size=comm.Get_size(),
        bucket_bytes=bucket_bytes,
        timeout_seconds=float(timeout),
    )


def require(where: str):
    if _State.comm is None:
        raise RuntimeError(f"{where}: call nerve.distributed.init() first")
    return _State.comm


def _abort_on_uncaught_exception(comm) -> None:
    """An uncaught exception on one rank (a collective timed out, ranks built different models)
    prints its traceback, then aborts every rank: otherwise this rank would hang in MPI's
    finalize, or the others in their next collective, waiting for each other (what
    `python -m mpi4py` does too)."""
    previous = sys.excepthook

    def hook(kind, value, tb):
        previous(kind, value, tb)
        sys.stderr.flush()
        if not issubclass(kind, KeyboardInterrupt):
            comm.Abort(1)

    sys.excepthook = hook
