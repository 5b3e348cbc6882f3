"""Dense and Activation."""

from __future__ import annotations

from .. import _core, activations, initializers
from ..utils.keras_args import reject_unsupported
from .base import Layer, _serialize


class Dense(Layer):
    """Fully connected: activation(x @ kernel + bias) over the last axis."""

    def __init__(
        self,
        units: int,
        activation=None,
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        lora_rank=None,
        lora_alpha=None,
        quantization_config=None,
        **kwargs,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        reject_unsupported(
            f"Dense '{self.name}'",
            Dense.__init__,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint,
            lora_rank=lora_rank,
            lora_alpha=lora_alpha,
            quantization_config=quantization_config,
        )
        self._set_weight_regularizers(kernel=kernel_regularizer, bias=bias_regularizer)
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValueError(f"Dense '{self.name}': units must be a positive int, got {units!r}")
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self._attach(
            _core.Dense(
                self.name,
                units,
                self.activation,
                activations.DEFAULT_ALPHA.get(self.activation, 0.0),
                self.use_bias,
                self.kernel_initializer._to_core(),
                self.bias_initializer._to_core(),
            )
        )

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "activation": self.activation,
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": _serialize(self.kernel_regularizer),
            "bias_regularizer": _serialize(self.bias_regularizer),
        }


class Activation(Layer):
    """Applies an activation function (by Keras name) to its input."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self._attach(
            _core.Activation(
                self.name, self.activation, activations.DEFAULT_ALPHA.get(self.activation, 0.0)
            )
        )

    def get_config(self):
        return {**super().get_config(), "activation": self.activation}
