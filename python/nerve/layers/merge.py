"""Merge layers: combine a list of inputs into one (Keras Add, Subtract, Multiply, Average,
Concatenate, Maximum, Minimum, Dot), plus the lowercase functional forms `add([a, b])` etc.
Add ... Concatenate are declared in C++ (nerve/layers/merge.h); Maximum, Minimum and Dot are
written in Python with nerve.ops and traced into C++ like a custom layer (Keras's signatures,
configs and numerics)."""

from __future__ import annotations

from .. import ops
from .base import Layer
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


def _input_list(layer, input_shape) -> list:
    """Keras's Merge.build checks: a list of at least one input."""
    if layer.__dict__.get("_called_with_list") and isinstance(input_shape, tuple):
        input_shape = [input_shape]  # a list of one input
    if not isinstance(input_shape, list) or not all(
        isinstance(s, (tuple, list)) for s in input_shape
    ):
        raise ValueError(
            f"{type(layer).__name__} '{layer.name}': A merge layer should be called on a list "
            f"of inputs. Received: input_shape={input_shape} (not a list of shapes)"
        )
    return [tuple(s) for s in input_shape]


class _ElementwiseMerge(Layer):
    """Keras's Merge for an element-wise op: inputs of lower rank get axes of size 1 inserted
    after the batch axis (as Keras's Merge.call), then sizes broadcast (1 against n)."""

    _op = None

    def __init__(self, **kwargs):
        super().__init__(**kwargs)

    def build(self, input_shape):
        shapes = _input_list(self, input_shape)
        rank = max(len(s) for s in shapes)
        padded = [s[:1] + (1,) * (rank - len(s)) + s[1:] for s in shapes]
        for axis in range(1, rank):
            sizes = {s[axis] for s in padded} - {1, None}
            if len(sizes) > 1:
                raise ValueError(
                    f"{type(self).__name__} '{self.name}': Inputs have incompatible shapes. "
                    f"Received shapes {[(None, *s[1:]) for s in shapes]}"
                )

    def call(self, inputs):
        rank = max(len(x.shape) for x in inputs)
        xs = []
        for x in inputs:
            for _ in range(rank - len(x.shape)):
                x = ops.expand_dims(x, 1)
            xs.append(x)
        out = xs[0]
        for x in xs[1:]:
            out = getattr(ops, self._op)(out, x)
        return out

    def get_config(self):
        return super().get_config()


class Maximum(_ElementwiseMerge):
    """Element-wise maximum of a list of inputs (of one shape, or shapes that broadcast)."""

    def _mask_rule(self) -> str:
        # Keras's replaces masked values before the op and ORs the masks: not implemented yet
        return "refuse"

    _op = "maximum"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)


class Minimum(_ElementwiseMerge):
    """Element-wise minimum of a list of inputs (of one shape, or shapes that broadcast)."""

    def _mask_rule(self) -> str:
        # Keras's replaces masked values before the op and ORs the masks: not implemented yet
        return "refuse"

    _op = "minimum"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)


class Dot(Layer):
    """Dot product of two inputs along `axes` (an int for both, or one per input; the batch axis
    0 cannot be one), per sample (Keras's batch_dot): the output holds the first input's other
    axes, then the second's. normalize=True L2-normalizes both along their axes first (the
    cosine similarity)."""

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int):
            if not isinstance(axes, (list, tuple)):
                raise TypeError(
                    f"Dot: Invalid type for argument `axes`: it should be a list or an int. "
                    f"Received: axes={axes}"
                )
            if len(axes) != 2:
                raise ValueError(
                    f"Dot: Invalid format for argument `axes`: it should contain two elements. "
                    f"Received: axes={axes}"
                )
            if not all(isinstance(a, int) and not isinstance(a, bool) for a in axes):
                raise ValueError(
                    f"Dot: Invalid format for argument `axes`: list elements should be "
                    f"integers. Received: axes={axes}"
                )
        if not isinstance(normalize, bool):
            raise ValueError(f"Dot: `normalize` must be True or False. Received: {normalize!r}")
        self.axes = axes if isinstance(axes, int) else tuple(axes)  # a list reloads the same
        self.normalize = normalize

    def _axes_for(self, ranks) -> list:
        if isinstance(self.axes, int):
            given = [self.axes, self.axes]
        else:
            given = list(self.axes)
        return [a % r if a < 0 else a for a, r in zip(given, ranks)]

    def build(self, input_shape):
        shapes = _input_list(self, input_shape)
        if len(shapes) != 2:
            raise ValueError(
                f"Dot '{self.name}': A `Dot` layer should be called on a list of 2 inputs. "
                f"Received: input_shape={input_shape}"
            )
        if any(len(s) < 2 for s in shapes):
            raise ValueError(
                f"Dot '{self.name}': Cannot do batch_dot on inputs with rank < 2. Received "
                f"inputs with shapes {shapes[0]} and {shapes[1]}."
            )
        axes = self._axes_for([len(s) for s in shapes])
        for a, s in zip(axes, shapes):
            if not 0 < a < len(s):
                raise ValueError(
                    f"Dot '{self.name}': axes={self.axes} is out of range for input shape {s} "
                    f"(the batch axis 0 cannot be summed over)"
                )
        (s1, s2), (a1, a2) = shapes, axes
        if s1[a1] != s2[a2]:
            raise ValueError(
                f"Dot '{self.name}': Incompatible input shapes: axis values {s1[a1]} (at axis "
                f"{a1}) != {s2[a2]} (at axis {a2}). Full input shapes: {s1}, {s2}"
            )

    def call(self, inputs):
        x1, x2 = inputs
        a1, a2 = self._axes_for([len(x1.shape), len(x2.shape)])
        if self.normalize:
            x1 = ops.normalize(x1, axis=a1)
            x2 = ops.normalize(x2, axis=a2)
        letters = "bcdefghijklmnopqrstuvwxyz"
        n1, n2 = len(x1.shape), len(x2.shape)
        sub1 = ["a"] + list(letters[: n1 - 1])
        sub2 = ["a"] + list(letters[n1 - 1 : n1 + n2 - 2])
        sub2[a2] = sub1[a1]  # the summed axis
        out = [c for i, c in enumerate(sub1) if i != a1] + [
            c for i, c in enumerate(sub2) if i not in (0, a2)
        ]
        result = ops.einsum(f"{''.join(sub1)},{''.join(sub2)}->{''.join(out)}", x1, x2)
        if len(out) == 1:  # Keras keeps a feature axis: (batch, 1)
            result = ops.expand_dims(result, -1)
        return result

    def get_config(self):
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def maximum(inputs, **kwargs):
    """Functional form of Maximum: `maximum([a, b])`."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """Functional form of Minimum: `minimum([a, b])`."""
    return Minimum(**kwargs)(inputs)


def dot(inputs, axes=-1, **kwargs):
    """Functional form of Dot: `dot([a, b], axes=-1, normalize=False)`."""
    return Dot(axes=axes, **kwargs)(inputs)


# a + b, a - b and a * b between symbolic tensors call these (symbolic.py).
KerasTensor._operator_layers.update(Add=Add, Subtract=Subtract, Multiply=Multiply)
