"""LSTM training throughput, nerve vs PyTorch CPU, in the same process with 2 threads each.

Model: LSTM(128) on (batch 64, 28 steps, 28 features) -> Dense(10, softmax), Adam,
sparse categorical cross-entropy (MNIST-shaped random data: throughput does not depend on it).
Reports training samples/second as the median over timed segments after a warm-up, and the
ratio nerve / torch. Also times one training step of the examples' transformer (2 encoder
blocks, d=64, 4 heads x 16, ff 128, 28 tokens, batch 64) in both libraries.

    PYTHONPATH=<site> python bench/lstm_vs_torch.py [--segments 5] [--steps 20]
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


def nerve_lstm(x, y, steps, segments):
    model = nerve.Sequential(
        [nerve.Input((T, F)), layers.LSTM(U), layers.Dense(C, activation="softmax")]
    )
    model.compile(optimizer=nerve.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
    return _time_nerve(model, x, y, steps, segments)


def nerve_transformer(x, y, steps, segments):
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
    return _time_nerve(model, x, y, steps, segments)


def _time_nerve(model, x, y, steps, segments):
    trainer_x, trainer_y = [nerve.Tensor(x)], [nerve.Tensor(y)]
    model.train_on_batch(x[:B], y[:B])  # builds the trainer
    trainer = model._trainer
    trainer.train(trainer_x, trainer_y, None, np.empty(0, np.int64), B, 0, 3)  # warm-up
    rates = []
    n_batches = len(x) // B
    for s in range(segments):
        first = (s * steps) % max(n_batches - steps, 1)
        t0 = time.perf_counter()
        trainer.train(trainer_x, trainer_y, None, np.empty(0, np.int64), B, first, steps)
        rates.append(steps * B / (time.perf_counter() - t0))
    return statistics.median(rates)


def torch_lstm(torch, x, y, steps, segments):
    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = torch.nn.LSTM(F, U, batch_first=True)
            self.fc = torch.nn.Linear(U, C)

        def forward(self, xb):
            _, (h, _) = self.lstm(xb)
            return self.fc(h[0])

    return _time_torch(torch, Net(), x, y, steps, segments)


def torch_transformer(torch, x, y, steps, segments):
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

    return _time_torch(torch, Net(), x, y, steps, segments)


def _time_torch(torch, net, x, y, steps, segments):
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    lossf = torch.nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y.astype(np.int64))
    n_batches = len(x) // B

    def run(first, k):
        for i in range(first, first + k):
            opt.zero_grad()
            loss = lossf(net(xt[i * B : (i + 1) * B]), yt[i * B : (i + 1) * B])
            loss.backward()
            opt.step()

    run(0, 3)
    rates = []
    for s in range(segments):
        first = (s * steps) % max(n_batches - steps, 1)
        t0 = time.perf_counter()
        run(first, steps)
        rates.append(steps * B / (time.perf_counter() - t0))
    return statistics.median(rates)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--segments", type=int, default=5)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    if QUICK:
        args.segments, args.steps = 1, 2
    import torch

    torch.set_num_threads(args.threads)
    nerve.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    n = B * (args.steps * 2 + 4)
    x = rng.standard_normal((n, T, F)).astype(np.float32)
    y = rng.integers(0, C, n).astype(np.float32)
    print(f"threads={args.threads} batch={B} steps/segment={args.steps} segments={args.segments}")
    a = nerve_lstm(x, y, args.steps, args.segments)
    b = torch_lstm(torch, x, y, args.steps, args.segments)
    print(
        f"LSTM({U}) train  nerve {a:9.0f} samples/s   torch {b:9.0f} samples/s   ratio {a / b:.2f}x"
    )
    a = nerve_transformer(x, y, args.steps, args.segments)
    b = torch_transformer(torch, x, y, args.steps, args.segments)
    print(
        f"transformer step nerve {1e3 * B / a:7.2f} ms        torch {1e3 * B / b:7.2f} ms        "
        f"ratio {a / b:.2f}x (samples/s)"
    )


if __name__ == "__main__":
    main()
