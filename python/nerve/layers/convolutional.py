"""Convolution layers: Conv2D over (batch, height, width, channels) images and Conv1D over
(batch, timesteps, channels) sequences."""

from __future__ import annotations

from .. import _core, activations, initializers
from ..utils.keras_args import reject_unsupported
from ._args import check_data_format, check_padding, int_pair, one_int
from ._sequence_utils import default_name, positive_int
from .base import Layer, _serialize


class Conv2D(Layer):
    """activation(conv2d(x, kernel) + bias). The kernel has Keras' layout
    (kernel_h, kernel_w, in_channels, filters), so Keras weights load with set_weights."""

    def __init__(
        self,
        filters: int,
        kernel_size,
        strides=(1, 1),
        padding="valid",
        data_format=None,
        dilation_rate=(1, 1),
        groups=1,
        activation=None,
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        who = f"Conv2D '{self.name}'"
        reject_unsupported(
            who,
            Conv2D.__init__,
            groups=groups,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint,
        )
        self._set_weight_regularizers(kernel=kernel_regularizer, bias=bias_regularizer)
        if not isinstance(filters, int) or isinstance(filters, bool) or filters <= 0:
            raise ValueError(f"{who}: filters must be a positive int, got {filters!r}")
        self.filters = filters
        self.kernel_size = int_pair(kernel_size, "kernel_size", who)
        self.strides = int_pair(strides, "strides", who)
        self.padding = check_padding(padding, who)
        self.data_format = check_data_format(data_format, who)
        self.dilation_rate = int_pair(dilation_rate, "dilation_rate", who)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self._attach(
            _core.Conv2D(
                self.name,
                filters,
                self.kernel_size,
                self.strides,
                self.padding,
                self.dilation_rate,
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
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": self.activation,
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": _serialize(self.kernel_regularizer),
            "bias_regularizer": _serialize(self.bias_regularizer),
        }


Convolution2D = Conv2D


class Conv1D(Layer):
    """1-D convolution over time. Kernel (kernel_size, channels, filters); padding 'valid',
    'same' or 'causal'."""

    def __init__(
        self,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        data_format=None,
        dilation_rate=1,
        groups=1,
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(
            activity_regularizer=activity_regularizer, **default_name(kwargs, "conv1d")
        )
        where = f"Conv1D '{self.name}'"
        # the C++ Conv1D has no per-weight roles, so its weight regularizers are not wired yet
        reject_unsupported(
            where,
            Conv1D.__init__,
            groups=groups,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint,
        )
        self.data_format = check_data_format(data_format, where)
        self.filters = positive_int(filters, "filters", where)
        self.kernel_size = one_int(kernel_size, "kernel_size", where)
        self.strides = one_int(strides, "strides", where)
        self.dilation_rate = one_int(dilation_rate, "dilation_rate", where)
        self.padding = str(padding).lower()
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self._attach(
            _core.Conv1D(
                self.name,
                self.filters,
                self.kernel_size,
                self.strides,
                self.padding,
                self.dilation_rate,
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
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": self.activation,
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
        }
