"""Pooling layers: max / average pooling over 2-D windows, global pooling over height and width,
and over time: MaxPooling1D and GlobalAveragePooling1D. Arguments declared in C++
(nerve/layers/pooling.h)."""

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
    """Max over windows of pool_size steps (strides default to pool_size)."""

    core_type = "MaxPooling1D"


class GlobalAveragePooling1D(DeclaredLayer):
    """Mean over time; steps masked by Embedding(mask_zero=True) are left out of the mean."""

    core_type = "GlobalAveragePooling1D"
