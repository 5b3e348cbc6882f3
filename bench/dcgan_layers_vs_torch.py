"""The DCGAN's layers one by one (examples/dcgan.py, batch 64: the discriminator sees 128
images), nerve against PyTorch CPU: forward, and backward from a fixed random upstream gradient
(dX and every weight gradient), each timed as CPU time of the calling thread on 1 thread
(time.thread_time: what the op itself costs, steadier than wall time on a loaded machine), in
blocks that alternate between the two frameworks; medians in ms and the ratio torch / nerve
(> 1: nerve is faster). Where a train step's time goes, and which layer to look at next.

Measured on the 2-core Intel Xeon (AVX-512, AMX) VM at load ~12 (shared with 7 other jobs),
after Conv2DTranspose's strided forward became sub-pixel phases; ms, torch / nerve:
  Dense 128->6272                    fwd 1.2 vs 1.5 (1.26x)    bwd 3.1 vs 2.5 (0.81x)
  Conv2DTranspose 128 k4 s2 7->14    fwd 13.7 vs 16.5 (1.20x)  bwd 27.0 vs 27.3 (1.01x)
  Conv2DTranspose 128 k4 s2 14->28   fwd 54.2 vs 73.1 (1.35x)  bwd 96.2 vs 104.7 (1.09x)
  LeakyReLU 28x28x128                fwd 5.2 vs 4.4 (0.85x)    bwd 13.7 vs 13.2 (0.96x)
  Conv2D 128->1 k7 sigmoid           fwd 13.7 vs 64.7 (4.72x)  bwd 30.3 vs 131.4 (4.34x)
  Conv2D 1->64 k3 s2 (batch 128)     fwd 1.2 vs 1.6 (1.37x)    bwd 4.1 vs 8.8 (2.13x)
  Conv2D 64->128 k3 s2 (batch 128)   fwd 7.3 vs 8.2 (1.12x)    bwd 16.2 vs 20.4 (1.26x)
  GlobalMaxPooling2D 7x7x128         fwd 1.2 vs 1.9 (1.60x)    bwd 0.5 vs 0.9 (1.75x)
The two Conv2DTranspose layers' products run at 100-150 GFLOP/s here against ~185 for a large
sgemm on this core: the rest of a step's gain has to come from bfloat16 / AMX, not from fp32.

Run: python bench/dcgan_layers_vs_torch.py [--rounds 5] [--batch 64] [names ...]
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
    """name -> (nerve layer, torch module, NHWC input shape)."""
    nn = torch.nn
    return {
        "Dense 128->6272": (layers.Dense(7 * 7 * 128), nn.Linear(128, 6272), (batch, 128)),
        "Conv2DTranspose 128 k4 s2 7->14": (
            layers.Conv2DTranspose(128, 4, strides=2, padding="same"),
            nn.ConvTranspose2d(128, 128, 4, 2, padding=1),
            (batch, 7, 7, 128),
        ),
        "Conv2DTranspose 128 k4 s2 14->28": (
            layers.Conv2DTranspose(128, 4, strides=2, padding="same"),
            nn.ConvTranspose2d(128, 128, 4, 2, padding=1),
            (batch, 14, 14, 128),
        ),
        "LeakyReLU 28x28x128": (
            layers.LeakyReLU(negative_slope=0.2),
            nn.LeakyReLU(0.2),
            (batch, 28, 28, 128),
        ),
        "Conv2D 128->1 k7 sigmoid": (
            layers.Conv2D(1, 7, padding="same", activation="sigmoid"),
            nn.Sequential(nn.Conv2d(128, 1, 7, padding=3), nn.Sigmoid()),
            (batch, 28, 28, 128),
        ),
        "Conv2D 1->64 k3 s2": (
            layers.Conv2D(64, 3, strides=2, padding="same"),
            nn.Conv2d(1, 64, 3, 2, padding=1),
            (2 * batch, 28, 28, 1),
        ),
        "Conv2D 64->128 k3 s2": (
            layers.Conv2D(128, 3, strides=2, padding="same"),
            nn.Conv2d(64, 128, 3, 2, padding=1),
            (2 * batch, 14, 14, 64),
        ),
        "GlobalMaxPooling2D 7x7x128": (
            layers.GlobalMaxPooling2D(),
            nn.Sequential(nn.AdaptiveMaxPool2d(1), nn.Flatten()),
            (2 * batch, 7, 7, 128),
        ),
    }


def nchw(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a.transpose(0, 3, 1, 2) if a.ndim == 4 else a))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=1 if QUICK else 5)
    p.add_argument("--batch", type=int, default=2 if QUICK else 64)
    p.add_argument("names", nargs="*", help="substrings of the layer names to run")
    args = p.parse_args()
    nerve.set_num_threads(1)
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    print(f"1 thread; load average {os.getloadavg()[0]:.1f}; medians of {args.rounds} in ms")
    print("| layer | nerve fwd | torch fwd | ratio | nerve bwd | torch bwd | ratio |")
    print("|---|---|---|---|---|---|---|")
    for name, (layer, module, shape) in cases(args.batch).items():
        if args.names and not any(n in name for n in args.names):
            continue
        x = rng.standard_normal(shape).astype(np.float32)
        g = rng.standard_normal(np.array(layer(x)).shape).astype(np.float32)
        gn, xt, gt = nerve.Tensor(g), nchw(x), nchw(g)

        def run_nerve():
            xv = nerve.Tensor(x, requires_grad=True)
            start = time.thread_time()
            y = layer(xv, training=True)
            mid = time.thread_time()
            y.backward(gn)
            return mid - start, time.thread_time() - mid

        def run_torch():
            xv = xt.clone().requires_grad_()
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
        print(
            f"| {name} | {nf:.1f} | {tf:.1f} | {tf / nf:.2f}x | {nb:.1f} | {tb:.1f} | "
            f"{tb / nb:.2f}x |",
            flush=True,
        )
    print(f"load average at end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
