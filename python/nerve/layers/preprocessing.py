"""Rescaling and Normalization, Keras 3's preprocessing layers that run inside the model.
Arguments declared in C++ (nerve/layers/preprocessing.h); Normalization.adapt() is here.
CategoryEncoding, Discretization and CenterCrop are written in Python with nerve.ops and traced
into C++ like a custom layer (Keras's signatures, configs and numerics)."""

from __future__ import annotations

import numbers

import numpy as np

from .. import _core, ops
from ..utils.keras_args import UnsupportedArgumentError, reject_unsupported
from ._shapes import from_core
from .base import Layer
from .declared import DeclaredLayer
from .reshaping import _data_format


def _scalar(value, who: str, argument: str, why: str):
    """A Python or numpy number (a 0-d array included) as a float; None stays None. An array of
    one or more axes raises UnsupportedArgumentError with `why`."""
    if value is None or isinstance(value, (numbers.Number, str)):
        return value  # a str (or bool) reaches the C++ check, which names the argument
    if np.ndim(value) == 0:
        return float(np.asarray(value))
    raise UnsupportedArgumentError(
        f"{who}: {argument} of shape {np.shape(value)} is not supported; {why}"
    )


class Rescaling(DeclaredLayer):
    """y = inputs * scale + offset, in training and inference alike (gradient: scale).

    `scale` and `offset` are numbers (0-d numpy arrays too). Keras also takes an array `scale`
    (one factor per channel, broadcast against the input); nerve refuses it with
    UnsupportedArgumentError. Positive per-channel factors s are a built Normalization() whose
    weights are set to [zeros, 1 / s**2, 0] (mean, variance, count)."""

    core_type = "Rescaling"

    def _init_declared(self, cls, values: dict, base_kwargs: dict) -> None:
        why = "only a number (the same factor for every value) is implemented"
        for argument in ("scale", "offset"):
            values[argument] = _scalar(values[argument], cls.__name__, argument, why)
        super()._init_declared(cls, values, base_kwargs)


