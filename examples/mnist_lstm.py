"""An LSTM reading MNIST images row by row: 28 timesteps of 28 pixels -> LSTM(128) -> Dense(10).
Reaches >= 98% test accuracy in about 6 epochs (Adam; measured on the AVX-512 path, other paths
round differently: README, "Determinism").

Run: python examples/mnist_lstm.py [--epochs 6]   (data: $NERVE_DATASETS or ~/.nerve/datasets)
"""

import argparse
import os

import nerve
from nerve.layers import LSTM, Dense

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=6)
parser.add_argument("--batch-size", type=int, default=64)
parser.add_argument("--train-samples", type=int, default=60000, help="use a subset for a quick run")
args = parser.parse_args()
QUICK = os.environ.get("NERVE_QUICK") == "1"  # CI smoke run: a few hundred samples, one epoch
if QUICK:
    args.epochs, args.train_samples = 1, 512

nerve.utils.set_random_seed(0)
(x_train, y_train), (x_test, y_test) = nerve.datasets.mnist.load_data()
x_train = x_train[: args.train_samples].astype("float32") / 255.0  # (n, 28 rows = steps, 28 pixels)
y_train = y_train[: args.train_samples]
x_test = x_test.astype("float32") / 255.0
if QUICK:
    x_test, y_test = x_test[:256], y_test[:256]

model = nerve.Sequential(
    [
        nerve.Input(shape=(28, 28)),
        LSTM(128),
        Dense(10, activation="softmax"),
    ]
)
model.summary()
model.compile(
    optimizer=nerve.optimizers.Adam(1e-3),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
model.fit(
    x_train,
    y_train,
    batch_size=args.batch_size,
    epochs=args.epochs,
    validation_data=(x_test[:2000], y_test[:2000]),
)
loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
print(f"test loss {loss:.4f} - test accuracy {accuracy:.4f}")
