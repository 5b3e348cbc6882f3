"""Recurrent and transformer throughput, nerve vs PyTorch CPU, in the same process with the same
thread count, timed in alternating blocks (nerve, torch, nerve, ...).

Rows: LSTM(128) and GRU(128) on (batch 64, 28 steps, 28 features) -> Dense(10, softmax), training
(Adam, sparse categorical cross-entropy) and inference (nerve `model.predict(x, batch_size=64)`,
PyTorch the module call under `torch.inference_mode()`); the examples' transformer (2 encoder
blocks, d=64, 4 heads x 16, ff 128, 28 tokens, batch 64), training. MNIST-shaped random data:
throughput does not depend on it. Each block runs --steps batches; a row's figures are the
medians over --rounds blocks per framework, its ratio the median of the per-round ratios
nerve / torch (> 1: nerve is faster), with the min-max over rounds. A pause before each block
lets the other library's idle OpenMP threads stop spinning. Say the load average (printed) next
to any figure, and the CPU.

`--clock cpu` (with `--threads 1`) times each block by the CPU time of the calling thread
(`time.thread_time`) instead of the wall clock: with one thread both frameworks compute on the
calling thread, so on a loaded machine this counts their work without the time other processes
held the core (it still sees their cache and memory traffic).

    PYTHONPATH=<site> python bench/lstm_vs_torch.py [--rounds 5] [--steps 20] [--threads 2]
                                                   [--only lstm,gru,transformer] [--clock cpu]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

import nerve
from nerve import layers

B, T, F, U, C = 64, 28, 28, 128, 10
QUICK = os.environ.get("NERVE_QUICK") == "1"  # CI smoke run: tiny sizes, one repeat
PAUSE = 0.25  # seconds before each block: the other library's OpenMP threads stop spinning


# ---- nerve ------------------------------------------------------------------------------------
def nerve_recurrent(cell):
    model = nerve.Sequential([nerve.Input((T, F)), cell(U), layers.Dense(C, activation="softmax")])
    model.compile(optimizer=nerve.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
    return model


def nerve_transformer():
    model = nerve.Sequential(
        [
            nerve.Input((T, F)),
            layers.Dense(64),
            layers.PositionEmbedding(T),
            layers.TransformerEncoder(4, 16, 128),
            layers.TransformerEncoder(4, 16, 128),
            layers.GlobalAveragePooling1D(),
            layers.Dense(C, activation="softmax"),
        ]
    )
    model.compile(optimizer=nerve.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
    return model


def nerve_train_block(model, x, y, steps):
    """A function running `steps` training steps in C++ (the Trainer fit runs: no progress bar
    or callbacks in the timing)."""
    trainer_x, trainer_y = [nerve.Tensor(x)], [nerve.Tensor(y)]
    model.train_on_batch(x[:B], y[:B])  # builds the trainer
    trainer = model._trainer
    no_order = np.empty(0, np.int64)
    n_batches = len(x) // B
    calls = [0]

    def run():
        first = (calls[0] * steps) % max(n_batches - steps, 1)
        calls[0] += 1
        trainer.train(trainer_x, trainer_y, None, no_order, B, first, steps)

    return run


def nerve_predict_block(model, x, steps):
    xs = x[: steps * B]
    return lambda: model.predict(xs, batch_size=B, verbose=0)


# ---- PyTorch ----------------------------------------------------------------------------------
def torch_recurrent(torch, kind):
    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = getattr(torch.nn, kind)(F, U, batch_first=True)
            self.fc = torch.nn.Linear(U, C)

        def forward(self, xb):
            out, _ = self.rnn(xb)
            return (
                torch.softmax(self.fc(out[:, -1]), -1) if not self.training else self.fc(out[:, -1])
            )

    return Net()


def torch_transformer(torch):
    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.inp = torch.nn.Linear(F, 64)
            self.pos = torch.nn.Parameter(torch.zeros(T, 64))

            def block():
                return torch.nn.TransformerEncoderLayer(64, 4, 128, dropout=0.0, batch_first=True)

            self.enc = torch.nn.Sequential(block(), block())
            self.fc = torch.nn.Linear(64, C)

        def forward(self, xb):
            return self.fc(self.enc(self.inp(xb) + self.pos).mean(1))

    return Net()


def torch_train_block(torch, net, x, y, steps):
    net.train()
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    lossf = torch.nn.CrossEntropyLoss()  # on logits: the softmax is inside, as nerve fuses it
    xt, yt = torch.from_numpy(x), torch.from_numpy(y.astype(np.int64))
    n_batches = len(x) // B
    calls = [0]

    def run():
        first = (calls[0] * steps) % max(n_batches - steps, 1)
        calls[0] += 1
        for i in range(first, first + steps):
            opt.zero_grad()
            loss = lossf(net(xt[i * B : (i + 1) * B]), yt[i * B : (i + 1) * B])
            loss.backward()
            opt.step()

    return run


def torch_predict_block(torch, net, x, steps):
    net.eval()
    xs = x[: steps * B]

    def run():
        with torch.inference_mode():
            return np.concatenate(
                [net(torch.from_numpy(xs[i : i + B])).numpy() for i in range(0, len(xs), B)]
            )

    return run


# ---- timing -----------------------------------------------------------------------------------
CLOCK = time.perf_counter  # --clock cpu: time.thread_time


def alternate(a, b, samples, rounds):
    """Per-round samples/second of a and b, timed in alternating blocks after one warm-up
    block each."""
    for fn in (a, b):
        fn()
    rates = {"a": [], "b": []}
    for _ in range(rounds):
        for key, fn in (("a", a), ("b", b)):
            time.sleep(PAUSE)
            t0 = CLOCK()
            fn()
            rates[key].append(samples / (CLOCK() - t0))
    return rates["a"], rates["b"]


def report(name, a, b):
    ratios = [x / y for x, y in zip(a, b)]
    print(
        f"{name:28s} nerve {statistics.median(a):8.0f}   torch {statistics.median(b):8.0f} "
        f"samples/s   ratio {statistics.median(ratios):.2f}x "
        f"({min(ratios):.2f}-{max(ratios):.2f})",
        flush=True,
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--only", default="lstm,gru,transformer")
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    args = ap.parse_args()
    if args.clock == "cpu":
        if args.threads != 1:
            ap.error("--clock cpu times the calling thread only: it needs --threads 1")
        global CLOCK
        CLOCK = time.thread_time
    if QUICK:
        args.rounds, args.steps = 1, 2
    import torch

    torch.set_num_threads(args.threads)
    nerve.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    n = B * (args.steps * 2 + 4)
    x = rng.standard_normal((n, T, F)).astype(np.float32)
    y = rng.integers(0, C, n).astype(np.float32)
    samples = args.steps * B
    print(
        f"threads={args.threads} batch={B} steps/block={args.steps} rounds={args.rounds} "
        f"clock={args.clock} load average at start {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    only = set(args.only.split(","))
    for kind in ("LSTM", "GRU"):
        if kind.lower() not in only:
            continue
        model = nerve_recurrent(getattr(layers, kind))
        net = torch_recurrent(torch, kind)
        report(
            f"{kind}({U}) training",
            *alternate(
                nerve_train_block(model, x, y, args.steps),
                torch_train_block(torch, net, x, y, args.steps),
                samples,
                args.rounds,
            ),
        )
        report(
            f"{kind}({U}) inference",
            *alternate(
                nerve_predict_block(model, x, args.steps),
                torch_predict_block(torch, net, x, args.steps),
                samples,
                args.rounds,
            ),
        )
    if "transformer" in only:
        report(
            "transformer training",
            *alternate(
                nerve_train_block(nerve_transformer(), x, y, args.steps),
                torch_train_block(torch, torch_transformer(torch), x, y, args.steps),
                samples,
                args.rounds,
            ),
        )
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
