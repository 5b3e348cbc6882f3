#!/usr/bin/env python
"""nerve.sgemm vs numpy's OpenBLAS (np.matmul) in the same process, for 1 and 2 threads.

    python bench/gemm_vs_numpy.py [--threads 1,2] [--min-time 0.5] [--only square|dl]

OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (and OPENBLAS_NUM_THREADS etc.) are read by OpenBLAS when it
is loaded and can force a slower kernel, so the script re-executes itself with them removed
before numpy is imported. It reports which OpenBLAS numpy runs (threadpoolctl), the FMA peak of
the active ISA measured in-process (nerve's FMA loop), and for every shape the median GFLOP/s of
nerve and numpy over repeats after a warm-up. The two are timed in alternating blocks (a block of
nerve calls, a pause, a block of numpy calls, ...), never call by call: each library's idle
threads spin for a while after a call (OpenBLAS's pthreads, nerve's OpenMP team), and on a 2-core
machine spinning threads of one library would steal the cores of the other.
"""

import argparse
import os
import sys

_STRIP = (
    "OPENBLAS_CORETYPE",
    "OPENBLAS_L2_SIZE",
    "OPENBLAS_NUM_THREADS",
    "GOTO_NUM_THREADS",
    "OPENBLAS_VERBOSE",
)
if any(k in os.environ for k in _STRIP) and os.environ.get("_NERVE_BENCH_REEXEC") != "1":
    env = {k: v for k, v in os.environ.items() if k not in _STRIP}
    env["_NERVE_BENCH_REEXEC"] = "1"
    env["_NERVE_BENCH_REMOVED"] = ",".join(
        f"{k}={os.environ[k]}" for k in _STRIP if k in os.environ
    )
    os.execve(sys.executable, [sys.executable] + sys.argv, env)

import time  # noqa: E402

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_info, threadpool_limits  # noqa: E402

try:
    import nerve

    _core = nerve._core
except Exception:  # the package __init__ may be mid-rewrite: the engine alone is enough here
    from nerve import _core

SQUARE = [(n, n, n) for n in (128, 256, 512, 1024, 1536, 2048)]
DL = [
    ("dense 784->256", 128, 784, 256),
    ("dense 256->128", 128, 256, 128),
    ("dense 800->500", 64, 800, 500),
    ("conv3x3 im2col", 64, 576, 32768),
]
QUICK = os.environ.get("NERVE_QUICK") == "1"  # CI smoke run: tiny sizes, one repeat
if QUICK:
    SQUARE, DL = [(64, 64, 64)], [("dense 37->29", 13, 37, 29)]


def openblas_info():
    infos = [i for i in threadpool_info() if i.get("internal_api") == "openblas"]
    return infos[0] if infos else None


def _block(f, min_time, clock):
    f()  # warm-up
    times, start = [], time.perf_counter()
    while len(times) < 3 or (time.perf_counter() - start < min_time and len(times) < 40):
        t0 = clock()
        f()
        times.append(clock() - t0)
    return times


def bench_pair(f_nerve, f_numpy, min_time, clock, rounds=1 if QUICK else 3):
    tn, tp = [], []
    for _ in range(rounds):
        # Let the other library's idle threads go to sleep first: OpenBLAS's spin for 2^28
        # cycles (THREAD_TIMEOUT 28, about 0.1 s here) after each call, libgomp's for ~1 ms.
        time.sleep(0.25)
        tn += _block(f_nerve, min_time / rounds, clock)
        time.sleep(0.25)
        tp += _block(f_numpy, min_time / rounds, clock)
    mn, mp = float(np.median(tn)), float(np.median(tp))
    return mn, mp, mp / mn


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--min-time", type=float, default=0.5)
    ap.add_argument("--only", choices=["square", "dl"])
    ap.add_argument(
        "--rounds", type=int, default=3, help="alternating blocks per library and shape"
    )
    ap.add_argument(
        "--clock",
        choices=["wall", "thread"],
        default="wall",
        help="thread: CPU time of the calling thread (1 thread only: both libraries then compute "
        "on it), which other processes' load disturbs least",
    )
    args = ap.parse_args()
    if QUICK:
        args.min_time = 0.0
    threads = [int(t) for t in args.threads.split(",")]
    if args.clock == "thread" and threads != [1]:
        ap.error("--clock thread needs --threads 1 (other threads' time would not be counted)")
    clock = time.thread_time if args.clock == "thread" else time.perf_counter

    removed = os.environ.get("_NERVE_BENCH_REMOVED")
    print(f"environment: {'removed ' + removed if removed else 'no OPENBLAS_* overrides set'}")
    ob = openblas_info()
    if ob:
        print(
            f"numpy {np.__version__} BLAS: internal_api={ob.get('internal_api')} "
            f"version={ob.get('version')} architecture/corename={ob.get('architecture')} "
            f"threading={ob.get('threading_layer')} num_threads={ob.get('num_threads')}\n"
            f"  {ob.get('filepath')}"
        )
    else:
        print(f"numpy {np.__version__}: no OpenBLAS found by threadpoolctl: {threadpool_info()}")
    cfg = _core.config()
    print(f"clock: {args.clock}; load average {os.getloadavg()[0]:.1f}")
    print(
        f"nerve: isa={cfg['isa']} (detected {cfg['detected_isa']}), openmp={cfg['openmp']}, "
        f"blocking={cfg['gemm_blocking']}"
    )

    shapes = []
    if args.only != "dl":
        shapes += [("square", m, k, n) for (m, k, n) in SQUARE]
    if args.only != "square":
        shapes += DL

    rng = np.random.default_rng(0)
    rows = []
    for t in threads:
        _core.set_num_threads(t)
        with threadpool_limits(limits=t, user_api="blas"):
            peak = _core.measure_fma_peak(t)
            print(
                f"\n--- {t} thread(s): FMA peak of the {cfg['isa']} path measured now: "
                f"{peak:.1f} GFLOP/s"
            )
            print(
                f"{'shape':<16} {'M':>5} {'K':>5} {'N':>6} {'nerve GF/s':>10} "
                f"{'numpy GF/s':>10} {'ratio':>6} {'%peak':>6}"
            )
            for label, m, k, n in shapes:
                a = rng.standard_normal((m, k), dtype=np.float32)
                b = rng.standard_normal((k, n), dtype=np.float32)
                c1 = np.empty((m, n), np.float32)
                c2 = np.empty((m, n), np.float32)
                tn, tp, ratio = bench_pair(
                    lambda: _core.sgemm(a, b, c1),
                    lambda: np.matmul(a, b, out=c2),
                    args.min_time,
                    clock,
                    1 if QUICK else args.rounds,
                )
                err = np.abs(c1 - c2).max() / np.sqrt(k)
                assert err < 1e-4, f"nerve and numpy disagree ({err})"
                flops = 2.0 * m * n * k
                gn, gp = flops / tn * 1e-9, flops / tp * 1e-9
                print(
                    f"{label:<16} {m:>5} {k:>5} {n:>6} {gn:>10.1f} {gp:>10.1f} {ratio:>6.2f} "
                    f"{100 * gn / peak:>5.1f}%",
                    flush=True,
                )
                rows.append((t, label, m, k, n, gn, gp, ratio))
    return rows


if __name__ == "__main__":
    main()
