"""Per-step cost of the graph path against the Sequential path, same network, same process.

XOR-sized network (2-16-1 sigmoid, MSE, SGD), batch 4, 2,000 steps run by fit in C++ chunks,
where per-step overhead dominates; then the MNIST MLP shape (784-256-128-10, Adam, batch 128),
where the matrix products dominate. Medians of repeats, interleaved.

Run: python bench/graph_overhead.py [--repeats 7]
"""

import argparse
import os
import statistics
import time

import numpy as np

import nerve
from nerve.layers import Dense

QUICK = os.environ.get("NERVE_QUICK") == "1"  # CI smoke run: tiny sizes, one repeat


def build(kind, sizes, acts, input_dim):
    if kind == "sequential":
        return nerve.Sequential(
            [nerve.Input((input_dim,))] + [Dense(n, activation=a) for n, a in zip(sizes, acts)]
        )
    x = inp = nerve.Input((input_dim,))
    for n, a in zip(sizes, acts):
        x = Dense(n, activation=a)(x)
    return nerve.Model(inp, x)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--repeats", type=int, default=7)
    args = p.parse_args()
    if QUICK:
        args.repeats = 1
    xor_steps, mlp_samples = (20, 256) if QUICK else (2000, 5120)
    rng = np.random.default_rng(0)
    cases = {
        f"xor 2-16-1, batch 4, {xor_steps} steps": dict(
            sizes=[16, 1],
            acts=["sigmoid", "sigmoid"],
            input_dim=2,
            batch=4,
            loss="mse",
            opt=lambda: nerve.optimizers.SGD(0.1),
            x=np.tile(np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32), (xor_steps, 1)),
            y=np.tile(np.array([[0], [1], [1], [0]], np.float32), (xor_steps, 1)),
        ),
        f"mlp 784-256-128-10, batch 128, {mlp_samples // 128} steps": dict(
            sizes=[256, 128, 10],
            acts=["relu", "relu", "softmax"],
            input_dim=784,
            batch=128,
            loss="sparse_categorical_crossentropy",
            opt=lambda: nerve.optimizers.Adam(),
            x=rng.random((mlp_samples, 784), dtype=np.float32),
            y=rng.integers(0, 10, mlp_samples),
        ),
    }
    for name, c in cases.items():
        models = {}
        for kind in ("sequential", "functional"):
            m = build(kind, c["sizes"], c["acts"], c["input_dim"])
            m.compile(optimizer=c["opt"](), loss=c["loss"])
            models[kind] = m
        times = {k: [] for k in models}
        for _ in range(args.repeats + 1):  # first round is a warm-up
            for kind, m in models.items():
                t = time.perf_counter()
                m.fit(c["x"], c["y"], batch_size=c["batch"], epochs=1, shuffle=False, verbose=0)
                times[kind].append(time.perf_counter() - t)
        steps = len(c["x"]) // c["batch"]
        med = {k: statistics.median(v[1:]) / steps * 1e6 for k, v in times.items()}
        print(
            f"{name}: sequential {med['sequential']:.1f} us/step, functional "
            f"{med['functional']:.1f} us/step ({med['functional'] / med['sequential']:.2f}x)"
        )


if __name__ == "__main__":
    main()
