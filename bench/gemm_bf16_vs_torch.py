#!/usr/bin/env python
"""nerve's sgemm_bf16 against PyTorch's bfloat16 matmul (oneDNN), and both in float32, in one process.

    python bench/gemm_bf16_vs_torch.py [--threads 1,2] [--blocks 7] [--min-time 0.1] [--kernel amx]

Shapes (M, K, N) are the products of deep learning: Dense layers of the MNIST MLP, an im2col
convolution, and squares. nerve takes float32 and rounds to bfloat16 while packing, so its time
includes the conversion; PyTorch is timed on tensors already in bfloat16 ("torch bf16") and with
the casts of float32 inputs that autocast does ("torch bf16+cast"). Each variant runs in blocks of
calls (at least --min-time seconds), the variants alternate block by block with a short pause (idle
OpenMP threads of one library spin for a while and would steal the cores of the other), and the
median time per call over the blocks is reported as GFLOP/s, with nerve's ratio to each peer.
With one thread the clock is the CPU time of the calling thread (both libraries compute in it), so
other processes on a shared machine barely move the figures; with more threads it is wall-clock
time: read those with the load average printed at the top.
"""

import argparse
import os
import time

import numpy as np

import nerve
from nerve import _core

SHAPES = [
    ("dense 784->256", 128, 784, 256),
    ("dense 256->128", 128, 256, 128),
    ("dense 800->500", 64, 800, 500),
    ("conv im2col", 32768, 576, 64),
    ("square 1024", 1024, 1024, 1024),
    ("square 2048", 2048, 2048, 2048),
]
QUICK = os.environ.get("NERVE_QUICK") == "1"  # CI smoke run: tiny sizes
if QUICK:
    SHAPES = [("tiny", 13, 37, 29)]


def time_blocks(fns, blocks, min_time, clock):
    """Median seconds per call of each fn, timed in alternating blocks."""
    per = {name: [] for name in fns}
    for fn in fns.values():  # warm-up (packing buffers, oneDNN primitive cache)
        fn()
        fn()
    for _ in range(blocks):
        for name, fn in fns.items():
            n, t0 = 0, clock()
            while True:
                fn()
                n += 1
                dt = clock() - t0
                if dt >= min_time:
                    break
            per[name].append(dt / n)
            time.sleep(0.02)
    return {name: float(np.median(v)) for name, v in per.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--blocks", type=int, default=7)
    ap.add_argument("--min-time", type=float, default=0.1)
    ap.add_argument(
        "--kernel", default=None, help="force nerve's bfloat16 kernel (amx, avx512_bf16, plain)"
    )
    args = ap.parse_args()
    import torch

    if args.kernel:
        _core.set_bf16_kernel(args.kernel)
    cfg = nerve.config()
    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in open("/proc/cpuinfo")
            if ln.startswith("model name")
        ),
        "?",
    )
    print(f"CPU: {cpu}; load average {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f}")
    print(f"nerve {cfg['version']}: bf16 kernel {cfg['bf16_kernel']}, isa {cfg['isa']}")
    print(f"torch {torch.__version__}")
    rng = np.random.default_rng(0)
    for nt in [int(t) for t in args.threads.split(",")]:
        _core.set_num_threads(nt)
        torch.set_num_threads(nt)
        clock = time.thread_time if nt == 1 else time.perf_counter
        what = "CPU time of the calling thread" if nt == 1 else "wall-clock time"
        print(f"\n{nt} thread(s): GFLOP/s, medians of {args.blocks} alternating blocks, {what}")
        print(
            f"{'shape':16} {'M,K,N':>16} {'nerve bf16':>10} {'torch bf16':>10} {'+cast':>8} "
            f"{'nerve f32':>9} {'torch f32':>9} {'vs bf16':>7} {'vs +cast':>8}"
        )
        with torch.inference_mode():
            for label, m, k, n in SHAPES:
                a = rng.uniform(-1, 1, (m, k)).astype(np.float32)
                b = rng.uniform(-1, 1, (k, n)).astype(np.float32)
                c = np.empty((m, n), np.float32)
                ta, tb = torch.from_numpy(a), torch.from_numpy(b)
                ta16, tb16 = ta.bfloat16(), tb.bfloat16()
                fns = {
                    "nerve_bf16": lambda: _core.sgemm_bf16(a, b, c),
                    "torch_bf16": lambda: torch.matmul(ta16, tb16),
                    "torch_cast": lambda: torch.matmul(ta.bfloat16(), tb.bfloat16()),
                    "nerve_f32": lambda: _core.sgemm(a, b, c),
                    "torch_f32": lambda: torch.matmul(ta, tb),
                }
                t = time_blocks(fns, args.blocks, args.min_time, clock)
                g = {key: 2.0 * m * k * n / v * 1e-9 for key, v in t.items()}
                print(
                    f"{label:16} {f'{m},{k},{n}':>16} {g['nerve_bf16']:10.0f} {g['torch_bf16']:10.0f} "
                    f"{g['torch_cast']:8.0f} {g['nerve_f32']:9.0f} {g['torch_f32']:9.0f} "
                    f"{t['torch_bf16'] / t['nerve_bf16']:6.2f}x {t['torch_cast'] / t['nerve_bf16']:7.2f}x",
                    flush=True,
                )
    print(f"\nload average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
