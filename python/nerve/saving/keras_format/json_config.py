"""model.to_json() and model_from_json(): a model's architecture (and compile() arguments) as
the JSON text Keras 3 writes, the config.json of a .keras file without its weights, so the text
goes both ways between nerve and Keras (keras.models.model_from_json reads nerve's)."""

from __future__ import annotations

import json

from ...errors import ModelFileError
from ...utils.object_registration import custom_object_scope
from . import config_in, config_out
from .compile_config import compile_from_keras, compile_to_keras


def to_json(model, **kwargs) -> str:
    """Sequential and functional models (models used as layers inside too); json.dumps's
    keyword arguments (indent=2, ...) pass."""
    if not model.built:
        raise ValueError(
            f"to_json: {type(model).__name__} '{model.name}' is not built yet; build it (or "
            f"call it on data) first"
        )
    config, _ = config_out.model_config(model)
    compile_config = compile_to_keras(model)
    if compile_config is not None:
        config["compile_config"] = compile_config
    return json.dumps(config, **kwargs)


def model_from_json(json_string, custom_objects=None):
    """A new model (its weights drawn afresh) from to_json's text or Keras's; compiled as it was
    when the text holds compile() arguments (custom loss functions from custom_objects)."""
    try:
        entry = json.loads(json_string)
    except (TypeError, ValueError) as e:
        raise ModelFileError(f"model_from_json: not JSON text: {e}") from e
    with custom_object_scope(custom_objects or {}):
        model, _ = config_in.build_model(entry)
        if entry.get("compile_config"):
            compile_from_keras(model, entry["compile_config"], "model_from_json")
    return model