class Normalization(DeclaredLayer):
    """(inputs - mean) / max(sqrt(variance), 1e-7), or with invert=True the inverse
    inputs * max(sqrt(variance), 1e-7) + mean (1e-7: keras.config.epsilon()), as Keras 3.

    axis: the axis or axes (of the full input, the batch axis being 0) that keep a separate
    mean and variance per index: an int, a tuple of ints, or None for one scalar mean and
    variance over everything. The batch axis itself is refused (UnsupportedArgumentError).

    The statistics come from `adapt(data)`, or are given as `mean` and `variance` numbers
    (broadcast as Keras does). Given statistics as arrays (one value per index) are refused
    with UnsupportedArgumentError: use adapt() for per-index statistics.

    Without given statistics the layer's weights are, as Keras's, `mean` and `variance` (the
    kept axes' shape) and `count` (a scalar Keras keeps for old saved models and adapt() leaves
    at 0), all non-trainable; they are saved and loaded with the model. (Keras holds `count` as
    int32, nerve as float32 holding the same value.) Before adapt() they are zeros and ones, so
    the layer passes its input through unchanged, as Keras's does. set_weights() takes effect at
    once (Keras 3.15's layer keeps the statistics of its last adapt() or load until the next
    one). With given statistics the layer has no weights."""

    core_type = "Normalization"

    def _init_declared(self, cls, values: dict, base_kwargs: dict) -> None:
        axis = values["axis"]
        if axis is None:
            values["axis"] = ()  # Keras stores axis=None as the empty tuple
        elif isinstance(axis, list):
            values["axis"] = tuple(axis)
        mean, variance = values["mean"], values["variance"]
        if mean is not None and variance is not None and np.shape(mean) != np.shape(variance):
            raise ValueError(
                f"{cls.__name__}: when setting values directly, `mean` and `variance` must have "
                f"the same shape. Received: mean shape {np.shape(mean)} and variance shape "
                f"{np.shape(variance)}"
            )
        why = "only numbers are implemented (per-index statistics: leave them out and adapt())"
        for argument in ("mean", "variance"):
            values[argument] = _scalar(values[argument], cls.__name__, argument, why)
        super()._init_declared(cls, values, base_kwargs)

    # Keras keeps the constructor's statistics as input_mean / input_variance and names the
    # statistics the layer computes with `mean` / `variance` (what the regression tutorial
    # prints after adapt()): shaped to broadcast against the input, (1, features) for
    # axis=-1; None before the layer is built.
    @property
    def mean(self):
        return self._statistic(0, self.input_mean)

    @mean.setter
    def mean(self, value):
        self.__dict__["input_mean"] = value

    @property
    def variance(self):
        return self._statistic(1, self.input_variance)

    @variance.setter
    def variance(self, value):
        self.__dict__["input_variance"] = value

    def _statistic(self, index: int, given):
        if not self.built:
            return None
        built = from_core(self._core.input_shape)
        ndim = len(built) + 1
        kept = {(a if a >= 0 else a + ndim) for a in self.axis}
        shape = [1] + [built[d - 1] if d in kept else 1 for d in range(1, ndim)]
        if given is not None:  # the given number, broadcast as Keras's build() does
            return _core.Tensor(np.full(shape, given, dtype=np.float32))
        return self.weights[index].reshape(shape)

    def get_config(self):
        config = super().get_config()
        config["axis"] = tuple(config["axis"])  # as Keras: (-1,), () for None
        config["mean"], config["variance"] = self.input_mean, self.input_variance
        return config

    def _who(self) -> str:
        return f"{type(self).__name__} '{self.name}'"

    def adapt(self, data) -> None:
        """Sets the mean and variance weights to the statistics of `data` over every axis but
        the kept ones: the population variance (numpy's np.var), computed in float64.

        data: a numpy array (or anything np.asarray takes, a nerve.Tensor included) whose first
        axis is the batch; or an iterable of batches (a list of arrays, a generator), each an
        array, or an (x, y[, sample_weight]) tuple whose x is used, as Keras. Batches are merged
        with the exact pairwise update (Chan et al.), so the result is numpy's over all the rows.
        The layer is built for data's per-sample shape if it is not built yet."""
        who = self._who()
        if self.input_mean is not None:
            raise ValueError(
                f"{who}: adapt() cannot change statistics given to the constructor "
                f"(mean={self.input_mean}, variance={self.input_variance}); create the layer "
                f"without them"
            )
        if (
            isinstance(data, np.ndarray)
            or hasattr(data, "__array__")
            and not isinstance(data, (list, tuple))
        ):
            batches = iter([np.asarray(data)])
        elif hasattr(data, "__iter__") and not isinstance(data, (str, bytes, dict)):
            batches = iter(data)
        else:
            raise TypeError(
                f"{who}: adapt() takes a numpy array or an iterable of batches (a list of arrays, "
                f"a generator), got {type(data).__name__}"
            )
        count, mean, m2 = 0, None, None
        for batch in batches:
            if isinstance(batch, tuple):
                batch = batch[0]  # (x, y) or (x, y, sample_weight), as Keras
            if not hasattr(batch, "shape"):
                raise TypeError(
                    f"{who}: adapt() expects batches that are arrays (with a .shape), got an "
                    f"element of type {type(batch).__name__}"
                )
            batch = np.asarray(batch, dtype=np.float64)
            reduce_axes = self._adapt_axes(batch.shape)
            n = int(np.prod([batch.shape[a] for a in reduce_axes], dtype=np.int64))
            if n == 0:
                continue
            b_mean = batch.mean(axis=reduce_axes)
            b_m2 = ((batch - batch.mean(axis=reduce_axes, keepdims=True)) ** 2).sum(
                axis=reduce_axes
            )
            if mean is None:
                count, mean, m2 = n, b_mean, b_m2
                continue
            total = count + n
            delta = b_mean - mean
            mean = mean + delta * (n / total)
            m2 = m2 + b_m2 + delta**2 * (count * n / total)
            count = total
        if mean is None:
            raise ValueError(
                f"{who}: adapt() received no data (an empty iterable, or batches of no rows)"
            )
        weights = self.weights
        np.asarray(weights[0])[...] = mean
        np.asarray(weights[1])[...] = m2 / count

    def _adapt_axes(self, data_shape) -> tuple:
        """The axes of a batch of `data_shape` that adapt() reduces over; builds the layer for the
        first batch, and checks later batches (and an already built layer) on the kept axes."""
        who = self._who()
        if len(data_shape) == 0:
            raise ValueError(f"{who}: adapt() needs data with a batch axis, got a scalar")
        sample = tuple(int(d) for d in data_shape[1:])
        if not self.built:
            self._build_sample(sample)
        built = from_core(self._core.input_shape)
        ndim = len(built) + 1  # Keras counts the batch axis; the C++ build checked the range
        kept = sorted((a if a >= 0 else a + ndim) - 1 for a in self.axis)
        if len(sample) != len(built) or any(sample[d] != built[d] for d in kept):
            raise ValueError(
                f"{who}: the layer was built for inputs of shape {(None, *built)} (axis "
                f"{self.axis}), but adapt() got data of shape {tuple(data_shape)}: the kept "
                f"axes must match"
            )
        return tuple(a for a in range(len(data_shape)) if a - 1 not in kept)


