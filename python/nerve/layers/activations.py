"""Activation layers (Keras's layers.activations family): ReLU, LeakyReLU, PReLU, ELU, Softmax.
Arguments declared in C++ (nerve/layers/activations.h)."""

from __future__ import annotations

import warnings

from .declared import DeclaredLayer


class ReLU(DeclaredLayer):
    """max(x, 0), or with Keras's arguments: x above `threshold` (clipped to `max_value`), and
    `negative_slope * (x - threshold)` below it."""

    core_type = "ReLU"


class LeakyReLU(DeclaredLayer):
    """x for x > 0, `negative_slope * x` otherwise."""

    core_type = "LeakyReLU"

    @classmethod
    def _translate(cls, kwargs: dict) -> dict:
        if "alpha" in kwargs:  # Keras 3 still takes the Keras 2 name, with a warning
            kwargs = dict(kwargs)
            kwargs["negative_slope"] = kwargs.pop("alpha")
            warnings.warn(
                "Argument `alpha` is deprecated. Use `negative_slope` instead.", stacklevel=3
            )
        return kwargs


class PReLU(DeclaredLayer):
    """x for x > 0, `alpha * x` otherwise, with a learned alpha per input element (one per
    group of elements along `shared_axes`)."""

    _weight_attributes = (("alpha", None),)  # Keras's layer.kernel, ...

    core_type = "PReLU"
    keras_args = {"alpha_regularizer": None, "alpha_constraint": None}
    keras_order = ("alpha_initializer", "alpha_regularizer", "alpha_constraint", "shared_axes")


class ELU(DeclaredLayer):
    """x for x > 0, `alpha * (exp(x) - 1)` otherwise."""

    core_type = "ELU"


class Softmax(DeclaredLayer):
    """exp(x) / sum(exp(x)) over the last axis."""

    core_type = "Softmax"
