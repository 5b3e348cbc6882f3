"""Lambda: a layer from a Python function of nerve.ops, traced into C++ like any Python layer."""

from __future__ import annotations

import inspect

from ..errors import ModelFileError
from ..utils.keras_args import UnsupportedArgumentError, reject_unsupported
from ..utils.object_registration import get_registered_name, get_registered_object
from .base import Layer
from .tracing import call_takes


class Lambda(Layer):
    """`Lambda(function, output_shape=None, mask=None, arguments=None)`: `function(inputs,
    **arguments)` built from nerve.ops, as a layer (Keras). It is traced once, like a custom
    layer's call(), and runs in C++.

    Saving: a named function is saved by its registered name and found again through
    custom_objects or @nerve.saving.register_keras_serializable; a Python lambda cannot be loaded
    (nerve never runs code from a file; Keras refuses it in safe mode too)."""

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        who = f"Lambda '{self.name}'"
        if not callable(function):
            raise TypeError(f"{who}: function must be callable, got {type(function).__name__}")
        reject_unsupported(who, Lambda.__init__, mask=mask)  # nerve's own layers carry masks
        if callable(output_shape):
            raise UnsupportedArgumentError(
                f"{who}: output_shape as a function is not supported yet; give a tuple (or "
                f"leave it out: the shape is found by tracing the function)"
            )
        if isinstance(output_shape, int):
            output_shape = (output_shape,)
        self.function = function
        self.output_shape = None if output_shape is None else tuple(output_shape)
        if arguments is not None and not isinstance(arguments, dict):
            raise ValueError(
                f"{who}: arguments must be a dict of keyword arguments for the function, got "
                f"{type(arguments).__name__}"
            )
        self.arguments = {} if arguments is None else arguments  # keyword arguments of function

    def _mask_rule(self) -> str:
        # Keras's Lambda (mask=None) drops a mask, after giving it to a function that names one
        try:
            reads = "mask" in inspect.signature(self.function).parameters
        except (TypeError, ValueError):  # a builtin without a signature
            reads = False
        return "refuse" if reads else "drop"

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if call_takes(self.function, "mask") and "mask" not in kwargs:
            kwargs["mask"] = mask
        if call_takes(self.function, "training") and "training" not in kwargs:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def get_config(self) -> dict:
        config = super().get_config()
        fn = self.function
        if getattr(fn, "__name__", "<lambda>") == "<lambda>" or not inspect.isfunction(fn):
            entry = {"class_name": "__lambda__", "config": getattr(fn, "__qualname__", "lambda")}
        else:
            entry = {"class_name": "function", "config": get_registered_name(fn)}
        config.update(
            {
                "function": entry,
                "output_shape": None if self.output_shape is None else list(self.output_shape),
                "arguments": self.arguments,
            }
        )
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        config = dict(config)
        entry = config.pop("function", None)
        name = config.get("name", "?")
        if not isinstance(entry, dict) or entry.get("class_name") not in ("function", "__lambda__"):
            raise ModelFileError(f"Lambda '{name}': the saved function entry is corrupt: {entry!r}")
        if entry["class_name"] == "__lambda__":
            raise ModelFileError(
                f"Lambda '{name}' holds a Python lambda: nerve cannot load it, because that "
                f"would mean running code from the file (Keras refuses it too, in safe mode). "
                f"Use a named function and pass it as load_model(..., custom_objects="
                f"{{'my_fn': my_fn}}) or decorate it with "
                f"@nerve.saving.register_keras_serializable()"
            )
        fn_name = entry.get("config")
        fn = get_registered_object(fn_name, custom_objects) if isinstance(fn_name, str) else None
        if fn is None:
            raise ModelFileError(
                f"Lambda '{name}': unknown function {fn_name!r}; pass it to load_model(..., "
                f"custom_objects={{{str(fn_name).split('>')[-1]!r}: ...}}) or decorate it "
                f"with @nerve.saving.register_keras_serializable()"
            )
        if config.get("output_shape") is not None:
            config["output_shape"] = tuple(config["output_shape"])
        return cls(fn, **config)

    def compute_output_shape(self, input_shape) -> tuple:
        if self.output_shape is not None:
            shape = tuple(input_shape)
            if shape and shape[0] is None:
                return (None,) + self.output_shape
            return self.output_shape
        return super().compute_output_shape(input_shape)
