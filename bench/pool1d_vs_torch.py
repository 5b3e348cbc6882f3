"""The 1-D poolings at the sizes of Keras's "text classification from scratch" tutorial (batch 32,
500 tokens, 128 channels; its GlobalMaxPooling1D sees the 53 steps left after two strided
Conv1D), nerve against PyTorch CPU: forward, and backward from a fixed random upstream gradient,
each timed as CPU time of the calling thread on 1 thread (time.thread_time), in rounds that
alternate between the two after a warm-up each; medians in ms and the ratio torch / nerve (> 1:
nerve is faster). Each framework gets its own layout, contiguous: nerve (batch, steps, channels),
PyTorch (batch, channels, steps). nerve's MaxPooling1D, AveragePooling1D and GlobalMaxPooling1D
are its 2-D pooling kernels on a one-column image (vectorised over channels).

Measured 2026-12-03 on AMD EPYC Zen 4 (2 vCPUs shared, load average 4.3-4.5), 1 thread, two runs
of 21 rounds, ms nerve / torch: GlobalMaxPooling1D 53x128 forward 0.07 / 0.17, backward 0.21 /
0.58-0.63; 500x128 forward 0.44-0.50 / 0.41-0.42, backward 1.8-2.0 / 5.2-13.6;
AveragePooling1D(2) forward 0.63-0.74 / 6.5-7.6, backward 0.91-0.99 / 6.0-7.3; AveragePooling1D(3,
strides=2) forward 0.79 / 7.1-7.3, backward 0.99-1.08 / 6.6-6.7.
MaxPooling1D before and after it moved from its own kernel (scalar, one window at a time, with an
argmax; perf: 55% of a forward + backward loop in that kernel) to the 2-D ones, the two builds
alternating twice (load 5.7-5.9), ms nerve before -> after (torch): pool 2 forward 6.8-8.0 ->
0.49-0.65 (12.6-16.1), backward 1.9-2.6 -> 1.07-1.08 (1.6-2.4); pool 3 strides 2 forward
10.7-11.1 -> 0.67-0.88 (15.6-18.3), backward 2.0-2.3 -> 1.6-2.3 (1.5-2.0).

Run: python bench/pool1d_vs_torch.py [--rounds 21] [--batch 32] [names ...]
NERVE_QUICK=1 (CI smoke): batch 2, one round.
"""

import argparse
import os
import time

import numpy as np
import torch
import torch.nn.functional as F
from _layers_vs_torch import alternating_medians

import nerve
from nerve import layers

QUICK = os.environ.get("NERVE_QUICK") == "1"


def cases(batch):
    """name -> (nerve layer, torch function on (batch, channels, steps), nerve input shape)."""
    return {
        "GlobalMaxPooling1D 53x128": (
            layers.GlobalMaxPooling1D(),
            lambda x: x.amax(2),
            (batch, 53, 128),
        ),
        "GlobalMaxPooling1D 500x128": (
            layers.GlobalMaxPooling1D(),
            lambda x: x.amax(2),
            (batch, 500, 128),
        ),
        "AveragePooling1D 2 500x128": (
            layers.AveragePooling1D(2),
            lambda x: F.avg_pool1d(x, 2),
            (batch, 500, 128),
        ),
        "AveragePooling1D 3 s2 500x128": (
            layers.AveragePooling1D(3, strides=2),
            lambda x: F.avg_pool1d(x, 3, 2),
            (batch, 500, 128),
        ),
        "MaxPooling1D 2 500x128": (
            layers.MaxPooling1D(2),
            lambda x: F.max_pool1d(x, 2),
            (batch, 500, 128),
        ),
        "MaxPooling1D 3 s2 500x128": (
            layers.MaxPooling1D(3, strides=2),
            lambda x: F.max_pool1d(x, 3, 2),
            (batch, 500, 128),
        ),
    }


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=1 if QUICK else 21)
    p.add_argument("--batch", type=int, default=2 if QUICK else 32)
    p.add_argument("names", nargs="*", help="substrings of the case names to run")
    args = p.parse_args()
    nerve.set_num_threads(1)
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    print(f"1 thread; load average {os.getloadavg()[0]:.1f}; medians of {args.rounds} in ms")
    print("| layer | nerve fwd | torch fwd | ratio | nerve bwd | torch bwd | ratio |")
    print("|---|---|---|---|---|---|---|")
    for name, (layer, fn, shape) in cases(args.batch).items():
        if args.names and not any(n in name for n in args.names):
            continue
        x = rng.standard_normal(shape).astype(np.float32)
        g = rng.standard_normal(np.array(layer(x)).shape).astype(np.float32)
        gn = nerve.Tensor(g)
        xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 2, 1)))
        gt = torch.from_numpy(np.ascontiguousarray(g.transpose(0, 2, 1) if g.ndim == 3 else g))

        def run_nerve():
            xv = nerve.Tensor(x, requires_grad=True)
            start = time.thread_time()
            y = layer(xv)
            mid = time.thread_time()
            y.backward(gn)
            return mid - start, time.thread_time() - mid

        def run_torch():
            xv = xt.clone().requires_grad_(True)
            start = time.thread_time()
            y = fn(xv)
            mid = time.thread_time()
            y.backward(gt)
            return mid - start, time.thread_time() - mid

        nf, nb, tf, tb = alternating_medians(run_nerve, run_torch, args.rounds)
        print(
            f"| {name} | {nf:.3f} | {tf:.3f} | {tf / nf:.2f}x | {nb:.3f} | {tb:.3f} | "
            f"{tb / nb:.2f}x |",
            flush=True,
        )
    print(f"load average at end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
