"""nerve.ops activations, as keras.ops: each runs nerve's activation kernels in C++ with Keras's
formulas and defaults (gelu approximates with tanh by default, leaky_relu's slope is 0.2)."""

from __future__ import annotations

import numbers

from ._dispatch import apply


def relu(x):
    """max(x, 0)."""
    return apply("relu", [x])


def relu6(x):
    """min(max(x, 0), 6)."""
    return apply("relu6", [x])


def sigmoid(x):
    """1 / (1 + exp(-x))."""
    return apply("sigmoid", [x])


def tanh(x):
    """The hyperbolic tangent."""
    return apply("tanh", [x])


def softplus(x):
    """log(1 + exp(x))."""
    return apply("softplus", [x])


def softsign(x):
    """x / (1 + |x|)."""
    return apply("softsign", [x])


def silu(x):
    """x * sigmoid(x) (also called swish)."""
    return apply("silu", [x])


def swish(x):
    """x * sigmoid(x) (Keras's alias of silu)."""
    return apply("swish", [x])


def gelu(x, approximate=True):
    """The Gaussian error linear unit: its tanh approximation by default (as keras.ops.gelu), the
    exact erf form with approximate=False."""
    return apply("gelu", [x], {"approximate": bool(approximate)})


def leaky_relu(x, negative_slope=0.2):
    """x where x > 0, negative_slope * x elsewhere. At exactly 0 the gradient is negative_slope
    (nerve's activation kernel, as PyTorch); JAX's keras.ops.leaky_relu gives 1 there."""
    return apply("leaky_relu", [x], {"negative_slope": float(negative_slope)})


def elu(x, alpha=1.0):
    """x where x > 0, alpha * (exp(x) - 1) elsewhere."""
    return apply("elu", [x], {"alpha": float(alpha)})


def selu(x):
    """The scaled exponential linear unit (Keras's constants)."""
    return apply("selu", [x])


def hard_sigmoid(x):
    """relu6(x + 3) / 6, Keras 3's piece-wise linear sigmoid."""
    return apply("hard_sigmoid", [x])


def _axis(op, axis):
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise ValueError(
            f"{op}: axis must be one int, got {axis!r} (a tuple of axes is not supported)"
        )
    return int(axis)


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis` (one int)."""
    return apply("softmax", [x], {"axis": _axis("softmax", axis)})


def log_softmax(x, axis=-1):
    """x - logsumexp(x) along `axis` (one int)."""
    return apply("log_softmax", [x], {"axis": _axis("log_softmax", axis)})


# Every public function above; not a literal list, which would restate the activation names
# (tests/test_name_registries.py keeps the one list in C++).
__all__ = sorted(
    n
    for n, v in list(globals().items())
    if callable(v) and not n.startswith("_") and getattr(v, "__module__", None) == __name__
)
