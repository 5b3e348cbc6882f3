"""Per-step overhead and MLP throughput: nerve's fit against a plain PyTorch CPU training loop.

1. XOR network (2-16-1 sigmoid, MSE, SGD lr 0.1), batch 4, 2,000 steps:
   - nerve `fit` (the 2,000 batches are one epoch of the 4 samples repeated, so the steps run in
     C++ chunks) and nerve `train_on_batch` in a Python loop (one C++ call per step);
   - PyTorch: the usual loop (zero_grad, forward, loss, backward, step).
2. MNIST MLP (784-256-128-10, relu, softmax cross-entropy, Adam) at batch 128: samples/second over
   one epoch of 60,000 MNIST-shaped samples, after a warm-up.
Both libraries in this process with the same thread count, timed in blocks alternating between
them with a pause before each (bench/_common.py): medians of the blocks, and the median (min-max)
of the per-round ratios.

Run: python bench/overhead_vs_torch.py [--threads 2] [--repeats 5] [--clock wall|thread|process]
"""

import argparse
import os

import _common
import numpy as np
import torch
from _train_rows import keras_style_stack, torch_epoch, torch_mlp

import nerve

QUICK = os.environ.get("NERVE_QUICK") == "1"  # CI smoke run: tiny sizes, one repeat


def xor_nerve_model():
    m = nerve.Sequential(
        [
            nerve.Input((2,)),
            nerve.layers.Dense(16, activation="sigmoid"),
            nerve.layers.Dense(1, activation="sigmoid"),
        ]
    )
    m.compile(optimizer=nerve.optimizers.SGD(0.1), loss="mse")
    return m


def bench_xor(steps, repeats, clock):
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32)
    y = np.array([[0], [1], [1], [0]], np.float32)
    xr, yr = np.tile(x, (steps, 1)), np.tile(y, (steps, 1))
    m = xor_nerve_model()
    m2 = xor_nerve_model()

    def fit_nerve():
        m.fit(xr, yr, batch_size=4, epochs=1, shuffle=False, verbose=0)

    def loop_nerve():
        for _ in range(steps):
            m2.train_on_batch(x, y)

    net = torch.nn.Sequential(
        torch.nn.Linear(2, 16), torch.nn.Sigmoid(), torch.nn.Linear(16, 1), torch.nn.Sigmoid()
    )
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    xt, yt = torch.tensor(x), torch.tensor(y)

    def loop_torch():
        for _ in range(steps):
            opt.zero_grad()
            loss = torch.nn.functional.mse_loss(net(xt), yt)
            loss.backward()
            opt.step()

    r = _common.alternate_blocks(
        {"torch": loop_torch, "fit": fit_nerve, "tob": loop_nerve}, repeats, clock=clock
    )
    print(f"XOR 2-16-1, batch 4, {steps} steps (steps/s, median of {repeats} blocks)")
    print(f"  PyTorch loop           {steps / r.median('torch'):12,.0f}")
    for key, name in (("fit", "nerve fit           "), ("tob", "nerve train_on_batch")):
        ratio = _common.fmt_ratio(r.ratio(key, "torch"))
        print(f"  {name}   {steps / r.median(key):12,.0f}   {ratio} PyTorch")


def bench_mlp(repeats, clock, n=60000, batch=128):
    rng = np.random.default_rng(0)
    x = rng.random((n, 784), dtype=np.float32)
    y = rng.integers(0, 10, size=n)
    m = nerve.Sequential(keras_style_stack(nerve, "mlp", "softmax"))
    m.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])

    def epoch_nerve():
        m.fit(x, y, batch_size=batch, epochs=1, verbose=0)

    net = torch_mlp()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    xt, yt = torch.tensor(x), torch.tensor(y)

    def epoch_torch():
        torch_epoch(net, opt, torch.nn.CrossEntropyLoss(), xt, yt, n, batch, shuffle=True)

    r = _common.alternate_blocks({"torch": epoch_torch, "nerve": epoch_nerve}, repeats, clock=clock)
    print(
        f"MNIST MLP 784-256-128-10, Adam, batch {batch}, one epoch of {n} "
        f"(samples/s, median of {repeats} blocks)"
    )
    print(f"  PyTorch loop           {n / r.median('torch'):12,.0f}")
    print(
        f"  nerve fit              {n / r.median('nerve'):12,.0f}   "
        f"{_common.fmt_ratio(r.ratio('nerve', 'torch'))} PyTorch"
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--clock", choices=sorted(_common.CLOCKS), default="wall")
    args = ap.parse_args()
    if QUICK:
        args.repeats, args.steps = 1, 20
    torch.set_num_threads(args.threads)
    nerve.set_num_threads(args.threads)
    print(
        f"threads {args.threads}; nerve {nerve.__version__} ({nerve.config()['isa']}), "
        f"torch {torch.__version__}"
    )
    print(_common.machine_line(args.threads))
    bench_xor(args.steps, args.repeats, args.clock)
    if QUICK:
        bench_mlp(1, args.clock, n=512)
    else:
        bench_mlp(max(3, args.repeats // 2), args.clock)


if __name__ == "__main__":
    main()
