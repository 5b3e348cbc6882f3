"""text_dataset_from_directory: Keras's keras.utils.text_dataset_from_directory over nerve's
Dataset (nerve.utils.dataset) instead of a tf.data dataset.

The files, their order, labels and split are Keras's (directory_index). Each .txt file is read as
UTF-8 text, as Keras reads it without TensorFlow (its "grain" format); batches are numpy arrays of
str, which nerve's TextVectorization takes. What differs from Keras's tf.data dataset: str, not
bytes tensors; max_length counts characters (TensorFlow's tf.strings.substr counts bytes, which is
the same for ASCII text); with shuffle=True the order within an epoch is drawn by numpy.
"""

from __future__ import annotations

import functools

import numpy as np

from . import directory_index

_WHERE = "text_dataset_from_directory"


def read_text(path, max_length):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    return text if max_length is None else text[:max_length]


def text_dataset_from_directory(
    directory,
    labels="inferred",
    label_mode="int",
    class_names=None,
    batch_size=32,
    max_length=None,
    shuffle=True,
    seed=None,
    validation_split=None,
    subset=None,
    follow_links=False,
    format="tf",
    verbose=True,
):
    """Batches of texts (and labels) from a folder of class sub-folders of .txt files, as Keras's
    keras.utils.text_dataset_from_directory: returns a nerve Dataset (a tuple of two for
    subset="both") with `class_names` and `file_paths`.

    Elements: texts as a numpy str array (batch,); with labels, (texts, labels), the labels as in
    image_dataset_from_directory (int32, binary float32 (batch, 1), categorical one-hot).
    `format` ("tf" or "grain") is accepted for Keras's signature; either gives a nerve Dataset.
    """
    labels, label_mode = directory_index.check_labels_arg(
        labels, label_mode, class_names, _WHERE, "text"
    )
    if format not in ("tf", "grain"):
        raise ValueError(f'{_WHERE}: format must be "tf" or "grain", got {format!r}')
    if max_length is not None and (isinstance(max_length, bool) or int(max_length) < 0):
        raise ValueError(f"{_WHERE}: max_length must be a non-negative int or None")
    if batch_size is not None and (isinstance(batch_size, bool) or int(batch_size) <= 0):
        raise ValueError(f"{_WHERE}: batch_size must be a positive int or None, got {batch_size!r}")
    batch_size = None if batch_size is None else int(batch_size)
    directory_index.check_validation_split_arg(validation_split, subset, shuffle, seed, _WHERE)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, labels, class_names = directory_index.index_directory(
        directory, labels, (".txt",), class_names, shuffle, seed, follow_links, verbose, _WHERE
    )
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(
            f'{_WHERE}: label_mode="binary" needs exactly 2 classes, got class_names={class_names}'
        )
    load = functools.partial(read_text, max_length=max_length)
    num_classes = len(class_names) if class_names else 0

    def make(subset_name, shuffle_it):
        p, y = directory_index.training_or_validation_split(
            paths, labels, validation_split, subset_name
        )
        if not p:
            which = f"{subset_name} " if subset == "both" else ""
            raise ValueError(
                f"{_WHERE}: no {which}text files found in directory {directory}. Allowed "
                f"format: .txt"
            )
        ds = directory_index.file_dataset(
            p, y, label_mode, num_classes, load, batch_size, shuffle_it, seed
        )
        ds.class_names = class_names
        ds.file_paths = list(p)
        return ds

    if subset == "both":
        return make("training", shuffle), make("validation", False)
    return make(subset, shuffle)
