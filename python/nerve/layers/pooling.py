"""Pooling layers: max / average pooling over 2-D windows, global pooling over height and width,
and over time: MaxPooling1D, AveragePooling1D, GlobalAveragePooling1D and GlobalMaxPooling1D.
Arguments declared in C++ (nerve/layers/pooling.h)."""

from __future__ import annotations

from .declared import DeclaredLayer


class MaxPooling2D(DeclaredLayer):
    """The maximum of each pool_size window (padding cells never win); strides default to the
    pool size."""

    core_type = "MaxPooling2D"


class AveragePooling2D(DeclaredLayer):
    """The mean of each pool_size window (with padding='same', only cells inside the input
    count); strides default to the pool size."""

    core_type = "AveragePooling2D"


class GlobalAveragePooling2D(DeclaredLayer):
    """(batch, h, w, c) -> (batch, c): the mean over height and width."""

    core_type = "GlobalAveragePooling2D"


class GlobalMaxPooling2D(DeclaredLayer):
    """(batch, h, w, c) -> (batch, c): the maximum over height and width."""

    core_type = "GlobalMaxPooling2D"


MaxPool2D = MaxPooling2D
AvgPool2D = AveragePooling2D
GlobalAvgPool2D = GlobalAveragePooling2D
GlobalMaxPool2D = GlobalMaxPooling2D


class MaxPooling1D(DeclaredLayer):
    """Max over windows of pool_size steps (strides default to pool_size); a window's gradient
    goes to its first maximum, as jax.grad's."""

    core_type = "MaxPooling1D"


class GlobalAveragePooling1D(DeclaredLayer):
    """Mean over time; steps masked by Embedding(mask_zero=True) are left out of the mean."""

    core_type = "GlobalAveragePooling1D"


class AveragePooling1D(DeclaredLayer):
    """The mean of each window of pool_size steps (with padding='same', only steps inside the
    input count, as Keras); strides default to the pool size."""

    core_type = "AveragePooling1D"


class GlobalMaxPooling1D(DeclaredLayer):
    """(batch, steps, features) -> (batch, features): the maximum over time; steps that tie for
    the maximum share its gradient equally (as jax.grad of jnp.max). Like Keras's, it does not
    read a padding mask (Embedding(mask_zero=True)): the maximum is over every step."""

    core_type = "GlobalMaxPooling1D"


MaxPool1D = MaxPooling1D
AvgPool1D = AveragePooling1D
GlobalAvgPool1D = GlobalAveragePooling1D
GlobalMaxPool1D = GlobalMaxPooling1D
