"""Conv1D, MaxPooling1D and GlobalAveragePooling1D over (batch, timesteps, channels)."""

from __future__ import annotations

from .. import _core, activations, initializers
from ..utils.keras_args import reject_unsupported
from ._args import check_data_format
from ._sequence_utils import default_name, positive_int
from .base import Layer


def _one_int(value, what, where):
    if isinstance(value, (tuple, list)):
        if len(value) != 1:
            raise ValueError(f"{where}: {what} must be an int or a 1-tuple, got {value!r}")
        value = value[0]
    return positive_int(value, what, where)


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
        self.kernel_size = _one_int(kernel_size, "kernel_size", where)
        self.strides = _one_int(strides, "strides", where)
        self.dilation_rate = _one_int(dilation_rate, "dilation_rate", where)
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


class MaxPooling1D(Layer):
    """Max over windows of pool_size steps (strides default to pool_size)."""

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**default_name(kwargs, "max_pooling1d"))
        where = f"MaxPooling1D '{self.name}'"
        self.data_format = check_data_format(data_format, where)
        self.pool_size = _one_int(pool_size, "pool_size", where)
        self.strides = self.pool_size if strides is None else _one_int(strides, "strides", where)
        self.padding = str(padding).lower()
        self._attach(_core.MaxPooling1D(self.name, self.pool_size, self.strides, self.padding))

    def get_config(self):
        return {
            **super().get_config(),
            "pool_size": self.pool_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
        }


class GlobalAveragePooling1D(Layer):
    """Mean over time; steps masked by Embedding(mask_zero=True) are left out of the mean."""

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**default_name(kwargs, "global_average_pooling1d"))
        where = f"GlobalAveragePooling1D '{self.name}'"
        self.data_format = check_data_format(data_format, where)
        reject_unsupported(where, GlobalAveragePooling1D.__init__, keepdims=keepdims)
        self.keepdims = False
        self._attach(_core.GlobalAveragePooling1D(self.name))

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format, "keepdims": self.keepdims}
