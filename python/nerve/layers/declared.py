"""Layers whose arguments are declared once, in C++ (nerve/layers/arguments.h).

A subclass of DeclaredLayer names its C++ class (`core_type`) and lists only the Keras arguments
the engine does not take (`keras_args`: name -> Keras's default, in Keras's order after the
engine's). Its `__init__` signature, validation and `get_config` come from the C++ declaration:

- engine arguments: names, order, defaults from `_core.layer_spec`; initializer arguments go
  through `nerve.initializers`, activation arguments through `nerve.activations`; every other
  value is checked by the C++ layer (ValueError naming the layer and argument);
- `keras_args`: `activity_regularizer` and `<role>_regularizer` (the penalty on the weight the C++
  layer creates with that role) work; any other is refused unless it keeps Keras's default.
"""

from __future__ import annotations

import inspect

from .. import _core, activations, initializers
from ..utils.keras_args import reject_unsupported
from .base import Layer, _errors_name_the_layer, _serialize

_P = inspect.Parameter


class DeclaredLayer(Layer):
    core_type = ""  # the C++ layer's registered name
    keras_args: dict = {}  # Keras arguments handled in Python, with Keras's defaults
    # Keras's positional order, only where a Python argument sits between engine arguments
    # (Dropout(rate, noise_shape, seed)); otherwise the engine's arguments come first.
    keras_order: tuple = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "core_type" not in cls.__dict__:
            return  # a user subclass: it inherits the declared __init__
        spec = tuple(_core.layer_spec(cls.core_type))
        params = [_P("self", _P.POSITIONAL_OR_KEYWORD)]
        for name, _kind, required, _optional, default in spec:
            params.append(
                _P(name, _P.POSITIONAL_OR_KEYWORD, default=_P.empty if required else default)
            )
        for name, default in cls.keras_args.items():
            params.append(_P(name, _P.POSITIONAL_OR_KEYWORD, default=default))
        if cls.keras_order:
            rank = {name: i for i, name in enumerate(("self", *cls.keras_order))}
            params.sort(key=lambda p: rank[p.name])
        params.append(_P("kwargs", _P.VAR_KEYWORD))
        signature = inspect.Signature(params)

        def __init__(self, *args, **kwargs):
            bound = signature.bind(self, *args, **cls._translate(kwargs))
            bound.apply_defaults()
            values = dict(bound.arguments)
            del values["self"]
            # (the declaring class's _init_declared: a family may extend it, e.g. to map a
            # Keras alias; a user subclass inherits it unchanged)
            cls._init_declared(self, cls, values, values.pop("kwargs"))

        __init__.__signature__ = signature
        __init__.__doc__ = cls.__doc__
        __init__.__qualname__ = f"{cls.__qualname__}.__init__"
        cls.__init__ = _errors_name_the_layer(__init__)  # errors of shared helpers name the layer
        cls._spec = spec
        cls._declaring = cls

    @classmethod
    def _translate(cls, kwargs: dict) -> dict:
        """Renames deprecated Keras keywords (e.g. LeakyReLU's alpha); none by default."""
        return kwargs

    def _init_declared(self, cls, values: dict, base_kwargs: dict) -> None:
        keras = {k: values.pop(k) for k in cls.keras_args}
        activity = base_kwargs.pop("activity_regularizer", None)  # a Layer keyword
        Layer.__init__(
            self, activity_regularizer=keras.pop("activity_regularizer", activity), **base_kwargs
        )
        who = f"{cls.__name__} '{self.name}'"
        roles = {
            k[: -len("_regularizer")]: keras.pop(k)
            for k in list(keras)
            if k.endswith("_regularizer")
        }
        reject_unsupported(who, cls.__init__, **keras)
        self._set_weight_regularizers(**roles)
        engine = {}
        for name, kind, _required, _optional, _default in cls._spec:
            value = values[name]
            if kind == "initializer":
                value = initializers.get(value)
                setattr(self, name, value)
                engine[name] = value._to_core()
            elif kind == "activation":
                value = activations.get(value)
                setattr(self, name, value)
                engine[name] = str(value)
            else:
                engine[name] = value
        core = _core.make_layer(cls.core_type, self.name, engine)
        plain = {name for name, kind, *_ in cls._spec if kind not in ("initializer", "activation")}
        for name, value in _core.layer_config(core).items():
            if name in plain:
                setattr(self, name, value)  # as the C++ layer holds it (checked, normalised)
        self._attach(core)

    def get_config(self):
        config = super().get_config()
        for name, kind, *_ in self._declaring._spec:
            value = getattr(self, name)
            config[name] = initializers.serialize(value) if kind == "initializer" else value
        for name in self._declaring.keras_args:
            if name.endswith("_regularizer") and name != "activity_regularizer":
                config[name] = _serialize(getattr(self, name))
        return config
