"""Objects <-> JSON-able dicts {"class_name", "config"} (layers, losses, optimizers, models).

Rebuilding goes through the class's from_config (or its constructor) with the saved config as
keyword arguments; classes are found only through utils.object_registration (no code is imported or
run from a file).
"""

from __future__ import annotations

import inspect

from .. import losses, metrics, optimizers
from ..errors import ModelFileError
from ..optimizers import schedules
from ..utils.object_registration import get_registered_name, get_registered_object


def _classes_in(module, base) -> list:
    return [v for v in vars(module).values() if isinstance(v, type) and issubclass(v, base)]


# nerve's own layer and model classes, found in the modules that export them. The layers and
# models that hold other layers (Sequential, functional models, wrappers) import this module to
# save and rebuild them, so it cannot import those modules: nerve/__init__.py registers them
# here once everything is loaded.
_builtin_modules: dict = {}


def register_builtin_classes(what: str, module, base) -> None:
    """Classes of `module` that subclass `base` are nerve's own `what` ("layer", "model")."""
    _builtin_modules[what] = (module, base)


def builtin_module(what: str):
    """The module of nerve's own `what` ("layer": nerve.layers, "model": nerve.models), for the
    savers that build them without importing them (which would be an import cycle)."""
    return _builtin_modules[what][0]


def _builtin_classes(what: str) -> list:
    module, base = _builtin_modules[what]
    return _classes_in(module, base)


def _layer_classes() -> list:
    return _builtin_classes("layer")


def _model_classes() -> list:
    return _builtin_classes("model")


def _loss_classes() -> list:
    return _classes_in(losses, losses.Loss)


def _optimizer_classes() -> list:
    return _classes_in(optimizers, optimizers.Optimizer)


def serialize(obj) -> dict:
    if inspect.isfunction(obj) or inspect.isbuiltin(obj):  # a loss or metric function
        return {"class_name": "function", "config": get_registered_name(obj)}
    return {"class_name": get_registered_name(type(obj)), "config": obj.get_config()}


def deserialize_function(name, what: str, custom_objects=None, module=None):
    """A loss or metric function saved by name: custom_objects, the custom_object_scope and the
    registry first, then `module`'s own functions (nerve.losses.mean_squared_error, ...)."""
    if not isinstance(name, str):
        raise ModelFileError(f"a saved {what} function has a name of type {type(name).__name__}")
    fn = get_registered_object(name, custom_objects)
    if fn is None and module is not None and inspect.isfunction(getattr(module, name, None)):
        fn = getattr(module, name)
    if fn is None or not callable(fn):
        short = name.split(">")[-1]
        raise ModelFileError(
            f"Unknown {what} function {name!r} (the model was compiled with it). Pass it to "
            f"load_model(..., custom_objects={{{short!r}: {short}}}), decorate it with "
            f"@nerve.saving.register_keras_serializable(), or load with compile=False"
        )
    return fn


def lookup_class(class_name, what: str, custom_objects, module_classes):
    if not isinstance(class_name, str):
        raise ModelFileError(f"a saved {what} has a class name of type {type(class_name).__name__}")
    cls = get_registered_object(class_name, custom_objects, module_classes)
    if cls is None:
        raise ModelFileError(
            f"Unknown {what} class {class_name!r}. If it is a custom {what}, pass it to "
            f"load_model(..., custom_objects={{{class_name.split('>')[-1]!r}: "
            f"{class_name.split('>')[-1]}}}) or decorate it with "
            f"@nerve.saving.register_keras_serializable()"
        )
    return cls


def _accepts(fn, name: str) -> bool:
    params = inspect.signature(fn).parameters
    return name in params or any(p.kind == p.VAR_KEYWORD for p in params.values())


def _construct(cls, config: dict, what: str, custom_objects=None):
    """cls.from_config(config), or cls(**config) keeping only the arguments it takes."""
    if not isinstance(config, dict):
        raise ModelFileError(f"the saved config of {what} {cls.__name__} is not a dict")
    try:
        if hasattr(cls, "from_config"):
            if _accepts(cls.from_config, "custom_objects"):
                return cls.from_config(config, custom_objects=custom_objects)
            return cls.from_config(config)
        params = inspect.signature(cls).parameters
        if not any(p.kind == p.VAR_KEYWORD for p in params.values()):
            config = {k: v for k, v in config.items() if k in params}
        return cls(**config)
    except ModelFileError:
        raise
    except (TypeError, ValueError, KeyError, IndexError, AttributeError) as e:
        raise ModelFileError(
            f"could not rebuild {what} {cls.__name__} from its saved config {config!r}: {e}"
        ) from e


