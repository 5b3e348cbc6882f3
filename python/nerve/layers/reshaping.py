"""Flatten, Reshape and ZeroPadding2D. Arguments declared in C++ (nerve/layers/reshaping.h)."""

from __future__ import annotations

from .declared import DeclaredLayer


class Flatten(DeclaredLayer):
    """(batch, ...) -> (batch, product of the rest)."""

    core_type = "Flatten"


class Reshape(DeclaredLayer):
    """(batch, ...) -> (batch, *target_shape); one entry of target_shape may be -1 (inferred)."""

    core_type = "Reshape"


class ZeroPadding2D(DeclaredLayer):
    """Zeros around height and width. padding: int, (symmetric_h, symmetric_w) or
    ((top, bottom), (left, right)), as Keras."""

    core_type = "ZeroPadding2D"
