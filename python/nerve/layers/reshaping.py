"""Flatten, Reshape, ZeroPadding2D, UpSampling2D, Cropping2D and RepeatVector (arguments declared
in C++: nerve/layers/reshaping.h); Permute, ZeroPadding1D, Cropping1D and UpSampling1D, written
in Python with nerve.ops and traced into C++ like a custom layer (Keras's signatures, configs
and numerics)."""

from __future__ import annotations

from .. import ops
from .base import Layer
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


# ---- layers written in Python (traced into C++ like a custom layer) -----------------------
def _int_tuple(who: str, value, n: int, name: str) -> tuple:
    """Keras's argument_validation.standardize_tuple(value, n, name, allow_zero=True)."""
    message = (
        f"{who}: The `{name}` argument must be a tuple of {n} integers. Received {name}={value}"
    )
    if isinstance(value, int) and not isinstance(value, bool):
        values = (value,) * n
    else:
        try:
            values = tuple(value)
        except TypeError:
            raise ValueError(message) from None
        if len(values) != n or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in values
        ):
            raise ValueError(message)
    if any(v < 0 for v in values):
        raise ValueError(f"{message}, which includes values < 0 (each must be >= 0)")
    return tuple(int(v) for v in values)


def _data_format(who: str, data_format) -> str:
    """Keras's backend.standardize_data_format: None is "channels_last" (nerve's image format)."""
    if data_format is None:
        return "channels_last"
    value = str(data_format).lower()
    if value not in ("channels_first", "channels_last"):
        raise ValueError(
            f"{who}: The `data_format` argument must be one of {{'channels_first', "
            f"'channels_last'}}. Received: data_format={data_format}"
        )
    return value


class Permute(Layer):
    """Reorders the axes after the batch axis: dims (1-based, as Keras) is a permutation of
    1..rank; (2, 1) swaps the two axes of a (batch, steps, features) input."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        try:
            dims = tuple(dims)
        except TypeError:
            raise ValueError(
                f"Permute: Invalid permutation argument `dims`: a tuple of ints. "
                f"Received dims={dims}"
            ) from None
        if not all(isinstance(d, int) and not isinstance(d, bool) for d in dims) or sorted(
            dims
        ) != list(range(1, len(dims) + 1)):
            raise ValueError(
                "Permute: Invalid permutation argument `dims` for Permute Layer. The set of "
                "indices in `dims` must be consecutive and start from 1. "
                f"Received dims={dims}"
            )
        self.dims = dims

    def build(self, input_shape):
        if len(input_shape) != len(self.dims) + 1:
            raise ValueError(
                f"Permute '{self.name}': dims={self.dims} permutes {len(self.dims)} axes, but "
                f"the input shape {tuple(input_shape)} has {len(input_shape) - 1} after the "
                f"batch axis"
            )

    def call(self, inputs):
        return ops.transpose(inputs, (0, *self.dims))

    def get_config(self):
        return {**super().get_config(), "dims": self.dims}


class ZeroPadding1D(Layer):
    """Zeros at the start and end of the steps axis of (batch, steps, features) input (or
    (batch, features, steps) with data_format="channels_first"). padding: int or (start, end)."""

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _data_format("ZeroPadding1D", data_format)
        self.padding = _int_tuple("ZeroPadding1D", padding, 2, "padding")

    def build(self, input_shape):
        _require_rank(self, input_shape, 3)

    def call(self, inputs):
        if self.data_format == "channels_first":
            pads = ((0, 0), (0, 0), self.padding)
        else:
            pads = ((0, 0), self.padding, (0, 0))
        return ops.pad(inputs, pads)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding, "data_format": self.data_format}


class Cropping1D(Layer):
    """Removes steps at the start and end of (batch, steps, features) input. cropping: int or
    (start, end)."""

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(**kwargs)
        self.cropping = _int_tuple("Cropping1D", cropping, 2, "cropping")

    def build(self, input_shape):
        _require_rank(self, input_shape, 3)
        length = input_shape[1]
        if length is not None and sum(self.cropping) >= length:
            raise ValueError(
                f"Cropping1D '{self.name}': `cropping` parameter of `Cropping1D` layer must be "
                f"smaller than the input length. Received: input_shape={tuple(input_shape)}, "
                f"cropping={self.cropping}"
            )

    def call(self, inputs):
        start, end = self.cropping
        out = inputs[:, start : (-end if end else None), :]
        if inputs.shape[1] is None and out.shape[1] is not None:
            # An open length: the tracer's example lengths (2 and 3) were both cropped to
            # nothing, which looks like a fixed length 0; the output's length is open too.
            out.shape = (out.shape[0], None, *out.shape[2:])
        return out

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping}


class UpSampling1D(Layer):
    """Repeats each step `size` times along the steps axis of (batch, steps, features) input."""

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(size, int) or isinstance(size, bool):
            raise TypeError(
                f"UpSampling1D: Expected an integer value for `size`, got {type(size)}."
            )
        if size <= 0:
            raise ValueError(
                f"UpSampling1D: Argument `size` should be a positive integer. Received: size={size}"
            )
        self.size = size

    def build(self, input_shape):
        _require_rank(self, input_shape, 3)

    def call(self, inputs):
        return ops.repeat(inputs, self.size, axis=1)

    def get_config(self):
        return {**super().get_config(), "size": self.size}


def _require_rank(layer, input_shape, rank: int) -> None:
    """Keras's InputSpec(ndim=rank): a ValueError naming the layer for another rank."""
    if len(input_shape) != rank:
        raise ValueError(
            f"{type(layer).__name__} '{layer.name}': expected input of rank {rank} (with the "
            f"batch axis), got shape {tuple(input_shape)}"
        )
