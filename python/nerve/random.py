"""nerve.random: seeded random ops, as Keras 3's keras.random.

Every function takes `seed`, with Keras's meaning:

- an int: stateless, the same values on every call with that seed;
- a `SeedGenerator`: its state advances on each draw, so each call differs, and two generators
  made with the same seed give the same sequence;
- None: the global generator, reproducible after `nerve.utils.set_random_seed`.

The ops run in C++ through the op registry (nerve.ops._dispatch.apply), and a generator's state
lives in C++ too: a custom layer's `call()` is traced once and replayed every step, and each
replay draws fresh values from its generator (or from the global one when seed is None).

Tensors are float32: randint and categorical return float32 holding integers.
"""

from __future__ import annotations

import numbers
import random as _python_random

import numpy as np

from . import _core
from .ops._dispatch import apply

__all__ = [
    "SeedGenerator",
    "beta",
    "binomial",
    "categorical",
    "dropout",
    "gamma",
    "normal",
    "randint",
    "shuffle",
    "truncated_normal",
    "uniform",
]

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_seed_generator_names: dict[str, int] = {}


def _is_int(x) -> bool:
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def _check_seed_int(owner: str, seed) -> int:
    if not _is_int(seed):
        raise TypeError(f"{owner}: seed must be an int, got {seed!r} ({type(seed).__name__})")
    if not _INT64_MIN <= int(seed) <= _INT64_MAX:
        raise ValueError(f"{owner}: seed {seed} does not fit in 64 bits")
    return int(seed)


def _auto_name() -> str:
    n = _seed_generator_names.get("seed_generator", 0)
    _seed_generator_names["seed_generator"] = n + 1
    return "seed_generator" if n == 0 else f"seed_generator_{n}"


class SeedGenerator:
    """Keras 3's `SeedGenerator`: a seed state that advances on each random op it is given.

    seed_gen = nerve.random.SeedGenerator(seed=42)
    a = nerve.random.normal((2, 3), seed=seed_gen)
    b = nerve.random.normal((2, 3), seed=seed_gen)   # differs from a

    `seed=None` picks a seed from Python's `random` module, as Keras does, so it is reproducible
    after `nerve.utils.set_random_seed`. The state `(seed, counter)` is kept in C++, where traced
    layers read and advance it on every step without Python; `state` reads it and `next()`
    draws one key (advancing it), as Keras's `next()` does.
    """

    def __init__(self, seed=None, name=None, **kwargs):
        if kwargs:
            raise ValueError(f"SeedGenerator: unrecognized keyword arguments: {kwargs}")
        self.name = name if name is not None else _auto_name()
        self._initial_seed = seed
        if seed is None:
            seed = _python_random.randint(1, int(1e9))  # Keras's make_default_seed
        self._id = _core.random.new_seed_generator(_check_seed_int("SeedGenerator", seed))

    @property
    def state(self) -> tuple[int, int]:
        """The generator's state `(seed, counter)`; counter counts the draws made so far."""
        return tuple(_core.random.seed_generator_state(self._id))

    @state.setter
    def state(self, value) -> None:
        seed, counter = value
        _core.random.set_seed_generator_state(
            self._id,
            _check_seed_int("SeedGenerator.state", seed),
            _check_seed_int("SeedGenerator.state", counter),
        )

    def next(self, ordered=True) -> int:
        """Draws the 64-bit key of the current state and advances the counter (Keras's `next`)."""
        if not ordered:
            raise ValueError("SeedGenerator.next: nerve supports only ordered=True")
        return _core.random.seed_generator_next(self._id)

    def get_config(self) -> dict:
        """Keras's config: the seed it was made with (None stays None) and its name."""
        return {"seed": self._initial_seed, "name": self.name}

    @classmethod
    def from_config(cls, config):
        """A new generator from `get_config()`'s dict."""
        return cls(**config)

    def __repr__(self) -> str:
        seed, counter = self.state
        return f"<SeedGenerator name={self.name!r} seed={seed} counter={counter}>"


def _seed_attrs(op: str, seed) -> dict:
    if seed is None:
        return {}
    if isinstance(seed, SeedGenerator):
        return {"generator": seed._id}
    if _is_int(seed):
        return {"seed": _check_seed_int(op, seed)}
    raise TypeError(
        f"{op}: seed must be an int, a nerve.random.SeedGenerator or None, "
        f"got {seed!r} ({type(seed).__name__})"
    )


def _shape_attr(op: str, shape) -> list:
    if _is_int(shape):
        return [int(shape)]
    try:
        return list(shape)
    except TypeError:
        raise TypeError(
            f"{op}: shape must be a tuple of ints, got {shape!r} ({type(shape).__name__})"
        ) from None


