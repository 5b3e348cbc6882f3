"""serialize_keras_object / deserialize_keras_object: any nerve object <-> Keras 3's JSON-able
form {"module", "class_name", "config", "registered_name"} (keras.saving's functions).

nerve's own classes are written under Keras's public module names ("keras.layers",
"keras.losses", ...), so a dict Keras wrote for a built-in object reads back here and the other
way round; a registered or custom class keeps its Python module and its registered name. Reading
only looks classes up (custom_objects, the custom_object_scope, the registry, nerve's modules): it
never imports or runs code named by the data, so a serialized lambda is refused.
"""

from __future__ import annotations

import inspect
import types

import numpy as np

from .. import activations, initializers, losses, metrics, regularizers
from ..optimizers import schedules
from ..utils.object_registration import get_registered_name, get_registered_object
from . import serialization as ser

_PLAIN = (str, int, float, bool)


def _families():
    """Keras's public module -> nerve's classes it holds, in lookup order."""
    return {
        "keras.layers": ser._layer_classes() + ser._model_classes(),
        "keras.models": ser._model_classes(),
        "keras.losses": ser._loss_classes(),
        "keras.metrics": ser._metric_classes(),
        "keras.optimizers": ser._optimizer_classes(),
        "keras.optimizers.schedules": ser._classes_in(schedules, schedules.LearningRateSchedule),
        "keras.initializers": ser._classes_in(initializers, initializers.Initializer),
        "keras.regularizers": ser._classes_in(regularizers, regularizers.Regularizer),
    }


_FUNCTION_MODULES = {
    "keras.activations": activations,
    "keras.losses": losses,
    "keras.metrics": metrics,
}


def _public_module(obj) -> str | None:
    """Keras's module name for one of nerve's own classes or functions, else None."""
    if isinstance(obj, types.FunctionType):
        for name, module in _FUNCTION_MODULES.items():
            if getattr(module, obj.__name__, None) is obj:
                return name
        return None
    cls = type(obj)
    for name, classes in _families().items():
        if any(cls is c for c in classes):
            return name
    return None


def serialize_keras_object(obj):
    """obj as Keras 3 serializes it: plain values as they are, lists and dicts element by element,
    numpy arrays as {"class_name": "__numpy__"}, functions as {"class_name": "function"}, and
    objects with get_config as {"module", "class_name", "config", "registered_name"}."""
    if obj is None or isinstance(obj, _PLAIN):
        return obj
    if isinstance(obj, (list, tuple)):
        out = [serialize_keras_object(x) for x in obj]
        return tuple(out) if isinstance(obj, tuple) else out
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if isinstance(obj, bytes):
        return {"class_name": "__bytes__", "config": {"value": obj.decode("utf-8")}}
    if isinstance(obj, np.ndarray) and obj.ndim > 0:
        return {
            "class_name": "__numpy__",
            "config": {"value": obj.tolist(), "dtype": str(obj.dtype)},
        }
    if isinstance(obj, (np.ndarray, np.generic)):
        return obj.item()
    if isinstance(obj, types.FunctionType):
        if obj.__name__ == "<lambda>":
            raise ValueError(
                "serialize_keras_object: a lambda cannot be serialized by nerve (its code would "
                "have to be stored and run on loading); use a named, registered function"
            )
        public = _public_module(obj)
        name = obj.__name__ if public else get_registered_name(obj)
        return {
            "module": public or obj.__module__,
            "class_name": "function",
            "config": name,
            "registered_name": name,
        }
    if not hasattr(obj, "get_config"):
        raise TypeError(
            f"serialize_keras_object: cannot serialize {obj!r} of type {type(obj).__name__} "
            f"(it has no get_config)"
        )
    public = _public_module(obj)
    return {
        "module": public or type(obj).__module__,
        "class_name": type(obj).__name__,
        "config": serialize_keras_object(obj.get_config()),
        "registered_name": None if public else get_registered_name(type(obj)),
    }


def _find_function(name: str, module: str | None, custom_objects):
    fn = get_registered_object(name, custom_objects)
    if fn is not None:
        return fn
    modules = [_FUNCTION_MODULES[module]] if module in _FUNCTION_MODULES else []
    for m in modules + list(_FUNCTION_MODULES.values()):
        candidate = getattr(m, name, None)
        # nerve's activations are ActivationFunction objects (callable strs), not functions
        if callable(candidate) and not inspect.isclass(candidate) and not name.startswith("_"):
            return candidate
    return None


def _find_class(class_name: str, registered_name, module, custom_objects):
    for name in (registered_name, class_name):
        if name:
            cls = get_registered_object(name, custom_objects)
            if cls is not None:
                return cls
    families = _families()
    ordered = ([families[module]] if module in families else []) + list(families.values())
    for classes in ordered:
        for cls in classes:
            if cls.__name__ == class_name:
                return cls
    return None


def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """The object a serialize_keras_object result (or Keras's) describes. A plain string names a
    function or class to return as it is (looked up in custom_objects, the scope, the registry,
    then nerve's activations, losses, metrics and classes). `module_objects` (Keras's keyword)
    is an extra {name: object} table; `safe_mode` is accepted: nerve never runs stored code."""
    module_objects = kwargs.pop("module_objects", None)
    if kwargs:
        raise TypeError(f"deserialize_keras_object: unexpected arguments {sorted(kwargs)}")
    custom_objects = {**(module_objects or {}), **(custom_objects or {})}
    if config is None or isinstance(config, (int, float, bool)):
        return config
    if isinstance(config, (list, tuple)):
        out = [deserialize_keras_object(c, custom_objects) for c in config]
        return tuple(out) if isinstance(config, tuple) else out
    if isinstance(config, str):
        found = _find_function(config, None, custom_objects) or _find_class(
            config, None, None, custom_objects
        )
        if found is None:
            raise ValueError(
                f"deserialize_keras_object: unknown object name {config!r}; pass it in "
                f"custom_objects or register it with @nerve.saving.register_keras_serializable()"
            )
        return found
    if not isinstance(config, dict):
        raise TypeError(
            f"deserialize_keras_object: expected a dict, a string or a list, got "
            f"{type(config).__name__}"
        )
    if "class_name" not in config:  # a plain dict of values
        return {k: deserialize_keras_object(v, custom_objects) for k, v in config.items()}
    class_name, inner = config["class_name"], config.get("config")
    module, registered = config.get("module"), config.get("registered_name")
    if class_name == "__numpy__":
        return np.array(inner["value"], dtype=inner["dtype"])
    if class_name == "__bytes__":
        return inner["value"].encode("utf-8")
    if class_name == "__lambda__":
        raise ValueError(
            "deserialize_keras_object: the config holds a lambda; nerve never runs stored code"
        )
    if class_name == "function":
        name = inner if isinstance(inner, str) else registered
        fn = _find_function(name, module, custom_objects) or (
            registered and _find_function(registered, module, custom_objects)
        )
        if fn is None:
            raise ValueError(
                f"deserialize_keras_object: unknown function {name!r}; pass it in "
                f"custom_objects or register it with @nerve.saving.register_keras_serializable()"
            )
        return fn
    cls = _find_class(class_name, registered, module, custom_objects)
    if cls is None:
        raise ValueError(
            f"deserialize_keras_object: unknown class {registered or class_name!r} (module "
            f"{module!r}); pass it in custom_objects or register it with "
            f"@nerve.saving.register_keras_serializable()"
        )
    return ser._construct(cls, inner if inner is not None else {}, class_name, custom_objects)
