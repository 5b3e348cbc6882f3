#!/usr/bin/env python
"""XOR 2-16-1 (sigmoid, MSE, SGD lr 0.1), batch 4: nerve's `fit` against a PyTorch loop, and
against another nerve build (the one before a change).

    python bench/xor_fit.py [--steps 20000] [--blocks 7] [--baseline /path/to/other/python]

Each contender runs in its own worker process (started once, so imports and warm-up are not
timed) and trains one block of `steps` steps when told to; the blocks alternate between the
workers (nerve, PyTorch, baseline, nerve, ...). nerve trains through
`model.fit(x, y, batch_size=4, epochs=1, shuffle=False)` on the 4 XOR samples tiled `steps`
times (the Keras way: one epoch, its steps run in C++ chunks); PyTorch runs the usual loop
(zero_grad, forward, loss, backward, step) on the 4 samples. Everything runs on one thread and
the clock is that thread's CPU time (time.thread_time), which other processes' load changes
little; the load average is printed. `--baseline` names a folder holding another `nerve`
package with its built `_core` (for example a checkout of main built in place).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

QUICK = os.environ.get("NERVE_QUICK") == "1"  # CI smoke run: tiny sizes, one block

WORKER = r"""
import json, sys, time
import numpy as np
kind, steps = sys.argv[1], int(sys.argv[2])
x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32)
y = np.array([[0], [1], [1], [0]], np.float32)
if kind == "torch":
    import torch
    torch.set_num_threads(1)
    net = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.Sigmoid(), torch.nn.Linear(16, 1),
                              torch.nn.Sigmoid())
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    def block(n):
        for _ in range(n):
            opt.zero_grad()
            loss = torch.nn.functional.mse_loss(net(xt), yt)
            loss.backward()
            opt.step()
    version = torch.__version__
else:
    import nerve
    nerve.set_num_threads(1)
    m = nerve.Sequential([nerve.Input((2,)), nerve.layers.Dense(16, activation="sigmoid"),
                          nerve.layers.Dense(1, activation="sigmoid")])
    m.compile(optimizer=nerve.optimizers.SGD(0.1), loss="mse")
    xr, yr = np.tile(x, (steps, 1)), np.tile(y, (steps, 1))
    def block(n):
        m.fit(xr[: 4 * n], yr[: 4 * n], batch_size=4, epochs=1, shuffle=False, verbose=0)
    version = nerve.__version__ + " from " + nerve.__file__
block(max(1, steps // 10))  # warm-up
print(json.dumps({"ready": version}), flush=True)
for line in sys.stdin:
    t0 = time.thread_time()
    block(steps)
    print(json.dumps({"seconds": time.thread_time() - t0}), flush=True)
"""


def start_worker(kind, steps, python_dir=None):
    env = dict(os.environ)
    if python_dir:
        env["PYTHONPATH"] = str(python_dir)
    p = subprocess.Popen(
        [sys.executable, "-c", WORKER, kind, str(steps)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    ready = json.loads(p.stdout.readline())["ready"]
    return p, ready


def run_block(p):
    p.stdin.write("go\n")
    p.stdin.flush()
    return json.loads(p.stdout.readline())["seconds"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=20000)
    ap.add_argument("--blocks", type=int, default=7)
    ap.add_argument("--baseline", help="a folder holding another built nerve package")
    args = ap.parse_args()
    if QUICK:
        args.steps, args.blocks = 40, 1
    import nerve  # the nerve this script runs with: the workers import the same one

    here = Path(nerve.__file__).resolve().parents[1]
    contenders = {"nerve fit": ("nerve", here), "PyTorch loop": ("torch", None)}
    if args.baseline:
        contenders["nerve baseline fit"] = ("nerve", Path(args.baseline).resolve())
    workers = {}
    for name, (kind, path) in contenders.items():
        workers[name], version = start_worker(kind, args.steps, path)
        print(f"{name}: {version}")
    times = {name: [] for name in workers}
    for _ in range(args.blocks):
        for name, p in workers.items():
            times[name].append(run_block(p))
    for p in workers.values():
        p.stdin.close()
        p.wait()
    rate = {name: args.steps / statistics.median(t) for name, t in times.items()}
    print(
        f"XOR 2-16-1, batch 4, SGD: steps/s (thread CPU time, median of {args.blocks} "
        f"alternating blocks of {args.steps} steps); load average {os.getloadavg()[0]:.1f}"
    )
    for name, r in rate.items():
        extra = ""
        if name != "PyTorch loop":
            extra = f"   {r / rate['PyTorch loop']:6.2f}x PyTorch"
            if name == "nerve fit" and "nerve baseline fit" in rate:
                extra += f"   {r / rate['nerve baseline fit']:5.2f}x the baseline"
        print(f"  {name:<20} {r:12,.0f}{extra}")


if __name__ == "__main__":
    main()
