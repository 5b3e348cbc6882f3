"""The Python side of a layer: naming, building, weights as numpy, config."""

from __future__ import annotations

import re

import numpy as np

from .. import _core, regularizers

_name_counts: dict[str, int] = {}


def _unique_name(cls_name: str) -> str:
    # Keras' snake case: Conv2D -> conv2d, MaxPooling2D -> max_pooling2d, InputLayer -> input_layer
    base = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", cls_name)
    base = re.sub(r"([a-z])([A-Z])", r"\1_\2", base).lower()
    n = _name_counts.get(base, 0)
    _name_counts[base] = n + 1
    return base if n == 0 else f"{base}_{n}"


def _shape_tuple(shape, what: str) -> tuple[int, ...]:
    try:
        t = tuple(int(d) for d in (shape if isinstance(shape, (tuple, list)) else (shape,)))
    except (TypeError, ValueError):
        raise ValueError(f"{what}: shape must be a tuple of positive ints, got {shape!r}") from None
    if any(d <= 0 for d in t):
        raise ValueError(f"{what}: shape must be a tuple of positive ints, got {shape!r}")
    return t


class Layer:
    """Base of every layer. Subclasses create `self._core` (a C++ layer) in __init__."""

    def __init__(self, name: str | None = None, input_shape=None, trainable: bool = True,
                 activity_regularizer=None):
        self.name = name or _unique_name(type(self).__name__)
        self._input_shape = (None if input_shape is None
                             else _shape_tuple(input_shape, f"{type(self).__name__} input_shape"))
        self._core = None
        self._trainable = trainable
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self._weight_regularizers: dict[str, object] = {}

    def _attach(self, core) -> None:
        self._core = core
        core.trainable = self._trainable
        if self.activity_regularizer is not None:
            core.activity_regularizer = self.activity_regularizer._to_core()
        for role, reg in self._weight_regularizers.items():
            core.set_weight_regularizer(role, reg._to_core())

    def _set_weight_regularizers(self, **by_role) -> None:
        """Regularizers for the weights the C++ layer creates with these roles ("kernel",
        "bias", ...); call before _attach. Each penalty enters the training loss."""
        for role, identifier in by_role.items():
            reg = regularizers.get(identifier)
            setattr(self, f"{role}_regularizer", reg)
            if reg is not None:
                self._weight_regularizers[role] = reg

    @property
    def losses(self) -> list[float]:
        """The current regularization penalties of this layer (weights, and the activity of the
        last call), summed into one value; empty when the layer has no regularizer."""
        if self._core is None or (not self._weight_regularizers and
                                  self.activity_regularizer is None):
            return []
        return [float(self._core.regularization_loss())]

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        if self._core is not None:
            self._core.trainable = self._trainable

    @property
    def built(self) -> bool:
        return self._core is not None and self._core.built

    def build(self, input_shape) -> None:
        """Create weights for per-sample inputs of `input_shape` (no batch axis)."""
        self._core.build(list(input_shape), _core.next_seed())

    def compute_output_shape(self, input_shape) -> tuple:
        """Output shape for a per-sample input shape (no batch axis)."""
        return tuple(self._core.output_shape(list(input_shape)))

    @property
    def weights(self) -> list:
        """The layer's weights as nerve.Tensor (they share memory with numpy views)."""
        return list(self._core.weights) if self._core is not None else []

    @property
    def trainable_weights(self) -> list:
        return list(self._core.trainable_weights) if self._core is not None else []

    @property
    def non_trainable_weights(self) -> list:
        return list(self._core.non_trainable_weights) if self._core is not None else []

    def get_weights(self) -> list[np.ndarray]:
        return [np.array(w) for w in self.weights]

    def set_weights(self, weights) -> None:
        current = self.weights
        if len(weights) != len(current):
            raise ValueError(f"{type(self).__name__} '{self.name}': set_weights got {len(weights)} "
                             f"arrays, the layer has {len(current)} weights")
        for i, (w, new) in enumerate(zip(current, weights)):
            new = np.asarray(new)
            if tuple(new.shape) != tuple(w.shape):
                raise ValueError(f"{type(self).__name__} '{self.name}': weight {i} has shape "
                                 f"{tuple(w.shape)}, got an array of shape {new.shape}")
            np.asarray(w)[...] = new

    def count_params(self) -> int:
        return int(sum(int(np.prod(w.shape)) for w in self.weights))

    def __call__(self, x, training: bool = False):
        """Eager call on a numpy array (builds the layer on first use); returns numpy."""
        x = np.ascontiguousarray(x, dtype=np.float32)
        if not self.built:
            self.build(x.shape[1:])
        return np.array(self._core(_core.Tensor(x), training))

    def get_config(self) -> dict:
        config = {"name": self.name, "trainable": self.trainable}
        if self.activity_regularizer is not None:
            config["activity_regularizer"] = _serialize(self.activity_regularizer)
        return config

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r}>"


def _serialize(obj):
    return None if obj is None else {"class_name": type(obj).__name__, "config": obj.get_config()}


class InputLayer:
    """Declares the per-sample input shape of a Sequential model (no weights)."""

    def __init__(self, shape, name: str | None = None):
        self.shape = _shape_tuple(shape, "Input")
        self.name = name or _unique_name("InputLayer")


def Input(shape, name: str | None = None) -> InputLayer:  # noqa: N802 (Keras spelling)
    """`nerve.Input(shape=(784,))`: the per-sample shape, without the batch axis."""
    return InputLayer(shape, name)
