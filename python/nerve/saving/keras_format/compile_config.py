"""compile() arguments in a .keras file's config.json (optimizer, loss, metrics) in and out.
(The optimizer's state is in model.weights.h5: optimizer_state.py.)"""

from __future__ import annotations

from ...errors import ModelFileError
from .. import serialization as ser
from .config_in import _strip

# Keras compile() arguments that do not change what training computes
_NO_EFFECT = ("run_eagerly", "steps_per_execution", "jit_compile", "auto_scale_loss")


def compile_from_keras(model, config, where: str) -> None:
    """model.compile(...) with the arguments a Keras model was compiled with."""
    if not config:
        return
    if not isinstance(config, dict):
        raise ModelFileError(f"{where}: config.json's compile_config is not a dict")
    config = _strip(config)
    known = ("optimizer", "loss", "metrics", "loss_weights", "weighted_metrics", *_NO_EFFECT)
    unknown = sorted(k for k in config if k not in known and config[k] is not None)
    if unknown:
        raise ModelFileError(
            f"{where}: the model was compiled with {unknown}, which nerve does not support; "
            f"load it with compile=False and compile it yourself"
        )
    try:
        model.compile(
            optimizer=ser.deserialize_optimizer(config["optimizer"]),
            loss=ser.deserialize_loss(config.get("loss")),
            metrics=ser.deserialize_metrics(config.get("metrics")),
            loss_weights=config.get("loss_weights"),
            weighted_metrics=ser.deserialize_metrics(config.get("weighted_metrics")),
        )
    except (ModelFileError, ValueError, TypeError, KeyError) as e:
        raise ModelFileError(
            f"{where}: the Keras model's compile() arguments cannot be used in nerve ({e}); "
            f"load it with compile=False and compile it yourself"
        ) from e


_MODULES = {
    "optimizer": "keras.optimizers",
    "loss": "keras.losses",
    "metrics": "keras.metrics",
    "weighted_metrics": "keras.metrics",
}


def _with_module(value, module: str):
    """Keras's {"module", "class_name", "config", "registered_name"} for serialized objects."""
    if isinstance(value, list):
        return [_with_module(v, module) for v in value]
    if isinstance(value, dict) and value.get("class_name") == "function":  # a loss function
        return {**value, "module": "builtins", "registered_name": "function"}
    if isinstance(value, dict) and "class_name" in value:
        config = dict(value.get("config") or {})
        lr = config.get("learning_rate")
        if isinstance(lr, dict) and "class_name" in lr:  # a learning-rate schedule
            config["learning_rate"] = _with_module(lr, "keras.optimizers.schedules")
        return {"module": module, **value, "config": config, "registered_name": None}
    if isinstance(value, dict):
        return {k: _with_module(v, module) for k, v in value.items()}
    return value


def compile_to_keras(model):
    """The compile_config Keras 3 reads, or None for a model never compiled."""
    c = getattr(model, "_compile_config", None)
    if c is None or model.optimizer is None:
        return None
    config = {
        "optimizer": ser.serialize_optimizer(model.optimizer),
        "loss": ser.serialize_loss(c["loss"]),
        "loss_weights": c["loss_weights"],
        "metrics": ser.serialize_metrics(c["metrics"]),
        "weighted_metrics": ser.serialize_metrics(c.get("weighted_metrics")),
    }
    return {k: _with_module(v, _MODULES.get(k, "")) for k, v in config.items()}
