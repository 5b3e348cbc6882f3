"""Loss functions (Keras names and classes). Computed in C++; the trainer uses the same code."""

from __future__ import annotations

import numpy as np

from . import _core


class Loss:
    name = ""
    sparse_labels = False

    def __init__(self, from_logits: bool = False):
        self.from_logits = bool(from_logits)

    def _to_core(self):
        return _core.Loss(self.name, self.from_logits)

    def __call__(self, y_true, y_pred):
        """The batch-mean loss: a float for numpy predictions, a scalar nerve.Tensor (recorded
        for GradientTape) when y_pred is a nerve.Tensor."""
        if isinstance(y_pred, _core.Tensor):
            true = y_true if isinstance(y_true, _core.Tensor) else \
                _core.Tensor(np.ascontiguousarray(y_true, dtype=np.float32))
            return _core.ops.loss(self.name, y_pred, true, self.from_logits)
        pred = _core.Tensor(np.ascontiguousarray(y_pred, dtype=np.float32))
        true = _core.Tensor(np.ascontiguousarray(y_true, dtype=np.float32))
        return _core.ops.loss(self.name, pred, true, self.from_logits).item()

    def get_config(self) -> dict:
        return {"from_logits": self.from_logits}


class MeanSquaredError(Loss):
    name = "mean_squared_error"

    def __init__(self):
        super().__init__(False)


class MeanAbsoluteError(Loss):
    name = "mean_absolute_error"

    def __init__(self):
        super().__init__(False)


class BinaryCrossentropy(Loss):
    name = "binary_crossentropy"


class CategoricalCrossentropy(Loss):
    name = "categorical_crossentropy"


class SparseCategoricalCrossentropy(Loss):
    name = "sparse_categorical_crossentropy"
    sparse_labels = True


_BY_NAME = {
    "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError,
    "binary_crossentropy": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
}


def get(identifier) -> Loss:
    """A Loss from a Keras name or instance; ValueError lists the valid names."""
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]()
    raise ValueError(f"Unknown loss {identifier!r}. Valid names: {', '.join(_BY_NAME)}")


def mean_squared_error(y_true, y_pred): return MeanSquaredError()(y_true, y_pred)
def mean_absolute_error(y_true, y_pred): return MeanAbsoluteError()(y_true, y_pred)
def binary_crossentropy(y_true, y_pred, from_logits=False):
    return BinaryCrossentropy(from_logits)(y_true, y_pred)
def categorical_crossentropy(y_true, y_pred, from_logits=False):
    return CategoricalCrossentropy(from_logits)(y_true, y_pred)
def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False):
    return SparseCategoricalCrossentropy(from_logits)(y_true, y_pred)
