"""Utilities: seeding, the progress bar, label and sequence helpers, and Keras's data utilities
(datasets from folders and arrays, image files, split_dataset, object serialization)."""

import random

import numpy as np

from .. import _core
from .batch_structure import pack_x_y_sample_weight, unpack_x_y_sample_weight
from .dataset import Dataset
from .dataset_split import split_dataset
from .file_utils import get_file
from .image_dataset import image_dataset_from_directory
from .image_utils import array_to_img, img_to_array, load_img, save_img
from .naming import clear_session
from .numerical_utils import normalize, to_categorical
from .object_registration import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from .progbar import Progbar
from .py_dataset import PyDataset, Sequence
from .sequence_utils import pad_sequences
from .text_dataset import text_dataset_from_directory
from .timeseries_dataset import timeseries_dataset_from_array


def set_random_seed(seed: int) -> None:
    """Seed every random choice nerve makes (initializers, shuffling), and Python's and numpy's
    global generators as Keras does: a whole fit reproduces bit for bit at a fixed thread count and
    instruction set (the README's "Determinism" says what changes across them)."""
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"set_random_seed: seed must be a non-negative int, got {seed!r}")
    _core.set_seed(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)


__all__ = [
    "CustomObjectScope",
    "Dataset",
    "get_custom_objects",
    "get_file",
    "normalize",
    "split_dataset",
    "timeseries_dataset_from_array",
    "array_to_img",
    "image_dataset_from_directory",
    "img_to_array",
    "load_img",
    "save_img",
    "text_dataset_from_directory",
    "Progbar",
    "custom_object_scope",
    "get_registered_name",
    "get_registered_object",
    "register_keras_serializable",
    "PyDataset",
    "Sequence",
    "clear_session",
    "pack_x_y_sample_weight",
    "pad_sequences",
    "set_random_seed",
    "to_categorical",
    "unpack_x_y_sample_weight",
]
