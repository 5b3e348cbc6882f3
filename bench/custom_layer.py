"""A Dense layer written in Python (a custom layer: add_weight + nerve.ops in call(), traced into
C++) against the built-in Dense: median fit step time of each, measured in alternating blocks, and
their ratio (custom / built-in; the target is <= 1.10).

The custom layer computes matmul + bias + relu with nerve.ops.matmul / add / relu when those ops
are registered, else with the fused registered op "dense" (x @ kernel + bias, relu).

Run: python bench/custom_layer.py [--units 256] [--batch 128] [--steps 50] [--rounds 5]
"""

import argparse
import os
import platform
import statistics
import time

import numpy as np

import nerve
from nerve import _core
from nerve import layers as L
from nerve.ops._dispatch import apply

UNFUSED = all(_core.ops.has_op(n) for n in ("matmul", "add", "relu"))


class CustomDense(L.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units))
        self.b = self.add_weight(shape=(self.units,), initializer="zeros")

    def call(self, x):
        if UNFUSED:
            return nerve.ops.relu(nerve.ops.add(nerve.ops.matmul(x, self.w), self.b))
        return apply("dense", [x, self.w, self.b], {"activation": "relu"})


def make(kind, d_in, units):
    hidden = CustomDense(units) if kind == "custom" else L.Dense(units, activation="relu")
    model = nerve.Sequential([nerve.Input((d_in,)), hidden, L.Dense(10)])
    model.compile(optimizer="sgd", loss="mse")
    return model


def step_time(model, x, y, batch, steps):
    start = time.perf_counter()
    model.fit(x, y, batch_size=batch, epochs=1, shuffle=False, verbose=0)
    return (time.perf_counter() - start) / steps


def main():
    quick = os.environ.get("NERVE_QUICK") == "1"
    p = argparse.ArgumentParser()
    p.add_argument("--d-in", type=int, default=64 if quick else 256)
    p.add_argument("--units", type=int, default=64 if quick else 256)
    p.add_argument("--batch", type=int, default=32 if quick else 128)
    p.add_argument("--steps", type=int, default=5 if quick else 50)
    p.add_argument("--rounds", type=int, default=2 if quick else 7)
    a = p.parse_args()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(a.batch * a.steps, a.d_in)).astype(np.float32)
    y = rng.normal(size=(a.batch * a.steps, 10)).astype(np.float32)
    models = {k: make(k, a.d_in, a.units) for k in ("builtin", "custom")}
    for m in models.values():  # warm-up (the custom layer is traced here, once)
        step_time(m, x, y, a.batch, a.steps)
    times = {k: [] for k in models}
    for r in range(a.rounds):
        order = ("builtin", "custom") if r % 2 == 0 else ("custom", "builtin")
        for k in order:
            times[k].append(step_time(models[k], x, y, a.batch, a.steps))
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"cpu: {platform.processor() or platform.machine()}, threads: {_core.num_threads()}")
    written = "matmul + add + relu" if UNFUSED else "the dense op"
    traced = models["custom"].layers[0]._core.step_ops(True)
    print(f"custom layer: call() written with {written}, traced program steps {traced}")
    print(f"d_in={a.d_in} units={a.units} batch={a.batch} steps/round={a.steps} rounds={a.rounds}")
    for k in ("builtin", "custom"):
        print(f"{k:8s} median step {med[k] * 1e3:.3f} ms")
    print(f"ratio custom / built-in: {med['custom'] / med['builtin']:.3f}")


if __name__ == "__main__":
    main()
