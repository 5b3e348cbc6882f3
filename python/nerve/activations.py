"""Activation functions by Keras name. The math runs in C++ (nerve._core.ops.activation)."""

from __future__ import annotations

import numpy as np

from . import _core

NAMES = ("linear", "relu", "sigmoid", "tanh", "leaky_relu", "elu", "softmax", "gelu", "swish")
# Default parameters, as Keras 3: leaky_relu negative_slope 0.2, elu alpha 1.0.
DEFAULT_ALPHA = {"leaky_relu": 0.2, "elu": 1.0}
_ALIASES = {None: "linear", "silu": "swish"}


def get(identifier) -> str:
    """Canonical activation name for a name (or None); ValueError lists the valid names."""
    if callable(identifier) and getattr(identifier, "__name__", None) in NAMES:
        identifier = identifier.__name__
    name = _ALIASES.get(identifier, identifier)
    if not isinstance(name, str) or name not in NAMES:
        raise ValueError(f"Unknown activation {identifier!r}. Valid names: {', '.join(NAMES)}")
    return name


def _apply(name: str, x, alpha: float | None = None) -> np.ndarray:
    t = _core.Tensor(np.ascontiguousarray(x, dtype=np.float32))
    a = DEFAULT_ALPHA.get(name, 0.0) if alpha is None else alpha
    return np.array(_core.ops.activation(t, name, a))


def linear(x): return _apply("linear", x)
def relu(x): return _apply("relu", x)
def sigmoid(x): return _apply("sigmoid", x)
def tanh(x): return _apply("tanh", x)
def leaky_relu(x, negative_slope=0.2): return _apply("leaky_relu", x, negative_slope)
def elu(x, alpha=1.0): return _apply("elu", x, alpha)
def softmax(x): return _apply("softmax", x)
def gelu(x): return _apply("gelu", x)
def swish(x): return _apply("swish", x)
