"""Determinism (issue 18, item 7), as the README's "Determinism" section states it: a seeded fit
is bit-identical run to run at a given thread count and instruction set; across thread counts and
instruction sets, what is identical is tested as identical, and the rest stays within a stated
tolerance of rounding. Every run is a fresh process (tests/_determinism_worker.py) with
OMP_NUM_THREADS, NERVE_ISA and NERVE_CONV_ALGORITHM set as a user sets them."""

import functools
import os
import pathlib
import subprocess
import sys
import tempfile

import numpy as np
import pytest

import nerve
from nerve import _core

WORKER = pathlib.Path(__file__).with_name("_determinism_worker.py")
# The nerve this test imported (an installed wheel in CI, the source tree with PYTHONPATH here).
PYTHON_DIR = pathlib.Path(nerve.__file__).resolve().parents[1]
USABLE = set(_core.config()["usable_isas"])
DEFAULT_ISA = _core.config()["isa"]

# (model, convolution algorithm): the worker's models
CASES = [("mlp", "auto"), ("cnn", "winograd"), ("cnn", "direct"), ("lstm", "auto")]

# Where rounding differs, after the worker's two epochs (2 to 8 Adam steps, learning rate 1e-3):
# losses within LOSS_ATOL (measured at most 4.8e-7) and every weight within WEIGHT_ATOL (measured
# at most 5.6e-5, the Winograd CNN at 1 vs 2 threads). The weights' bound is the scale of Adam's
# steps, not of float rounding: Adam divides each gradient by its running RMS, so a weight whose
# gradient is rounding noise around zero moves by a good part of the learning rate either way.
LOSS_ATOL = 1e-5
WEIGHT_ATOL = 5e-4


@functools.cache
def _run(kind: str, algorithm: str, isa: str, threads: int, repeat: int = 0):
    """Weights and losses of one seeded fit in a fresh process (cached: each configuration runs
    once per repeat)."""
    env = dict(
        os.environ,
        OMP_NUM_THREADS=str(threads),
        NERVE_ISA=isa,
        NERVE_CONV_ALGORITHM=algorithm,
        PYTHONPATH=os.pathsep.join([str(PYTHON_DIR), os.environ.get("PYTHONPATH", "")]),
    )
    with tempfile.TemporaryDirectory() as folder:
        out = pathlib.Path(folder) / "run.npz"
        r = subprocess.run(
            [sys.executable, str(WORKER), kind, str(out)],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert r.returncode == 0, r.stderr
        with np.load(out) as f:
            result = {k: f[k] for k in f.files}
    assert str(result["isa"]) == isa and int(result["threads"]) == threads
    assert str(result["conv_algorithm"]) == algorithm
    return result


def _weights(result):
    return [
        result[k]
        for k in sorted((k for k in result if k.startswith("w")), key=lambda k: int(k[1:]))
    ]


def _identical(a, b) -> bool:
    return np.array_equal(a["loss"], b["loss"]) and all(
        np.array_equal(x, y) for x, y in zip(_weights(a), _weights(b))
    )


def _assert_within_rounding(a, b):
    np.testing.assert_allclose(a["loss"], b["loss"], rtol=0, atol=LOSS_ATOL)
    for i, (x, y) in enumerate(zip(_weights(a), _weights(b))):
        np.testing.assert_allclose(x, y, rtol=0, atol=WEIGHT_ATOL, err_msg=f"weight {i}")


def _need(*isas):
    missing = [i for i in isas if i not in USABLE]
    if missing:
        pytest.skip(f"this CPU or build has no {', '.join(missing)} path")


@pytest.mark.slow
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("kind,algorithm", CASES)
def test_seeded_fit_is_bit_identical_run_to_run(kind, algorithm, threads):
    first = _run(kind, algorithm, DEFAULT_ISA, threads)
    second = _run(kind, algorithm, DEFAULT_ISA, threads, repeat=1)
    assert _identical(first, second)


@pytest.mark.slow
@pytest.mark.parametrize("isa", ["avx512", "avx2", "generic"])
@pytest.mark.parametrize("kind,algorithm", CASES)
def test_one_and_two_threads(kind, algorithm, isa):
    """GEMM never splits the summed axis across threads, so Dense and LSTM models are identical
    at 1 and 2 threads; a convolution's weight gradient is summed per thread over its share of the
    batch and then added up, so CNNs differ by rounding."""
    _need(isa)
    one, two = _run(kind, algorithm, isa, 1), _run(kind, algorithm, isa, 2)
    if kind in ("mlp", "lstm"):
        assert _identical(one, two)
    else:
        _assert_within_rounding(one, two)


@pytest.mark.slow
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("kind,algorithm", CASES)
def test_across_instruction_sets(kind, algorithm, threads):
    """avx512 and avx2 give identical results for the MLP and the Winograd CNN, differ by
    rounding for the direct convolution and the LSTM; generic (no FMA) differs by rounding from
    both."""
    _need("avx512", "avx2", "generic")
    avx512 = _run(kind, algorithm, "avx512", threads)
    avx2 = _run(kind, algorithm, "avx2", threads)
    generic = _run(kind, algorithm, "generic", threads)
    if (kind, algorithm) in (("mlp", "auto"), ("cnn", "winograd")):
        assert _identical(avx512, avx2)
    else:
        _assert_within_rounding(avx512, avx2)
    _assert_within_rounding(avx512, generic)
    _assert_within_rounding(avx2, generic)
