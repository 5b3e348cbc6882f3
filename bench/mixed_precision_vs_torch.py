"""Mixed precision training, nerve vs PyTorch CPU, same machine, same thread count (2 by default).

Four ways to train each model, each in its own subprocess (so each peak resident memory, VmHWM
reset once the data is loaded, is its own):
  nerve float32        | nerve.mixed_precision "mixed_bfloat16" (bfloat16 products, float32 sums)
  PyTorch float32      | PyTorch under torch.autocast("cpu", torch.bfloat16)
Models (bench/train_vs_torch.py's): the MLP 784-256-128-10 at batch 128 and the MNIST CNN
(Conv2D 32 -> Conv2D 64 -> MaxPool -> Dense 128 -> Dense 10) at batch 64; softmax cross-entropy
on logits, Adam (lr 1e-3, epsilon 1e-7), shuffled batches, one timed pass over --samples after a
warm-up. The four run in alternating blocks (--rounds rounds, the order rotating each round), and
the script prints each one's median samples/s, its peak RSS and the ratios the issue asks for:
nerve mixed_bfloat16 against PyTorch autocast and against nerve float32.

With --threads 1 (what to use on a machine other jobs load) the rates and ratios are per second of
the process's CPU time; otherwise per second of wall time.

Run: python bench/mixed_precision_vs_torch.py [--threads 2] [--rounds 3] [--mlp-samples 30720]
                                               [--cnn-samples 3840] [--models mlp,cnn]
Data: real MNIST from $NERVE_DATASETS when present, otherwise random MNIST-shaped data.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

from _common import peak_rss_mb, reset_peak_rss
from _train_rows import fit_pass_nerve, fit_pass_torch, load_mnist

QUICK = os.environ.get("NERVE_QUICK") == "1"  # CI smoke run: tiny sizes, one round
CONFIGS = [
    ("nerve", "float32"),
    ("nerve", "mixed_bfloat16"),
    ("torch", "float32"),
    ("torch", "autocast_bfloat16"),
]
BATCH = {"mlp": 128, "cnn": 64}


def worker(args) -> None:
    x, y, source = load_mnist(args.samples)
    fn = fit_pass_nerve if args.worker == "nerve" else fit_pass_torch
    reset_peak_rss()
    seconds, cpu = fn(
        args.model, args.precision, x, y, BATCH[args.model], args.threads, args.warmup
    )
    out = {"seconds": seconds, "cpu_seconds": cpu, "samples": len(x)}
    out.update(peak_rss_mb=peak_rss_mb(), data=source)
    print(json.dumps(out))


def run_worker(framework, precision, model, samples, args) -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", framework]
    cmd += ["--precision", precision, "--model", model, "--samples", str(samples)]
    cmd += ["--threads", str(args.threads), "--warmup", str(args.warmup)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rounds", type=int, default=1 if QUICK else 3)
    p.add_argument("--mlp-samples", type=int, default=1024 if QUICK else 30720)
    p.add_argument("--cnn-samples", type=int, default=256 if QUICK else 3840)
    p.add_argument("--models", default="mlp,cnn")
    p.add_argument("--warmup", type=int, default=2 if QUICK else 10)
    p.add_argument("--worker", choices=["nerve", "torch"])
    p.add_argument("--precision")
    p.add_argument("--model")
    p.add_argument("--samples", type=int)
    args = p.parse_args()
    if args.worker:
        worker(args)
        return

    import nerve

    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    cpu = next(
        (line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if "model name" in line),
        "?",
    )
    print(f"CPU {cpu}; {args.threads} threads; nerve ISA {nerve.config()['isa']}; load {load}")
    for model in args.models.split(","):
        samples = args.mlp_samples if model == "mlp" else args.cnn_samples
        runs: dict = {c: [] for c in CONFIGS}
        for r in range(args.rounds):
            for i in range(len(CONFIGS)):  # alternating blocks, the order rotating each round
                config = CONFIGS[(i + r) % len(CONFIGS)]
                runs[config].append(run_worker(*config, model, samples, args))
        # under load (other jobs on the cores) wall time measures the load; with --threads 1 the
        # process's CPU time is the work itself, and the ratios below use it
        key = "cpu_seconds" if args.threads == 1 else "seconds"
        rate = {c: statistics.median(o["samples"] / o[key] for o in runs[c]) for c in CONFIGS}
        wall = {c: statistics.median(o["samples"] / o["seconds"] for o in runs[c]) for c in CONFIGS}
        print(
            f"\n{model.upper()} (batch {BATCH[model]}, {samples} samples, {runs[CONFIGS[0]][0]['data']})"
        )
        for c in CONFIGS:
            peak = max(o["peak_rss_mb"] for o in runs[c])
            print(
                f"  {c[0]:5s} {c[1]:18s} {rate[c]:8.0f} samples/{'CPU-s' if key == 'cpu_seconds' else 's'}"
                f"  ({wall[c]:6.0f} samples/s wall)   peak RSS {peak:5.0f} MB"
            )
        ours, f32 = rate[("nerve", "mixed_bfloat16")], rate[("nerve", "float32")]
        amp, torch32 = rate[("torch", "autocast_bfloat16")], rate[("torch", "float32")]
        print(f"  nerve mixed_bfloat16 / PyTorch autocast: {ours / amp:.2f}x")
        print(f"  nerve mixed_bfloat16 / nerve float32:    {ours / f32:.2f}x")
        print(f"  nerve float32 / PyTorch float32:         {f32 / torch32:.2f}x")
    with open("/proc/loadavg") as f:
        print(f"\nload at the end {' '.join(f.read().split()[:3])}")


if __name__ == "__main__":
    main()
