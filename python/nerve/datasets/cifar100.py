"""CIFAR-100, Keras-compatible loader (keras.datasets.cifar100).

>>> from nerve.datasets import cifar100
>>> (x_train, y_train), (x_test, y_test) = cifar100.load_data(label_mode="fine")

Returns x_train uint8 (50000, 32, 32, 3), y_train int64 (50000, 1), x_test uint8
(10000, 32, 32, 3), y_test int64 (10000, 1) (Keras's code gives int64 labels here, though its
docstring says uint8); labels 0-99 ("fine") or the 20 superclasses 0-19 ("coarse"). The
archive comes from Keras's cache or $NERVE_DATASETS, else from Keras's URL.
"""

from __future__ import annotations

from ._cifar import load_batch
from ._keras_files import locate

FNAME = "cifar-100-python-target"
ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
FILE_HASH = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"


def load_data(label_mode="fine"):
    """Load CIFAR-100 with "fine" (100 classes) or "coarse" (20 superclasses) labels."""
    if label_mode not in ("fine", "coarse"):
        raise ValueError(
            f'cifar100.load_data: label_mode must be "fine" or "coarse", got {label_mode!r}'
        )
    location = locate("CIFAR-100", FNAME, ORIGIN, FILE_HASH, extract=True)
    key = f"{label_mode}_labels"
    x_train, y_train = load_batch(location, "cifar-100-python/train", key)
    x_test, y_test = load_batch(location, "cifar-100-python/test", key)
    return (x_train, y_train.reshape(-1, 1)), (x_test, y_test.reshape(-1, 1))
