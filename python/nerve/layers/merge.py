"""Merge layers: combine a list of inputs into one (Keras Add, Subtract, Multiply, Average,
Concatenate), plus the lowercase functional forms `add([a, b])` etc. Arguments declared in C++
(nerve/layers/merge.h), where the math runs."""

from __future__ import annotations

from .declared import DeclaredLayer
from .symbolic import KerasTensor


class Add(DeclaredLayer):
    """Element-wise sum of a list of inputs of the same shape."""

    core_type = "Add"


class Subtract(DeclaredLayer):
    """inputs[0] - inputs[1] (exactly two inputs of the same shape)."""

    core_type = "Subtract"


class Multiply(DeclaredLayer):
    """Element-wise product of a list of inputs of the same shape."""

    core_type = "Multiply"


class Average(DeclaredLayer):
    """Element-wise mean of a list of inputs of the same shape."""

    core_type = "Average"


class Concatenate(DeclaredLayer):
    """Joins a list of inputs along `axis` (Keras counting: -1 is the last axis, 0 the batch axis,
    which cannot be concatenated). Every other axis must match."""

    core_type = "Concatenate"


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