def _check_float_dtype(op: str, dtype) -> None:
    if dtype not in (None, "float32") and getattr(dtype, "__name__", None) != "float32":
        raise ValueError(f"{op}: nerve tensors are float32, got dtype={dtype!r}")


def _check_index_dtype(op: str, dtype) -> None:
    # Keras returns int32 indices; nerve returns float32 holding the same integers.
    names = ("int32", "int64", "float32")
    if dtype is not None and str(getattr(dtype, "__name__", dtype)) not in names:
        raise ValueError(
            f"{op}: nerve returns float32 holding integers; dtype must be one of "
            f"{names}, got dtype={dtype!r}"
        )


def _number(op: str, name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{op}: {name} must be a number, got {value!r} ({type(value).__name__})")
    return float(value)


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Values from a normal distribution: `mean + stddev * N(0, 1)`, a float32 tensor of `shape`.

    Args:
        shape: tuple of ints (a traced batch size is allowed inside a custom layer).
        mean, stddev: the distribution's mean and standard deviation (stddev >= 0).
        dtype: None or "float32" (nerve tensors are float32).
        seed: an int (the same values each call), a SeedGenerator or None (global generator).
    """
    _check_float_dtype("random_normal", dtype)
    attrs = {
        "shape": _shape_attr("random_normal", shape),
        "mean": _number("random_normal", "mean", mean),
        "stddev": _number("random_normal", "stddev", stddev),
    }
    return apply("random_normal", [], {**attrs, **_seed_attrs("random_normal", seed)})


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Values from a uniform distribution on `[minval, maxval)`, a float32 tensor of `shape`.

    Args:
        shape: tuple of ints.
        minval, maxval: the bounds, minval < maxval (maxval is excluded).
        dtype: None or "float32".
        seed: an int, a SeedGenerator or None (see the module's docstring).
    """
    _check_float_dtype("random_uniform", dtype)
    attrs = {
        "shape": _shape_attr("random_uniform", shape),
        "minval": _number("random_uniform", "minval", minval),
        "maxval": _number("random_uniform", "maxval", maxval),
    }
    return apply("random_uniform", [], {**attrs, **_seed_attrs("random_uniform", seed)})


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Values from a truncated normal distribution: as `normal`, with values further than two
    standard deviations from the mean dropped and re-drawn (so all lie within mean +- 2 stddev).

    Args:
        shape: tuple of ints.
        mean, stddev: the untruncated distribution's mean and standard deviation (stddev >= 0).
        dtype: None or "float32".
        seed: an int, a SeedGenerator or None.
    """
    op = "random_truncated_normal"
    _check_float_dtype(op, dtype)
    attrs = {
        "shape": _shape_attr(op, shape),
        "mean": _number(op, "mean", mean),
        "stddev": _number(op, "stddev", stddev),
    }
    return apply(op, [], {**attrs, **_seed_attrs(op, seed)})


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Random integers in `[minval, maxval)`, uniformly: a float32 tensor holding integers (nerve
    tensors are float32; |minval|, |maxval| <= 2^24 so every value is exact).

    Args:
        shape: tuple of ints.
        minval, maxval: int bounds, minval < maxval (maxval is excluded).
        dtype: "int32" (Keras's default), "int64" or "float32": the values are float32 either way.
        seed: an int, a SeedGenerator or None.
    """
    op = "random_randint"
    _check_index_dtype(op, dtype)
    for name, v in (("minval", minval), ("maxval", maxval)):
        if not _is_int(v):
            raise TypeError(f"{op}: {name} must be an int, got {v!r} ({type(v).__name__})")
    attrs = {"shape": _shape_attr(op, shape), "minval": int(minval), "maxval": int(maxval)}
    return apply(op, [], {**attrs, **_seed_attrs(op, seed)})


def categorical(logits, num_samples, dtype="int32", seed=None):
    """Draws `num_samples` class indices per row of `logits` [batch, classes] from
    softmax(logits): a float32 tensor [batch, num_samples] holding the indices. -inf logits are
    classes never drawn. No gradient (the values are integers).

    Args:
        logits: 2-D tensor or array of unnormalized log-probabilities.
        num_samples: int >= 0.
        dtype: "int32" (Keras's default), "int64" or "float32": the values are float32 either way.
        seed: an int, a SeedGenerator or None.
    """
    op = "random_categorical"
    _check_index_dtype(op, dtype)
    if not _is_int(num_samples):
        raise TypeError(f"{op}: num_samples must be an int, got {num_samples!r}")
    attrs = {"num_samples": int(num_samples)}
    return apply(op, [logits], {**attrs, **_seed_attrs(op, seed)})


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Inverted dropout: each element of `inputs` set to 0 with probability `rate`, the others
    scaled by 1 / (1 - rate); rate 0 returns inputs, rate 1 zeros (as Keras). Differentiable
    with respect to `inputs` (the gradient goes through the same mask).

    Args:
        inputs: a tensor (or array).
        rate: float in [0, 1].
        noise_shape: optional shape of the mask, broadcast against inputs' shape (right-aligned):
            each dim 1 (one draw shared along that axis), None or the inputs' dim. E.g. for
            inputs [batch, steps, features], (None, 1, None) drops the same features at every step.
        seed: an int, a SeedGenerator or None.
    """
    op = "random_dropout"
    rate = _number(op, "rate", rate)
    attrs = {"rate": rate}
    if noise_shape is not None:
        attrs["noise_shape"] = [-1 if d is None else d for d in _shape_attr(op, noise_shape)]
    return apply(op, [inputs], {**attrs, **_seed_attrs(op, seed)})


def shuffle(x, axis=0, seed=None):
    """Shuffles `x` along `axis`: each 1-D slice along that axis is permuted independently, as
    Keras's JAX backend does (`jax.random.permutation(..., independent=True)`); for a 1-D `x`,
    a random permutation of its elements. Differentiable with respect to `x`.

    Args:
        x: a tensor (or array) of rank >= 1.
        axis: int, the axis to shuffle along (negative counts from the end).
        seed: an int, a SeedGenerator or None.
    """
    op = "random_shuffle"
    if not _is_int(axis):
        raise TypeError(f"{op}: axis must be an int, got {axis!r}")
    return apply(op, [x], {"axis": int(axis), **_seed_attrs(op, seed)})


def _scalar_parameter(op: str, name: str, value) -> float:
    # Keras (JAX) broadcasts array parameters against `shape`; nerve takes one value per call.
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    a = np.asarray(value)
    if a.dtype.kind not in "iuf":
        raise TypeError(f"{op}: {name} must be a number, got {value!r} ({type(value).__name__})")
    if a.size == 1:
        return float(a.reshape(()))
    raise ValueError(
        f"{op}: nerve supports a single number for {name}, got {name} of shape "
        f"{tuple(a.shape)}; draw each parameter value separately"
    )


def gamma(shape, alpha, dtype=None, seed=None):
    """Values from the gamma distribution Gamma(alpha, 1) (shape `alpha`, scale 1): a float32
    tensor of `shape`, with mean and variance `alpha`.

    Args:
        shape: tuple of ints.
        alpha: float > 0, the distribution's shape parameter.
        dtype: None or "float32".
        seed: an int, a SeedGenerator or None.
    """
    op = "random_gamma"
    _check_float_dtype(op, dtype)
    attrs = {"shape": _shape_attr(op, shape), "alpha": _scalar_parameter(op, "alpha", alpha)}
    return apply(op, [], {**attrs, **_seed_attrs(op, seed)})


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Values from the beta distribution Beta(alpha, beta) on [0, 1]: a float32 tensor of
    `shape`, with mean alpha / (alpha + beta).

    Args:
        shape: tuple of ints.
        alpha, beta: floats > 0.
        dtype: None or "float32".
        seed: an int, a SeedGenerator or None.
    """
    op = "random_beta"
    _check_float_dtype(op, dtype)
    attrs = {
        "shape": _shape_attr(op, shape),
        "alpha": _scalar_parameter(op, "alpha", alpha),
        "beta": _scalar_parameter(op, "beta", beta),
    }
    return apply(op, [], {**attrs, **_seed_attrs(op, seed)})


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Values from the binomial distribution: the number of successes in `counts` independent
    trials each succeeding with probability `probabilities`; a float32 tensor of `shape` holding
    integers (mean counts * p).

    Args:
        shape: tuple of ints.
        counts: an integer number of trials in [0, 2^24].
        probabilities: float in [0, 1].
        dtype: None or "float32".
        seed: an int, a SeedGenerator or None.
    """
    op = "random_binomial"
    _check_float_dtype(op, dtype)
    attrs = {
        "shape": _shape_attr(op, shape),
        "counts": _scalar_parameter(op, "counts", counts),
        "probabilities": _scalar_parameter(op, "probabilities", probabilities),
    }
    return apply(op, [], {**attrs, **_seed_attrs(op, seed)})
