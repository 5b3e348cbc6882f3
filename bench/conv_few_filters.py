"""conv2d to few filters: GEMMs over taps x filters (cpu/conv/conv_few_filters.cpp) or the direct
path (implicit GEMM / im2col + GEMM, whose GEMM is only F columns wide)? The measurement behind
conv2d's rule (kFewFiltersMax, kFewFiltersMinChannels). For each shape, times nerve's conv2d
forward and forward + backward (dX, dW, db) under set_conv_algorithm("auto") (the few-filters
path where the rule takes it) and ("direct"), in blocks alternating between the two, and prints
median times and the ratio direct / auto (> 1: the few-filters path is faster).

Run: python bench/conv_few_filters.py [--threads 2] [--repeats 5] [--rounds 3]
"""

import argparse
import os
import statistics
import time

import numpy as np

import nerve
from nerve import _core

SHAPES = [  # (N, H, C, F, K, stride): batch, image side, input channels, filters, kernel side
    (128, 28, 128, 1, 7, 1),  # the DCGAN generator's last layer
    (64, 28, 32, 1, 3, 1),
    (64, 28, 8, 1, 3, 1),
    (64, 28, 64, 2, 5, 1),
    (64, 28, 64, 3, 3, 1),
    (64, 28, 64, 4, 3, 1),
    (64, 28, 64, 8, 3, 1),
    (64, 28, 64, 1, 4, 2),
]
QUICK = os.environ.get("NERVE_QUICK") == "1"  # CI smoke run: tiny sizes, one repeat
if QUICK:
    SHAPES = [(2, 8, 8, 1, 3, 1), (2, 8, 16, 2, 4, 2)]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=5, help="timed calls per block")
    p.add_argument("--rounds", type=int, default=3, help="alternating blocks per algorithm")
    args = p.parse_args()
    if QUICK:
        args.repeats, args.rounds = 1, 1
    nerve.set_num_threads(args.threads)
    print(f"threads {args.threads}; load average {os.getloadavg()[0]:.1f}; medians in ms\n")
    print(
        "| (N, H, C, F, K, stride) same | fwd direct | fwd auto | ratio "
        "| fwd+bwd direct | fwd+bwd auto | ratio |\n|---|---|---|---|---|---|---|"
    )
    for N, H, C, F, K, s in SHAPES:
        rng = np.random.default_rng(0)
        x = rng.standard_normal((N, H, H, C)).astype(np.float32)
        k = (rng.standard_normal((K, K, C, F)) / np.sqrt(K * K * C)).astype(np.float32)
        b = np.zeros(F, np.float32)
        out = -(-H // s)
        g = nerve.Tensor(rng.standard_normal((N, out, out, F)).astype(np.float32))
        xt, kt, bt = nerve.Tensor(x), nerve.Tensor(k), nerve.Tensor(b)

        def fwd():
            _core.ops.conv2d(xt, kt, bt, strides=(s, s), padding="same")

        def fwd_bwd():
            xg, kg, bg = (nerve.Tensor(a, requires_grad=True) for a in (x, k, b))
            _core.ops.conv2d(xg, kg, bg, strides=(s, s), padding="same").backward(g)

        times = {}
        for _ in range(args.rounds):
            for algo in ("direct", "auto"):
                _core.set_conv_algorithm(algo)
                for name, fn in (("f", fwd), ("fb", fwd_bwd)):
                    fn()
                    for _ in range(args.repeats):
                        t0 = time.perf_counter()
                        fn()
                        times.setdefault((algo, name), []).append(time.perf_counter() - t0)
        med = {key: statistics.median(v) * 1e3 for key, v in times.items()}
        print(
            f"| {(N, H, C, F, K, s)} | {med['direct', 'f']:.2f} | {med['auto', 'f']:.2f} "
            f"| {med['direct', 'f'] / med['auto', 'f']:.2f}x | {med['direct', 'fb']:.2f} "
            f"| {med['auto', 'fb']:.2f} | {med['direct', 'fb'] / med['auto', 'fb']:.2f}x |",
            flush=True,
        )
    _core.set_conv_algorithm("auto")


if __name__ == "__main__":
    main()
