"""Python operators on tensors: `+ - * / ** @`, unary minus, abs(), the order comparisons and
indexing, each through the nerve.ops function of the same meaning, so that they broadcast,
record gradients and are traced in custom layers like the functions. Not `==` / `!=`: tensors
stay hashable (use nerve.ops.equal).

install_operators(cls) sets them on a tensor class: nerve.Tensor here, the traced tensor class of
custom layers there. numpy arrays on the left work too (`np.ones(3) + t` gives a tensor), through
__array_ufunc__: numpy's arithmetic and comparison ufuncs defer to the operators; every other
ufunc (np.exp(t), ...) runs in numpy on the tensor's values, as before.
"""

from __future__ import annotations

import importlib

import numpy as np


def _ops():
    # Looked up at call time: other families (matmul, getitem) may be replaced after install.
    from .. import ops

    return ops


def _binary(name, reflected=False):
    def method(self, other):
        fn = getattr(_ops(), name)
        return fn(other, self) if reflected else fn(self, other)

    method.__name__ = f"__{'r' if reflected else ''}{name}__"
    method.__doc__ = f"nerve.ops.{name}({'other, self' if reflected else 'self, other'})"
    return method


def _getitem(self, key):
    # the module, by import: nerve.ops.shape may also name keras's ops.shape(x) function
    shape_ops = importlib.import_module(".shape", __package__)
    getitem = getattr(shape_ops, "getitem", None)
    if getitem is None:
        raise NotImplementedError(
            "Tensor indexing needs nerve.ops.shape.getitem, which this build does not have yet; "
            "use np.asarray(t)[...] for the values (no gradient)"
        )
    return getitem(self, key)


# numpy ufunc -> the nerve.ops function it stands for when a tensor is one of its operands.
_UFUNC_OPS = {
    np.add: "add",
    np.subtract: "subtract",
    np.multiply: "multiply",
    np.true_divide: "divide",
    np.power: "power",
    np.matmul: "matmul",
    np.less: "less",
    np.less_equal: "less_equal",
    np.greater: "greater",
    np.greater_equal: "greater_equal",
}


def _make_array_ufunc(cls):
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        name = _UFUNC_OPS.get(ufunc)
        if name is not None and method == "__call__" and not kwargs and len(inputs) == 2:
            return getattr(_ops(), name)(*inputs)
        # Anything else runs in numpy on the values, as it did before the operators.
        args = [np.asarray(x) if isinstance(x, cls) else x for x in inputs]
        return getattr(ufunc, method)(*args, **kwargs)

    return __array_ufunc__


def install_operators(cls) -> None:
    """Sets the arithmetic, comparison and indexing operators on the tensor class `cls`."""
    for dunder, name in (
        ("add", "add"),
        ("sub", "subtract"),
        ("mul", "multiply"),
        ("truediv", "divide"),
        ("pow", "power"),
        ("matmul", "matmul"),
    ):
        setattr(cls, f"__{dunder}__", _binary(name))
        setattr(cls, f"__r{dunder}__", _binary(name, reflected=True))
    for dunder, name in (
        ("lt", "less"),
        ("le", "less_equal"),
        ("gt", "greater"),
        ("ge", "greater_equal"),
    ):
        setattr(cls, f"__{dunder}__", _binary(name))
    cls.__neg__ = lambda self: _ops().negative(self)
    cls.__abs__ = lambda self: _ops().abs(self)
    cls.__getitem__ = _getitem
    cls.__array_ufunc__ = _make_array_ufunc(cls)


def _scalar(convert):
    def method(self):
        values = np.asarray(self)
        if values.size != 1:
            raise TypeError(
                f"{convert.__name__}() of a nerve.Tensor of shape {tuple(values.shape)}: only a "
                f"tensor of one element converts to a Python scalar (as a Keras / JAX array)"
            )
        return convert(values.reshape(()))

    method.__name__ = f"__{convert.__name__}__"
    method.__doc__ = f"{convert.__name__}() of a one-element tensor's value (as a JAX array)"
    return method


def _bool(self):
    """bool() of a one-element tensor's value (as a JAX array); larger tensors: len() > 0."""
    # (a scalar was len() == 0: always False)
    values = np.asarray(self)
    return bool(values.reshape(())) if values.size == 1 else len(values) > 0


def install_scalar_conversions(cls) -> None:
    """float(t), int(t) and bool(t) of a one-element tensor with values (Keras's `float(loss)`,
    `float(sum(model.losses))`), as JAX arrays. Not on symbolic tensors: they have no values."""
    cls.__float__ = _scalar(float)
    cls.__int__ = _scalar(int)
    cls.__bool__ = _bool
