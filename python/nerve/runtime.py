"""Run-time settings: threads and the instruction set the kernels use."""

from __future__ import annotations

from . import _core


def set_num_threads(n: int) -> None:
    """Threads used by nerve's parallel kernels (OMP_NUM_THREADS sets the start value)."""
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"set_num_threads: n must be a positive int, got {n!r}")
    _core.set_num_threads(n)


def num_threads() -> int:
    return _core.num_threads()


def config() -> dict:
    """What the engine runs with: ISA in use (NERVE_ISA forces one), threads, OpenMP, version."""
    info = dict(_core.config()) if hasattr(_core, "config") else {
        "isa": _core.active_isa(), "num_threads": _core.num_threads(), "openmp": _core.has_openmp()}
    info["version"] = _core.__version__
    return info
