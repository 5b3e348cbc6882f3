"""Flatten, Reshape, ZeroPadding2D, UpSampling2D, Cropping2D and RepeatVector. Arguments declared
in C++ (nerve/layers/reshaping.h)."""

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


class UpSampling2D(DeclaredLayer):
    """Each image enlarged `size` = (rows, cols) times: 'nearest' repeats pixels, 'bilinear'
    interpolates with half-pixel centres, numerically as Keras 3 (jax.image.resize) and PyTorch's
    F.interpolate(align_corners=False). Keras's 'bicubic' and 'lanczos' filters are refused."""

    core_type = "UpSampling2D"


class Cropping2D(DeclaredLayer):
    """Removes rows and columns at the image edges. cropping: int, (symmetric_h, symmetric_w) or
    ((top, bottom), (left, right)), as Keras."""

    core_type = "Cropping2D"


class RepeatVector(DeclaredLayer):
    """(batch, features) -> (batch, n, features): the input repeated n times."""

    core_type = "RepeatVector"
