"""Dense predict against numpy and against nerve's own GEMM: one Dense(1024) layer on a
(4096, 1024) batch, i.e. the product (4096, 1024)·(1024, 1024) plus the bias.

Timed, in blocks alternating between the calls (each block: --calls calls after a 0.25 s pause,
because OpenBLAS's idle threads spin for about 0.1 s after a call and would take the cores from
the next block; medians over --rounds rounds):
  * nerve `model.predict(x, batch_size=4096, verbose=0)` (the whole batch in one product),
  * nerve `model.predict(x, verbose=0)` (Keras's default batch_size=32: 128 products of 32 rows),
  * `nerve.ops.matmul(x, W)` (no bias), `_core.ops.dense(x, W, b)` (the op Dense runs) and
    `_core.sgemm(x, W, out)` (the GEMM alone, into a preallocated output),
  * numpy `x @ W + b` (OpenBLAS, a fresh output as predict makes).
Prints GFLOP/s (2·M·K·N per call; wall clock, and per second of the calling thread's CPU time,
which means something with --threads 1 only: then every library computes on that thread, and a
loaded machine inflates it less) and the ratios the issue asks for: predict / numpy (>= 1.0) and
predict / sgemm (>= 0.95). Say the load average and the CPU next to any figure.

Run: python bench/dense_predict_vs_numpy.py [--threads 2] [--rounds 7] [--calls 3]
"""

import argparse
import os
import statistics

import _common
import numpy as np

import nerve
from nerve import _core
from nerve import layers as L

QUICK = os.environ.get("NERVE_QUICK") == "1"  # CI smoke run: tiny sizes, one repeat


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--calls", type=int, default=3)
    args = ap.parse_args()
    m, k, n = 4096, 1024, 1024
    pause = 0.25
    if QUICK:
        args.rounds, args.calls, m, pause = 1, 1, 256, 0.0
    from threadpoolctl import threadpool_limits

    threadpool_limits(args.threads, "blas")
    nerve.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((m, k), dtype=np.float32)
    model = nerve.Sequential([nerve.Input((k,)), L.Dense(n)])
    w, b = model.get_weights()
    b[:] = rng.standard_normal(n, dtype=np.float32)  # a bias that shows if it is left out
    model.set_weights([w, b])
    out = np.empty((m, n), np.float32)
    xt, wt, bt = _core.Tensor(x), _core.Tensor(w), _core.Tensor(b)

    want = x.astype(np.float64) @ w.astype(np.float64) + b
    got = model.predict(x, batch_size=m, verbose=0)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(model.predict(x, verbose=0), got, rtol=1e-5, atol=1e-4)

    cases = {
        f"nerve predict(batch_size={m})": lambda: model.predict(x, batch_size=m, verbose=0),
        "nerve predict(batch_size=32)": lambda: model.predict(x, verbose=0),
        "nerve.ops.matmul (no bias)": lambda: nerve.ops.matmul(x, w),
        "_core.ops.dense": lambda: _core.ops.dense(xt, wt, bt),
        "_core.sgemm (into out)": lambda: _core.sgemm(x, w, out),
        "numpy x @ W + b": lambda: x @ w + b,
    }
    for fn in cases.values():  # warm-up
        fn()
    times = {name: [] for name in cases}
    for _ in range(args.rounds):
        for name, fn in cases.items():
            times[name].append(_common.per_call_seconds(fn, args.calls, pause))
    flops = 2.0 * m * k * n
    print(
        f"Dense({n}) predict on ({m}, {k}): threads={args.threads} rounds={args.rounds} "
        f"calls/block={args.calls} load average {os.getloadavg()[0]:.1f}"
    )
    rate = {}
    for name, t in times.items():
        wall = flops / statistics.median(w for w, _ in t) / 1e9
        cpu = flops / statistics.median(c for _, c in t) / 1e9
        rate[name] = (wall, cpu)
        print(f"{name:32s} {wall:8.1f} GFLOP/s wall {cpu:8.1f} per CPU second")
    p = rate[f"nerve predict(batch_size={m})"]
    for peer, target in (("numpy x @ W + b", "1.0"), ("_core.sgemm (into out)", "0.95")):
        q = rate[peer]
        print(
            f"predict / {peer}: {p[0] / q[0]:.2f}x wall, {p[1] / q[1]:.2f}x CPU "
            f"(issue 17: >= {target})"
        )


if __name__ == "__main__":
    main()