def serialize_layer(layer) -> dict:
    return serialize(layer)


def deserialize_layer(entry, custom_objects=None):
    if not isinstance(entry, dict):
        raise ModelFileError("a saved layer entry is not a dict")
    # A model used as a layer (Sequential([base_model, ...])) is saved as its own config.
    cls = lookup_class(
        entry.get("class_name"), "layer", custom_objects, _layer_classes() + _model_classes()
    )
    return _construct(cls, entry.get("config", {}), "layer", custom_objects)


def deserialize_model(entry, custom_objects=None):
    cls = lookup_class(entry.get("class_name"), "model", custom_objects, _model_classes())
    return _construct(cls, entry.get("config", {}), "model", custom_objects)


def _serialize_nested(spec, leaf):
    """Names (strings) and None stay as they are; lists and dicts keep their structure; every
    other object becomes leaf(object)."""
    if spec is None or isinstance(spec, str):
        return spec
    if isinstance(spec, (list, tuple)):
        return [_serialize_nested(s, leaf) for s in spec]
    if isinstance(spec, dict):
        return {k: _serialize_nested(v, leaf) for k, v in spec.items()}
    return leaf(spec)


def serialize_loss(loss):
    """Loss names stay strings; Loss objects become {"class_name", "config"}; lists and dicts of
    them keep their structure."""
    return _serialize_nested(loss, serialize)


def _metric_classes() -> list:
    return _classes_in(metrics, metrics.Metric)


def serialize_metrics(spec):
    """compile()'s metrics / weighted_metrics: names stay strings, Metric objects (and classes)
    become {"class_name", "config"}; lists and dicts keep their structure."""

    def leaf(m):
        return serialize(m() if isinstance(m, type) and issubclass(m, metrics.Metric) else m)

    return _serialize_nested(spec, leaf)


def _deserialize_nested(spec, what: str, classes, custom_objects, unexpected: str):
    """A compile() argument as saved: a name, a serialized object ({"class_name", "config"}), or a
    list / dict (one per output) of those. `classes()` lists the module's classes to look in."""
    if spec is None or isinstance(spec, str):
        return spec
    if isinstance(spec, list):
        return [_deserialize_nested(m, what, classes, custom_objects, unexpected) for m in spec]
    if isinstance(spec, dict) and spec.get("class_name") == "function":
        module = losses if what == "loss" else metrics
        return deserialize_function(spec.get("config"), what, custom_objects, module)
    if isinstance(spec, dict) and "class_name" in spec:
        cls = lookup_class(spec["class_name"], what, custom_objects, classes())
        return _construct(cls, spec.get("config", {}), what, custom_objects)
    if isinstance(spec, dict):
        return {
            k: _deserialize_nested(v, what, classes, custom_objects, unexpected)
            for k, v in spec.items()
        }
    raise ModelFileError(f"{unexpected}: {spec!r}")


def deserialize_metrics(spec, custom_objects=None):
    return _deserialize_nested(
        spec, "metric", _metric_classes, custom_objects, "saved metrics have an unexpected form"
    )


def deserialize_loss(spec, custom_objects=None):
    return _deserialize_nested(
        spec, "loss", _loss_classes, custom_objects, "a saved loss has an unexpected form"
    )


def _schedule_classes() -> list:
    return _classes_in(schedules, schedules.LearningRateSchedule)


def serialize_optimizer(optimizer) -> dict:
    """{"class_name", "config"}; a learning-rate schedule is nested the same way. A plain Python
    callable as learning rate cannot be stored: the rate it gives now is saved instead."""
    entry = serialize(optimizer)
    lr = entry["config"].get("learning_rate")
    if callable(lr) and not hasattr(lr, "get_config"):
        entry["config"]["learning_rate"] = float(optimizer._core.current_learning_rate())
    return entry


def deserialize_optimizer(spec, custom_objects=None):
    if not isinstance(spec, dict):
        raise ModelFileError(f"a saved optimizer has an unexpected form: {spec!r}")
    cls = lookup_class(spec.get("class_name"), "optimizer", custom_objects, _optimizer_classes())
    config = spec.get("config", {})
    lr = config.get("learning_rate") if isinstance(config, dict) else None
    if isinstance(lr, dict) and "class_name" in lr:
        schedule_cls = lookup_class(
            lr["class_name"], "learning-rate schedule", custom_objects, _schedule_classes()
        )
        config = {
            **config,
            "learning_rate": _construct(
                schedule_cls, lr.get("config", {}), "learning-rate schedule", custom_objects
            ),
        }
    return _construct(cls, config, "optimizer", custom_objects)
