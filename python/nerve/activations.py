"""Activation functions: every function of keras.activations (Keras 3), same names, keyword
arguments and defaults. The math runs in C++ (nerve._core.ops.activation).

Each function takes an array (returns a numpy array) or a nerve Tensor (returns a Tensor that
records the op for gradients). Each function object is also its canonical Keras name: layers take
`activation="relu"` or `activation=nerve.activations.relu` alike, pass the name to the C++ engine
and write it into get_config, as keras.activations.serialize does.
"""

from __future__ import annotations

import numpy as np

from . import _core


class ActivationFunction(str):
    """A Keras activation: callable like the Keras function, and equal to (and shown as) its
    canonical name, so a layer's get_config holds the name as Keras's serialize gives it."""

    def __new__(cls, name: str, fn):
        obj = super().__new__(cls, name)
        obj._fn = fn
        obj.__name__ = name
        obj.__doc__ = fn.__doc__
        return obj

    def __call__(self, *args, **kwargs):
        return self._fn(*args, **kwargs)

    def __reduce__(self):  # copies and pickles resolve to the same function again
        return (get, (str(self),))


def _run(name: str, x, axis: int = -1, **params):
    """Applies activation `name` (C++) over the whole array; row activations act along `axis`."""
    if isinstance(x, _core.Tensor):
        if axis not in (-1, len(x.shape) - 1):
            raise ValueError(
                f"activation {name!r}: on a nerve Tensor only the last axis is "
                f"supported (axis=-1), got axis={axis!r}"
            )
        return _core.ops.activation(x, name, **params)
    a = np.asarray(x, dtype=np.float32)
    if a.ndim == 0:
        if name in _ROW_WISE:
            raise ValueError(f"activation {name!r} acts over an axis; got a scalar")
        return np.array(_core.ops.activation(_core.Tensor(a.reshape(1)), name, **params)).reshape(
            ()
        )
    if not -a.ndim <= axis < a.ndim:
        raise ValueError(
            f"activation {name!r}: axis {axis} is out of range for an input of {a.ndim} dimensions"
        )
    moved = np.ascontiguousarray(np.moveaxis(a, axis, -1))
    y = np.array(_core.ops.activation(_core.Tensor(moved), name, **params))
    return np.moveaxis(y, -1, axis)


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """max(x, 0); with arguments as Keras: x above `threshold` (clipped to [0, max_value] when
    max_value is given), and negative_slope * (x - threshold) below it."""
    kwargs = {"alpha": float(negative_slope)}
    if max_value is not None:
        kwargs["max_value"] = float(max_value)
    if threshold:
        kwargs["threshold"] = float(threshold)
    return _run("relu", x, **kwargs)


def leaky_relu(x, negative_slope=0.2):
    """x for x > 0, negative_slope * x otherwise."""
    return _run("leaky_relu", x, alpha=float(negative_slope))


