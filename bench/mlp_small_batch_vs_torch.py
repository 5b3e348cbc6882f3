#!/usr/bin/env python
"""MLP 784-256-128-10 training at small batches: nerve's `fit` against a plain PyTorch loop.

    python bench/mlp_small_batch_vs_torch.py [--batches 1,4,8,16,32] [--threads 1]
                                             [--steps 400] [--blocks 7]

Both train the same network (relu, relu, softmax cross-entropy on logits, Adam lr 1e-3,
epsilon 1e-7) on shuffled MNIST-shaped random data, one optimizer step per batch: nerve through
`model.fit(x, y, batch_size=b, epochs=1)` on `steps * b` samples (the Keras way), PyTorch through
the usual loop (randperm, index, zero_grad, forward, loss, backward, step; `--torch-adam fused`
gives PyTorch its fused Adam, about 2.5x faster than its default loop at batch 1 on one thread
here). Over the blocks Adam's moments of dead ReLU units decay into denormal floats, which
nerve's threads flush and PyTorch's do not: `--torch-flush-denormals` flushes them in PyTorch
too (torch.set_flush_denormal), so the ratio is then the frameworks' alone. The two are timed in
alternating blocks of `steps` steps each (nerve, PyTorch, nerve, ...), after a warm-up block of
each, and the script prints the median steps/s of each and the ratio of the medians.

With 1 thread (the default) both compute on the calling thread, so the clock is that thread's
CPU time (time.thread_time): on a shared machine the other processes' load then changes the
figures little (the load average is printed). With more threads the clock is wall time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
import torch
from _train_rows import compile_adam, keras_style_stack, torch_mlp

import nerve

QUICK = os.environ.get("NERVE_QUICK") == "1"  # CI smoke run: tiny sizes, one block


def nerve_model():
    m = nerve.Sequential(keras_style_stack(nerve, "mlp"))
    compile_adam(nerve, m)
    return m


def torch_model(adam_impl):
    net = torch_mlp()
    impl = {"default": {}, "foreach": {"foreach": True}, "fused": {"fused": True}}[adam_impl]
    return net, torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7, **impl)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batches", default="1,4,8,16,32")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=400, help="optimizer steps per timed block")
    ap.add_argument("--blocks", type=int, default=7, help="timed blocks per framework")
    ap.add_argument(
        "--torch-adam",
        choices=["default", "foreach", "fused"],
        default="default",
        help="PyTorch's Adam implementation (default: what Adam(...) picks on CPU, a loop)",
    )
    ap.add_argument(
        "--torch-flush-denormals",
        action="store_true",
        help="torch.set_flush_denormal(True), as nerve's threads flush them (README)",
    )
    args = ap.parse_args()
    batches = [int(b) for b in args.batches.split(",")]
    if QUICK:
        batches, args.steps, args.blocks = batches[:1], 10, 1
    torch.set_num_threads(args.threads)
    if args.torch_flush_denormals:
        torch.set_flush_denormal(True)
    nerve.set_num_threads(args.threads)
    clock = time.thread_time if args.threads == 1 else time.perf_counter
    print(
        f"threads {args.threads} ({'thread CPU time' if args.threads == 1 else 'wall time'}); "
        f"nerve {nerve.__version__} ({nerve.config()['isa']}), torch {torch.__version__}; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"MLP 784-256-128-10, Adam (PyTorch's: {args.torch_adam}, denormals "
        f"{'flushed' if args.torch_flush_denormals else 'kept'}); steps/s, median of "
        "alternating blocks"
    )
    print(f"{'batch':>6} {'nerve fit':>12} {'PyTorch':>12} {'ratio':>7}")
    rng = np.random.default_rng(0)
    for b in batches:
        n = args.steps * b
        x = rng.random((n, 784), dtype=np.float32)
        y = rng.integers(0, 10, size=n).astype(np.int64)
        m = nerve_model()
        net, opt = torch_model(args.torch_adam)
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)

        def run_nerve():
            m.fit(x, y, batch_size=b, epochs=1, verbose=0)

        def run_torch():
            perm = torch.randperm(n)
            for i in range(0, n, b):
                idx = perm[i : i + b]
                opt.zero_grad()
                loss = torch.nn.functional.cross_entropy(net(xt[idx]), yt[idx])
                loss.backward()
                opt.step()

        times = {"nerve": [], "torch": []}
        for rep in range(args.blocks + 1):
            for name, fn in (("nerve", run_nerve), ("torch", run_torch)):
                t0 = clock()
                fn()
                dt = clock() - t0
                if rep:  # the first block of each warms up
                    times[name].append(dt)
        sn = args.steps / statistics.median(times["nerve"])
        st = args.steps / statistics.median(times["torch"])
        print(f"{b:>6} {sn:>12,.0f} {st:>12,.0f} {sn / st:>6.2f}x")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
