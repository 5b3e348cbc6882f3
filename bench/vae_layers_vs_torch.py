"""The VAE's layers one by one (examples/vae.py, batch 128), nerve against PyTorch CPU: forward,
and backward from a fixed random upstream gradient (every weight gradient, and dX except for the
first layer, whose input is the data), each timed as CPU time of the calling thread on 1 thread
(time.thread_time), in blocks that alternate between the two frameworks; medians in ms and the
ratio torch / nerve (> 1: nerve is faster). Activations are fused in nerve's layers and a
separate module in PyTorch's, as in the two training steps. Where a VAE step's time goes.

Run: python bench/vae_layers_vs_torch.py [--rounds 7] [--batch 128] [names ...]
NERVE_QUICK=1 (CI smoke): batch 2, one round.
"""

import argparse
import os
import statistics
import time

import numpy as np
import torch

import nerve
from nerve import layers

QUICK = os.environ.get("NERVE_QUICK") == "1"


def cases(batch):
    """name -> (nerve layer, torch module, NHWC input shape, whether dX is computed)."""
    nn = torch.nn
    relu = nn.ReLU
    return {
        "Conv2D 1->32 k3 s2 relu 28->14": (
            layers.Conv2D(32, 3, strides=2, padding="same", activation="relu"),
            nn.Sequential(nn.Conv2d(1, 32, 3, 2, padding=1), relu()),
            (batch, 28, 28, 1),
            False,
        ),
        "Conv2D 32->64 k3 s2 relu 14->7": (
            layers.Conv2D(64, 3, strides=2, padding="same", activation="relu"),
            nn.Sequential(nn.Conv2d(32, 64, 3, 2, padding=1), relu()),
            (batch, 14, 14, 32),
            True,
        ),
        "Dense 3136->16 relu": (
            layers.Dense(16, activation="relu"),
            nn.Sequential(nn.Linear(3136, 16), relu()),
            (batch, 3136),
            True,
        ),
        "Dense 2->3136 relu": (
            layers.Dense(3136, activation="relu"),
            nn.Sequential(nn.Linear(2, 3136), relu()),
            (batch, 2),
            True,
        ),
        "Conv2DTranspose 64->64 k3 s2 relu 7->14": (
            layers.Conv2DTranspose(64, 3, strides=2, padding="same", activation="relu"),
            nn.Sequential(nn.ConvTranspose2d(64, 64, 3, 2, padding=1, output_padding=1), relu()),
            (batch, 7, 7, 64),
            True,
        ),
        "Conv2DTranspose 64->32 k3 s2 relu 14->28": (
            layers.Conv2DTranspose(32, 3, strides=2, padding="same", activation="relu"),
            nn.Sequential(nn.ConvTranspose2d(64, 32, 3, 2, padding=1, output_padding=1), relu()),
            (batch, 14, 14, 64),
            True,
        ),
        "Conv2DTranspose 32->1 k3 s1 sigmoid 28->28": (
            layers.Conv2DTranspose(1, 3, padding="same", activation="sigmoid"),
            nn.Sequential(nn.ConvTranspose2d(32, 1, 3, 1, padding=1), nn.Sigmoid()),
            (batch, 28, 28, 32),
            True,
        ),
    }


def nchw(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a.transpose(0, 3, 1, 2) if a.ndim == 4 else a))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=1 if QUICK else 7)
    p.add_argument("--batch", type=int, default=2 if QUICK else 128)
    p.add_argument("names", nargs="*", help="substrings of the layer names to run")
    args = p.parse_args()
    nerve.set_num_threads(1)
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    print(f"1 thread; load average {os.getloadavg()[0]:.1f}; medians of {args.rounds} in ms")
    print("| layer | nerve fwd | torch fwd | ratio | nerve bwd | torch bwd | ratio |")
    print("|---|---|---|---|---|---|---|")
    totals = [0.0] * 4
    for name, (layer, module, shape, input_grad) in cases(args.batch).items():
        if args.names and not any(n in name for n in args.names):
            continue
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

        run_nerve(), run_torch()  # warm-up: caches, scratch buffers, torch's first-call setup
        n, t = [], []
        for _ in range(args.rounds):
            n.append(run_nerve())
            t.append(run_torch())
        med = [statistics.median(s[i] for s in runs) * 1e3 for runs in (n, t) for i in (0, 1)]
        nf, nb, tf, tb = med
        for i, v in enumerate((nf, nb, tf, tb)):
            totals[i] += v
        print(
            f"| {name} | {nf:.2f} | {tf:.2f} | {tf / nf:.2f}x | {nb:.2f} | {tb:.2f} | "
            f"{tb / nb:.2f}x |",
            flush=True,
        )
    nf, nb, tf, tb = totals
    print(f"| sum | {nf:.1f} | {tf:.1f} | {tf / nf:.2f}x | {nb:.1f} | {tb:.1f} | {tb / nb:.2f}x |")
    print(f"load average at end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
