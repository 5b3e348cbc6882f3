"""Step time of a long small-batch run, with denormals flushed (nerve's default) and without.

The MNIST MLP 784-256-128-10 trains with Adam at batch 1: the kernel rows of border pixels, which
are always 0, get zero gradients, so their Adam moments decay by beta_1 and beta_2 every step and
after a few hundred steps reach the denormal range (below 1.18e-38), where each operation costs
about a hundred cycles on x86. The two settings are timed in alternating blocks, each block a
fresh model trained for the same epochs; the table gives the median milliseconds per step of each
epoch. Flushed, the step time stays flat; unflushed, it grows as the moments decay.

Run: python bench/denormals.py [--epochs 4] [--steps 400] [--blocks 3]
"""

import argparse
import os
import statistics
import time

import numpy as np

import nerve

QUICK = os.environ.get("NERVE_QUICK") == "1"  # CI smoke run: a few steps, one block


def run(flush, x, y, epochs, steps):
    """ms per step of each epoch, for a fresh model trained with flushing on or off."""
    nerve.set_flush_denormals(flush)
    nerve.utils.set_random_seed(0)
    model = nerve.Sequential(
        [
            nerve.layers.Input((784,)),
            nerve.layers.Dense(256, activation="relu"),
            nerve.layers.Dense(128, activation="relu"),
            nerve.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(nerve.optimizers.Adam(1e-3), "sparse_categorical_crossentropy")
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        model.fit(x[:steps], y[:steps], batch_size=1, epochs=1, shuffle=False, verbose=0)
        times.append(1e3 * (time.perf_counter() - start) / steps)
    return times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--steps", type=int, default=400)
    ap.add_argument("--blocks", type=int, default=3)
    args = ap.parse_args()
    if QUICK:
        args.epochs, args.steps, args.blocks = 2, 20, 1
    (x, y), _ = nerve.datasets.mnist.load_data()
    x = (x.reshape(len(x), 784) / 255.0).astype(np.float32)
    y = y.astype(np.float32)
    print(f"nerve {nerve.__version__}, {nerve.config()['isa']}, {nerve.num_threads()} threads")
    results = {True: [], False: []}
    for block in range(args.blocks):
        for flush in (True, False) if block % 2 == 0 else (False, True):
            results[flush].append(run(flush, x, y, args.epochs, args.steps))
    nerve.set_flush_denormals(True)
    print(
        f"Adam, batch 1, {args.steps} steps per epoch: median ms per step over {args.blocks} blocks"
    )
    print("epoch | flushed (default) | not flushed | ratio")
    for e in range(args.epochs):
        on = statistics.median(r[e] for r in results[True])
        off = statistics.median(r[e] for r in results[False])
        print(f"{e + 1:5d} | {on:17.3f} | {off:11.3f} | {off / on:5.2f}x")


if __name__ == "__main__":
    main()
