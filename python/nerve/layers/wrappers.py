"""Bidirectional (an RNN run both ways, merged) and TimeDistributed (a layer per timestep)."""

from __future__ import annotations

from .. import _core
from ..saving.serialization import deserialize_layer, serialize_layer
from ..utils.keras_args import reject_unsupported
from .base import Layer
from .recurrent import _Recurrent


class Bidirectional(Layer):
    """Runs `layer` forwards and a copy of it backwards over time, then merges the outputs
    (return_sequences outputs are aligned in time before merging, as Keras does)."""

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if not isinstance(layer, _Recurrent):
            raise TypeError(
                f"Bidirectional: expected a SimpleRNN, LSTM or GRU layer, got "
                f"{type(layer).__name__}"
            )
        super().__init__(**kwargs)
        reject_unsupported(f"Bidirectional '{self.name}'", Bidirectional.__init__, weights=weights)
        # the modes and their check are C++'s (None, Keras's list of both outputs, is refused)
        _core.Bidirectional.check_merge_mode(
            f"Bidirectional '{self.name}'",
            merge_mode if isinstance(merge_mode, str) else repr(merge_mode),
        )
        if layer.return_state:
            raise ValueError(f"Bidirectional '{self.name}': return_state is not supported")
        self.merge_mode = merge_mode
        self._wrapped = layer  # what get_config saves (the copies below are renamed)
        self._custom_backward = backward_layer is not None
        config = layer.get_config()
        self.forward_layer = type(layer)(**{**config, "name": f"forward_{layer.name}"})
        if backward_layer is None:
            backward_layer = type(layer)(
                **{
                    **config,
                    "name": f"backward_{layer.name}",
                    "go_backwards": not layer.go_backwards,
                }
            )
        elif not isinstance(backward_layer, _Recurrent):
            raise TypeError(
                f"Bidirectional '{self.name}': backward_layer must be a recurrent layer"
            )
        self.backward_layer = backward_layer
        self._attach(
            _core.Bidirectional(
                self.name, self.forward_layer._core, self.backward_layer._core, merge_mode
            )
        )

    def get_config(self):
        config = {
            **super().get_config(),
            "layer": serialize_layer(self._wrapped),
            "merge_mode": self.merge_mode,
        }
        if self._custom_backward:
            config["backward_layer"] = serialize_layer(self.backward_layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        for key in ("layer", "backward_layer"):
            if key in config:
                config[key] = deserialize_layer(config[key], custom_objects)
        return cls(**config)


class TimeDistributed(Layer):
    """Applies `layer` to every timestep of a (batch, timesteps, ...) input."""

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise TypeError(f"TimeDistributed: expected a nerve layer, got {type(layer).__name__}")
        super().__init__(**kwargs)
        self.layer = layer
        self._attach(_core.TimeDistributed(self.name, layer._core))

    def get_config(self):
        return {**super().get_config(), "layer": serialize_layer(self.layer)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["layer"] = deserialize_layer(config["layer"], custom_objects)
        return cls(**config)
