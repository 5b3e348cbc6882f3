#!/usr/bin/env python
"""Small-K and one-row products: nerve against numpy's OpenBLAS, in the same process.

    python bench/small_gemm_vs_openblas.py [--threads 1,2] [--blocks 7] [--calls 200]

The shapes are those of small-batch training: a Dense layer's weight gradient dW = X^T . dY has
the batch size as its K (X stored (K, M) and read transposed: ta=T), the input gradient
dX = dY . W^T and the forward product x . W have it as M (one sample: a single row).

For each shape four callers are timed, each as blocks of `calls` calls, the blocks alternating
between the callers with a 0.25 s pause before each (OpenBLAS's idle threads spin for ~0.1 s
after a call and libgomp's for ~1 ms: on 2 cores either would steal the other's cores):
  numpy      np.matmul(a, b, out=c)                (a.T for ta=T: a transposed view)
  sgemm      nerve._core.sgemm(a, b, c, 1.0, 0.0, ta)  (the engine's GEMM plus the binding)
  ops(T)     nerve.ops.matmul on nerve.Tensor operands (the op autograd runs in backprop)
  ops(np)    nerve.ops.matmul on the numpy arrays (float32 constants, read in place: no copy)
It prints the median microseconds per call and numpy's time over each nerve caller's (> 1: nerve
is faster). With 1 thread both libraries compute on the calling thread, so the clock is that
thread's CPU time (time.thread_time), which other processes' load changes little; with 2 it is
wall time. The load average is printed with the CPU model: say both when quoting a figure.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

_STRIP = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS")
if any(k in os.environ for k in _STRIP) and os.environ.get("_NERVE_BENCH_REEXEC") != "1":
    # OpenBLAS reads these when it loads; a forced core type can pick a slower kernel.
    env = {k: v for k, v in os.environ.items() if k not in _STRIP}
    env["_NERVE_BENCH_REEXEC"] = "1"
    os.execve(sys.executable, [sys.executable] + sys.argv, env)

import numpy as np  # noqa: E402
from _common import cpu_model  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

import nerve  # noqa: E402
from nerve import _core  # noqa: E402

QUICK = os.environ.get("NERVE_QUICK") == "1"  # CI smoke run: one shape, one block

# (label, M, K, N, ta): C (M, N) = op(A) (M, K) . B (K, N)
SHAPES = [
    ("dW 784x256, batch 8", 784, 8, 256, True),
    ("same, A not transposed", 784, 8, 256, False),
    ("dW 256x128, batch 32", 256, 32, 128, True),
    ("same, A not transposed", 256, 32, 128, False),
    ("dW 784x256, batch 32", 784, 32, 256, True),
    ("dW 784x256, batch 1", 784, 1, 256, True),
    ("dW 128x10, batch 4", 128, 4, 10, True),
    ("one row x.W 784->256", 1, 784, 256, False),
    ("one row x.W 256->128", 1, 256, 128, False),
]


def run_block(f, calls, clock):
    t0 = clock()
    for _ in range(calls):
        f()
    return (clock() - t0) / calls * 1e6


def bench_shape(m, k, n, ta, calls, blocks, clock, rng):
    a = rng.standard_normal((k, m) if ta else (m, k), dtype=np.float32)
    b = rng.standard_normal((k, n), dtype=np.float32)
    op_a = a.T if ta else a
    c_np = np.empty((m, n), np.float32)
    c_nv = np.empty((m, n), np.float32)
    ta_t = nerve.Tensor(np.ascontiguousarray(op_a)) if not ta else None
    # ops.matmul of a transposed Tensor: the transpose is a view, read in place by the GEMM.
    a_t = nerve.ops.transpose(nerve.Tensor(a)) if ta else ta_t
    b_t = nerve.Tensor(b)
    callers = {
        "numpy": lambda: np.matmul(op_a, b, out=c_np),
        # positional: a keyword argument costs pybind11 0.8 us, as much as a small product
        "sgemm": lambda: _core.sgemm(a, b, c_nv, 1.0, 0.0, ta),
        "ops(T)": lambda: nerve.ops.matmul(a_t, b_t),
        "ops(np)": lambda: nerve.ops.matmul(op_a, b),
    }
    ref = op_a.astype(np.float64) @ b.astype(np.float64)
    callers["numpy"]()
    callers["sgemm"]()
    tol = 1e-5 * np.sqrt(k) * np.abs(ref).max()
    for name, out in (
        ("numpy", c_np),
        ("sgemm", c_nv),
        ("ops(T)", np.asarray(callers["ops(T)"]())),
        ("ops(np)", np.asarray(callers["ops(np)"]())),
    ):
        err = np.abs(out - ref).max()
        assert err <= tol, f"{name} differs from the float64 product by {err} (> {tol})"
    times = {name: [] for name in callers}
    for rep in range(blocks + 1):
        for name, f in callers.items():
            time.sleep(0.25)
            t = run_block(f, calls, clock)
            if rep:  # the first round warms up
                times[name].append(t)
    return {name: statistics.median(v) for name, v in times.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--blocks", type=int, default=7)
    ap.add_argument("--calls", type=int, default=200)
    args = ap.parse_args()
    shapes = SHAPES
    if QUICK:
        shapes, args.blocks, args.calls = SHAPES[:1], 1, 5
    print(
        f"{cpu_model()}; nerve {nerve.__version__} isa={nerve.config()['isa']}; "
        f"numpy {np.__version__}; load average {os.getloadavg()[0]:.1f}"
    )
    rng = np.random.default_rng(0)
    for t in (int(x) for x in args.threads.split(",")):
        nerve.set_num_threads(t)
        clock = time.thread_time if t == 1 else time.perf_counter
        with threadpool_limits(limits=t, user_api="blas"):
            print(
                f"\n--- {t} thread(s), {'thread CPU time' if t == 1 else 'wall time'}; "
                f"us per call, median of {args.blocks} blocks of {args.calls}; "
                f"ratio = numpy / nerve"
            )
            print(
                f"{'shape':<24} {'M':>4} {'K':>4} {'N':>4} {'ta':>2} {'numpy':>7} {'sgemm':>7} "
                f"{'ops(T)':>7} {'ops(np)':>7} {'r sgemm':>8} {'r ops(T)':>8} {'r ops(np)':>9}"
            )
            for label, m, k, n, ta in shapes:
                r = bench_shape(m, k, n, ta, args.calls, args.blocks, clock, rng)
                print(
                    f"{label:<24} {m:>4} {k:>4} {n:>4} {'T' if ta else 'N':>2} "
                    f"{r['numpy']:>7.1f} {r['sgemm']:>7.1f} {r['ops(T)']:>7.1f} "
                    f"{r['ops(np)']:>7.1f} {r['numpy'] / r['sgemm']:>7.2f}x "
                    f"{r['numpy'] / r['ops(T)']:>7.2f}x {r['numpy'] / r['ops(np)']:>8.2f}x",
                    flush=True,
                )
    print(f"\nload average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
