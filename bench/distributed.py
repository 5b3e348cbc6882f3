"""Data-parallel training over MPI (nerve.distributed) on this machine:

1. samples/s of fit for an MLP, a CNN and an LSTM: 1 rank x 2 threads against 2 ranks x 1 thread,
   same global batch; also the CNN with BatchNormalization after each convolution, plain
   (cnn_bn) and synchronized (cnn_sbn), for what synchronizing costs;
2. the time of one gradient allreduce (MpiGradientReducer.reduce, 2 ranks) against message size;
3. the share of a training step spent in the allreduce, per model (2 ranks);
4. an estimate, labelled as one, of N machines from the ring-allreduce cost
   2(N-1)/N x gradient bytes / bandwidth + 2(N-1) x latency, with the measured compute time, for
   10 and 25 Gbit/s links.

Run: python bench/distributed.py [--samples 4096] [--epochs 2] (it starts mpirun itself; needs
pip install "nerve[mpi]", else it says so and exits 0). NERVE_QUICK=1: tiny sizes (CI smoke).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np

QUICK = os.environ.get("NERVE_QUICK") == "1"
GLOBAL_BATCH = 128
LATENCY_S = 50e-6  # per ring step on a cluster Ethernet link: an assumption of the estimate
MODELS = ("mlp", "cnn", "lstm", "cnn_bn", "cnn_sbn")


def build(kind):
    import nerve
    from nerve import layers

    if kind == "cnn":
        body = [
            nerve.Input((28, 28, 1)),
            layers.Conv2D(16, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(32, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
        ]
    elif kind in ("cnn_bn", "cnn_sbn"):
        sync = kind == "cnn_sbn"
        body = [nerve.Input((28, 28, 1))]
        for filters in (16, 32):
            body += [
                layers.Conv2D(filters, 3),
                layers.BatchNormalization(synchronized=sync),
                layers.Activation("relu"),
                layers.MaxPooling2D(2),
            ]
        body.append(layers.Flatten())
    elif kind == "lstm":
        body = [nerve.Input((32, 16)), layers.LSTM(64)]
    else:
        body = [
            nerve.Input((784,)),
            layers.Dense(256, activation="relu"),
            layers.Dense(128, activation="relu"),
        ]
    model = nerve.Sequential([*body, layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def data(kind, n):
    rng = np.random.default_rng(0)
    shape = {"lstm": (32, 16), "mlp": (784,)}.get(kind, (28, 28, 1))
    x = rng.normal(size=(n, *shape)).astype(np.float32)
    return x, rng.integers(0, 10, size=n).astype(np.float32)


def worker(args):
    """One rank (under mpirun): JSON lines on rank 0's stdout."""
    import nerve
    import nerve.distributed as nd

    nd.init()
    reducer = nd._mpi._State.reducer
    rank, size = nd.rank(), nd.size()
    out = []
    for kind in MODELS:
        nerve.utils.set_random_seed(0)
        model = build(kind)
        if size > 1:
            nd.distribute(model)
        x, y = data(kind, args.samples)
        batch = GLOBAL_BATCH // size
        model.fit(
            x[: batch * size * 2], y[: batch * size * 2], batch_size=batch, verbose=0
        )  # warm-up
        nd.barrier()
        reducer.reset_counters()
        t0 = time.perf_counter()
        model.fit(x, y, batch_size=batch, epochs=args.epochs, verbose=0)
        seconds = time.perf_counter() - t0
        params = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
        out.append(
            {
                "what": "fit",
                "model": kind,
                "ranks": size,
                "threads": nerve.runtime.num_threads(),
                "samples_per_s": args.samples * args.epochs / seconds,
                "step_s": seconds
                / (reducer.allreduce_calls or args.epochs * (args.samples // GLOBAL_BATCH)),
                "comm_share": reducer.comm_seconds / seconds,
                "gradient_bytes": 4 * params,
            }
        )
    if size > 1:
        for count in [2**k for k in range(8, 25 if not QUICK else 12, 2)]:
            w = nerve.Tensor(np.zeros(count, np.float32))
            w.grad = nerve.Tensor(np.ones(count, np.float32))
            repeats = max(3, min(200, (1 << 24) // count)) if not QUICK else 2
            reducer.reduce([w], 1.0, True)
            nd.barrier()
            t0 = time.perf_counter()
            for _ in range(repeats):
                reducer.reduce([w], 1.0, True)
            dt = (time.perf_counter() - t0) / repeats
            out.append({"what": "allreduce", "bytes": 4 * count, "seconds": dt})
    if rank == 0:
        for line in out:
            print("RESULT " + json.dumps(line), flush=True)


def run_ranks(ranks, threads, args):
    mpirun = shutil.which("mpirun") or os.path.join(os.path.dirname(sys.executable), "mpirun")
    cmd = [mpirun, "-np", str(ranks), "--allow-run-as-root", "--oversubscribe", "--bind-to", "none"]
    cmd += [sys.executable, os.path.abspath(__file__), "--worker"]
    cmd += ["--samples", str(args.samples), "--epochs", str(args.epochs)]
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
    if p.returncode != 0:
        sys.exit(f"mpirun -np {ranks} failed:\n{p.stdout}\n{p.stderr}")
    return [json.loads(line[7:]) for line in p.stdout.splitlines() if line.startswith("RESULT ")]


def estimate(compute_s, gradient_bytes, n, gbit):
    """Seconds per global step on n machines (each one rank of the measured 2-thread speed,
    per-machine batch GLOBAL_BATCH): compute, plus the ring allreduce."""
    if n == 1:
        return compute_s
    wire = 2 * (n - 1) / n * gradient_bytes / (gbit * 1e9 / 8)
    return compute_s + wire + 2 * (n - 1) * LATENCY_S


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker", action="store_true")
    ap.add_argument("--samples", type=int, default=4096)
    ap.add_argument("--epochs", type=int, default=2)
    args = ap.parse_args()
    if QUICK:
        args.samples, args.epochs = 512, 1
    if args.worker:
        return worker(args)
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        print('bench/distributed.py: skipped, needs the mpi extra: pip install "nerve[mpi]"')
        return
    one = {r["model"]: r for r in run_ranks(1, 2, args) if r["what"] == "fit"}
    two_all = run_ranks(2, 1, args)
    two = {r["model"]: r for r in two_all if r["what"] == "fit"}
    print(f"fit samples/s, global batch {GLOBAL_BATCH}, {args.samples} samples x {args.epochs}")
    print(
        f"{'model':7} {'params':>9} {'1 rank x 2 thr':>15} {'2 ranks x 1 thr':>16} "
        f"{'ratio':>6} {'comm share':>11}"
    )
    for kind in MODELS:
        a, b = one[kind], two[kind]
        print(
            f"{kind:7} {a['gradient_bytes'] // 4:9d} {a['samples_per_s']:15.0f} "
            f"{b['samples_per_s']:16.0f} {b['samples_per_s'] / a['samples_per_s']:6.2f} "
            f"{100 * b['comm_share']:10.1f}%"
        )
    print(
        "\ngradient reduction of one buffer, 2 ranks (pack, MPI_Allreduce over shared memory, unpack):"
    )
    print(f"{'bytes':>10} {'time':>10} {'GB/s':>7}")
    for r in (r for r in two_all if r["what"] == "allreduce"):
        print(
            f"{r['bytes']:10d} {r['seconds'] * 1e6:8.1f}us {r['bytes'] / r['seconds'] / 1e9:7.2f}"
        )
    print(
        f"\nESTIMATE (not measured): samples/s on N machines, each training a batch of "
        f"{GLOBAL_BATCH} at this machine's 1 rank x 2 threads speed, ring allreduce "
        f"2(N-1)/N x gradient bytes / bandwidth + 2(N-1) x {LATENCY_S * 1e6:.0f} us"
    )
    print(f"{'model':7} {'link':>8} " + " ".join(f"{'N=' + str(n):>9}" for n in (1, 2, 4, 8, 16)))
    for kind in ("mlp", "cnn", "lstm"):
        compute = GLOBAL_BATCH / one[kind]["samples_per_s"]
        for gbit in (10, 25):
            cells = []
            for n in (1, 2, 4, 8, 16):
                step = estimate(compute, one[kind]["gradient_bytes"], n, gbit)
                cells.append(f"{n * GLOBAL_BATCH / step:9.0f}")
            print(f"{kind:7} {gbit:>5}Gb/s " + " ".join(cells))


if __name__ == "__main__":
    main()
