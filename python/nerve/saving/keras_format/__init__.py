"""Keras 3 .keras files: nerve.models.load_model reads them, model.save writes them."""

from .archive import KERAS_EXTENSION, is_keras_path, load, save

__all__ = ["KERAS_EXTENSION", "is_keras_path", "load", "save"]
