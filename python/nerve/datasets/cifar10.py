"""CIFAR-10, Keras-compatible loader (keras.datasets.cifar10).

>>> from nerve.datasets import cifar10
>>> (x_train, y_train), (x_test, y_test) = cifar10.load_data()

Returns uint8 arrays: x_train (50000, 32, 32, 3), y_train (50000, 1), x_test (10000, 32, 32, 3),
y_test (10000, 1) (channels last), as Keras. Labels 0-9 are CLASS_NAMES[label]. The archive comes
from Keras's cache or $NERVE_DATASETS, else from Keras's URL (see nerve.datasets._keras_files).
"""

from __future__ import annotations

import numpy as np

from ._cifar import load_batch
from ._keras_files import locate

FNAME = "cifar-10-batches-py-target"
ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
FILE_HASH = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
CLASS_NAMES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)


def load_data():
    """Load CIFAR-10: ``(x_train, y_train), (x_test, y_test)``, all uint8, labels (n, 1)."""
    location = locate("CIFAR-10", FNAME, ORIGIN, FILE_HASH, extract=True)
    parts = [load_batch(location, f"cifar-10-batches-py/data_batch_{i}") for i in range(1, 6)]
    x_train = np.concatenate([x for x, _ in parts])
    y_train = np.concatenate([y for _, y in parts]).astype(np.uint8).reshape(-1, 1)
    x_test, y_test = load_batch(location, "cifar-10-batches-py/test_batch")
    return (x_train, y_train), (x_test, y_test.astype(np.uint8).reshape(-1, 1))
