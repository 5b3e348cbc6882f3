"""Dropout, GaussianNoise, GaussianDropout and ActivityRegularization (arguments declared in C++:
nerve/layers/regularization.h); SpatialDropout1D, SpatialDropout2D and AlphaDropout, written in
Python with nerve.random and traced into C++ like a custom layer (Keras's signatures and
configs)."""

from __future__ import annotations

import numbers

from .. import ops, regularizers
from .. import random as nerve_random
from ..utils.keras_args import UnsupportedArgumentError
from .base import Layer
from .declared import DeclaredLayer
from .reshaping import _data_format, _require_rank


class Dropout(DeclaredLayer):
    """Inverted dropout: while training, each value is zeroed with probability `rate` and the rest
    are scaled by 1 / (1 - rate); in evaluate/predict the layer is the identity.

    The masks come from `seed`, or from the layer's build seed (nerve.utils.set_random_seed), plus
    a per-step counter: seeded runs reproduce exactly.
    """

    core_type = "Dropout"
    keras_args = {"noise_shape": None}
    keras_order = ("rate", "noise_shape", "seed")


class GaussianNoise(DeclaredLayer):
    """While training, adds zero-centred Gaussian noise of deviation `stddev` (in [0, 1], as
    Keras); in evaluate/predict the identity. Fresh noise per step from `seed` (or the layer's
    build seed) and a step counter, as Dropout."""

    core_type = "GaussianNoise"


class GaussianDropout(DeclaredLayer):
    """While training, multiplies by Gaussian noise of mean 1 and deviation sqrt(rate / (1 - rate));
    in evaluate/predict the identity. rate is in [0, 1) (Keras's rate=1 would be infinite noise)."""

    core_type = "GaussianDropout"


class ActivityRegularization(DeclaredLayer):
    """The identity; its output's L1L2(l1, l2) penalty (divided by the batch size, as Keras 3)
    enters the training loss."""

    core_type = "ActivityRegularization"

    def _init_declared(self, cls, values, base_kwargs):
        if base_kwargs.get("activity_regularizer") is not None:  # Keras: a duplicate keyword
            raise UnsupportedArgumentError(
                f"{cls.__name__}: takes no activity_regularizer; its regularizer is L1L2(l1, l2) "
                f"of its own arguments"
            )
        super()._init_declared(cls, values, base_kwargs)
        # Keras's layer holds the regularizer it builds (and leaves it out of get_config)
        self.activity_regularizer = regularizers.L1L2(l1=self.l1, l2=self.l2)

    def get_config(self):
        config = super().get_config()
        config.pop("activity_regularizer", None)
        return config


def _check_rate_and_seed(who: str, rate, seed) -> None:
    """Keras's checks of a dropout layer's `rate` (a number in [0, 1]) and `seed` (an int or None),
    with its messages."""
    if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not 0 <= rate <= 1:
        raise ValueError(
            f"{who}: Invalid value received for argument `rate`. Expected a float value "
            f"between 0 and 1. Received: rate={rate}"
        )
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise ValueError(
            f"{who}: Argument `seed` must be an integer or None. Received: seed={seed}"
        )


