"""IMDB movie-review sentiment, Keras-compatible loader (keras.datasets.imdb).

>>> from nerve.datasets import imdb
>>> (x_train, y_train), (x_test, y_test) = imdb.load_data(num_words=10000)

Returns object arrays of lists of word ids (x) and int label arrays (y), 25000 reviews each, with
Keras's shuffle, start/oov characters, index offset, maxlen filter and vocabulary limit.
get_word_index() returns the word -> id dict. Files come from Keras's cache or $NERVE_DATASETS,
else from Keras's URLs.
"""

from __future__ import annotations

import numpy as np

from . import _word_ids as w
from ._keras_files import load_npz, locate

ORIGIN_FOLDER = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
FILE_HASH = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
WORD_INDEX_HASH = "bfafd718b763782e994055a2d397834f"


def load_data(
    path="imdb.npz",
    num_words=None,
    skip_top=0,
    maxlen=None,
    seed=113,
    start_char=1,
    oov_char=2,
    index_from=3,
    **kwargs,
):
    """Load IMDB: ``(x_train, y_train), (x_test, y_test)`` as keras.datasets.imdb.load_data."""
    if kwargs:
        raise TypeError(f"imdb.load_data: unexpected arguments {sorted(kwargs)}")
    f = load_npz(locate("IMDB", path, f"{ORIGIN_FOLDER}imdb.npz", FILE_HASH))
    rng = np.random.RandomState(seed)
    x_train, labels_train = w.shuffled(rng, f["x_train"], f["y_train"])
    x_test, labels_test = w.shuffled(rng, f["x_test"], f["y_test"])
    x_train = w.shift(x_train, start_char, index_from)
    x_test = w.shift(x_test, start_char, index_from)
    if maxlen:
        x_train, labels_train = w.remove_long(maxlen, x_train, labels_train)
        x_test, labels_test = w.remove_long(maxlen, x_test, labels_test)
        if not x_train or not x_test:
            raise ValueError(
                f"imdb.load_data: no sequence is shorter than maxlen={maxlen}; increase maxlen"
            )
    xs = w.limit_vocabulary(x_train + x_test, num_words, skip_top, oov_char)
    labels = np.concatenate([labels_train, labels_test])
    n = len(x_train)
    return (w.as_object_array(xs[:n]), labels[:n]), (w.as_object_array(xs[n:]), labels[n:])


def get_word_index(path="imdb_word_index.json"):
    """The dict word -> index (before index_from is added)."""
    return w.word_index("IMDB", path, f"{ORIGIN_FOLDER}imdb_word_index.json", WORD_INDEX_HASH)
