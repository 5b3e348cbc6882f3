"""Pooling layers: max / average pooling over 2-D windows, global pooling over height and width,
and over time: MaxPooling1D and GlobalAveragePooling1D."""

from __future__ import annotations

from .. import _core
from ..utils.keras_args import reject_unsupported
from ._args import check_data_format, check_padding, int_pair, one_int
from ._sequence_utils import default_name
from .base import Layer


class _Pooling2D(Layer):
    _kind = ""

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        who = f"{type(self).__name__} '{self.name}'"
        self.pool_size = int_pair(pool_size, "pool_size", who)
        # Keras: strides default to the pool size (non-overlapping windows)
        self.strides = self.pool_size if strides is None else int_pair(strides, "strides", who)
        self.padding = check_padding(padding, who)
        self.data_format = check_data_format(data_format, who)
        self._attach(
            _core.Pooling2D(self.name, self._kind, self.pool_size, self.strides, self.padding)
        )

    def get_config(self):
        return {
            **super().get_config(),
            "pool_size": self.pool_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
        }


class MaxPooling2D(_Pooling2D):
    """The maximum of each pool_size window (padding cells never win)."""

    _kind = "max"


class AveragePooling2D(_Pooling2D):
    """The mean of each pool_size window (with padding='same', only cells inside the input count)."""

    _kind = "average"

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        # Keras gives AveragePooling2D no default pool_size (MaxPooling2D's is (2, 2))
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class _GlobalPooling2D(Layer):
    _kind = ""

    def __init__(self, data_format=None, keepdims: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = check_data_format(data_format, f"{type(self).__name__} '{self.name}'")
        self.keepdims = bool(keepdims)
        self._attach(_core.GlobalPooling2D(self.name, self._kind, self.keepdims))

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format, "keepdims": self.keepdims}


class GlobalAveragePooling2D(_GlobalPooling2D):
    """(batch, h, w, c) -> (batch, c): the mean over height and width."""

    _kind = "average"


class GlobalMaxPooling2D(_GlobalPooling2D):
    """(batch, h, w, c) -> (batch, c): the maximum over height and width."""

    _kind = "max"


MaxPool2D = MaxPooling2D
AvgPool2D = AveragePooling2D
GlobalAvgPool2D = GlobalAveragePooling2D
GlobalMaxPool2D = GlobalMaxPooling2D


class MaxPooling1D(Layer):
    """Max over windows of pool_size steps (strides default to pool_size)."""

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**default_name(kwargs, "max_pooling1d"))
        where = f"MaxPooling1D '{self.name}'"
        self.data_format = check_data_format(data_format, where)
        self.pool_size = one_int(pool_size, "pool_size", where)
        self.strides = self.pool_size if strides is None else one_int(strides, "strides", where)
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
