"""The training rows of issue 17's table (MLP, CNN, transformer), one worker process per framework.

Each row trains the same model in nerve, PyTorch CPU and (for the MLP and the CNN) Keras 3 on
JAX: softmax cross-entropy on logits, Adam (lr 1e-3, epsilon 1e-7 in all three), shuffled
batches of MNIST-shaped data (random pixels from a fixed seed, 0-255 scaled to [0, 1] in
float32: throughput does not depend on the values, and no framework needs another's loader).
A block is `--steps` training steps the way a user of that framework writes them: nerve and
Keras call `model.fit(x_block, y_block, batch_size, epochs=1, shuffle=True, verbose=0)`, PyTorch
runs the usual loop (randperm, zero_grad, forward, loss, backward, step). The data holds two
blocks, used in turn. Blocks alternate between the frameworks (`_common.alternate_workers`),
each framework in its own process, so each peak resident memory is its own: it includes the
framework's import, the data (the same float32 arrays in each; the peak is reset after they are
made, so their conversion does not count), the model and the training.

The scripts mlp_train_vs_peers.py, cnn_train_vs_torch.py and transformer_train_vs_torch.py call
`main(row)`; each prints its row in the README's format.
"""

from __future__ import annotations

import argparse
import os
import time

import _common
import numpy as np

ROWS = {
    # name: (batch, default steps per block, default peers, README label)
    "mlp": (128, 100, "torch,keras", "MLP 784-256-128-10 training, batch 128"),
    "cnn": (64, 20, "torch", "CNN (Conv 32, Conv 64, MaxPool, Dense 128, 10) training, batch 64"),
    "transformer": (64, 20, "torch", "transformer, 2 encoder blocks d=64, batch 64, training"),
}
NAMES = {"nerve": "nerve", "torch": "PyTorch", "keras": "Keras/JAX"}


def make_data(row: str, samples: int):
    rng = np.random.default_rng(0)
    shape = (samples, 28, 28) if row == "transformer" else (samples, 28, 28, 1)
    if row == "mlp":
        shape = (samples, 784)
    x = rng.integers(0, 256, shape, dtype=np.uint8).astype(np.float32)
    x /= 255.0
    return x, rng.integers(0, 10, samples)


def load_mnist(samples: int):
    """The first `samples` MNIST training images as float32 in [0, 1] and int64 labels, with the
    data's source; random MNIST-shaped data where the dataset files are missing."""
    try:
        import nerve

        (x, y), _ = nerve.datasets.mnist.load_data()
        source = "MNIST"
    except Exception:  # no dataset files: MNIST-shaped random data
        rng = np.random.default_rng(0)
        x = rng.integers(0, 256, (60000, 28, 28), dtype=np.uint8)
        y = rng.integers(0, 10, 60000).astype(np.uint8)
        source = "random MNIST-shaped"
    x = x[:samples].astype(np.float32)
    x /= 255.0
    return x, y[:samples].astype(np.int64), source


