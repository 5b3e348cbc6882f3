"""Time of one optimizer update (clipping, weight decay and the fused rule, in C++) on a 1M-float
parameter, for each optimizer, with PyTorch's optimizer on the same size when torch is installed.
The two are timed alternately so both see the same machine noise; medians and minimums of repeats.

Run: OMP_NUM_THREADS=1 python bench/optimizer_step.py [--size 1048576] [--repeats 30]
"""

import argparse
import os
import statistics
import time

import numpy as np

from nerve import _core, optimizers

QUICK = os.environ.get("NERVE_QUICK") == "1"  # CI smoke run: tiny sizes, one repeat


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=1 << 20)
    ap.add_argument("--repeats", type=int, default=30)
    args = ap.parse_args()
    if QUICK:
        args.size, args.repeats = 1000, 1
    try:
        import torch

        torch.set_num_threads(_core.num_threads())
    except ImportError:
        torch = None
    rng = np.random.default_rng(0)
    p = _core.Tensor(rng.standard_normal(args.size).astype(np.float32), requires_grad=True)
    g = _core.Tensor(rng.standard_normal(args.size).astype(np.float32))
    # The C++ optimizers with Keras's defaults, as nerve.optimizers builds them.
    cases = [
        ("SGD", optimizers.SGD(0.01)._core, lambda t, w: t.optim.SGD(w, lr=0.01)),
        (
            "SGD momentum",
            optimizers.SGD(0.01, 0.9)._core,
            lambda t, w: t.optim.SGD(w, lr=0.01, momentum=0.9),
        ),
        ("Adam", optimizers.Adam()._core, lambda t, w: t.optim.Adam(w)),
        ("AdamW", optimizers.AdamW()._core, lambda t, w: t.optim.AdamW(w)),
        (
            "RMSprop centered+mom.",
            optimizers.RMSprop(momentum=0.9, centered=True)._core,
            lambda t, w: t.optim.RMSprop(w, momentum=0.9, centered=True),
        ),
        ("Adagrad", optimizers.Adagrad()._core, lambda t, w: t.optim.Adagrad(w)),
        ("Adadelta", optimizers.Adadelta()._core, lambda t, w: t.optim.Adadelta(w)),
        ("Adamax", optimizers.Adamax()._core, lambda t, w: t.optim.Adamax(w)),
        ("Nadam", optimizers.Nadam()._core, lambda t, w: t.optim.NAdam(w)),
        ("Adam + global_clipnorm", optimizers.Adam(global_clipnorm=1.0)._core, None),
    ]
    print(
        f"one update of {args.size} float32 parameters, {_core.num_threads()} thread(s); "
        f"median / min of {args.repeats} (ms)"
    )
    for name, opt, make_torch in cases:
        ours, theirs = [], []
        if torch is not None and make_torch is not None:
            w = torch.zeros(args.size, requires_grad=True)
            w.grad = torch.randn(args.size)
            topt = make_torch(torch, [w])
        else:
            topt = None
        for _ in range(args.repeats):
            p.grad = g
            t0 = time.perf_counter()
            opt.apply([p])
            ours.append(time.perf_counter() - t0)
            if topt is not None:
                t0 = time.perf_counter()
                topt.step()
                theirs.append(time.perf_counter() - t0)
        line = f"  {name:24s} nerve {statistics.median(ours) * 1e3:6.2f} / {min(ours) * 1e3:6.2f}"
        if theirs:
            line += f"   torch {statistics.median(theirs) * 1e3:6.2f} / {min(theirs) * 1e3:6.2f}"
        print(line)


if __name__ == "__main__":
    main()
