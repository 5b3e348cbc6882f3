"""timeseries_dataset_from_array: Keras's sliding windows over an array, as a nerve Dataset.

The windows are Keras's (keras.src.utils.timeseries_dataset_utils): start positions 0, stride,
2*stride, ... below end_index - start_index - (sequence_length - 1) * sampling_rate (and below
len(targets)), each window data[start_index + p + k * sampling_rate] for k < sequence_length, its
target targets[start_index + p]; with shuffle the start positions are permuted once by
np.random.RandomState(seed), as Keras does. What differs from Keras's tf.data dataset: the
batches are numpy arrays gathered when read, and with shuffle each epoch also reorders the windows
with numpy's generator (Keras's tf.data shuffle buffer draws another within-epoch order).
"""

from __future__ import annotations

import math

import numpy as np

from .dataset import Dataset

_WHERE = "timeseries_dataset_from_array"


def _positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{_WHERE}: {name} must be a positive int, got {value!r}")
    return int(value)


def timeseries_dataset_from_array(
    data,
    targets,
    sequence_length,
    sequence_stride=1,
    sampling_rate=1,
    batch_size=128,
    shuffle=False,
    seed=None,
    start_index=None,
    end_index=None,
    format="tf",
):
    """Batches of windows of `data` (and their targets), as keras.utils.
    timeseries_dataset_from_array: elements are `windows` of shape (batch, sequence_length,
    *data.shape[1:]) or `(windows, targets)`; batch_size=None yields single windows. The windows
    keep data's dtype. `format` ("tf" or "grain") is accepted for Keras's signature; either gives
    a nerve Dataset."""
    n = len(data)
    if start_index:
        if start_index < 0:
            raise ValueError(f"{_WHERE}: start_index must be 0 or greater, got {start_index}")
        if start_index >= n:
            raise ValueError(
                f"{_WHERE}: start_index must be lower than the length of the data ({n}), got "
                f"{start_index}"
            )
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError(
                f"{_WHERE}: end_index must be higher than start_index, got start_index="
                f"{start_index}, end_index={end_index}"
            )
        if end_index >= n:
            raise ValueError(
                f"{_WHERE}: end_index must be lower than the length of the data ({n}), got "
                f"{end_index}"
            )
        if end_index <= 0:
            raise ValueError(f"{_WHERE}: end_index must be higher than 0, got {end_index}")
    sequence_length = _positive_int(sequence_length, "sequence_length")
    sampling_rate = _positive_int(sampling_rate, "sampling_rate")
    sequence_stride = _positive_int(sequence_stride, "sequence_stride")
    if sampling_rate >= n:
        raise ValueError(
            f"{_WHERE}: sampling_rate must be lower than the length of the data ({n}), got "
            f"{sampling_rate}"
        )
    if sequence_stride >= n:
        raise ValueError(
            f"{_WHERE}: sequence_stride must be lower than the length of the data ({n}), got "
            f"{sequence_stride}"
        )
    if format not in ("tf", "grain"):
        raise ValueError(f'{_WHERE}: format must be "tf" or "grain", got {format!r}')
    if batch_size is not None:
        batch_size = _positive_int(batch_size, "batch_size")

    start_index = start_index or 0
    end_index = n if end_index is None else end_index
    num_seqs = end_index - start_index - (sequence_length - 1) * sampling_rate
    if targets is not None:
        num_seqs = min(num_seqs, len(targets))
    positions = np.arange(0, max(num_seqs, 0), sequence_stride, dtype=np.int64)
    if targets is not None and len(positions) and start_index + positions[-1] >= len(targets):
        # Keras fails here too, when the batch is read (an index error inside tf.gather).
        raise ValueError(
            f"{_WHERE}: targets has {len(targets)} entries, but the window starting at data "
            f"index {start_index + positions[-1]} needs targets[{start_index + positions[-1]}] "
            f"(each window's target is targets[start_index + its start position])"
        )
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(positions)
    data = np.asarray(data)
    window = np.arange(sequence_length, dtype=np.int64) * sampling_rate
    if targets is not None:
        targets = np.asarray(targets)
    epoch_rng = np.random.default_rng(seed)

    def element(p):
        x = data[start_index + p[..., None] + window]
        return x if targets is None else (x, targets[start_index + p])

    def make_pass():
        order = positions[epoch_rng.permutation(len(positions))] if shuffle else positions
        if batch_size is None:
            for p in order:
                yield element(np.asarray(p))
            return
        for start in range(0, len(order), batch_size):
            yield element(order[start : start + batch_size])

    count = len(positions)
    return Dataset(
        make_pass, count if batch_size is None else math.ceil(count / batch_size), batch_size
    )