def relu6(x):
    """min(max(x, 0), 6)."""
    return _run("relu6", x)


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis`."""
    return _run("softmax", x, axis=axis)


def elu(x, alpha=1.0):
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""
    return _run("elu", x, alpha=float(alpha))


def selu(x):
    """scale * elu(x, alpha) with Keras's scale 1.05070098 and alpha 1.67326324."""
    return _run("selu", x)


def softplus(x):
    """log(1 + exp(x))."""
    return _run("softplus", x)


def softsign(x):
    """x / (1 + |x|)."""
    return _run("softsign", x)


def soft_shrink(x, threshold=0.5):
    """x - threshold above threshold, x + threshold below -threshold, 0 between."""
    return _run("soft_shrink", x, alpha=float(threshold))


def sparse_plus(x):
    """0 for x <= -1, (x + 1)^2 / 4 for -1 < x < 1, x for x >= 1."""
    return _run("sparse_plus", x)


def silu(x):
    """x * sigmoid(x) (also called swish)."""
    return _run("silu", x)


def squareplus(x, b=4):
    """(x + sqrt(x^2 + b)) / 2."""
    return _run("squareplus", x, alpha=float(b))


def gelu(x, approximate=False):
    """x * Phi(x) (Phi: the standard normal CDF); with approximate=True its tanh approximation."""
    return _run("gelu", x, approximate=bool(approximate))


def celu(x, alpha=1.0):
    """x for x > 0, alpha * (exp(x / alpha) - 1) otherwise."""
    return _run("celu", x, alpha=float(alpha))


def glu(x, axis=-1):
    """a * sigmoid(b), where a and b are the two halves of x along `axis`."""
    return _run("glu", x, axis=axis)


def tanh(x):
    """Hyperbolic tangent."""
    return _run("tanh", x)


def tanh_shrink(x):
    """x - tanh(x)."""
    return _run("tanh_shrink", x)


def hard_tanh(x):
    """x clipped to [-1, 1]."""
    return _run("hard_tanh", x)


def hard_shrink(x, threshold=0.5):
    """x where |x| > threshold, 0 elsewhere."""
    return _run("hard_shrink", x, alpha=float(threshold))


def threshold(x, threshold, default_value):
    """x where x > threshold, default_value elsewhere. (It has no defaults, so, as in Keras, it
    cannot be a layer's activation by name.)"""
    return _run("threshold", x, threshold=float(threshold), default_value=float(default_value))


def sigmoid(x):
    """1 / (1 + exp(-x))."""
    return _run("sigmoid", x)


def exponential(x):
    """exp(x)."""
    return _run("exponential", x)


def hard_sigmoid(x):
    """relu6(x + 3) / 6 (Keras 3's definition)."""
    return _run("hard_sigmoid", x)


def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x)."""
    return _run("log_sigmoid", x)


def sparse_sigmoid(x):
    """0 for x <= -1, (x + 1) / 2 for -1 < x < 1, 1 for x >= 1."""
    return _run("sparse_sigmoid", x)


def hard_silu(x):
    """x * hard_sigmoid(x) (also called hard_swish)."""
    return _run("hard_silu", x)


def linear(x):
    """The identity."""
    return _run("linear", x)


def mish(x):
    """x * tanh(softplus(x))."""
    return _run("mish", x)


def log_softmax(x, axis=-1):
    """x - log(sum(exp(x))) along `axis`."""
    return _run("log_softmax", x, axis=axis)


def sparsemax(x, axis=-1):
    """max(x - tau, 0) along `axis`, tau chosen so the output sums to 1 (the projection onto the
    probability simplex). Keras 3.15's sparsemax computes tau from the sum of the cumulative sums
    over the support, so its output need not sum to 1 (keras-team/keras#23425, fixed upstream by
    #23469); nerve computes the fixed definition, which agrees with Keras whenever one input
    stays in the support."""
    return _run("sparsemax", x, axis=axis)


# The names are the C++ registry's (nerve/activation.h): each canonical name is one of the
# functions above, each alias resolves to its canonical name. threshold alone is missing there:
# with no defaults for its arguments it has no name-only form (C++ says so when it is named).
_CALL_ONLY = ("threshold",)
_ALIASES = {
    name: _core.activation_canonical_name(name)
    for name in _core.activation_names()
    if _core.activation_canonical_name(name) != name
}
_FUNCTIONS = {
    name: ActivationFunction(name, globals()[name])
    for name in sorted(
        {_core.activation_canonical_name(n) for n in _core.activation_names()} | set(_CALL_ONLY)
    )
}
globals().update(_FUNCTIONS)
globals().update({alias: _FUNCTIONS[name] for alias, name in _ALIASES.items()})  # swish, ...

# Canonical names (each function's name); _ALIASES holds the Keras aliases that resolve to them.
NAMES = tuple(_FUNCTIONS)
# The row activations (they act along an axis, not on each value).
_ROW_WISE = tuple(n for n in NAMES if n not in _CALL_ONLY and not _core.activation_elementwise(n))


def get(identifier) -> ActivationFunction:
    """The activation for a Keras identifier: a name (aliases included), None (linear), or a
    function named like one (nerve's or Keras's own). ValueError lists the valid names."""
    if identifier is None:
        return _FUNCTIONS["linear"]
    if isinstance(identifier, str):
        name = _ALIASES.get(str(identifier), str(identifier))
    elif callable(identifier):
        name = getattr(identifier, "__name__", None)
        name = _ALIASES.get(name, name)
    else:
        name = None
    if name not in _FUNCTIONS:
        raise ValueError(
            f"Unknown activation {identifier!r}. Valid names: "
            f"{', '.join(sorted(NAMES + tuple(_ALIASES)))} (nerve runs activations "
            f"in C++ by name; other callables are not supported)"
        )
    return _FUNCTIONS[name]


def serialize(activation) -> str:
    """The canonical Keras name of an activation (what get_config stores)."""
    return str(get(activation))


def deserialize(config, custom_objects=None) -> ActivationFunction:
    """The activation for a serialized name."""
    if custom_objects:
        raise ValueError(
            "activations.deserialize: custom_objects are not supported; nerve runs "
            "activations in C++ by name"
        )
    return get(config)
