"""Keras 3's weights-only file (model.save_weights("w.weights.h5"), ModelCheckpoint with
save_weights_only=True): the HDF5 file that a .keras archive holds as model.weights.h5, on its
own. Keras's load_weights reads the ones nerve writes and nerve reads Keras's (Sequential and
functional models; the optimizer's state goes with the weights as Keras writes it)."""

from __future__ import annotations

import io
import os

from ...errors import ModelFileError
from .. import file_format as ff
from . import config_out, optimizer_state, weights

WEIGHTS_H5_EXTENSION = ".weights.h5"


def is_weights_h5_path(filepath) -> bool:
    return os.fspath(filepath).lower().endswith(WEIGHTS_H5_EXTENSION)


def save_weights_h5(model, filepath, overwrite: bool = True) -> None:
    h5py = weights._h5py()  # before any work: a missing h5py names the install
    path = os.fspath(filepath)
    _, layers = config_out.model_config(model)
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        weights.write(h5, model, layers)
        optimizer_state.write(h5, model)
    ff.write_atomic_bytes(path, buffer.getvalue(), overwrite)


def load_weights_h5(model, filepath) -> None:
    """Nothing changes if any array does not fit (weights.read checks them all first)."""
    h5py = weights._h5py()
    path = os.fspath(filepath)
    _, layers = config_out.model_config(model)
    try:
        h5 = h5py.File(path, "r")
    except FileNotFoundError:
        raise
    except OSError as e:
        raise ModelFileError(f"{path} is not an HDF5 weights file ({e})") from e
    with h5:
        weights.read(h5, layers, path)
