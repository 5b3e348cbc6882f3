"""Batch inference of the MNIST MLP (784-256-128-10, relu, relu, softmax) on 1024 samples, with
the same weights in nerve and PyTorch CPU.

Timed, in blocks alternating between the calls (each block: --calls calls; medians over --rounds
rounds of blocks):
  * nerve `model.predict(x, batch_size=1024, verbose=0)` (the batch in one pass),
  * nerve `model.predict(x, verbose=0)` (Keras's default batch_size=32),
  * nerve `model(x)` (the eager call),
  * PyTorch: the module call under `torch.no_grad()`, from a numpy array to a numpy array.
Prints samples/s (wall clock, and per second of the calling thread's CPU time: with --threads 1
both libraries compute on that thread, and a loaded machine inflates it less) and the ratio nerve
predict / PyTorch (issue 17 asks >= 1.2). Say the load average and the CPU next to any figure: on
a shared machine they move by tens of per cent.

Run: python bench/mlp_predict_vs_torch.py [--threads 2] [--rounds 7] [--calls 20]
"""

import argparse
import os
import statistics

import _common
import numpy as np
from _train_rows import softmax_mlps

QUICK = os.environ.get("NERVE_QUICK") == "1"  # CI smoke run: tiny sizes, one repeat


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--calls", type=int, default=20)
    ap.add_argument("--batch", type=int, default=1024)
    args = ap.parse_args()
    if QUICK:
        args.rounds, args.calls = 1, 2
    import torch

    model, net = softmax_mlps(args.threads)
    x = np.random.default_rng(0).random((args.batch, 784), dtype=np.float32)

    def torch_call():
        with torch.no_grad():
            return net(torch.from_numpy(x)).numpy()

    got = model.predict(x, batch_size=args.batch, verbose=0)
    np.testing.assert_allclose(got, torch_call(), rtol=1e-4, atol=1e-6)
    cases = {
        f"nerve predict(batch_size={args.batch})": lambda: model.predict(
            x, batch_size=args.batch, verbose=0
        ),
        "nerve predict(batch_size=32)": lambda: model.predict(x, verbose=0),
        "nerve model(x)": lambda: model(x),
        "torch module call (no_grad)": torch_call,
    }
    for fn in cases.values():  # warm-up
        _common.per_call_seconds(fn, max(args.calls // 5, 1))
    times = {name: [] for name in cases}
    for _ in range(args.rounds):
        for name, fn in cases.items():
            times[name].append(_common.per_call_seconds(fn, args.calls))
    print(
        f"MLP 784-256-128-10 on {args.batch} samples: threads={args.threads} "
        f"rounds={args.rounds} calls/block={args.calls} load average {os.getloadavg()[0]:.1f}"
    )
    rate = {}
    for name, t in times.items():
        wall = args.batch / statistics.median(w for w, _ in t)
        cpu = args.batch / statistics.median(c for _, c in t)
        rate[name] = (wall, cpu)
        print(f"{name:34s} {wall / 1e3:8.1f}k samples/s wall {cpu / 1e3:8.1f}k per CPU second")
    p = rate[f"nerve predict(batch_size={args.batch})"]
    q = rate["torch module call (no_grad)"]
    print(
        f"nerve predict / torch: {p[0] / q[0]:.2f}x wall, {p[1] / q[1]:.2f}x CPU   (issue 17: >= 1.2)"
    )


if __name__ == "__main__":
    main()
