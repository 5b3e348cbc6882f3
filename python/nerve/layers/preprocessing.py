"""Rescaling and Normalization, Keras 3's preprocessing layers that run inside the model.
Arguments declared in C++ (nerve/layers/preprocessing.h); Normalization.adapt() is here."""

from __future__ import annotations

import numbers

import numpy as np

from .. import _core
from ..utils.keras_args import UnsupportedArgumentError
from ._shapes import from_core
from .declared import DeclaredLayer


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
