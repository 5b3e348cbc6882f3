"""Keras 3 .keras archives: a zip of metadata.json, config.json and model.weights.h5.

Reading looks only at those three entries, parses JSON and reads HDF5 datasets as arrays:
nothing in the file is executed, imported or unpickled, and nothing is extracted to disk.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import zipfile
import zlib

from ...errors import ModelFileError
from .. import file_format as ff
from . import config_in, config_out, optimizer_state, weights
from .compile_config import compile_from_keras, compile_to_keras

KERAS_EXTENSION = ".keras"
# The Keras release whose files these are tested against (metadata.json's keras_version)
KERAS_VERSION = "3.15.1"
_CONFIG, _METADATA, _WEIGHTS = "config.json", "metadata.json", "model.weights.h5"
_MAX_JSON_BYTES = 64 << 20  # a config larger than this is not a model description


def is_keras_path(filepath) -> bool:
    return os.fspath(filepath).lower().endswith(KERAS_EXTENSION)


def _json(archive: zipfile.ZipFile, name: str, path: str):
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise ModelFileError(f"{path} is not a Keras .keras file: it has no {name}") from None
    if info.file_size > _MAX_JSON_BYTES:
        raise ModelFileError(f"{path}: {name} is {info.file_size} bytes, too large for a config")
    try:
        return json.loads(archive.read(name).decode("utf-8"))
    except (ValueError, UnicodeDecodeError, zipfile.BadZipFile, OSError) as e:
        raise ModelFileError(f"{path} is corrupt: {name} cannot be read ({e})") from e


def _read(path: str):
    """(config.json's dict, the bytes of model.weights.h5) of a Keras 3 archive."""
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, OSError) as e:
        raise ModelFileError(f"{path} is not a Keras .keras file (not a zip archive: {e})") from e
    with archive:
        metadata = _json(archive, _METADATA, path)
        version = metadata.get("keras_version") if isinstance(metadata, dict) else None
        if not isinstance(version, str) or not version.startswith("3."):
            raise ModelFileError(
                f"{path}: written by Keras {version!r}; nerve reads Keras 3 .keras files"
            )
        config = _json(archive, _CONFIG, path)
        try:
            data = archive.read(_WEIGHTS)
        except KeyError:
            raise ModelFileError(
                f"{path} has no {_WEIGHTS} (sharded weights are not read)"
            ) from None
        except (zipfile.BadZipFile, OSError, zlib.error) as e:
            raise ModelFileError(f"{path} is corrupt: {_WEIGHTS} cannot be read ({e})") from e
    return config, data


def _read_weights(data: bytes, layers: list, path: str) -> None:
    h5py = weights._h5py()
    try:
        h5 = h5py.File(io.BytesIO(data), "r")
    except OSError as e:
        raise ModelFileError(f"{path} is corrupt: {_WEIGHTS} is not an HDF5 file ({e})") from e
    with h5:
        weights.read(h5, layers, path)


def load(filepath, compile: bool = True):
    """A nerve model from a Keras 3 .keras file (Sequential or functional, nerve's layers, and
    Sequential or functional models used as layers inside), compiled as the Keras model was,
    optimizer state included, when `compile`."""
    weights._h5py()  # before any work: a missing h5py names the install
    path = os.fspath(filepath)
    config, data = _read(path)
    try:
        model, layers = config_in.build_model(config)
    except (KeyError, TypeError, AttributeError, IndexError) as e:  # a malformed config
        raise ModelFileError(
            f"{path} is corrupt or not a model nerve can read: config.json: {type(e).__name__}: {e}"
        ) from e
    _read_weights(data, layers, path)
    if compile and config.get("compile_config"):
        compile_from_keras(model, config["compile_config"], path)
        with weights._h5py().File(io.BytesIO(data), "r") as h5:
            optimizer_state.read(h5, model, path)
    return model


def load_weights(model, filepath) -> None:
    """The weights of a Keras 3 .keras file into a built nerve model of the same architecture
    (Sequential or functional); nothing changes if any array does not fit."""
    weights._h5py()
    path = os.fspath(filepath)
    _, data = _read(path)
    _, layers = config_out.model_config(model)  # where each of the model's layers sits
    _read_weights(data, layers, path)


def save(model, filepath, overwrite: bool = True) -> None:
    """Writes a .keras file Keras 3 loads with keras.saving.load_model: architecture, weights,
    compile arguments and the optimizer's state."""
    h5py = weights._h5py()
    path = os.fspath(filepath)
    if not model.built:
        raise ValueError(
            f"save: {type(model).__name__} '{model.name}' is not built yet; build it "
            f"(or fit/predict once) before saving"
        )
    config, layers = config_out.model_config(model)
    config["compile_config"] = compile_to_keras(model)
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        weights.write(h5, model, layers)
        optimizer_state.write(h5, model)
    metadata = {
        "keras_version": KERAS_VERSION,
        "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
    }

    def entries():
        yield _METADATA, lambda: ff.json_bytes(metadata)
        yield _CONFIG, lambda: ff.json_bytes(config)
        yield _WEIGHTS, buffer.getvalue

    ff.write_atomic(path, entries(), overwrite)
