"""One-sample inference, the call Keras users make in loops: the MNIST MLP (784-256-128-10, relu,
softmax) on one (1, 784) sample, with the same weights in nerve and PyTorch CPU.

Timed, in blocks alternating between the calls (each block: --calls calls; medians over
--rounds rounds of blocks):
  * nerve `model.predict(x)`: the Keras call as users write it, whose verbose="auto" prints
    Keras's one-line bar ("1/1 ━━━━━━━━━━━━━━━━━━━━ 0s 3ms/step") on every call, as Keras 3.15
    does; stdout goes to /dev/null for it (a real file: a write and a flush per call),
  * nerve `model.predict(x, verbose=0)`,
  * nerve `model(x)` (the eager call),
  * PyTorch: the module call under `torch.inference_mode()`, the tensor made from numpy and the
    result turned back into numpy (what predict does),
  * nerve `_core.sgemm` of the first layer's product (1, 784)·(784, 256), the matrix-vector part.
Prints microseconds per call (wall clock, and CPU time of the calling thread, which a loaded
machine inflates less), the ratio PyTorch / nerve predict (> 1: nerve is faster) and predict(x)
against issue 17's target of 20 us. Say the load average and the CPU next to any figure: on a
shared machine these numbers move by tens of per cent.

Run: python bench/predict_one_sample.py [--threads 2] [--rounds 7] [--calls 2000]
"""

import argparse
import contextlib
import os
import statistics

import _common
import numpy as np
from _train_rows import softmax_mlps

from nerve import _core

QUICK = os.environ.get("NERVE_QUICK") == "1"  # CI smoke run: tiny sizes, one repeat


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--calls", type=int, default=2000)
    args = ap.parse_args()
    if QUICK:
        args.rounds, args.calls = 1, 20
    import torch

    model, net = softmax_mlps(args.threads)
    x = np.random.default_rng(0).random((1, 784), dtype=np.float32)

    def torch_call():
        with torch.inference_mode():
            return net(torch.from_numpy(x)).numpy()

    np.testing.assert_allclose(model.predict(x, verbose=0), torch_call(), rtol=1e-4, atol=1e-6)
    w1 = np.ascontiguousarray(model.get_weights()[0])
    out = np.empty((1, 256), np.float32)
    sink = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - kept open for the run

    cases = {
        'nerve predict(x) (verbose="auto")': lambda: model.predict(x),
        "nerve predict(x, verbose=0)": lambda: model.predict(x, verbose=0),
        "nerve model(x)": lambda: model(x),
        "torch module call": torch_call,
        "nerve sgemm (1,784)x(784,256)": lambda: _core.sgemm(x, w1, out),
    }
    times = {name: [] for name in cases}
    with contextlib.redirect_stdout(sink):  # the bar's lines (and only those) go there
        for fn in cases.values():  # warm-up
            _common.per_call_seconds(fn, max(args.calls // 10, 1))
        for _ in range(args.rounds):
            for name, fn in cases.items():
                times[name].append(_common.per_call_seconds(fn, args.calls))
    print(
        f"threads={args.threads} rounds={args.rounds} calls/block={args.calls} "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    med = {}
    for name, t in times.items():
        wall = statistics.median(w for w, _ in t) * 1e6  # microseconds per call
        cpu = statistics.median(c for _, c in t) * 1e6
        med[name] = (wall, cpu)
        print(f"{name:32s} {wall:8.1f} us wall   {cpu:8.1f} us CPU")
    p, q = med["nerve predict(x, verbose=0)"], med["torch module call"]
    print(f"torch / nerve predict: {q[0] / p[0]:.2f}x wall, {q[1] / p[1]:.2f}x CPU")
    a = med['nerve predict(x) (verbose="auto")']
    print(f'predict(x) (verbose="auto"): {a[0]:.1f} us wall, {a[1]:.1f} us CPU (issue 17: <= 20)')


if __name__ == "__main__":
    main()
