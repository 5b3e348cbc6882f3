"""Weight and activity regularizers (Keras L1, L2, L1L2). The penalty
l1 * sum(|x|) + l2 * sum(x²) is computed in C++ and added to the training loss, so it shows in
the reported loss and enters the gradient."""

from __future__ import annotations

import math

import numpy as np

from . import _core, ops
from .ops import _dispatch
from .utils.class_config import from_class_dict


class Regularizer:
    """Base class: l1 * sum(|x|) + l2 * sum(x²)."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        owner = type(self).__name__
        try:
            _core.Regularizer(l1, l2)  # C++ checks the factors (finite, >= 0)
        except TypeError:
            raise TypeError(f"{owner}: l1 and l2 must be numbers, got {l1!r} and {l2!r}") from None
        except ValueError as e:
            raise ValueError(f"{owner}: {e}") from None
        self.l1, self.l2 = float(l1), float(l2)

    def _to_core(self):
        return _core.Regularizer(self.l1, self.l2)

    def __call__(self, x) -> float:
        """The penalty of an array."""
        t = _core.Tensor(np.ascontiguousarray(x, dtype=np.float32))
        return _core.ops.regularization_penalty(t, self._to_core()).item()

    def get_config(self) -> dict:
        return {"l1": self.l1, "l2": self.l2}

    @classmethod
    def from_config(cls, config: dict) -> Regularizer:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} l1={self.l1:g} l2={self.l2:g}>"


class L1(Regularizer):
    def __init__(self, l1: float = 0.01):
        super().__init__(l1=l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    def __init__(self, l2: float = 0.01):
        super().__init__(l2=l2)

    def get_config(self):
        return {"l2": self.l2}


class L1L2(Regularizer):
    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        super().__init__(l1=l1, l2=l2)


class OrthogonalRegularizer(Regularizer):
    """Keras's OrthogonalRegularizer: factor * 0.5 * the sum of |dot products| between the
    L2-normalised rows (mode="rows") or columns (mode="columns") of a 2-D weight, other than
    each with itself, over the number of pairs. Calling it on a weight (an array, or a tensor
    inside a Python layer's call(), e.g. for add_loss) gives Keras's penalty. nerve's layers
    add their weight penalties in the C++ training step, which computes only l1/l2 terms:
    giving it to a layer (kernel_regularizer=...) raises NotImplementedError rather than
    training without the penalty."""

    def __init__(self, factor=0.01, mode="rows"):
        if (
            isinstance(factor, bool)
            or not isinstance(factor, (float, int))
            or math.isinf(factor)
            or math.isnan(factor)
            or factor < 0
        ):
            raise ValueError(
                "Invalid value for argument factor: expected a non-negative float."
                f"Received: factor={factor}"
            )
        if mode not in {"rows", "columns"}:
            raise ValueError(
                "Invalid value for argument `mode`. Expected one of "
                f'{{"rows", "columns"}}. Received: mode={mode}'
            )
        self.factor = float(np.float32(factor))  # Keras keeps it as a float32 tensor
        self.mode = mode
        self.l1 = self.l2 = 0.0

    def _to_core(self):
        raise NotImplementedError(
            "OrthogonalRegularizer cannot be given to a layer in nerve: weight penalties are "
            "added in the C++ training step, which computes l1/l2 terms only (L1, L2, L1L2). "
            "In a Python layer, add the penalty from call(): "
            "self.add_loss(OrthogonalRegularizer(factor)(self.kernel))"
        )

    def __call__(self, inputs):
        eager = not _is_symbolic(inputs)
        x = ops.convert_to_tensor(np.asarray(inputs, np.float32)) if eager else inputs
        if len(x.shape) != 2:
            raise ValueError(
                "Inputs to OrthogonalRegularizer must have rank 2. Received: "
                f"inputs.shape={tuple(x.shape)}"
            )
        axis = 1 if self.mode == "rows" else 0
        # Keras's ops.normalize: x * min(rsqrt(sum(x^2)), 1 / epsilon)
        inv_norm = ops.minimum(ops.rsqrt(ops.sum(ops.square(x), axis=axis, keepdims=True)), 1e7)
        x = x * inv_norm
        if self.mode == "rows":
            product, size = ops.matmul(x, ops.transpose(x)), x.shape[0]
        else:
            product, size = ops.matmul(ops.transpose(x), x), x.shape[1]
        off_diagonal = product * (1.0 - ops.eye(size))
        num_pairs = size * (size - 1.0) / 2.0
        penalty = self.factor * 0.5 * ops.sum(ops.absolute(off_diagonal)) / num_pairs
        return float(np.asarray(penalty)) if eager else penalty

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}

    def __repr__(self) -> str:
        return f"<OrthogonalRegularizer factor={self.factor:g} mode={self.mode}>"


def _is_symbolic(x) -> bool:
    """Whether x is a value of a call() being traced (or a symbolic tensor), not an array to
    compute now."""
    if _dispatch.active_tracers:  # inside a traced call()
        return True
    return not isinstance(x, (np.ndarray, np.generic, list, tuple, float, int, _core.Tensor))


# Keras's names: the functions' (listed in errors), "l1l2", and the class names.
_CLASSES = (L1, L2, L1L2, OrthogonalRegularizer)
_NAMES = {"l1": L1, "l2": L2, "l1_l2": L1L2, "orthogonal_regularizer": OrthogonalRegularizer}
_BY_NAME = {**_NAMES, "l1l2": L1L2, **{cls.__name__: cls for cls in _CLASSES}}


def serialize(regularizer) -> dict | None:
    """{"class_name", "config"} (as keras.regularizers.serialize), or None for no regularizer."""
    regularizer = get(regularizer)
    if regularizer is None:
        return None
    return {"class_name": type(regularizer).__name__, "config": regularizer.get_config()}


def deserialize(config, custom_objects=None) -> Regularizer | None:
    if custom_objects:
        raise ValueError(
            "regularizers.deserialize: custom_objects are not supported; nerve runs "
            "regularizers in C++, only its own classes"
        )
    return get(config)


def _from_dict(entry: dict) -> Regularizer:
    """A saved {"class_name", "config"}: only nerve's own regularizer classes can be named."""
    return from_class_dict(
        "regularizer",
        entry,
        _BY_NAME,
        f"{', '.join(c.__name__ for c in _CLASSES)} (custom Python regularizers are not "
        f"supported by the C++ trainer)",
    )


def get(identifier) -> Regularizer | None:
    """A Regularizer from None, a Keras name ("l1", "l2", "l1_l2"), a config dict or an instance."""
    if identifier is None or isinstance(identifier, Regularizer):
        return identifier
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]()
    if isinstance(identifier, dict) and "class_name" in identifier:
        return _from_dict(identifier)
    if callable(identifier):
        raise TypeError(
            f"Regularizer {identifier!r}: custom Python regularizers are not supported "
            f"by the C++ trainer; use nerve.regularizers.L1, L2 or L1L2"
        )
    raise ValueError(f"Unknown regularizer {identifier!r}. Valid names: {', '.join(_NAMES)}")


def l1(l1=0.01):
    return L1(l1)  # noqa: E743 (Keras spelling)


def l2(l2=0.01):
    return L2(l2)


def l1_l2(l1=0.0, l2=0.0):
    return L1L2(l1, l2)


orthogonal_regularizer = OrthogonalRegularizer
