"""nerve.ops activations, as keras.ops: each runs nerve's activation kernels in C++ with Keras's
formulas and defaults (gelu approximates with tanh by default, leaky_relu's slope is 0.2)."""

from __future__ import annotations

import numbers

from . import core as _core_ops
from . import linalg as _linalg_ops
from . import shape as _shape_ops
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
        raise ValueError(f"{op}: axis must be an int or a tuple of ints, got {axis!r}")
    return int(axis)


def _over_axes(op, x, axis):
    """`op` (softmax or log_softmax) over several axes at once, as Keras: those axes moved
    last and flattened into one, the op over it, then the shape and the order restored."""
    shape = _core_ops.shape(x)
    nd = len(shape)
    axes = []
    for a in axis:
        a = _axis(op, a)
        if not -nd <= a < nd:
            raise ValueError(
                f"{op}: axis {a} (in axis={tuple(axis)!r}) is out of range for a tensor of "
                f"shape {tuple(shape)}"
            )
        axes.append(a % nd)
    if len(set(axes)) != len(axes) or not axes:
        raise ValueError(f"{op}: axis={tuple(axis)!r} must name distinct axes, at least one")
    if len(axes) == 1:
        return apply(op, [x], {"axis": axes[0]})
    rest = [i for i in range(nd) if i not in axes]
    order = rest + sorted(axes)
    moved = _shape_ops.transpose(x, order)
    flat = _shape_ops.reshape(moved, tuple(shape[i] for i in rest) + (-1,))
    out = _shape_ops.reshape(apply(op, [flat], {"axis": -1}), tuple(shape[i] for i in order))
    return _shape_ops.transpose(out, [order.index(i) for i in range(nd)])


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis` (an int, or a tuple of ints: the softmax over those
    axes together, as Keras)."""
    if isinstance(axis, (tuple, list)):
        return _over_axes("softmax", x, axis)
    return apply("softmax", [x], {"axis": _axis("softmax", axis)})


def log_softmax(x, axis=-1):
    """x - logsumexp(x) along `axis` (an int, or a tuple of ints, as softmax)."""
    if isinstance(axis, (tuple, list)):
        return _over_axes("log_softmax", x, axis)
    return apply("log_softmax", [x], {"axis": _axis("log_softmax", axis)})


def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x), computed without overflow for large |x|."""
    return apply("log_sigmoid", [x])


def hard_silu(x):
    """x * hard_sigmoid(x) = x * relu6(x + 3) / 6."""
    return apply("multiply", [x, hard_sigmoid(x)])


def hard_swish(x):
    """Keras's alias of hard_silu."""
    return hard_silu(x)


def hard_tanh(x):
    """x clipped to [-1, 1]; as JAX, the gradient is 1 on [-1, 1] (bounds included), 0 outside."""
    inside = apply("where", [apply("greater", [x, 1.0]), 1.0, x])
    return apply("where", [apply("less", [x, -1.0]), -1.0, inside])


def squareplus(x, b=4):
    """(x + sqrt(x ** 2 + b)) / 2, a smooth ReLU (b >= 0)."""
    if isinstance(b, bool) or not isinstance(b, numbers.Real):
        raise TypeError(f"squareplus: b must be a number, got {b!r}")
    if b < 0:
        raise ValueError(f"squareplus: b must be >= 0, got {b}")
    root = apply("sqrt", [apply("add", [apply("square", [x]), float(b)])])
    return apply("multiply", [apply("add", [x, root]), 0.5])


def sparse_plus(x):
    """0 for x <= -1, x for x >= 1, (x + 1) ** 2 / 4 between (as JAX)."""
    middle = apply("multiply", [apply("square", [apply("add", [x, 1.0])]), 0.25])
    upper = apply("where", [apply("greater_equal", [x, 1.0]), x, middle])
    return apply("where", [apply("less_equal", [x, -1.0]), 0.0, upper])


def celu(x, alpha=1.0):
    """max(x, 0) + alpha * expm1(min(x, 0) / alpha) (as JAX; alpha != 0)."""
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or alpha == 0:
        raise ValueError(f"celu: alpha must be a non-zero number, got {alpha!r}")
    neg = apply("divide", [apply("minimum", [x, 0.0]), float(alpha)])
    return apply(
        "add",
        [apply("maximum", [x, 0.0]), apply("multiply", [apply("expm1", [neg]), float(alpha)])],
    )


def glu(x, axis=-1):
    """a * sigmoid(b), where a and b are the two halves of x along `axis` (its size must be
    even)."""
    shape = _core_ops.shape

    axis = _axis("glu", axis)
    dims = shape(x)
    if not -len(dims) <= axis < len(dims):
        raise ValueError(f"glu: axis {axis} is out of range for x of shape {tuple(dims)}")
    size = dims[axis]
    if isinstance(size, numbers.Integral) and size % 2:
        raise ValueError(
            f"glu: axis {axis} of x (shape {tuple(dims)}) must have an even size, got {size}"
        )
    a, b = apply("split", [x], {"sections": 2, "axis": axis}, single=False)
    return apply("multiply", [a, sigmoid(b)])


def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """A new axis `axis` of size num_classes holding 1.0 at each index of x (a float32 tensor of
    integers), 0.0 elsewhere; indices outside [0, num_classes) give all zeros, as Keras. Not
    differentiable."""
    cast = _core_ops.cast
    shape = _core_ops.shape

    if sparse:
        raise ValueError("one_hot: sparse=True is not supported: nerve tensors are dense")
    if isinstance(num_classes, bool) or not (
        isinstance(num_classes, numbers.Integral)
        or getattr(num_classes, "_nerve_symbolic_dim", False)
    ):
        raise TypeError(f"one_hot: num_classes must be an int, got {num_classes!r}")
    rank = len(shape(x)) + 1
    axis = _axis("one_hot", axis)
    if not -rank <= axis < rank:
        raise ValueError(f"one_hot: axis {axis} is out of range for a result of rank {rank}")
    classes = apply("arange", [], {"start": 0.0, "stop": num_classes, "step": 1.0})
    out = apply("equal", [apply("expand_dims", [x], {"axis": [-1]}), classes])
    if axis % rank != rank - 1:
        out = apply("moveaxis", [out], {"source": [-1], "destination": [axis]})
    return out if dtype is None else cast(out, dtype)


def normalize(x, axis=-1, order=2, epsilon=None):
    """x / max(norm(x, order, axis), epsilon) (epsilon defaults to 1e-7, Keras's); order 2 as
    Keras computes it: x * min(rsqrt(sum(x ** 2)), 1 / epsilon)."""
    norm = _linalg_ops.norm

    if isinstance(order, bool) or not isinstance(order, int) or order < 1:
        raise ValueError(f"normalize: order must be an int >= 1, got order={order!r}")
    eps = 1e-7 if epsilon is None else float(epsilon)
    ax = list(axis) if isinstance(axis, (tuple, list)) else [axis]
    if order == 2:
        sq = apply("sum", [apply("square", [x])], {"axis": ax, "keepdims": True})
        inv = apply("minimum", [apply("rsqrt", [sq]), 1.0 / eps])
        return apply("multiply", [x, inv])
    n = norm(x, ord=order, axis=axis, keepdims=True)
    return apply("divide", [x, apply("maximum", [n, eps])])


def moments(x, axes, keepdims=False, synchronized=False):
    """(mean, variance) of x over `axes` (population variance, as Keras)."""
    if synchronized:
        raise ValueError("moments: synchronized=True is not supported (nerve runs on one device)")
    ax = list(axes) if isinstance(axes, (tuple, list)) else [axes]
    attrs = {"axis": ax, "keepdims": bool(keepdims)}
    return apply("mean", [x], attrs), apply("var", [x], attrs)


_EPSILON = 1e-7  # keras.backend.epsilon()


def _same_shape(op, target, output):
    shape = _core_ops.shape

    ts, os_ = tuple(shape(target)), tuple(shape(output))
    # inside a traced train_step the batch size is a SymbolicDim (or None), known only when data
    # arrives (two SymbolicDims never compare equal): only the sizes known now are compared
    if len(ts) != len(os_) or any(
        a != b
        for a, b in zip(ts, os_)
        if isinstance(a, numbers.Integral) and isinstance(b, numbers.Integral)
    ):
        raise ValueError(f"{op}: target and output must have the same shape, got {ts} and {os_}")


def binary_crossentropy(target, output, from_logits=False):
    """Element-wise -(t log p + (1 - t) log(1 - p)), as keras.ops: p clipped to
    [1e-7, 1 - 1e-7], or from logits through log_sigmoid (stable). Not averaged."""
    _same_shape("binary_crossentropy", target, output)
    if from_logits:
        pos = log_sigmoid(output)
        neg = log_sigmoid(apply("negative", [output]))
    else:
        p = apply("clip", [output], {"x_min": _EPSILON, "x_max": 1.0 - _EPSILON})
        pos, neg = apply("log", [p]), apply("log", [apply("subtract", [1.0, p])])
    a = apply("multiply", [target, pos])
    b = apply("multiply", [apply("subtract", [1.0, target]), neg])
    return apply("negative", [apply("add", [a, b])])


def _log_probs(op, output, from_logits, axis):
    if from_logits:
        return log_softmax(output, axis)
    total = apply("sum", [output], {"axis": [axis], "keepdims": True})
    p = apply(
        "clip", [apply("divide", [output, total])], {"x_min": _EPSILON, "x_max": 1.0 - _EPSILON}
    )
    return apply("log", [p])


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """-sum(target * log(p)) over `axis`, as keras.ops: p is output normalised to sum to 1 and
    clipped to [1e-7, 1 - 1e-7], or log_softmax of the logits."""
    shape = _core_ops.shape

    _same_shape("categorical_crossentropy", target, output)
    if len(shape(output)) < 1:
        raise ValueError("categorical_crossentropy: output must have at least 1 axis, got shape ()")
    axis = _axis("categorical_crossentropy", axis)
    logp = _log_probs("categorical_crossentropy", output, from_logits, axis)
    prod = apply("multiply", [target, logp])
    return apply("negative", [apply("sum", [prod], {"axis": [axis], "keepdims": False})])


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """categorical_crossentropy with integer class indices as target (shape output's without
    `axis`, or with a trailing 1), as keras.ops."""
    shape = _core_ops.shape

    op = "sparse_categorical_crossentropy"
    ts, os_ = tuple(shape(target)), tuple(shape(output))
    if len(os_) < 1:
        raise ValueError(f"{op}: output must have at least 1 axis, got shape ()")
    if len(ts) == len(os_) and ts and ts[-1] == 1:
        target = apply("squeeze", [target], {"axis": [-1]})
        ts = ts[:-1]
    if ts != os_[:-1]:
        raise ValueError(f"{op}: target's shape {ts} must be output's {os_} without its last axis")
    axis = _axis(op, axis)
    logp = _log_probs(op, output, from_logits, axis)
    hot = one_hot(target, os_[axis], axis=axis)
    prod = apply("multiply", [hot, logp])
    return apply("negative", [apply("sum", [prod], {"axis": [axis], "keepdims": False})])


# Every public function above; not a literal list, which would restate the activation names
# (tests/test_name_registries.py keeps the one list in C++).
__all__ = sorted(
    n
    for n, v in list(globals().items())
    if callable(v) and not n.startswith("_") and getattr(v, "__module__", None) == __name__
)
