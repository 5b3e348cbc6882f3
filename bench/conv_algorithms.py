"""Winograd F(4x4, 3x3) or the direct convolution? (the measurement behind conv2d's 'auto' rule).
For 3x3 'same' layers of various channel counts, times nerve's conv2d forward and forward +
backward (dX, dW, db) under set_conv_algorithm("direct") and ("winograd"), in blocks alternating
between the two, and prints the median times and the ratio direct / winograd (> 1: Winograd is
faster), with the algorithm 'auto' picks for that shape.

Run: python bench/conv_algorithms.py [--threads 2] [--repeats 15] [--rounds 3]
"""

import argparse
import os
import statistics
import time

import numpy as np

import nerve
from nerve import _core

SHAPES = [  # (N, C, H, K): batch, input channels, image side, filters
    (64, 1, 28, 32),
    (64, 3, 28, 32),
    (64, 8, 28, 16),
    (64, 8, 28, 64),
    (64, 16, 28, 8),
    (64, 16, 28, 16),
    (64, 24, 28, 24),
    (64, 16, 28, 32),
    (64, 32, 28, 16),
    (64, 32, 28, 32),
    (64, 16, 28, 64),
    (64, 32, 28, 64),
    (32, 64, 32, 64),
    (64, 64, 14, 64),
    (64, 128, 7, 128),
    (8, 128, 16, 128),
    (8, 256, 16, 256),
]
QUICK = os.environ.get("NERVE_QUICK") == "1"  # CI smoke run: tiny sizes, one repeat
if QUICK:
    SHAPES = [(2, 1, 8, 4), (2, 16, 8, 16)]


def chosen(C, K):
    """What 'auto' runs, read back from the outputs: bit-identical to one of the two."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((1, 6, 6, C)).astype(np.float32)
    k = rng.standard_normal((3, 3, C, K)).astype(np.float32)
    outs = {}
    for algo in ("auto", "direct", "winograd"):
        _core.set_conv_algorithm(algo)
        outs[algo] = np.array(_core.ops.conv2d(nerve.Tensor(x), nerve.Tensor(k), padding="same"))
    return "winograd" if np.array_equal(outs["auto"], outs["winograd"]) else "direct"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=15, help="timed calls per block")
    p.add_argument("--rounds", type=int, default=3, help="alternating blocks per algorithm")
    args = p.parse_args()
    if QUICK:
        args.repeats, args.rounds = 1, 1
    nerve.set_num_threads(args.threads)
    print(f"threads {args.threads}; times are medians in ms\n")
    print(
        "| (N, C, H, K) 3x3 same | auto runs | fwd direct | fwd winograd | ratio "
        "| fwd+bwd direct | fwd+bwd winograd | ratio |\n|---|---|---|---|---|---|---|---|"
    )
    for N, C, H, K in SHAPES:
        rng = np.random.default_rng(0)
        x = rng.standard_normal((N, H, H, C)).astype(np.float32)
        k = (rng.standard_normal((3, 3, C, K)) / np.sqrt(9 * C)).astype(np.float32)
        b = np.zeros(K, np.float32)
        g = nerve.Tensor(rng.standard_normal((N, H, H, K)).astype(np.float32))
        xt, kt, bt = nerve.Tensor(x), nerve.Tensor(k), nerve.Tensor(b)

        def fwd():
            _core.ops.conv2d(xt, kt, bt, padding="same")

        def fwd_bwd():
            xg, kg, bg = (nerve.Tensor(a, requires_grad=True) for a in (x, k, b))
            _core.ops.conv2d(xg, kg, bg, padding="same").backward(g)

        times = {}
        for _ in range(args.rounds):
            for algo in ("direct", "winograd"):
                _core.set_conv_algorithm(algo)
                for name, fn in (("f", fwd), ("fb", fwd_bwd)):
                    fn()
                    for _ in range(args.repeats):
                        t0 = time.perf_counter()
                        fn()
                        times.setdefault((algo, name), []).append(time.perf_counter() - t0)
        med = {key: statistics.median(v) * 1e3 for key, v in times.items()}
        auto = chosen(C, K)
        print(
            f"| {(N, C, H, K)} | {auto} | {med['direct', 'f']:.2f} | {med['winograd', 'f']:.2f} "
            f"| {med['direct', 'f'] / med['winograd', 'f']:.2f}x | {med['direct', 'fb']:.2f} "
            f"| {med['winograd', 'fb']:.2f} | {med['direct', 'fb'] / med['winograd', 'fb']:.2f}x |"
        )
    _core.set_conv_algorithm("auto")


if __name__ == "__main__":
    main()
