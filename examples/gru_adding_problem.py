"""The adding problem (Hochreiter & Schmidhuber 1997), a task that needs memory: each sequence
has T steps of (value in [0, 1), marker in {0, 1}); exactly two steps are marked, one in each
half, and the target is the sum of the two marked values. Predicting the mean (1.0) gives an MSE
of about 0.167; a GRU has to remember the first marked value across ~T/2 steps to beat it.

Prints the learning curve (test MSE after each epoch) for T = 100 by default.

Run: python examples/gru_adding_problem.py [--length 100] [--epochs 12]
"""

import argparse
import os

import numpy as np

import nerve
from nerve.layers import GRU, Dense

parser = argparse.ArgumentParser()
parser.add_argument("--length", type=int, default=100)
parser.add_argument("--epochs", type=int, default=12)
parser.add_argument("--train-samples", type=int, default=20000)
parser.add_argument("--units", type=int, default=64)
args = parser.parse_args()
QUICK = os.environ.get("NERVE_QUICK") == "1"  # CI smoke run: T=20, few samples, one epoch
if QUICK:
    args.length, args.epochs, args.train_samples, args.units = 20, 1, 256, 16


def adding_problem(n, T, rng):
    x = np.zeros((n, T, 2), np.float32)
    x[:, :, 0] = rng.random((n, T))
    first = rng.integers(0, T // 2, n)
    second = rng.integers(T // 2, T, n)
    x[np.arange(n), first, 1] = 1
    x[np.arange(n), second, 1] = 1
    y = x[np.arange(n), first, 0] + x[np.arange(n), second, 0]
    return x, y.astype(np.float32)


nerve.utils.set_random_seed(0)
rng = np.random.default_rng(0)
x_train, y_train = adding_problem(args.train_samples, args.length, rng)
x_test, y_test = adding_problem(128 if QUICK else 2000, args.length, rng)
print(f"T={args.length}: baseline MSE (always predict 1.0) = {np.mean((y_test - 1.0) ** 2):.4f}")

model = nerve.Sequential([nerve.Input((args.length, 2)), GRU(args.units), Dense(1)])
model.compile(optimizer=nerve.optimizers.Adam(2e-3), loss="mse")
curve = []
for epoch in range(args.epochs):
    model.fit(x_train, y_train, batch_size=64, epochs=1, verbose=0)
    mse = model.evaluate(x_test, y_test, verbose=0)
    curve.append(mse)
    print(f"epoch {epoch + 1:2d}  test MSE {mse:.4f}", flush=True)
print("learning curve (test MSE per epoch):", " ".join(f"{m:.4f}" for m in curve))