# ---- layers written in Python (traced into C++ like a custom layer) -----------------------
def _encode_categorical(who: str, inputs, output_mode: str, depth: int, count_weights=None):
    """Keras's numerical_utils.encode_categorical_inputs (its JAX path) for a batched input:
    "one_hot" adds an axis of `depth` (replacing a last axis of size 1); "multi_hot" and "count"
    reduce the sample axis 1 of a (batch, values) input."""
    rank = len(inputs.shape)
    if output_mode == "one_hot":
        if rank > 1 and inputs.shape[-1] == 1:
            inputs = ops.squeeze(inputs, axis=-1)
        return ops.one_hot(inputs, depth)
    if rank != 2:
        raise ValueError(
            f"{who}: output_mode={output_mode!r} takes input of shape (batch, values) (rank 2, "
            f"as Keras's layer supports); got rank {rank}"
        )
    if output_mode == "multi_hot":
        return ops.max(ops.one_hot(ops.cast(inputs, "int32"), depth), axis=1)
    encoded = ops.one_hot(inputs, depth)
    if count_weights is not None:
        encoded = encoded * ops.expand_dims(count_weights, -1)
    return ops.sum(encoded, axis=1)


def _encoded_shape(output_mode: str, input_shape, depth: int) -> tuple:
    input_shape = tuple(input_shape)
    if output_mode == "one_hot":
        if len(input_shape) > 1 and input_shape[-1] == 1:
            return input_shape[:-1] + (depth,)
        return input_shape + (depth,)
    if output_mode == "int":
        return input_shape
    return (input_shape[0],) + input_shape[2:] + (depth,)


class CategoryEncoding(Layer):
    """Integer ids in [0, num_tokens) encoded as Keras's CategoryEncoding: "multi_hot" (the
    default) a 1 for each id present in a sample's (batch, values) row, "count" how often each
    appears (weighted by `count_weights`, a second tensor of the input's shape, when given),
    "one_hot" a new axis of size num_tokens per id (replacing a last axis of size 1). Ids
    outside the range give zeros (Keras's JAX backend). Output float32; no weights, no gradient
    to the ids. sparse=True raises UnsupportedArgumentError (nerve tensors are dense)."""

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        who = f"CategoryEncoding '{self.name}'"
        reject_unsupported(who, CategoryEncoding.__init__, sparse=sparse)
        if output_mode == "binary":  # Keras's deprecated name
            output_mode = "multi_hot"
        if output_mode not in ("count", "one_hot", "multi_hot"):
            raise ValueError(f"{who}: Unknown arg for output_mode: {output_mode}")
        if num_tokens is None:
            raise ValueError(
                f"{who}: num_tokens must be set to use this layer. If the number of tokens is "
                "not known beforehand, use the IntegerLookup layer instead."
            )
        if isinstance(num_tokens, bool) or not isinstance(num_tokens, numbers.Integral):
            raise ValueError(f"{who}: `num_tokens` must be an int. Received: {num_tokens!r}")
        if num_tokens < 1:
            raise ValueError(
                f"{who}: `num_tokens` must be >= 1. Received: num_tokens={num_tokens}."
            )
        self.num_tokens = int(num_tokens)
        self.output_mode = output_mode
        self.sparse = False

    def build(self, input_shape, count_weights_shape=None):
        who = f"CategoryEncoding '{self.name}'"
        if self.output_mode != "one_hot" and len(input_shape) != 2:
            raise ValueError(
                f"{who}: output_mode={self.output_mode!r} takes input of shape (batch, values) "
                f"(rank 2, as Keras's layer supports); got shape {tuple(input_shape)}"
            )
        if count_weights_shape is not None and tuple(count_weights_shape) != tuple(input_shape):
            raise ValueError(
                f"{who}: count_weights must have the input's shape {tuple(input_shape)}; got "
                f"{tuple(count_weights_shape)}"
            )

    def compute_output_shape(self, input_shape):
        return _encoded_shape(self.output_mode, input_shape, self.num_tokens)

    def call(self, inputs, count_weights=None):
        who = f"CategoryEncoding '{self.name}'"
        if count_weights is not None and self.output_mode != "count":
            raise ValueError(
                f"{who}: `count_weights` is not used when `output_mode` is not `'count'`. "
                f"Received `count_weights={count_weights}`."
            )
        return _encode_categorical(who, inputs, self.output_mode, self.num_tokens, count_weights)

    def get_config(self):
        return {
            **super().get_config(),
            "num_tokens": self.num_tokens,
            "output_mode": self.output_mode,
        }


