"""Flatten, Reshape and ZeroPadding2D."""

from __future__ import annotations

from .. import _core
from ._args import check_data_format, int_pair
from .base import Layer


class Flatten(Layer):
    """(batch, ...) -> (batch, product of the rest)."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = check_data_format(data_format, f"Flatten '{self.name}'")
        self._attach(_core.Flatten(self.name))

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class Reshape(Layer):
    """(batch, ...) -> (batch, *target_shape); one entry of target_shape may be -1 (inferred)."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        who = f"Reshape '{self.name}'"
        try:
            shape = tuple(int(d) for d in target_shape)
        except (TypeError, ValueError):
            raise ValueError(
                f"{who}: target_shape must be a tuple of ints, got {target_shape!r}"
            ) from None
        self.target_shape = shape
        self._attach(_core.Reshape(self.name, list(shape)))

    def get_config(self):
        return {**super().get_config(), "target_shape": self.target_shape}


class ZeroPadding2D(Layer):
    """Zeros around height and width. padding: int, (symmetric_h, symmetric_w) or
    ((top, bottom), (left, right)), as Keras."""

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        who = f"ZeroPadding2D '{self.name}'"
        if (
            isinstance(padding, (tuple, list))
            and len(padding) == 2
            and all(isinstance(p, (tuple, list)) for p in padding)
        ):
            (top, bottom) = int_pair(tuple(padding[0]), "padding", who, allow_zero=True)
            (left, right) = int_pair(tuple(padding[1]), "padding", who, allow_zero=True)
        else:
            h, w = int_pair(padding, "padding", who, allow_zero=True)
            top, bottom, left, right = h, h, w, w
        self.padding = ((top, bottom), (left, right))
        self.data_format = check_data_format(data_format, who)
        self._attach(_core.ZeroPadding2D(self.name, top, bottom, left, right))

    def get_config(self):
        return {**super().get_config(), "padding": self.padding, "data_format": self.data_format}
