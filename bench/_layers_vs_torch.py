"""The per-layer table shared by dcgan_layers_vs_torch.py and vae_layers_vs_torch.py (and its
round loop, alternating_medians, by pool1d_vs_torch.py and separable_vs_torch.py): each layer's
forward, and backward from a fixed random upstream gradient, timed as CPU time of the calling
thread on 1 thread (time.thread_time: what the op itself costs, steadier than wall time on a
loaded machine), in rounds alternating between nerve and PyTorch after a warm-up each; medians
in ms and the ratio torch / nerve (> 1: nerve is faster)."""

import argparse
import os
import statistics
import time

import numpy as np
import torch

import nerve

QUICK = os.environ.get("NERVE_QUICK") == "1"


def nchw(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a.transpose(0, 3, 1, 2) if a.ndim == 4 else a))


def alternating_medians(run_nerve, run_torch, rounds: int) -> list:
    """[nerve forward, nerve backward, torch forward, torch backward] in ms: medians over
    `rounds` of the two run_* (each returning (forward, backward) seconds), called alternately
    after one warm-up call each (caches, scratch buffers, torch's first-call setup)."""
    run_nerve(), run_torch()
    n, t = [], []
    for _ in range(rounds):
        n.append(run_nerve())
        t.append(run_torch())
    return [statistics.median(s[i] for s in r) * 1e3 for r in (n, t) for i in (0, 1)]


def main(cases, rounds: int, batch: int, decimals: int = 1) -> None:
    """`cases(batch)`: name -> (nerve layer, torch module, NHWC input shape[, dX computed])."""
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=1 if QUICK else rounds)
    p.add_argument("--batch", type=int, default=2 if QUICK else batch)
    p.add_argument("names", nargs="*", help="substrings of the layer names to run")
    args = p.parse_args()
    nerve.set_num_threads(1)
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    print(f"1 thread; load average {os.getloadavg()[0]:.1f}; medians of {args.rounds} in ms")
    print("| layer | nerve fwd | torch fwd | ratio | nerve bwd | torch bwd | ratio |")
    print("|---|---|---|---|---|---|---|")
    totals = [0.0] * 4
    for name, (layer, module, shape, *rest) in cases(args.batch).items():
        if args.names and not any(n in name for n in args.names):
            continue
        input_grad = rest[0] if rest else True
        x = rng.standard_normal(shape).astype(np.float32)
        g = rng.standard_normal(np.array(layer(x)).shape).astype(np.float32)
        gn, xt, gt = nerve.Tensor(g), nchw(x), nchw(g)

        def run_nerve():
            xv = nerve.Tensor(x, requires_grad=input_grad)
            start = time.thread_time()
            y = layer(xv, training=True)
            mid = time.thread_time()
            y.backward(gn)
            return mid - start, time.thread_time() - mid

        def run_torch():
            xv = xt.clone().requires_grad_(input_grad)
            start = time.thread_time()
            y = module(xv)
            mid = time.thread_time()
            y.backward(gt)
            return mid - start, time.thread_time() - mid

        nf, nb, tf, tb = alternating_medians(run_nerve, run_torch, args.rounds)
        totals = [a + b for a, b in zip(totals, (nf, nb, tf, tb))]
        d = decimals
        print(
            f"| {name} | {nf:.{d}f} | {tf:.{d}f} | {tf / nf:.2f}x | {nb:.{d}f} | {tb:.{d}f} | "
            f"{tb / nb:.2f}x |",
            flush=True,
        )
    nf, nb, tf, tb = totals
    print(f"| sum | {nf:.1f} | {tf:.1f} | {tf / nf:.2f}x | {nb:.1f} | {tb:.1f} | {tb / nb:.2f}x |")
    print(f"load average at end {os.getloadavg()[0]:.1f}")
