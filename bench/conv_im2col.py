"""Implicit GEMM or im2col? (the measurement behind conv2d's forward and dX). For each layer shape,
times nerve's conv2d op (forward: implicit GEMM over a padded window; backward: dW from im2col
chunks + sgemm, dX as an implicit transposed convolution) against the bare sgemm calls an
im2col design would make, on patch matrices that are already built (chunks of about 1 MB): a lower
bound for im2col that leaves out building the patches and scattering them back. A ratio above 1
means the op beats even that bound. One thread, so that both sides run single-threaded kernels.
The op runs with set_conv_algorithm("direct") unless --algorithm says otherwise: with "auto" the
two wider layers would run as Winograd (bench/conv_algorithms.py compares the two).

Run: python bench/conv_im2col.py [--repeats 9] [--algorithm direct|auto|winograd]
"""

import argparse
import os
import time

import numpy as np

import nerve
from nerve import _core

PATCH_CHUNK_BYTES = 1 << 20  # kPatchBudgetFloats in cpp/src/ops/conv2d.cpp
QUICK = os.environ.get("NERVE_QUICK") == "1"  # CI smoke run: tiny sizes, one repeat
SHAPES = (
    [(2, 1, 8, 4), (2, 32, 8, 16)]
    if QUICK
    else [(64, 1, 28, 32), (64, 32, 28, 64), (32, 64, 32, 64)]
)


def min_ms(fn, repeats):
    fn()
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return min(ts) * 1e3


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--repeats", type=int, default=9)
    p.add_argument("--algorithm", default="direct", choices=["direct", "auto", "winograd"])
    args = p.parse_args()
    if QUICK:
        args.repeats = 1
    nerve.set_num_threads(1)
    _core.set_conv_algorithm(args.algorithm)
    print(
        "| (N, C, H, K) 3x3 same | conv fwd ms | im2col GEMM alone ms | ratio "
        "| conv fwd+bwd ms | im2col GEMMs alone ms | ratio |\n|---|---|---|---|---|---|---|"
    )
    for N, C, H, K in SHAPES:
        rng = np.random.default_rng(0)
        x = rng.standard_normal((N, H, H, C)).astype(np.float32)
        k = rng.standard_normal((3, 3, C, K)).astype(np.float32) * 0.1
        b = np.zeros(K, np.float32)
        g = nerve.Tensor(rng.standard_normal((N, H, H, K)).astype(np.float32))
        P = 9 * C
        chunk_rows = max(1, PATCH_CHUNK_BYTES // 4 // (H * P)) * H  # whole output rows
        total = N * H * H
        cols = rng.standard_normal((chunk_rows, P)).astype(np.float32)
        dcols = np.empty((chunk_rows, P), np.float32)
        w2 = k.reshape(P, K)
        dz = np.array(g).reshape(total, K)
        y = np.empty((total, K), np.float32)
        dwt = np.zeros((K, P), np.float32)
        xt, kt, bt = nerve.Tensor(x), nerve.Tensor(k), nerve.Tensor(b)
        starts = range(0, total, chunk_rows)

        def fwd():
            _core.ops.conv2d(xt, kt, bt, padding="same")

        def fwd_bwd():
            xg, kg, bg = (nerve.Tensor(a, requires_grad=True) for a in (x, k, b))
            _core.ops.conv2d(xg, kg, bg, padding="same").backward(g)

        def gemm_fwd():
            for r in starts:
                n = min(chunk_rows, total - r)
                _core.sgemm(cols[:n], w2, y[r : r + n])

        def gemm_all():
            gemm_fwd()
            for r in starts:
                n = min(chunk_rows, total - r)
                _core.sgemm(dz[r : r + n], cols[:n], dwt, trans_a=True, beta=1.0)
                _core.sgemm(dz[r : r + n], w2, dcols[:n], trans_b=True)

        f, gf = min_ms(fwd, args.repeats), min_ms(gemm_fwd, args.repeats)
        fb, ga = min_ms(fwd_bwd, args.repeats), min_ms(gemm_all, args.repeats)
        print(
            f"| {(N, C, H, K)} | {f:.2f} | {gf:.2f} | {gf / f:.2f}x | {fb:.2f} | {ga:.2f} "
            f"| {ga / fb:.2f}x |",
            flush=True,
        )


if __name__ == "__main__":
    main()
