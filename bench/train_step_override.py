"""What an overridden train_step costs: an MLP (784-256-128-10, relu, sparse categorical
cross-entropy, SGD) on MNIST-sized random data, trained by the built-in fit (whole steps in C++),
by a Model subclass whose train_step does the same math (nerve.GradientTape, compute_loss,
optimizer.apply_gradients, the loss tracker), which fit traces once into a C++ program and runs
in chunks of steps ("override"), and by the same step with a Python side effect, which fit cannot
trace and so calls from Python once per batch ("python step"). Blocks (one fit of `--epochs`
epochs of `--steps` steps) alternate between the three; prints the median time per step of each,
wall-clock and CPU, and the ratios to the built-in step (the target: override / built-in <= 1.3).

Measured 2026-12-02 on the 2-core AMD EPYC (AVX-512) with other jobs running, so every figure is
noisy. Override / built-in: 1.07 wall, 0.88 CPU (load average 16, without the python-step
variant); 1.15 wall, 1.22 CPU (load 16-17); 0.81 wall, 0.80 CPU (load 7-10). Python step /
built-in: 1.63 (load 16-17), 1.03 (load 7-10). (The traced and built-in steps give the same
weights; both are within the 1.3 target in every run.)

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


class PythonStep(OverriddenStep):
    """The same step with a Python side effect (a counter): fit runs it from Python per batch."""

    steps_seen = 0

    def train_step(self, data):
        self.steps_seen += 1
        return super().train_step(data)


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
    python_step = PythonStep(*mlp_parts(features, hidden))
    models = {"built-in": builtin, "override": override, "python step": python_step}
    loss = nerve.losses.SparseCategoricalCrossentropy(from_logits=True)
    for m in models.values():
        m.set_weights(builtin.get_weights())
        m.compile(nerve.optimizers.SGD(0.01), loss)
    warnings.filterwarnings("ignore", message=".*which is Python code")
    times = {k: [] for k in models}
    for m in models.values():  # warm-up: first-use allocations (and the trace)
        block_time(m, x[: args.batch * 2], y[: args.batch * 2], args.batch, 1)
    traced = [s for s in override._traced_steps.values() if not isinstance(s, str)]
    assert traced, f"the override was not traced: {list(override._traced_steps.values())}"
    assert python_step.steps_seen == 2  # and this one runs from Python
    for _ in range(args.rounds):
        for name, m in models.items():
            times[name].append(block_time(m, x, y, args.batch, args.epochs))
    print(
        f"MLP {features}-{'-'.join(map(str, hidden))}-10, batch {args.batch}, "
        f"threads {args.threads}, {args.rounds} blocks of {args.epochs} x {args.steps} steps each"
    )
    for i, clock in enumerate(("wall", "CPU")):
        med = {k: statistics.median(t[i] for t in v) for k, v in times.items()}
        print(
            f"  {clock:4s} median ms/step: "
            + ", ".join(f"{k} {v * 1e3:.3f}" for k, v in med.items())
            + f"; ratio override / built-in {med['override'] / med['built-in']:.3f}, "
            f"python step / built-in {med['python step'] / med['built-in']:.3f}"
        )


if __name__ == "__main__":
    main()
