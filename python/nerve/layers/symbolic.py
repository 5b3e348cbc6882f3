"""Symbolic tensors: what nerve.Input returns and what calling a layer on one returns.

A KerasTensor has a shape and no data. It remembers the layer call (a Node) that produced it, so a
functional model can walk back from its outputs to its inputs and wire the C++ GraphModel. The
layer is built (its weights created) the moment it is first called on a KerasTensor, as in Keras.
"""

from __future__ import annotations

import contextlib

from ._shapes import from_core

# The models whose symbolic call is running, outermost first, with the `training` value each
# call was given: a model used as a layer inside another model runs as its layers' nodes (one C++
# graph), and each node remembers the outermost model it came from so that the enclosing model
# lists that model as one layer, as Keras does, and the training mode forced on it by a call.
_calling_models: list = []


@contextlib.contextmanager
def calling_model(model, training=None):
    """Nodes made inside belong to `model` (unless an enclosing model's call is running)."""
    _calling_models.append((model, training))
    try:
        yield
    finally:
        _calling_models.pop()


@contextlib.contextmanager
def own_graph():
    """A model tracing or wiring its own graph: its nodes belong to no enclosing call."""
    saved = _calling_models[:]
    _calling_models.clear()
    try:
        yield
    finally:
        _calling_models[:] = saved


class Node:
    """One call of `layer` on `inputs` (KerasTensors), producing `outputs`. `owner` is the model
    (used as a layer) whose call made it, or None; `training` the mode the call forced (True or
    False; None: the mode of the model's run); `call_kwargs` the other call arguments a replay of
    the call must pass again."""

    def __init__(self, layer, inputs: list, output_shapes: list, training=None, call_kwargs=None):
        self.layer = layer
        self.owner = _calling_models[0][0] if _calling_models else None
        forced = [t for _, t in _calling_models if t is not None]
        self.training = forced[0] if forced else training
        self.call_kwargs = dict(call_kwargs or {})
        self.core = None  # the C++ layer of this call when not layer._core (a Python layer's trace)
        self.inputs = list(inputs)
        self.outputs = [KerasTensor(shape, self, i) for i, shape in enumerate(output_shapes)]
        layer._inbound_nodes.append(self)

    @property
    def is_input(self) -> bool:
        return not self.inputs


class KerasTensor:
    """A symbolic batch of shape (None, *sample_shape), produced by output `index` of `node`."""

    dtype = "float32"

    def __init__(self, sample_shape, node: Node, index: int):
        # None: a size known only when data arrives (C++ layers report it as -1)
        self._sample_shape = from_core(sample_shape)
        self._node = node
        self._index = index

    @property
    def shape(self) -> tuple:
        return (None,) + self._sample_shape

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def name(self) -> str:
        layer = self._node.layer
        return layer.name if len(self._node.outputs) == 1 else f"{layer.name}_{self._index}"

    def __repr__(self) -> str:
        return f"<KerasTensor shape={self.shape}, name={self.name}>"

    # a + b, a - b, a * b between symbolic tensors add Add / Subtract / Multiply layers, as Keras.
    # merge.py, which defines those layers on top of this module, registers them here by name.
    _operator_layers: dict = {}

    def _merge(self, other, layer_name: str, swap: bool = False):
        if not isinstance(other, KerasTensor):
            return NotImplemented
        pair = [other, self] if swap else [self, other]
        return KerasTensor._operator_layers[layer_name]()(pair)

    def __add__(self, other):
        return self._merge(other, "Add")

    def __sub__(self, other):
        return self._merge(other, "Subtract")

    def __mul__(self, other):
        return self._merge(other, "Multiply")

    def __array__(self, *args, **kwargs):
        raise TypeError(
            f"{self!r} is symbolic (it has no values): build a model with "
            f"nerve.Model(inputs, outputs) and call predict() to get numbers"
        )

    def __len__(self):
        raise TypeError(f"{self!r} is symbolic: its batch size is unknown")


def is_symbolic(x) -> bool:
    return isinstance(x, KerasTensor)
