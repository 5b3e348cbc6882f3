"""split_dataset: keras.utils.split_dataset over numpy arrays and nerve Datasets.

Keras's rules: the samples (rows of the arrays, or the unbatched elements of a dataset) are listed,
shuffled with Python's random.Random(seed) when `shuffle` (the same permutation as Keras's
random.seed(seed); random.shuffle), sized by _rescale_dataset_split_sizes's rules (a float is a
fraction rounded to a count, an int a count; the missing side takes the rest), and cut into the
first left_size and the last right_size samples. Returns two nerve Datasets of single samples,
batched like the input when the input was a batched nerve Dataset (Keras: a batched tf.data
dataset)."""

from __future__ import annotations

import random

import numpy as np

from .dataset import Dataset, from_arrays, stack_elements

_WHERE = "split_dataset"


def _size_type(value, name):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(
            f"{_WHERE}: {name} must be an int, a float or None, got {type(value).__name__}"
        )
    return float if isinstance(value, (float, np.floating)) else int


def rescale_split_sizes(left_size, right_size, total: int):
    """(left count, right count) from Keras's size arguments, with its errors."""
    lt, rt = _size_type(left_size, "left_size"), _size_type(right_size, "right_size")
    if left_size is None and right_size is None:
        raise ValueError(f"{_WHERE}: give left_size or right_size (or both)")
    if left_size == 0 and right_size == 0:
        raise ValueError(f"{_WHERE}: left_size and right_size are both zero")
    for value, kind, name in ((left_size, lt, "left_size"), (right_size, rt, "right_size")):
        if (kind is int and not 0 < value < total) or (kind is float and not 0 < value < 1):
            raise ValueError(
                f"{_WHERE}: {name} must be a positive int smaller than {total} (the number of "
                f"samples) or a float in (0, 1), got {value}"
            )
    if lt is float and rt is float and left_size + right_size > 1:
        raise ValueError(f"{_WHERE}: left_size + right_size must be at most 1")
    left = round(left_size * total) if lt is float else left_size
    right = round(right_size * total) if rt is float else right_size
    if left is None:
        left = total - right
    elif right is None:
        right = total - left
    if left + right > total:
        raise ValueError(
            f"{_WHERE}: left_size + right_size = {left + right} is more than the {total} samples"
        )
    for size, side in ((left, "left"), (right, "right")):
        if size == 0:
            raise ValueError(
                f"{_WHERE}: with {total} samples, left_size={left_size} and "
                f"right_size={right_size}, the {side} split is empty"
            )
    return int(left), int(right)


def _samples(dataset):
    """(list of samples, structure for rebuilding, batch size to re-apply)."""
    if isinstance(dataset, Dataset):
        batch_size = dataset._batch_size
        source = dataset.unbatch() if batch_size is not None else dataset
        return list(source), batch_size
    if isinstance(dataset, np.ndarray):
        return list(dataset), None
    if isinstance(dataset, (tuple, list)) and dataset:
        arrays = [np.asarray(a) for a in dataset]
        lengths = {len(a) for a in arrays}
        if len(lengths) != 1:
            raise ValueError(
                f"{_WHERE}: the arrays have different lengths {[len(a) for a in arrays]}; "
                f"give arrays with the same number of samples"
            )
        return list(zip(*arrays)), None
    if isinstance(dataset, dict) and dataset:
        keys = list(dataset)
        arrays = [np.asarray(dataset[k]) for k in keys]
        return [dict(zip(keys, row)) for row in zip(*arrays)], None
    raise TypeError(
        f"{_WHERE}: dataset must be a numpy array, a non-empty tuple/list/dict of arrays, or a "
        f"nerve Dataset; got {type(dataset).__name__}"
    )


def split_dataset(
    dataset, left_size=None, right_size=None, shuffle=False, seed=None, preferred_backend=None
):
    """Splits `dataset` in two, as keras.utils.split_dataset: returns (left, right) nerve Datasets
    of single samples (batched as the input when it is a batched nerve Dataset).
    `preferred_backend` is accepted for Keras's signature."""
    samples, batch_size = _samples(dataset)
    if shuffle:
        if seed is None:
            seed = random.randint(0, int(1e6))
        random.Random(seed).shuffle(samples)
    left, right = rescale_split_sizes(left_size, right_size, len(samples))

    def as_dataset(part):
        arrays = stack_elements(part)
        if isinstance(dataset, list) and isinstance(arrays, list):
            arrays = tuple(arrays)
        order = np.arange(len(part))
        ds = from_arrays(arrays, None, lambda: order)
        return ds if batch_size is None else ds.batch(batch_size)

    return as_dataset(samples[:left]), as_dataset(samples[-right:])