# ---------------------------------------------------------------------------------- nerve
def keras_style_stack(lib, row: str, output_activation: str | None = None) -> list:
    """The MLP or CNN row's layers in a Keras-style library (`lib` is the nerve or keras module):
    the same model in both, and in the other bench scripts that train or run the MNIST MLP.
    `output_activation` of the last Dense (None: logits)."""
    layers = lib.layers
    if row == "mlp":
        return [
            lib.Input((784,)),
            layers.Dense(256, activation="relu"),
            layers.Dense(128, activation="relu"),
            layers.Dense(10, activation=output_activation),
        ]
    if row == "cnn":
        return [
            lib.Input((28, 28, 1)),
            layers.Conv2D(32, 3, padding="same", activation="relu"),
            layers.Conv2D(64, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dense(10, activation=output_activation),
        ]
    raise ValueError(f"no Keras-style stack for row {row!r}")


def compile_adam(lib, model) -> None:
    """Adam (lr 1e-3, epsilon 1e-7: Keras's) on softmax cross-entropy of logits."""
    model.compile(
        optimizer=lib.optimizers.Adam(1e-3, epsilon=1e-7),
        loss=lib.losses.SparseCategoricalCrossentropy(from_logits=True),
    )


def nerve_block(row, x, y, batch, steps, threads):
    import nerve
    from nerve import layers

    nerve.set_num_threads(threads)
    nerve.utils.set_random_seed(0)
    if row == "transformer":
        stack = [
            nerve.Input((28, 28)),
            layers.Dense(64),
            layers.PositionEmbedding(28),
            layers.TransformerEncoder(4, 16, 128),
            layers.TransformerEncoder(4, 16, 128),
            layers.GlobalAveragePooling1D(),
            layers.Dense(10),
        ]
    else:
        stack = keras_style_stack(nerve, row)
    model = nerve.Sequential(stack)
    compile_adam(nerve, model)
    return _fit_blocks(model, x, y, batch, steps)


def _fit_blocks(model, x, y, batch, steps):
    """The Keras-style block, for nerve and Keras: one fit call over the next block of data."""
    n = steps * batch
    calls = [0]

    def block():
        a = (calls[0] % (len(x) // n)) * n
        calls[0] += 1
        model.fit(x[a : a + n], y[a : a + n], batch_size=batch, epochs=1, shuffle=True, verbose=0)

    return block


# ---------------------------------------------------------------------------------- PyTorch
def torch_mlp(softmax: bool = False):
    """The MLP 784-256-128-10 (relu, relu, logits or softmax) in PyTorch."""
    from torch import nn

    out = [nn.Softmax(dim=-1)] if softmax else []
    return nn.Sequential(
        nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10), *out
    )


def copy_dense_weights(net, weights):
    """Loads Keras-style Dense weights ([kernel (in, out), bias, ...]) into a PyTorch module's
    Linear layers in order, so both libraries compute with the same weights."""
    import torch

    linears = [m for m in net if isinstance(m, torch.nn.Linear)]
    with torch.no_grad():
        for lin, w, b in zip(linears, weights[::2], weights[1::2]):
            lin.weight.copy_(torch.from_numpy(w.T.copy()))
            lin.bias.copy_(torch.from_numpy(b))
    return net


def softmax_mlps(threads: int):
    """The inference benches' pair: the MLP 784-256-128-10 with a softmax output in nerve and,
    with the same weights, in PyTorch (eval mode), each library set to `threads` threads."""
    import torch

    import nerve

    torch.set_num_threads(threads)
    nerve.set_num_threads(threads)
    model = nerve.Sequential(keras_style_stack(nerve, "mlp", "softmax"))
    return model, copy_dense_weights(torch_mlp(softmax=True), model.get_weights()).eval()


def torch_net(row: str):
    """The MLP or CNN row's model in PyTorch (NCHW input for the CNN)."""
    from torch import nn

    if row == "mlp":
        return torch_mlp()
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(32, 64, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(64 * 14 * 14, 128),
        nn.ReLU(),
        nn.Linear(128, 10),
    )


def torch_block(row, x, y, batch, steps, threads):
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    nn = torch.nn
    if row in ("mlp", "cnn"):
        net = torch_net(row)
        # NCHW for the CNN, once
        xt = torch.from_numpy(x if row == "mlp" else np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
    else:

        class Transformer(nn.Module):
            def __init__(self):
                super().__init__()
                self.inp = nn.Linear(28, 64)
                self.pos = nn.Parameter(torch.zeros(28, 64))

                def enc():
                    return nn.TransformerEncoderLayer(64, 4, 128, dropout=0.0, batch_first=True)

                self.enc = nn.Sequential(enc(), enc())
                self.fc = nn.Linear(64, 10)

            def forward(self, xb):
                return self.fc(self.enc(self.inp(xb) + self.pos).mean(1))

        net = Transformer()
        xt = torch.from_numpy(x)
    yt = torch.from_numpy(y.astype(np.int64))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    n = steps * batch
    calls = [0]

    def block():
        a = (calls[0] % (len(xt) // n)) * n
        calls[0] += 1
        order = torch.randperm(n) + a
        for i in range(0, n, batch):
            idx = order[i : i + batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(net(xt[idx]), yt[idx])
            loss.backward()
            opt.step()

    return block


def torch_epoch(net, opt, loss_fn, xt, yt, n, batch, shuffle, autocast=None):
    """One pass of the usual PyTorch loop over the first `n` samples; `autocast` (a context
    factory) wraps the forward pass and the loss, as PyTorch's AMP recipe does."""
    import contextlib

    import torch

    order = torch.randperm(n) if shuffle else torch.arange(n)
    for i in range(0, n, batch):
        idx = order[i : i + batch]
        opt.zero_grad(set_to_none=True)
        with autocast() if autocast else contextlib.nullcontext():
            loss = loss_fn(net(xt[idx]), yt[idx])
        loss.backward()
        opt.step()


# ------------------------------------------------------------- one timed pass (train_vs_torch.py,
# mixed_precision_vs_torch.py)
def fit_pass_nerve(model_name, precision, x, y, batch, threads, warmup) -> tuple[float, float]:
    """nerve: `warmup` batches, then one timed shuffled fit pass over x under the dtype policy
    `precision`; (wall, process CPU) seconds of the pass."""
    import nerve

    nerve.set_num_threads(threads)
    nerve.utils.set_random_seed(0)
    nerve.mixed_precision.set_global_policy(precision)
    x = x.reshape((-1, 28, 28, 1) if model_name == "cnn" else (-1, 784))
    model = nerve.Sequential(keras_style_stack(nerve, model_name))
    compile_adam(nerve, model)
    yf = y.astype(np.float32)
    model.fit(x[: warmup * batch], yf[: warmup * batch], batch_size=batch, epochs=1, verbose=0)
    t0, c0 = time.perf_counter(), time.process_time()
    model.fit(x, yf, batch_size=batch, epochs=1, verbose=0, shuffle=True)
    return time.perf_counter() - t0, time.process_time() - c0


def fit_pass_torch(model_name, precision, x, y, batch, threads, warmup) -> tuple[float, float]:
    """PyTorch, the same pass ("autocast_bfloat16": under torch.autocast, else float32)."""
    import contextlib

    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    nn = torch.nn
    shape = (-1, 1, 28, 28) if model_name == "cnn" else (-1, 784)
    xt = torch.from_numpy(x.reshape(shape))
    model = torch_net(model_name)
    yt = torch.from_numpy(y)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()

    def autocast():
        if precision == "autocast_bfloat16":
            return torch.autocast("cpu", dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def epoch(n, shuffle):
        torch_epoch(model, opt, loss_fn, xt, yt, n, batch, shuffle, autocast)

    epoch(warmup * batch, False)
    t0, c0 = time.perf_counter(), time.process_time()
    epoch(len(xt), True)
    return time.perf_counter() - t0, time.process_time() - c0


# ---------------------------------------------------------------------------------- Keras/JAX
def keras_block(row, x, y, batch, steps, threads):
    import keras

    keras.utils.set_random_seed(0)
    if row == "transformer":
        raise SystemExit("the transformer row has no Keras side (keras_hub is not a dependency)")
    model = keras.Sequential(keras_style_stack(keras, row))
    compile_adam(keras, model)
    return _fit_blocks(model, x, y, batch, steps)


# ---------------------------------------------------------------------------------- driver
def worker(args) -> None:
    if args.worker == "nerve":
        import nerve  # noqa: F401  (the import is part of the baseline)

        make = nerve_block
    elif args.worker == "torch":
        import torch  # noqa: F401

        make = torch_block
    else:
        import keras  # noqa: F401

        make = keras_block
    replies, baseline = _common.worker_start(args.reply_fd)
    x, y = make_data(args.row, args.samples)
    # The peak from here on: the data's uint8 -> float32 conversion (its two copies at once)
    # would otherwise set every framework's peak alike and hide the training's own.
    _common.reset_peak_rss()
    block = make(args.row, x, y, args.batch, args.steps, args.threads)
    _common.serve(replies, baseline, block)


def keras_env(threads: int) -> dict | None:
    """Keras on JAX, and XLA's CPU thread pool limited to one thread when asked for one (XLA has
    no finer switch: with more it uses every core)."""
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu")
    if threads == 1:
        env["XLA_FLAGS"] = (
            env.get("XLA_FLAGS", "") + " --xla_cpu_multi_thread_eigen=false"
            " intra_op_parallelism_threads=1"
        ).strip()
    return env


def main(row: str, script: str) -> None:
    batch, steps, peers, label = ROWS[row]
    p = argparse.ArgumentParser(description=f"{label}: nerve against {peers}")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rounds", type=int, default=7, help="timed blocks per framework")
    p.add_argument("--steps", type=int, default=steps, help="training steps per block")
    p.add_argument("--peers", default=peers, help="comma-separated: torch, keras")
    p.add_argument("--pause", type=float, default=0.25, help="seconds of sleep before each block")
    p.add_argument(
        "--clock",
        choices=sorted(_common.CLOCKS),
        default="wall",
        help="wall; or, on a loaded machine with --threads 1, process (CPU time of the process)",
    )
    p.add_argument("--quick", action="store_true", help="3 rounds of short blocks (< 2 minutes)")
    p.add_argument("--worker", choices=sorted(NAMES), help=argparse.SUPPRESS)
    p.add_argument("--reply-fd", type=int, help=argparse.SUPPRESS)
    p.add_argument("--row", default=row, help=argparse.SUPPRESS)
    p.add_argument("--batch", type=int, default=batch, help=argparse.SUPPRESS)
    p.add_argument("--samples", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        return worker(args)
    if _common.QUICK:  # CI smoke run
        args.rounds, args.steps, args.pause = 1, 2, 0.0
    elif args.quick:
        args.rounds, args.steps = 3, max(2, args.steps // 2)
    samples = 2 * args.steps * batch
    sides = ["nerve"] + [s for s in args.peers.split(",") if s]
    unknown = [s for s in sides[1:] if s not in NAMES or s == "nerve"]
    if unknown or len(sides) < 2:
        p.error(f"--peers: one or more of torch, keras (got {args.peers!r})")
    if row == "transformer" and "keras" in sides:
        p.error("--peers: the transformer row has no Keras side (keras_hub is not a dependency)")
    if "keras" in sides:
        try:
            import importlib.util

            if importlib.util.find_spec("keras") is None or importlib.util.find_spec("jax") is None:
                raise ImportError
        except ImportError:
            print("Keras 3 with JAX is not installed: the Keras/JAX side is left out")
            sides.remove("keras")
    print(_common.machine_line(args.threads))
    print(
        f"{label}: {args.rounds} rounds of {args.steps}-step blocks per framework after one "
        f"warm-up block, {args.pause} s pause before each block, clock {args.clock}",
        flush=True,
    )
    common = ["--threads", str(args.threads), "--steps", str(args.steps)]
    common += ["--samples", str(samples), "--batch", str(batch)]
    workers = {}
    try:
        for side in sides:
            env = keras_env(args.threads) if side == "keras" else None
            workers[side] = _common.Worker(script, side, common, env)
        # JAX runs its computations on threads of its own: their CPU time is the process's.
        side_clock = {"keras": "process"} if args.clock == "thread" else None
        result = _common.alternate_workers(
            workers, args.rounds, pause=args.pause, clock=args.clock, side_clock=side_clock
        )
    finally:
        for w in workers.values():
            if w.proc.poll() is None:
                w.proc.kill()
    n = args.steps * batch
    rate = {s: n / result.median(s) for s in sides}
    peers_ = sides[1:]
    best = max(peers_, key=lambda s: rate[s])
    print(
        "\n| framework | samples/s (median) | nerve ÷ it (median, min–max over rounds) "
        "| peak RSS MiB | above imports MiB |\n|---|---|---|---|---|"
    )
    for s in sides:
        mem = result.memory[s]
        r = "" if s == "nerve" else _common.fmt_ratio(result.ratio("nerve", s))
        print(
            f"| {NAMES[s]} | {rate[s]:,.0f} | {r} | {mem['peak_rss_mb']:.0f} "
            f"| {mem['peak_above_baseline_mb']:.0f} |"
        )
    nm, bm = result.memory["nerve"], result.memory[best]
    others = [f"{NAMES[s]} {rate[s]:,.0f}" for s in peers_ if s != best]
    peer = f"{NAMES[best]} {rate[best]:,.0f}" + (f" ({', '.join(others)})" if others else "")
    print(
        "\nREADME row (peak RSS: nerve / best peer, above imports in brackets):\n"
        f"| {label} | {rate['nerve']:,.0f} samples/s | {peer} "
        f"| {_common.fmt_ratio(result.ratio('nerve', best))} "
        f"| {nm['peak_rss_mb']:.0f} / {bm['peak_rss_mb']:.0f} MiB "
        f"({nm['peak_above_baseline_mb']:.0f} / {bm['peak_above_baseline_mb']:.0f}) "
        f"| `bench/{os.path.basename(script)}` |"
    )
    print(f"load average at the end {_common.load_average()}")
