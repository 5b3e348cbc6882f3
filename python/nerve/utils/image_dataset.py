"""image_dataset_from_directory: Keras's keras.utils.image_dataset_from_directory over nerve's
Dataset (nerve.utils.dataset) instead of a tf.data dataset.

The same files in the same order with the same labels land in the same split as under Keras for a
seed (directory_index), and each image is decoded by Pillow, converted to color_mode and resized
with Keras's bilinear (or nearest) resize, so the pixel values are Keras's. What differs: the
batches are numpy arrays, and with shuffle=True the order of the samples within an epoch is drawn
by numpy (Keras's tf.data shuffle draws another order from the same files).
"""

from __future__ import annotations

import functools

import numpy as np

from . import directory_index
from .image_utils import (
    KERAS_ONLY_INTERPOLATIONS,
    RESIZE_INTERPOLATIONS,
    checked_data_format,
    convert_mode,
    crop_box,
    open_image,
    resize_image,
)

ALLOWLIST_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
_CHANNELS = {"grayscale": 1, "rgb": 3, "rgba": 4}
_WHERE = "image_dataset_from_directory"


def load_image(path, image_size, color_mode, interpolation, crop_to_aspect_ratio, data_format):
    """One file as float32 (height, width, channels) resized to image_size, as Keras loads it
    (an animated GIF gives its first frame)."""
    img = convert_mode(open_image(path, _WHERE), color_mode, _WHERE)
    x = np.asarray(img, dtype=np.float32)
    if x.ndim == 2:
        x = x[:, :, None]
    if crop_to_aspect_ratio:
        top, left, h, w = crop_box(x.shape[0], x.shape[1], image_size)
        x = x[top : top + h, left : left + w]
    x = resize_image(x, image_size, interpolation)
    return x.transpose(2, 0, 1) if data_format == "channels_first" else x


def image_dataset_from_directory(
    directory,
    labels="inferred",
    label_mode="int",
    class_names=None,
    color_mode="rgb",
    batch_size=32,
    image_size=(256, 256),
    shuffle=True,
    seed=None,
    validation_split=None,
    subset=None,
    interpolation="bilinear",
    follow_links=False,
    crop_to_aspect_ratio=False,
    pad_to_aspect_ratio=False,
    data_format=None,
    format="tf",
    verbose=True,
):
    """Batches of images (and labels) from a folder of class sub-folders, as Keras's
    keras.utils.image_dataset_from_directory: returns a nerve Dataset (a tuple of two for
    subset="both") with `class_names` and `file_paths`, which fit / evaluate / predict read.

    Elements: images float32 (batch, height, width, channels) (channels 1, 3, 4 for "grayscale",
    "rgb", "rgba"); with labels, (images, labels) where labels are int32 (batch,) for
    label_mode="int", float32 (batch, 1) for "binary", float32 one-hot (batch, classes) for
    "categorical". batch_size=None yields single samples.

    Supported like Keras: labels "inferred" / None / a list, class_names, color_mode, batch_size,
    image_size, shuffle / seed, validation_split with subset "training" / "validation" / "both",
    interpolation "bilinear" / "nearest", follow_links, crop_to_aspect_ratio, data_format, verbose.
    Not supported (a ValueError says so): the other interpolations, pad_to_aspect_ratio.
    `format` ("tf" or "grain") is accepted for Keras's signature; either gives a nerve Dataset.
    Reading images needs Pillow.
    """
    labels, label_mode = directory_index.check_labels_arg(
        labels, label_mode, class_names, _WHERE, "image"
    )
    if color_mode not in _CHANNELS:
        raise ValueError(
            f'{_WHERE}: color_mode must be "rgb", "rgba" or "grayscale", got {color_mode!r}'
        )
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    elif not isinstance(image_size, (list, tuple)) or len(image_size) != 2:
        raise ValueError(
            f"{_WHERE}: image_size must be a tuple of 2 integers (height, width), got "
            f"{image_size!r}"
        )
    image_size = (int(image_size[0]), int(image_size[1]))
    interpolation = str(interpolation).lower()
    if interpolation in KERAS_ONLY_INTERPOLATIONS:
        raise ValueError(
            f"{_WHERE}: interpolation={interpolation!r} is not supported by nerve (Keras has "
            f"it); use one of {RESIZE_INTERPOLATIONS}"
        )
    if interpolation not in RESIZE_INTERPOLATIONS:
        raise ValueError(
            f"{_WHERE}: interpolation must be one of "
            f"{RESIZE_INTERPOLATIONS + KERAS_ONLY_INTERPOLATIONS}, got {interpolation!r}"
        )
    if pad_to_aspect_ratio:
        raise ValueError(
            f"{_WHERE}: pad_to_aspect_ratio=True is not supported by nerve; use "
            f"crop_to_aspect_ratio=True or resize with distortion (the default)"
        )
    if format not in ("tf", "grain"):
        raise ValueError(f'{_WHERE}: format must be "tf" or "grain", got {format!r}')
    data_format = checked_data_format(data_format, _WHERE)
    if batch_size is not None and (isinstance(batch_size, bool) or int(batch_size) <= 0):
        raise ValueError(f"{_WHERE}: batch_size must be a positive int or None, got {batch_size!r}")
    batch_size = None if batch_size is None else int(batch_size)
    directory_index.check_validation_split_arg(validation_split, subset, shuffle, seed, _WHERE)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, labels, class_names = directory_index.index_directory(
        directory,
        labels,
        ALLOWLIST_FORMATS,
        class_names,
        shuffle,
        seed,
        follow_links,
        verbose,
        _WHERE,
    )
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(
            f'{_WHERE}: label_mode="binary" needs exactly 2 classes, got class_names={class_names}'
        )
    load = functools.partial(
        load_image,
        image_size=image_size,
        color_mode=color_mode,
        interpolation=interpolation,
        crop_to_aspect_ratio=crop_to_aspect_ratio,
        data_format=data_format,
    )
    num_classes = len(class_names) if class_names else 0

    def make(subset_name, shuffle_it):
        p, y = directory_index.training_or_validation_split(
            paths, labels, validation_split, subset_name
        )
        if not p:
            which = f"{subset_name} " if subset == "both" else ""
            raise ValueError(
                f"{_WHERE}: no {which}images found in directory {directory}. Allowed formats: "
                f"{ALLOWLIST_FORMATS}"
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
