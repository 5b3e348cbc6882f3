"""Trains a small CNN on MNIST in Python and saves it for examples/cpp/mnist_predict.cpp:

    python examples/cpp/train_mnist_cnn.py mnist_cnn.nerve
    build/cpp/examples/cpp/mnist_predict mnist_cnn.nerve $NERVE_DATASETS/mnist

The pixels are scaled as the C++ program scales them: float32(pixel) / 255."""

from __future__ import annotations

import sys

import numpy as np

import nerve
from nerve import layers


def build_cnn():
    return nerve.Sequential(
        [
            nerve.Input((28, 28, 1)),
            layers.Conv2D(8, 3, activation="relu"),
            layers.MaxPooling2D(),
            layers.Conv2D(16, 3, activation="relu"),
            layers.MaxPooling2D(),
            layers.Flatten(),
            layers.Dropout(0.25),
            layers.Dense(10, activation="softmax"),
        ]
    )


def scaled(images):
    return (images.astype(np.float32) / np.float32(255))[..., None]


def main(path="mnist_cnn.nerve", samples=None, epochs=1):
    (x, y), _ = nerve.datasets.mnist.load_data()
    if samples:
        x, y = x[:samples], y[:samples]
    nerve.utils.set_random_seed(0)
    model = build_cnn()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(scaled(x), y, batch_size=64, epochs=epochs, verbose=0)
    model.save(path)
    return model


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "mnist_cnn.nerve")
