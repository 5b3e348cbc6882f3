"""nerve vs PyTorch CPU, same machine, same thread count (2 by default).

1. Training throughput: the MNIST CNN (Conv2D 32 -> Conv2D 64 -> MaxPool -> Dense 128 -> Dense 10,
   batch 64) and the MLP (Dense 256-128-10, batch 128), softmax cross-entropy on logits, Adam
   (lr 1e-3, epsilon 1e-7 in both), shuffled batches. One timed epoch after a warm-up. Each
   framework trains in its own subprocess, so each peak resident memory (VmHWM, reset after the
   data is loaded: it covers the import, the data in float32, model building and training) is
   its own.
2. Per-layer 3x3 'same' convolution timings, forward and forward+backward (input, kernel and
   bias gradients), for (N, C, H, K) = (64, 1, 28, 32), (64, 32, 28, 64), (32, 64, 32, 64).

Run: python bench/train_vs_torch.py [--threads 2] [--samples 60000] [--rounds 2] [--skip-train]
                                    [--skip-layers]
Data: real MNIST from $NERVE_DATASETS when present, otherwise random MNIST-shaped data.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

import _common
import numpy as np
from _train_rows import fit_pass_nerve, fit_pass_torch, load_mnist

QUICK = os.environ.get("NERVE_QUICK") == "1"  # CI smoke run: tiny sizes, one repeat
LAYER_SHAPES = (
    [(2, 1, 8, 4), (2, 8, 8, 16)]
    if QUICK
    else [(64, 1, 28, 32), (64, 32, 28, 64), (32, 64, 32, 64)]
)


# ----------------------------------------------------------------------------- training workers
def worker(args) -> None:
    x, y, source = load_mnist(args.samples)
    fn = fit_pass_nerve if args.worker == "nerve" else fit_pass_torch
    _common.reset_peak_rss()  # the peak of the training run itself (the 188 MB of float32 data included)
    seconds, _ = fn(args.model, "float32", x, y, args.batch, args.threads, args.warmup)
    print(
        json.dumps(
            {
                "seconds": seconds,
                "samples": len(x),
                "peak_rss_mb": _common.peak_rss_mb(),
                "data": source,
            }
        )
    )


def run_worker(framework, model, batch, args) -> dict:
    cmd = [
        sys.executable,
        os.path.abspath(__file__),
        "--worker",
        framework,
        "--model",
        model,
        "--batch",
        str(batch),
        "--threads",
        str(args.threads),
        "--samples",
        str(args.samples),
        "--warmup",
        str(args.warmup),
    ]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


# ----------------------------------------------------------------------------- per-layer timings
def conv_layer_rows(threads: int, repeats: int, layer_rounds: int):
    import torch

    import nerve
    from nerve import _core

    torch.set_num_threads(threads)
    nerve.set_num_threads(threads)
    rows = []
    for N, C, H, K in LAYER_SHAPES:
        rng = np.random.default_rng(0)
        x = rng.standard_normal((N, H, H, C)).astype(np.float32)
        k = (rng.standard_normal((3, 3, C, K)) * 0.1).astype(np.float32)
        b = np.zeros(K, np.float32)
        g = rng.standard_normal((N, H, H, K)).astype(np.float32)
        X = torch.from_numpy(x.transpose(0, 3, 1, 2).copy())
        W = torch.from_numpy(k.transpose(3, 2, 0, 1).copy())
        B = torch.from_numpy(b)
        G = torch.from_numpy(g.transpose(0, 3, 1, 2).copy())
        xn, kn, bn, gn = nerve.Tensor(x), nerve.Tensor(k), nerve.Tensor(b), nerve.Tensor(g)

        def nerve_fwd():
            _core.ops.conv2d(xn, kn, bn, padding="same")

        def nerve_fwd_bwd():
            xg = nerve.Tensor(x, requires_grad=True)
            kg = nerve.Tensor(k, requires_grad=True)
            bg = nerve.Tensor(b, requires_grad=True)
            _core.ops.conv2d(xg, kg, bg, padding="same").backward(gn)

        def torch_fwd():
            with torch.no_grad():
                torch.nn.functional.conv2d(X, W, B, padding=1)

        def torch_fwd_bwd():
            Xg, Wg, Bg = (
                X.detach().requires_grad_(),
                W.detach().requires_grad_(),
                B.detach().requires_grad_(),
            )
            torch.nn.functional.conv2d(Xg, Wg, Bg, padding=1).backward(G)

        # Blocks of calls alternating between the frameworks over several rounds, with a pause
        # before each block (each framework's OpenMP threads spin for a while after its calls
        # and would steal the cores from the other's next call). The ratio is the median over
        # rounds of the per-round ratio of block times: this VM's speed drifts from second to
        # second, so ratios of blocks run a moment apart are steadier than ratios of pooled times.
        block = max(1, repeats // layer_rounds)

        def repeat(fn):
            return lambda: [fn() for _ in range(block)]

        result = _common.alternate_blocks(
            {
                "nf": repeat(nerve_fwd),
                "tf": repeat(torch_fwd),
                "nfb": repeat(nerve_fwd_bwd),
                "tfb": repeat(torch_fwd_bwd),
            },
            layer_rounds,
            pause=0.05,
        )
        med = {k_: result.median(k_) / block * 1e3 for k_ in ("nf", "tf", "nfb", "tfb")}
        med["ratio_f"], *med["range_f"] = result.ratio("nf", "tf")
        med["ratio_fb"], *med["range_fb"] = result.ratio("nfb", "tfb")
        rows.append(((N, C, H, K), med))
    return rows


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--samples", type=int, default=60000)
    p.add_argument("--warmup", type=int, default=20, help="warm-up steps before the timed epoch")
    p.add_argument("--repeats", type=int, default=7, help="timed calls per layer and framework")
    p.add_argument(
        "--layer-rounds",
        type=int,
        default=3,
        help="alternating blocks per framework for the per-layer rows",
    )
    p.add_argument("--rounds", type=int, default=2, help="training runs per framework (best kept)")
    p.add_argument("--skip-train", action="store_true")
    p.add_argument("--skip-layers", action="store_true")
    p.add_argument("--worker", choices=["nerve", "torch"])
    p.add_argument("--model", choices=["cnn", "mlp"])
    p.add_argument("--batch", type=int)
    args = p.parse_args()
    if args.worker:
        return worker(args)
    if QUICK:  # the workers get these values on their command line
        args.samples, args.warmup, args.repeats, args.layer_rounds, args.rounds = 512, 2, 1, 1, 1

    print(f"threads: {args.threads}")
    if not args.skip_train:
        print(
            "\n| model | batch | nerve samples/s | PyTorch samples/s | ratio | nerve peak RSS MB "
            "| PyTorch peak RSS MB |\n|---|---|---|---|---|---|---|"
        )
        for model, batch in (("cnn", 64), ("mlp", 128)):
            # Alternate the order each round and keep each framework's best epoch: on a shared
            # machine, another job's burst then hits both frameworks' chances alike.
            runs = {"nerve": [], "torch": []}
            for r in range(args.rounds):
                for fw in ("nerve", "torch") if r % 2 == 0 else ("torch", "nerve"):
                    runs[fw].append(run_worker(fw, model, batch, args))
            n = min(runs["nerve"], key=lambda d: d["seconds"])
            t = min(runs["torch"], key=lambda d: d["seconds"])
            ns, ts = n["samples"] / n["seconds"], t["samples"] / t["seconds"]
            print(
                f"| {model} ({n['data']}) | {batch} | {ns:,.0f} | {ts:,.0f} | {ns / ts:.2f}x "
                f"| {n['peak_rss_mb']:.0f} | {t['peak_rss_mb']:.0f} |",
                flush=True,
            )
    if not args.skip_layers:
        print(
            "\n| conv 3x3 same (N, C, H, K) | nerve fwd ms | PyTorch fwd ms | ratio "
            "| nerve fwd+bwd ms | PyTorch fwd+bwd ms | ratio |\n|---|---|---|---|---|---|---|"
        )
        for shape, m in conv_layer_rows(args.threads, args.repeats, args.layer_rounds):
            rf, rfb = m["range_f"], m["range_fb"]
            print(
                f"| {shape} | {m['nf']:.2f} | {m['tf']:.2f} | {m['ratio_f']:.2f}x "
                f"({rf[0]:.2f}-{rf[1]:.2f}) | {m['nfb']:.2f} | {m['tfb']:.2f} "
                f"| {m['ratio_fb']:.2f}x ({rfb[0]:.2f}-{rfb[1]:.2f}) |",
                flush=True,
            )
    print(
        "\nratio = PyTorch time / nerve time (> 1: nerve is faster); layer rows: median over rounds"
        " of the per-round ratio of block medians (min-max over rounds in brackets)"
    )


if __name__ == "__main__":
    main()
