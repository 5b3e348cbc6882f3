"""How much of a conv2d forward / backward is im2col / col2im? (the basis for choosing im2col +
sgemm over an implicit GEMM). For each layer shape, times nerve's conv2d op against the bare
sgemm calls it makes on a prebuilt patch matrix of the same shape: the difference is the cost of
building patches (and of scattering them back, in backward).

Run: python bench/conv_im2col.py [--threads 2] [--repeats 7]
"""

import argparse
import statistics
import time

import numpy as np

import nerve
from nerve import _core


def median_ms(fn, repeats):
    fn()
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts) * 1e3


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=7)
    args = p.parse_args()
    nerve.set_num_threads(args.threads)
    print("| (N, C, H, K) 3x3 same | conv fwd ms | its GEMM ms | im2col share | conv fwd+bwd ms "
          "| its 3 GEMMs ms | im2col+col2im+other share |\n|---|---|---|---|---|---|---|")
    for (N, C, H, K) in [(64, 1, 28, 32), (64, 32, 28, 64), (32, 64, 32, 64)]:
        rng = np.random.default_rng(0)
        x = rng.standard_normal((N, H, H, C)).astype(np.float32)
        k = rng.standard_normal((3, 3, C, K)).astype(np.float32) * 0.1
        b = np.zeros(K, np.float32)
        g = nerve.Tensor(rng.standard_normal((N, H, H, K)).astype(np.float32))
        rows, P = N * H * H, 9 * C
        cols = rng.standard_normal((rows, P)).astype(np.float32)
        w2 = k.reshape(P, K)
        dz = np.array(g).reshape(rows, K)
        y = np.empty((rows, K), np.float32)
        dcols = np.empty((rows, P), np.float32)
        dw = np.empty((P, K), np.float32)
        xt, kt, bt = nerve.Tensor(x), nerve.Tensor(k), nerve.Tensor(b)

        def fwd():
            _core.ops.conv2d(xt, kt, bt, padding="same")

        def fwd_bwd():
            xg, kg, bg = (nerve.Tensor(a, requires_grad=True) for a in (x, k, b))
            _core.ops.conv2d(xg, kg, bg, padding="same").backward(g)

        def gemm_fwd():
            _core.sgemm(cols, w2, y)

        def gemm_all():
            _core.sgemm(cols, w2, y)
            _core.sgemm(cols, dz, dw, trans_a=True)
            _core.sgemm(dz, w2, dcols, trans_b=True)

        f, gf = median_ms(fwd, args.repeats), median_ms(gemm_fwd, args.repeats)
        fb, ga = median_ms(fwd_bwd, args.repeats), median_ms(gemm_all, args.repeats)
        print(f"| {(N, C, H, K)} | {f:.2f} | {gf:.2f} | {max(f - gf, 0) / f:.0%} | {fb:.2f} "
              f"| {ga:.2f} | {max(fb - ga, 0) / fb:.0%} |", flush=True)


if __name__ == "__main__":
    main()
