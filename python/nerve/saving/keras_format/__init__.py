"""Keras 3 .keras files: nerve.models.load_model (and Model.load_weights) read them, model.save
writes them; model.to_json / nerve.models.model_from_json are their config.json as text."""

from .archive import KERAS_EXTENSION, is_keras_path, load, load_weights, save
from .json_config import model_from_json, to_json

__all__ = [
    "KERAS_EXTENSION",
    "is_keras_path",
    "load",
    "load_weights",
    "model_from_json",
    "save",
    "to_json",
]
