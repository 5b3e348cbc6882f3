"""The word-id preparation shared by imdb and reuters, in Keras's order of steps: shuffle with
np.random.RandomState(seed), prepend start_char and shift ids by index_from, drop sequences of
maxlen or more ids, then map ids outside [skip_top, num_words) to oov_char (or drop them)."""

from __future__ import annotations

import json

import numpy as np

from ._keras_files import locate


def shuffled(rng, *arrays):
    indices = np.arange(len(arrays[0]))
    rng.shuffle(indices)
    return [a[indices] for a in arrays]


def shift(xs, start_char, index_from):
    if start_char is not None:
        return [[start_char] + [w + index_from for w in x] for x in xs]
    if index_from:
        return [[w + index_from for w in x] for x in xs]
    return [list(x) for x in xs]


def remove_long(maxlen, xs, labels):
    kept = [(x, y) for x, y in zip(xs, labels) if len(x) < maxlen]
    return [x for x, _ in kept], [y for _, y in kept]


def limit_vocabulary(xs, num_words, skip_top, oov_char):
    if not num_words:
        num_words = max(max(x) for x in xs)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    return [[w for w in x if skip_top <= w < num_words] for x in xs]


def as_object_array(lists) -> np.ndarray:
    """An object array of lists, one per sequence (np.array(lists, dtype=object) would make a 2-D
    array when all lists have the same length)."""
    out = np.empty(len(lists), dtype=object)
    out[:] = lists
    return out


def word_index(dataset, path, origin, file_hash):
    with open(locate(dataset, path, origin, file_hash)) as f:
        return json.load(f)
