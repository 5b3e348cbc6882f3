"""Saving and loading models: one file with the architecture, weights and optimizer state."""

from ..errors import ModelFileError
from ..utils.object_registration import (
    custom_object_scope,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from .keras_format import model_from_json
from .object_serialization import deserialize_keras_object, serialize_keras_object
from .saving_lib import load_model, load_weights, save_model, save_weights

__all__ = [
    "ModelFileError",
    "deserialize_keras_object",
    "serialize_keras_object",
    "custom_object_scope",
    "get_registered_name",
    "get_registered_object",
    "register_keras_serializable",
    "load_model",
    "model_from_json",
    "load_weights",
    "save_model",
    "save_weights",
]
