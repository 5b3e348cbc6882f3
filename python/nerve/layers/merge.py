"""Merge layers: combine a list of inputs into one (Keras Add, Subtract, Multiply, Average,
Concatenate), plus the lowercase functional forms `add([a, b])` etc. The math runs in C++."""

from __future__ import annotations

from .. import _core
from .base import Layer
from .symbolic import KerasTensor


class Add(Layer):
    """Element-wise sum of a list of inputs of the same shape."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._attach(_core.Add(self.name))


class Subtract(Layer):
    """inputs[0] - inputs[1] (exactly two inputs of the same shape)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._attach(_core.Subtract(self.name))


class Multiply(Layer):
    """Element-wise product of a list of inputs of the same shape."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._attach(_core.Multiply(self.name))


class Average(Layer):
    """Element-wise mean of a list of inputs of the same shape."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._attach(_core.Average(self.name))


class Concatenate(Layer):
    """Joins a list of inputs along `axis` (Keras counting: -1 is the last axis, 0 the batch axis,
    which cannot be concatenated). Every other axis must match."""

    def __init__(self, axis: int = -1, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axis, int) or isinstance(axis, bool):
            raise ValueError(f"Concatenate '{self.name}': axis must be an int, got {axis!r}")
        self.axis = axis
        self._attach(_core.Concatenate(self.name, axis))

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


def add(inputs, **kwargs):
    """Functional form of Add: `add([a, b])`."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    return Average(**kwargs)(inputs)


def concatenate(inputs, axis: int = -1, **kwargs):
    return Concatenate(axis=axis, **kwargs)(inputs)


# a + b, a - b and a * b between symbolic tensors call these (symbolic.py).
KerasTensor._operator_layers.update(Add=Add, Subtract=Subtract, Multiply=Multiply)
