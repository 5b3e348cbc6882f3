"""The Python side of a layer: naming, building, weights as numpy, config."""

from __future__ import annotations

import re

import numpy as np

from .. import _core, regularizers
from .symbolic import KerasTensor, Node

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
        self._inbound_nodes: list[Node] = []  # one per call on symbolic tensors
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
        """Create weights for per-sample inputs of `input_shape` (no batch axis; a leading None,
        Keras' batch axis as in `layer.build((None, 4))`, is dropped)."""
        shape = list(input_shape)
        if shape and shape[0] is None:
            shape = shape[1:]
        self._core.build(shape, _core.next_seed())

    def compute_output_shape(self, input_shape) -> tuple:
        """Output shape for a per-sample input shape (no batch axis). A Keras-style shape with a
        leading None batch axis, `(None, 5, 3)`, gives one back with the None kept."""
        shape = list(input_shape)
        if shape and shape[0] is None:
            return (None,) + tuple(self._core.output_shape(shape[1:]))
        return tuple(self._core.output_shape(shape))

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

    def _build_many(self, input_shapes) -> None:
        """Build for one or several per-sample input shapes (several: merge layers)."""
        shapes = [list(s) for s in input_shapes]
        if len(shapes) == 1:
            self.build(shapes[0])
        else:
            self._core.build_many(shapes, _core.next_seed())

    def __call__(self, inputs, training: bool = False):
        """Call the layer on one input or a list of inputs (merge layers). Symbolic KerasTensors
        give KerasTensors (building a functional model); nerve.Tensors run the C++ layer with
        autograd recording (for GradientTape); numpy arrays give numpy arrays. The layer is built
        on first use."""
        many = isinstance(inputs, (list, tuple))
        xs = list(inputs) if many else [inputs]
        if not xs:
            raise ValueError(f"{type(self).__name__} '{self.name}': called on an empty list")
        if any(isinstance(x, KerasTensor) for x in xs):
            outs = self._call_symbolic(xs)
        elif any(isinstance(x, _core.Tensor) for x in xs):
            ts = [x if isinstance(x, _core.Tensor) else
                  _core.Tensor(np.ascontiguousarray(x, dtype=np.float32)) for x in xs]
            self._ensure_built([t.shape[1:] for t in ts])
            outs = self._core.call_many(ts, bool(training))
        else:
            arrays = [np.ascontiguousarray(x, dtype=np.float32) for x in xs]
            self._ensure_built([a.shape[1:] for a in arrays])
            previous = _core.set_grad_enabled(False)  # nothing to differentiate: skip recording
            try:
                outs = [np.array(t) for t in
                        self._core.call_many([_core.Tensor(a) for a in arrays], bool(training))]
            finally:
                _core.set_grad_enabled(previous)
        return outs[0] if len(outs) == 1 else outs

    def _ensure_built(self, shapes) -> None:
        if not self.built:
            self._build_many(shapes)

    def _call_symbolic(self, xs) -> list:
        if not all(isinstance(x, KerasTensor) for x in xs):
            bad = next(x for x in xs if not isinstance(x, KerasTensor))
            raise TypeError(f"{type(self).__name__} '{self.name}': cannot mix symbolic inputs "
                            f"(nerve.Input) with {type(bad).__name__} in one call")
        shapes = [list(x._sample_shape) for x in xs]
        if not self.built:
            self._build_many(shapes)
        elif [list(s) for s in self._core.input_shapes] != shapes:
            built = [(None,) + tuple(s) for s in self._core.input_shapes]
            got = [x.shape for x in xs]
            raise ValueError(f"{type(self).__name__} '{self.name}' was built for inputs "
                             f"{built[0] if len(built) == 1 else built} and cannot be called "
                             f"(shared) on inputs {got[0] if len(got) == 1 else got}")
        out_shapes = self._core.output_shapes_many(shapes)
        return Node(self, xs, out_shapes).outputs

    @property
    def input(self):
        """The symbolic input of the layer's first call (Keras `layer.input`)."""
        return self._node_tensors("input", lambda n: n.inputs)

    @property
    def output(self):
        """The symbolic output of the layer's first call (Keras `layer.output`)."""
        return self._node_tensors("output", lambda n: n.outputs)

    def _node_tensors(self, what, get):
        if not self._inbound_nodes:
            raise AttributeError(f"{type(self).__name__} '{self.name}' has never been called on a "
                                 f"symbolic input, so it has no {what}")
        ts = get(self._inbound_nodes[0])
        return ts[0] if len(ts) == 1 else ts

    def get_config(self) -> dict:
        """The constructor arguments (JSON-serialisable): `type(self).from_config(config)` makes
        an equivalent, unbuilt layer."""
        config = {"name": self.name, "trainable": self.trainable}
        if self.activity_regularizer is not None:
            config["activity_regularizer"] = _serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r}>"


def _serialize(obj):
    return None if obj is None else {"class_name": type(obj).__name__, "config": obj.get_config()}


class InputLayer(Layer):
    """The source of a model input: no weights; calling nerve.Input creates one."""

    def __init__(self, shape=None, name: str | None = None, **kwargs):
        if shape is None and "input_shape" in kwargs:
            shape = kwargs.pop("input_shape")
        if shape is None:
            raise ValueError("InputLayer: a shape is required, e.g. shape=(784,)")
        super().__init__(name=name or _unique_name("InputLayer"), **kwargs)
        self.shape = _shape_tuple(shape, "Input")
        self._output = Node(self, [], [self.shape]).outputs[0]

    @property
    def built(self) -> bool:
        return True

    def compute_output_shape(self, input_shape) -> tuple:
        return tuple(self.shape)

    def __call__(self, *args, **kwargs):
        raise TypeError(f"InputLayer '{self.name}' cannot be called; use its tensor "
                        f"(nerve.Input(shape) returns it)")

    def get_config(self) -> dict:
        return {"shape": list(self.shape), "name": self.name}


def Input(shape, name: str | None = None) -> KerasTensor:  # noqa: N802 (Keras spelling)
    """`nerve.Input(shape=(784,))`: a symbolic model input; `shape` excludes the batch axis.

    Call layers on it to build a functional model (nerve.Model(inputs, outputs)), or put it first
    in a Sequential to declare the input shape."""
    return InputLayer(shape, name)._output
