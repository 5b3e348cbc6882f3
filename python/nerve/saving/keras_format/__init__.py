"""Keras 3 .keras files: nerve.models.load_model (and Model.load_weights) read them, model.save
writes them."""

from .archive import KERAS_EXTENSION, is_keras_path, load, load_weights, save

__all__ = ["KERAS_EXTENSION", "is_keras_path", "load", "load_weights", "save"]
