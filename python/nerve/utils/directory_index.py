"""Which files a *_dataset_from_directory call reads, in which order, with which labels, and which
of them land in the training or the validation split: Keras 3's rules (keras.src.utils.
dataset_utils), so a folder splits into the same files under nerve as under Keras for a seed."""

from __future__ import annotations

import math
import os

import numpy as np

from .dataset import Dataset


def check_validation_split_arg(validation_split, subset, shuffle, seed, where: str) -> None:
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(
            f"{where}: validation_split must be between 0 and 1, got {validation_split}"
        )
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError(
            f"{where}: if subset is set, validation_split must be set, and inversely "
            f"(got validation_split={validation_split!r}, subset={subset!r})"
        )
    if subset not in ("training", "validation", "both", None):
        raise ValueError(
            f'{where}: subset must be "training", "validation" or "both", got {subset!r}'
        )
    if validation_split and shuffle and seed is None:
        raise ValueError(
            f"{where}: with validation_split and shuffle=True, give a seed, so that the "
            f"training and validation subsets do not overlap"
        )


def check_labels_arg(labels, label_mode, class_names, where: str, what: str):
    """(labels, label_mode) after Keras's checks; labels=None or label_mode=None means both."""
    if not (labels is None or (isinstance(labels, str) and labels == "inferred")):
        if not isinstance(labels, (list, tuple)):  # (a numpy array too, as in Keras)
            raise ValueError(
                f"{where}: labels must be 'inferred', None, or a list/tuple of integer labels, one "
                f"per {what} file in the directory (in sorted path order); got {labels!r}"
            )
        if class_names:
            raise ValueError(
                f'{where}: class_names can only be given with labels="inferred"; got '
                f"labels={labels!r} and class_names={class_names!r}"
            )
    if label_mode not in ("int", "categorical", "binary", None):
        raise ValueError(
            f'{where}: label_mode must be "int", "categorical", "binary" or None, got '
            f"{label_mode!r}"
        )
    if labels is None or label_mode is None:
        return None, None
    return labels, label_mode


def _valid_files(directory: str, follow_links: bool, formats: tuple):
    """(root, file name) of the files with an allowed suffix, walking sorted by folder then
    name, as Keras's iter_valid_files."""
    walk = os.walk(directory, followlinks=follow_links)
    for root, _, files in sorted(walk, key=lambda x: x[0]):
        for fname in sorted(files):
            if fname.lower().endswith(formats):
                yield root, fname


def index_directory(
    directory, labels, formats, class_names, shuffle, seed, follow_links, verbose, where
):
    """(file paths, labels or None, class names or None), in Keras's order: class folders in
    class_names order (sorted names by default), files sorted within each, then one shuffle of
    paths and labels with np.random.RandomState(seed) when `shuffle`."""
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        raise ValueError(f"{where}: directory {directory!r} does not exist or is not a folder")
    if labels == "inferred":
        subdirs = [
            d
            for d in sorted(os.listdir(directory))
            if os.path.isdir(os.path.join(directory, d)) and not d.startswith(".")
        ]
        if class_names is not None:
            if not set(class_names).issubset(set(subdirs)):
                raise ValueError(
                    f"{where}: class_names {list(class_names)} do not match the sub-folders of "
                    f"{directory}: expected {subdirs} (or a subset of it)"
                )
            subdirs = list(class_names)  # the order given
    else:
        subdirs = [""]
        if class_names is not None:
            raise ValueError(
                f"{where}: class_names cannot be given with labels={labels!r}"
                + (
                    " (no labels)"
                    if labels is None
                    else " (the class names are then the sorted labels)"
                )
            )
    class_indices = {name: i for i, name in enumerate(subdirs)}
    filenames, found_labels = [], []
    for subdir in subdirs:
        folder = os.path.join(directory, subdir)
        dirname = os.path.basename(folder)
        for root, fname in _valid_files(folder, follow_links, formats):
            filenames.append(
                os.path.join(dirname, os.path.relpath(os.path.join(root, fname), folder))
            )
            found_labels.append(class_indices[dirname])

    if labels == "inferred":
        labels = np.asarray(found_labels, dtype=np.int32)
        names = list(subdirs)
    elif labels is None:
        names = None
    else:
        if len(labels) != len(filenames):
            raise ValueError(
                f"{where}: labels has {len(labels)} entries but {len(filenames)} files were "
                f"found in {directory}; give one label per file"
            )
        names = [str(label) for label in sorted(set(labels))]
        labels = list(labels)
    if verbose:
        if labels is None:
            print(f"Found {len(filenames)} files.")
        else:
            print(f"Found {len(filenames)} files belonging to {len(names)} classes.")
    file_paths = [os.path.join(directory, f) for f in filenames]
    if shuffle:
        # Keras shuffles paths and labels with two generators seeded alike: the same permutation.
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(file_paths)
        if labels is not None:
            np.random.RandomState(seed).shuffle(labels)
    return file_paths, labels, names


def training_or_validation_split(samples, labels, validation_split, subset):
    """Keras's split: the last int(validation_split * n) samples are the validation subset."""
    if not validation_split:
        return samples, labels
    num_val = int(validation_split * len(samples))
    if subset == "training":
        print(f"Using {len(samples) - num_val} files for training.")
        samples = samples[:-num_val]
        labels = None if labels is None else labels[:-num_val]
    elif subset == "validation":
        print(f"Using {num_val} files for validation.")
        samples = samples[-num_val:]
        labels = None if labels is None else labels[-num_val:]
    else:
        raise ValueError(f'subset must be "training" or "validation", got {subset!r}')
    return samples, labels


def encode_labels(labels, label_mode: str, num_classes: int) -> np.ndarray:
    """Labels as Keras yields them: int32 (n,), binary float32 (n, 1), categorical float32
    one-hot (n, num_classes)."""
    labels = np.asarray(labels)
    if label_mode == "int":
        return labels.astype(np.int32)
    if label_mode == "binary":
        return labels.astype(np.float32).reshape(-1, 1)
    out = np.zeros((len(labels), num_classes), dtype=np.float32)
    valid = (labels >= 0) & (labels < num_classes)  # tf.one_hot: an out-of-range label is all 0
    out[np.nonzero(valid)[0], labels[valid].astype(np.int64)] = 1.0
    return out


def file_dataset(
    paths, labels, label_mode, num_classes, load, batch_size, shuffle, seed
) -> Dataset:
    """A dataset reading `load(path)` per file, with its encoded label when label_mode, in
    batches of `batch_size` (None: one sample per element). With `shuffle` each pass visits the
    files in a new order drawn from a generator seeded by `seed`."""
    y = None if label_mode is None else encode_labels(labels, label_mode, num_classes)
    n = len(paths)
    rng = np.random.default_rng(seed)

    def element(indices):
        x = np.stack([load(paths[i]) for i in indices])
        return x if y is None else (x, y[indices])

    def make_pass():
        order = rng.permutation(n) if shuffle else np.arange(n)
        if batch_size is None:
            for i in order:
                x = load(paths[i])
                yield x if y is None else (x, y[i])
            return
        for start in range(0, n, batch_size):
            yield element(order[start : start + batch_size])

    return Dataset(make_pass, n if batch_size is None else math.ceil(n / batch_size), batch_size)
