"""Reuters newswire topics, Keras-compatible loader (keras.datasets.reuters).

>>> from nerve.datasets import reuters
>>> (x_train, y_train), (x_test, y_test) = reuters.load_data(num_words=10000)

Returns object arrays of lists of word ids and int topic labels (46 topics,
get_label_names()), split by test_split after Keras's shuffle. Files come from Keras's cache or
$NERVE_DATASETS, else from Keras's URLs.
"""

from __future__ import annotations

import numpy as np

from . import _word_ids as w
from ._keras_files import load_npz, locate

ORIGIN_FOLDER = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
FILE_HASH = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
WORD_INDEX_HASH = "4d44cc38712099c9e383dc6e5f11a921"

LABEL_NAMES = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply",
    "coffee", "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas",
    "cpi", "money-fx", "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin",
    "strategic-metal", "livestock", "retail", "ipi", "iron-steel", "rubber", "heat", "jobs",
    "lei", "bop", "zinc", "orange", "pet-chem", "dlr", "gas", "silver", "wpi", "hog", "lead",
)  # fmt: skip


def load_data(
    path="reuters.npz",
    num_words=None,
    skip_top=0,
    maxlen=None,
    test_split=0.2,
    seed=113,
    start_char=1,
    oov_char=2,
    index_from=3,
):
    """Load Reuters: ``(x_train, y_train), (x_test, y_test)`` as keras.datasets.reuters."""
    f = load_npz(locate("Reuters", path, f"{ORIGIN_FOLDER}reuters.npz", FILE_HASH))
    xs, labels = w.shuffled(np.random.RandomState(seed), f["x"], f["y"])
    xs = w.shift(xs, start_char, index_from)
    if maxlen:
        xs, labels = w.remove_long(maxlen, xs, labels)
    xs = w.limit_vocabulary(xs, num_words, skip_top, oov_char)
    idx = int(len(xs) * (1 - test_split))
    return (
        (w.as_object_array(xs[:idx]), np.array(labels[:idx])),
        (w.as_object_array(xs[idx:]), np.array(labels[idx:])),
    )


def get_word_index(path="reuters_word_index.json"):
    """The dict word -> index (before index_from is added)."""
    return w.word_index("Reuters", path, f"{ORIGIN_FOLDER}reuters_word_index.json", WORD_INDEX_HASH)


def get_label_names():
    """The 46 topic names, by label."""
    return LABEL_NAMES