class _SpatialDropout(Layer):
    """Keras's BaseSpatialDropout: while training, whole feature maps (a channel at every step or
    pixel of a sample) are zeroed with probability `rate` and the rest scaled by 1 / (1 - rate);
    in evaluate/predict (and a call without training=True) the identity.

    The masks come from a nerve.random.SeedGenerator made from `seed` (None: drawn from Python's
    `random`, so nerve.utils.set_random_seed makes runs repeat), whose state advances in C++ on
    every training step. The random numbers are nerve's, not Keras's (the same seed gives other
    masks)."""

    supports_masking = True  # as Keras's (a Dropout): a padding mask rides on

    _rank = 0

    def __init__(self, rate, seed=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        who = type(self).__name__
        _check_rate_and_seed(who, rate, seed)
        self.rate = rate
        self.seed = seed
        self.seed_generator = nerve_random.SeedGenerator(seed)

    def build(self, input_shape):
        _require_rank(self, input_shape, self._rank)

    def _noise_shape(self, inputs) -> tuple:
        raise NotImplementedError

    def call(self, inputs, training=False):
        if training and self.rate > 0:
            return nerve_random.dropout(
                inputs, self.rate, noise_shape=self._noise_shape(inputs), seed=self.seed_generator
            )
        return inputs

    def get_config(self):
        base = super().get_config()
        return {"rate": self.rate, "seed": self.seed, "name": self.name, "dtype": base["dtype"]}


class SpatialDropout1D(_SpatialDropout):
    """Dropout of whole channels of (batch, steps, channels) input: a dropped channel is zero at
    every step of that sample."""

    _rank = 3

    def __init__(self, rate, seed=None, name=None, dtype=None):
        super().__init__(rate, seed=seed, name=name, dtype=dtype)

    def _noise_shape(self, inputs):
        return (None, 1, inputs.shape[2])


class SpatialDropout2D(_SpatialDropout):
    """Dropout of whole channels of (batch, rows, cols, channels) images (or (batch, channels,
    rows, cols) with data_format="channels_first"): a dropped channel is zero at every pixel."""

    _rank = 4

    def __init__(self, rate, data_format=None, seed=None, name=None, dtype=None):
        super().__init__(rate, seed=seed, name=name, dtype=dtype)
        self.data_format = _data_format("SpatialDropout2D", data_format)

    def _noise_shape(self, inputs):
        if self.data_format == "channels_first":
            return (None, inputs.shape[1], 1, 1)
        return (None, 1, 1, inputs.shape[3])

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class AlphaDropout(Layer):
    """Keras's AlphaDropout, for SELU networks: while training, each value is set to the SELU's
    negative saturation -alpha * scale with probability `rate`, then the whole is moved by the
    affine a * x + b that keeps the mean and variance of a unit-normal input; in evaluate/predict
    (and a call without training=True) the identity. `noise_shape` (None entries: the input's
    size) shares a draw along the axes of size 1, as Keras.

    The draws come from a nerve.random.SeedGenerator made from `seed` (None: drawn from Python's
    `random`, so nerve.utils.set_random_seed makes runs repeat), advancing in C++ on every
    training step. The random numbers are nerve's, not Keras's (the same seed gives other
    masks)."""

    supports_masking = True  # as Keras's: a padding mask rides on

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        who = f"AlphaDropout '{self.name}'"
        _check_rate_and_seed(who, rate, seed)
        if noise_shape is not None:
            try:
                dims = tuple(noise_shape)
            except TypeError:
                dims = None
            if dims is None or not all(
                d is None or (isinstance(d, int) and not isinstance(d, bool) and d > 0)
                for d in dims
            ):
                raise ValueError(
                    f"{who}: `noise_shape` must be None or a tuple of positive ints (None for "
                    f"the input's size). Received: noise_shape={noise_shape!r}"
                )
        self.rate = rate
        self.seed = seed
        # a tuple, as a list reloads (Keras keeps what it was given)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        if rate > 0:
            self.seed_generator = nerve_random.SeedGenerator(seed)

    def build(self, input_shape):
        if self.noise_shape is None:
            return
        noise = tuple(self.noise_shape)
        if len(noise) != len(input_shape) or any(
            d is not None and d != 1 and d != s for d, s in zip(noise, input_shape)
        ):
            raise ValueError(
                f"AlphaDropout '{self.name}': noise_shape={self.noise_shape} does not broadcast "
                f"against the input shape {tuple(input_shape)} (each size must be None, 1 or "
                f"the input's)"
            )

    def call(self, inputs, training=False):
        if training and self.rate > 0:
            shape = ops.shape(inputs)
            if self.noise_shape is not None:
                shape = tuple(s if d is None else d for d, s in zip(self.noise_shape, shape))
            alpha = 1.6732632423543772848170429916717
            scale = 1.0507009873554804934193349852946
            alpha_p = -alpha * scale
            uniform = nerve_random.uniform(shape, seed=self.seed_generator)
            kept = ops.cast(ops.greater_equal(uniform, self.rate), "float32")
            a = ((1 - self.rate) * (1 + self.rate * alpha_p**2)) ** -0.5
            b = -a * alpha_p * self.rate
            x = inputs * kept + alpha_p * (1 - kept)
            return a * x + b
        return inputs

    def get_config(self):
        return {
            **super().get_config(),
            "rate": self.rate,
            "seed": self.seed,
            "noise_shape": self.noise_shape,
        }
