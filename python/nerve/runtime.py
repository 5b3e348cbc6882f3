"""Run-time settings: threads, the instruction set the kernels use, the convolution algorithm,
the device new tensors and weights go to."""

from __future__ import annotations

import contextlib
import os
import warnings

from . import _core


def _thread_count_setting_is_valid(value: str) -> bool:
    """What libgomp accepts in OMP_NUM_THREADS: positive integers, comma-separated for nested
    levels ("4" or "4,2"), spaces around them allowed."""
    parts = value.split(",")
    return all(p.strip().isdigit() and int(p.strip()) > 0 for p in parts)


def _warn_about_invalid_thread_setting() -> None:
    """libgomp answers OMP_NUM_THREADS=0 or =abc only with "Invalid value for environment
    variable OMP_NUM_THREADS" on stderr and then uses every core; say so in nerve's own words, with
    the value and the thread count actually in force, once, at import."""
    value = os.environ.get("OMP_NUM_THREADS")
    if value is None or _thread_count_setting_is_valid(value) or not _core.has_openmp():
        return
    warnings.warn(
        f"nerve: OMP_NUM_THREADS={value!r} is not a positive integer, so it is ignored: nerve "
        f"runs on {_core.num_threads()} threads (OpenMP's default, one per core). Set "
        f"OMP_NUM_THREADS to a positive integer such as 2, or call nerve.set_num_threads(n).",
        RuntimeWarning,
        stacklevel=2,
    )


_warn_about_invalid_thread_setting()


def set_num_threads(n: int) -> None:
    """Threads used by nerve's parallel kernels (OMP_NUM_THREADS sets the start value)."""
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"set_num_threads: n must be a positive int, got {n!r}")
    _core.set_num_threads(n)


def num_threads() -> int:
    return _core.num_threads()


def set_flush_denormals(on: bool) -> None:
    """Whether nerve's kernels compute with denormal floats (below 1.18e-38) flushed to zero:
    on by default, as TensorFlow does, because each operation on a denormal costs about a hundred
    cycles on x86 and optimizer moments of rarely updated weights decay into that range (an Adam
    step at batch 1 became 13x slower). Only nerve's own computation is affected: the calling
    thread's mode is put back after each call, so numpy keeps IEEE denormals.
    NERVE_FLUSH_DENORMALS=0 sets the start value to off."""
    if not isinstance(on, bool):
        raise ValueError(f"set_flush_denormals: on must be True or False, got {on!r}")
    _core.set_flush_denormals(on)


def flush_denormals() -> bool:
    """True when nerve's kernels flush denormal floats to zero (see set_flush_denormals)."""
    return _core.flush_denormals()


def set_conv_algorithm(name: str) -> None:
    """How 3x3, stride-1, undilated convolutions run: 'auto' (the default; Winograd F(4x4, 3x3)
    from 3 input channels and 4 filters, where it measured faster, as long as its transformed
    kernels, 36 * C * F floats for each of (1 + threads) copies in the backward pass, stay within
    64 MiB: C = F = 400 on 2 threads runs direct), 'direct' (implicit GEMM or
    im2col, as every other convolution) or 'winograd' (wherever it applies). The two differ only
    in rounding (Winograd's error is several times larger, about 1e-5 of the output's scale).
    Inf or NaN in the input, the kernel or (in the backward pass) the incoming gradient sends that
    call down the direct path, even under 'winograd': Winograd would spread one non-finite value
    over whole 4x4 output tiles as NaN, where the direct path puts Inf or NaN only in the 3x3
    neighbourhood it reaches; checking costs one pass over those operands.
    Under 'auto' and 'winograd', a convolution to at most 8 filters from 64 or more input
    channels (e.g. a generator's last 7x7 layer to 1 channel) runs as GEMMs over kernel taps x
    filters (bench/conv_few_filters.py); 'direct' turns that off too.
    NERVE_CONV_ALGORITHM sets the start value."""
    _core.set_conv_algorithm(name)


def conv_algorithm() -> str:
    return _core.conv_algorithm()


def config() -> dict:
    """What the engine runs with: ISA in use (NERVE_ISA forces one), threads, OpenMP, the
    convolution algorithm, whether denormals are flushed, version."""
    info = (
        dict(_core.config())
        if hasattr(_core, "config")
        else {
            "isa": _core.active_isa(),
            "num_threads": _core.num_threads(),
            "openmp": _core.has_openmp(),
        }
    )
    info["version"] = _core.__version__
    return info


@contextlib.contextmanager
def device(name: str):
    """Inside the block, new tensors, layer weights and numpy inputs go to device `name` ('cpu',
    or a registered device such as 'poison:0'), as `keras.device` does; ops run where their
    inputs are. The setting is process-wide and restored on exit. An unknown name raises
    ValueError listing the devices."""
    if not isinstance(name, str):
        raise ValueError(f"device: name must be a string such as 'cpu', got {name!r}")
    previous = _core.current_device()
    _core.set_current_device(name)
    try:
        yield name
    finally:
        _core.set_current_device(previous)


def current_device() -> str:
    """The device new tensors go to ('cpu' unless inside `nerve.device(...)`)."""
    return _core.current_device()


def available_devices() -> list:
    """The registered devices by name."""
    return list(_core.available_devices())
