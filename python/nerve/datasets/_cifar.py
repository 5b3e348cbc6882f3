"""The CIFAR batch format shared by cifar10 and cifar100: a pickled dict with b"data" (n, 3072)
uint8 rows, channel-major 32x32 planes, and a list of labels."""

from __future__ import annotations

import numpy as np

from ._idx import IDXFormatError
from ._keras_files import read_member, unpickle


def load_batch(location: str, relpath: str, label_key: str = "labels"):
    """(images uint8 (n, 32, 32, 3), labels (n,)) of one batch file."""
    source = f"{location}/{relpath}"
    d = unpickle(read_member(location, relpath), source)
    if not isinstance(d, dict):
        raise IDXFormatError(f"{source}: not a CIFAR batch (expected a pickled dict)")
    d = {k.decode("utf8") if isinstance(k, bytes) else k: v for k, v in d.items()}
    if "data" not in d or label_key not in d:
        raise IDXFormatError(f"{source}: a CIFAR batch needs 'data' and {label_key!r} entries")
    data = np.asarray(d["data"], dtype=np.uint8)
    labels = np.asarray(d[label_key])  # a list: int64, as Keras's cifar100 returns it
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or len(labels) != len(data):
        raise IDXFormatError(
            f"{source}: expected data of shape (n, 3072) and n labels, got data "
            f"{data.shape} and {len(labels)} labels"
        )
    return data.reshape(len(data), 3, 32, 32).transpose(0, 2, 3, 1), labels
