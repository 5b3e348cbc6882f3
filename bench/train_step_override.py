"""What an overridden train_step costs: an MLP (784-256-128-10, relu, sparse categorical
cross-entropy, SGD) on MNIST-sized random data, trained by the built-in fit (whole steps in C++)
and by a Model subclass whose train_step does the same math in Python (nerve.GradientTape,
compute_loss, optimizer.apply_gradients, the loss tracker), which fit calls once per batch.
Blocks (one fit of `--epochs` epochs of `--steps` steps) alternate between the two; prints the
median time per step of each, wall-clock and CPU, and their ratio (the target: override /
built-in <= 1.3).

Run: python bench/train_step_override.py [--threads 2] [--batch 128] [--steps 40] [--epochs 3]
                                        [--rounds 7]
"""

import argparse
import os
import statistics
import time
import warnings

import numpy as np

import nerve
from nerve import layers as L
from nerve.utils import unpack_x_y_sample_weight

QUICK = os.environ.get("NERVE_QUICK") == "1"  # CI smoke run: tiny sizes


class OverriddenStep(nerve.Model):
    """The built-in step's math, written as the Keras guide writes it."""

    def train_step(self, data):
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        with nerve.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred, sample_weight=sample_weight)
        trainable = self.trainable_weights
        self.optimizer.apply_gradients(zip(tape.gradient(loss, trainable), trainable))
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
        return {m.name: m.result() for m in self.metrics}


def mlp_parts(features, hidden):
    inputs = nerve.Input((features,))
    h = inputs
    for units in hidden:
        h = L.Dense(units, activation="relu")(h)
    return inputs, L.Dense(10)(h)


def block_time(model, x, y, batch, epochs):
    """(wall, CPU) seconds per step of one fit of `epochs` epochs over x. The CPU time of the
    process is the steadier figure on a shared machine (other processes' load stretches the
    wall time, not this process's CPU time)."""
    w0, c0 = time.perf_counter(), time.process_time()
    model.fit(x, y, batch_size=batch, epochs=epochs, verbose=0)
    steps = epochs * (len(x) // batch)
    return (time.perf_counter() - w0) / steps, (time.process_time() - c0) / steps


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--steps", type=int, default=40, help="steps per epoch")
    p.add_argument("--epochs", type=int, default=3, help="epochs per timed block (one fit)")
    p.add_argument("--rounds", type=int, default=7, help="alternating blocks per variant")
    args = p.parse_args()
    features, hidden = (784, (256, 128)) if not QUICK else (16, (8,))
    if QUICK:
        args.steps, args.rounds, args.epochs = 2, 1, 1
    nerve.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    n = args.batch * args.steps
    x = rng.random((n, features), dtype=np.float32)
    y = rng.integers(0, 10, size=(n,)).astype(np.float32)

    builtin = nerve.Model(*mlp_parts(features, hidden))
    override = OverriddenStep(*mlp_parts(features, hidden))
    override.set_weights(builtin.get_weights())
    loss = nerve.losses.SparseCategoricalCrossentropy(from_logits=True)
    for m in (builtin, override):
        m.compile(nerve.optimizers.SGD(0.01), loss)
    warnings.filterwarnings("ignore", message=".*which is Python code")
    times = {"built-in": [], "override": []}
    for m in (builtin, override):  # warm-up: first-use allocations
        block_time(m, x[: args.batch * 2], y[: args.batch * 2], args.batch, 1)
    for _ in range(args.rounds):
        times["built-in"].append(block_time(builtin, x, y, args.batch, args.epochs))
        times["override"].append(block_time(override, x, y, args.batch, args.epochs))
    print(
        f"MLP {features}-{'-'.join(map(str, hidden))}-10, batch {args.batch}, "
        f"threads {args.threads}, {args.rounds} blocks of {args.epochs} x {args.steps} steps each"
    )
    for i, clock in enumerate(("wall", "CPU")):
        med = {k: statistics.median(t[i] for t in v) for k, v in times.items()}
        print(
            f"  {clock:4s} median ms/step: built-in {med['built-in'] * 1e3:.3f}, override "
            f"{med['override'] * 1e3:.3f}, ratio override / built-in "
            f"{med['override'] / med['built-in']:.3f}"
        )


if __name__ == "__main__":
    main()