# Keras's Discretization.adapt(): its quantile summaries, in numpy (the same numbers).
def _summarize(values, epsilon):
    values = np.sort(np.reshape(values, [-1]))
    elements = np.size(values)
    increment = elements / (1.0 / epsilon)
    step = max(increment, 1)
    boundaries = values[int(step - 1) :: int(step)]
    return np.stack([boundaries, np.ones_like(boundaries) * step])


def _compress_summary(summary, epsilon):
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum_weights = summary[1].cumsum()
    cum_weight_percents = cum_weights / cum_weights[-1]
    new_bins = np.interp(percents, cum_weight_percents, summary[0])
    cum_weights = np.interp(percents, cum_weight_percents, cum_weights)
    new_weights = cum_weights - np.concatenate((np.array([0]), cum_weights[:-1]))
    return np.stack((new_bins, new_weights)).astype("float32")


def _merge_summaries(prev_summary, next_summary, epsilon):
    merged = np.concatenate((prev_summary, next_summary), axis=1)
    merged = np.take(merged, np.argsort(merged[0]), axis=1)
    return _compress_summary(merged, epsilon)


class Discretization(Layer):
    """Buckets values by `bin_boundaries` (sorted; bins (-inf, b0), [b0, b1), ..., [bn, inf)),
    as Keras's Discretization: output_mode "int" gives each value's bin index (float32 holding
    the integer: nerve computes in float32, Keras's output is int32), "one_hot", "multi_hot" and
    "count" encode the indices as CategoryEncoding does with len(bin_boundaries) + 1 tokens.

    With `num_bins` instead, adapt(data) sets the boundaries from Keras's approximate quantiles
    (the same numpy algorithm and `epsilon`, so the same boundaries); adapt() must come before
    the layer is first called. No weights; sparse=True raises UnsupportedArgumentError."""

    def __init__(
        self,
        bin_boundaries=None,
        num_bins=None,
        epsilon=0.01,
        output_mode="int",
        sparse=False,
        dtype=None,
        name=None,
    ):
        super().__init__(name=name, dtype=dtype)
        who = f"Discretization '{self.name}'"
        reject_unsupported(who, Discretization.__init__, sparse=sparse)
        if output_mode not in ("int", "one_hot", "multi_hot", "count"):
            raise ValueError(
                f"{who}: Unknown value for `output_mode`. Allowed values are: 'int', "
                f"'one_hot', 'multi_hot', 'count'. Received: output_mode={output_mode}"
            )
        if num_bins is not None and (
            isinstance(num_bins, bool) or not isinstance(num_bins, numbers.Integral)
        ):
            raise ValueError(f"{who}: `num_bins` must be an int. Received: num_bins={num_bins!r}")
        if num_bins is not None and num_bins < 0:
            raise ValueError(
                f"{who}: `num_bins` must be greater than or equal to 0. "
                f"Received: `num_bins={num_bins}`"
            )
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError(
                f"{who}: Both `num_bins` and `bin_boundaries` should not be set. "
                f"Received: `num_bins={num_bins}` and `bin_boundaries={bin_boundaries}`"
            )
        if num_bins is None and bin_boundaries is None:
            raise ValueError(f"{who}: You need to set either `num_bins` or `bin_boundaries`.")
        if isinstance(epsilon, bool) or not isinstance(epsilon, numbers.Real) or epsilon <= 0:
            raise ValueError(f"{who}: `epsilon` must be a number > 0. Received: {epsilon!r}")
        if bin_boundaries is not None:
            self._check_boundaries(bin_boundaries)
        self.bin_boundaries = None if bin_boundaries is None else list(bin_boundaries)
        self.num_bins = num_bins
        self.epsilon = epsilon
        self.output_mode = output_mode
        self.sparse = False
        self.summary = None if self.bin_boundaries else np.array([[], []], dtype="float32")

    def _check_boundaries(self, bin_boundaries) -> None:
        values = np.asarray(bin_boundaries, dtype=np.float64)
        if values.ndim != 1 or np.any(np.diff(values) < 0) or np.any(np.isnan(values)):
            raise ValueError(
                f"Discretization '{self.name}': `bin_boundaries` must be a sorted list of "
                f"numbers. Received: bin_boundaries={bin_boundaries!r}"
            )

    def adapt(self, data, steps=None):
        """Keras's adapt(): the boundaries of `num_bins` bins from approximate quantiles of
        `data` (a numpy array, or an iterable of batches; `steps` limits the batches)."""
        who = f"Discretization '{self.name}'"
        if self.num_bins is None:
            raise ValueError(
                f"{who}: Cannot adapt a Discretization layer that has been initialized with "
                "`bin_boundaries`, use `num_bins` instead."
            )
        if self._core is not None:
            raise ValueError(
                f"{who}: adapt() after the layer was first called is not supported (nerve "
                f"fixed its bins when it traced the layer); adapt() a new layer before using it"
            )
        self.summary = np.array([[], []], dtype="float32")
        if hasattr(data, "__iter__") and not (
            isinstance(data, np.ndarray) or hasattr(data, "__array__")
        ):
            for i, batch in enumerate(data):
                if steps is not None and i >= steps:
                    break
                self._update_state(batch)
        else:
            self._update_state(data)
        self.bin_boundaries = _compress_summary(self.summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def _update_state(self, data):
        data = np.array(data).astype("float32")
        self.summary = _merge_summaries(_summarize(data, self.epsilon), self.summary, self.epsilon)

    def _depth(self) -> int:
        return len(self.bin_boundaries) + 1 if self.bin_boundaries is not None else self.num_bins

    def build(self, input_shape):
        if self.bin_boundaries is None:
            raise ValueError(
                f"Discretization '{self.name}': You need to either pass the `bin_boundaries` "
                "argument at construction time or call `adapt(dataset)` before you can start "
                "using the `Discretization` layer."
            )
        if self.output_mode in ("multi_hot", "count") and len(input_shape) != 2:
            raise ValueError(
                f"Discretization '{self.name}': output_mode={self.output_mode!r} takes input "
                f"of shape (batch, values) (rank 2); got shape {tuple(input_shape)}"
            )

    def compute_output_shape(self, input_shape):
        return _encoded_shape(self.output_mode, input_shape, self._depth())

    def call(self, inputs):
        boundaries = np.asarray(self.bin_boundaries, dtype=np.float32)
        if boundaries.size == 0:
            indices = inputs * 0.0
        else:
            above = ops.greater_equal(ops.expand_dims(inputs, -1), boundaries)
            indices = ops.sum(ops.cast(above, "float32"), axis=-1)
        if self.output_mode == "int":
            return indices
        who = f"Discretization '{self.name}'"
        return _encode_categorical(who, indices, self.output_mode, self._depth())

    def get_config(self):
        return {
            "bin_boundaries": self.bin_boundaries,
            "num_bins": self.num_bins,
            "epsilon": self.epsilon,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
            "name": self.name,
            "dtype": super().get_config()["dtype"],
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        if config.get("bin_boundaries") is not None and config.get("num_bins") is not None:
            # adapted: Keras's __init__ takes one of the two, so the boundaries are set after
            config = dict(config)
            bin_boundaries = config.pop("bin_boundaries")
            layer = cls(**config)
            layer._check_boundaries(bin_boundaries)
            layer.bin_boundaries = list(bin_boundaries)
            return layer
        return cls(**config)


def _bilinear_matrix(size_in: int, size_out: int) -> np.ndarray:
    """(size_out, size_in) weights of jax.image.resize's "bilinear" along one axis without
    antialiasing (Keras's image.resize): a triangle kernel at half-pixel sample positions, the
    weights of each output normalized over the pixels inside the image."""
    sample = (np.arange(size_out) + 0.5) * (size_in / size_out) - 0.5
    weights = np.maximum(0.0, 1.0 - np.abs(np.arange(size_in)[None, :] - sample[:, None]))
    total = weights.sum(axis=1, keepdims=True)
    weights = np.where(total > 1000.0 * np.finfo(np.float32).eps, weights / total, 0.0)
    inside = (sample >= -0.5) & (sample <= size_in - 0.5)
    return np.where(inside[:, None], weights, 0.0).astype(np.float32)


class CenterCrop(Layer):
    """The central height x width window of each (batch, height, width, channels) image (or
    (batch, channels, height, width) with data_format="channels_first"), as Keras's CenterCrop:
    the window starts at (input - target) // 2. An image smaller than the target on either side
    is resized as Keras's smart_resize does: the largest central window of the target's aspect
    ratio, resized bilinearly (half-pixel centres, no antialiasing: jax.image.resize's numbers).
    Unbatched (rank 3) images, which Keras also takes, are refused: give a batch axis."""

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(**kwargs)
        who = f"CenterCrop '{self.name}'"
        for argument, value in (("height", height), ("width", width)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError(
                    f"{who}: `{argument}` must be a positive int. Received: {argument}={value!r}"
                )
        self.height = int(height)
        self.width = int(width)
        self.data_format = _data_format(who, data_format)

    def _hw_axes(self):
        return (2, 3) if self.data_format == "channels_first" else (1, 2)

    def build(self, input_shape):
        who = f"CenterCrop '{self.name}'"
        if len(input_shape) != 4:
            raise ValueError(
                f"{who}: expected batched images of rank 4 ({self.data_format}), got shape "
                f"{tuple(input_shape)}"
            )
        h_axis, w_axis = self._hw_axes()
        in_h, in_w = input_shape[h_axis], input_shape[w_axis]
        if in_h is None or in_w is None:
            raise ValueError(
                f"{who}: the input's height and width must be known (nerve.Input with sizes), "
                f"got shape {tuple(input_shape)}"
            )

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        h_axis, w_axis = self._hw_axes()
        shape[h_axis], shape[w_axis] = self.height, self.width
        return tuple(shape)

    def _window(self, height: int, width: int):
        """(h_start, w_start, crop_height, crop_width, resized): Keras's crop, or for an image
        smaller than the target smart_resize's crop box, then resized."""
        if height >= self.height and width >= self.width:
            h_start, w_start = (height - self.height) // 2, (width - self.width) // 2
            return h_start, w_start, self.height, self.width, False
        crop_height = max(min(height, int(float(width * self.height) / self.width)), 1)
        crop_width = max(min(width, int(float(height * self.width) / self.height)), 1)
        h_start = int(float(height - crop_height) / 2)
        w_start = int(float(width - crop_width) / 2)
        return h_start, w_start, crop_height, crop_width, True

    def call(self, inputs):
        h_axis, w_axis = self._hw_axes()
        h_start, w_start, crop_h, crop_w, resized = self._window(
            inputs.shape[h_axis], inputs.shape[w_axis]
        )
        index = [slice(None)] * 4
        index[h_axis] = slice(h_start, h_start + crop_h)
        index[w_axis] = slice(w_start, w_start + crop_w)
        out = inputs[tuple(index)]
        if not resized:
            return out
        rows = _bilinear_matrix(crop_h, self.height)
        cols = _bilinear_matrix(crop_w, self.width)
        if self.data_format == "channels_first":
            out = ops.einsum("nchw,Hh->ncHw", out, rows)
            return ops.einsum("ncHw,Ww->ncHW", out, cols)
        out = ops.einsum("nhwc,Hh->nHwc", out, rows)
        return ops.einsum("nHwc,Ww->nHWc", out, cols)

    def get_config(self):
        return {
            **super().get_config(),
            "data_format": self.data_format,
            "height": self.height,
            "width": self.width,
        }
