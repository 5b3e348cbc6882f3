"""Keras 3 .keras files: nerve.models.load_model (and Model.load_weights) read them, model.save
writes them; model.to_json / nerve.models.model_from_json are their config.json as text."""

from .archive import KERAS_EXTENSION, is_keras_path, load, load_weights, save
from .json_config import model_from_json, to_json
from .weights_file import is_weights_h5_path, load_weights_h5, save_weights_h5

__all__ = [
    "KERAS_EXTENSION",
    "is_keras_path",
    "is_weights_h5_path",
    "load",
    "load_weights",
    "load_weights_h5",
    "model_from_json",
    "save",
    "save_weights_h5",
    "to_json",
]
