"""What nerve.viz reads from a model: its graph of layer calls (the same GraphNetwork the C++
graph is wired from), a layer looked up by name, and an eager forward pass through that graph
that keeps every intermediate nerve.Tensor, so GradientTape can differentiate with respect to a
hidden layer's output (Grad-CAM) and feature maps can be read out of any layer."""

from __future__ import annotations

import numpy as np

from .. import _core
from ..models.graph_network import node_core
from ..models.model import Model
from ..models.sequential import Sequential


def _describe(model) -> str:
    return f"{type(model).__name__} '{getattr(model, 'name', '?')}'"


def graph_of(model):
    """The model's GraphNetwork: a built Sequential's symbolic chain, a functional model's
    graph, a subclassed model's traced call."""

    if not isinstance(model, Model):
        raise TypeError(f"nerve.viz: expected a nerve model, got {type(model).__name__}")
    graph = model._symbolic if isinstance(model, Sequential) else model._graph
    if graph is None:
        raise ValueError(
            f"{_describe(model)} is not built yet: start it with nerve.Input(shape) or call "
            f"build() / fit() first, so its layers have shapes to draw"
        )
    return graph


def graph_layers(model) -> list:
    """Every layer the model's graph calls, once each, in call order (the layers inside a
    nested model are listed themselves, not the nested model)."""
    out, seen = [], set()
    for node in graph_of(model).nodes:
        if id(node.layer) not in seen:
            seen.add(id(node.layer))
            out.append(node.layer)
    return out


def find_layer(model, layer):
    """`layer` given as a name, an index into graph_layers(model), or the layer itself."""
    layers = graph_layers(model)
    if isinstance(layer, str):
        for candidate in layers:
            if candidate.name == layer:
                return candidate
        raise ValueError(
            f"{_describe(model)} has no layer named {layer!r}; its layers are "
            f"{[l.name for l in layers]}"
        )
    if isinstance(layer, (int, np.integer)) and not isinstance(layer, bool):
        try:
            return layers[int(layer)]
        except IndexError:
            raise ValueError(
                f"{_describe(model)}: layer index {layer} is out of range (it calls "
                f"{len(layers)} layers)"
            ) from None
    if any(candidate is layer for candidate in layers):
        return layer
    raise ValueError(
        f"{_describe(model)} does not call {type(layer).__name__} "
        f"'{getattr(layer, 'name', layer)}'; its layers are {[l.name for l in layers]}"
    )


def first_node(model, layer):
    """The first call of `layer` in the model's graph."""
    return next(n for n in graph_of(model).nodes if n.layer is layer)


def single_input_batch(model, x, where: str) -> np.ndarray:
    """One sample (the model's per-sample input shape) or a batch of one, as a float32 batch of
    one; anything else raises naming the shapes."""
    graph = graph_of(model)
    if len(graph.inputs) != 1:
        raise ValueError(f"{where}: {_describe(model)} takes {len(graph.inputs)} inputs; one")
    sample_shape = tuple(graph.inputs[0]._sample_shape)
    a = np.asarray(x, dtype=np.float32)
    if a.ndim == len(sample_shape):
        a = a[None]
    if a.ndim != len(sample_shape) + 1 or a.shape[0] != 1:
        raise ValueError(
            f"{where}: expected one sample of shape {sample_shape} (or a batch of one), got an "
            f"array of shape {np.shape(x)}"
        )
    if any(s is not None and s != d for s, d in zip(sample_shape, a.shape[1:])):
        raise ValueError(
            f"{where}: {_describe(model)} takes samples of shape {sample_shape}, got {a.shape[1:]}"
        )
    return np.ascontiguousarray(a)


def forward(model, inputs: list) -> dict:
    """Runs the graph call by call on nerve.Tensors in inference mode (as predict does), with
    autograd recording whenever recording is on (inside a GradientTape). Returns every value:
    id(KerasTensor) -> nerve.Tensor. Each call goes to the layer's C++ object, exactly what the
    C++ GraphModel runs at that node."""
    graph = graph_of(model)
    if len(inputs) != len(graph.inputs):
        raise ValueError(
            f"{_describe(model)} takes {len(graph.inputs)} input(s), got {len(inputs)}"
        )
    values = {}
    for kt, x in zip(graph.inputs, inputs):
        values[id(kt)] = x if isinstance(x, _core.Tensor) else _core.Tensor(np.asarray(x))
    for node in graph.nodes:
        outs = node_core(node).call_many([values[id(t)] for t in node.inputs], False)
        for kt, out in zip(node.outputs, outs):
            values[id(kt)] = out
    return values


def output_tensors(model, values: dict) -> list:
    return [values[id(kt)] for kt in graph_of(model).outputs]


def layer_output(model, x, layer):
    """The output (numpy, batch axis kept) of the first call of `layer` on the batch `x`."""
    layer = find_layer(model, layer)
    previous = _core.set_grad_enabled(False)
    try:
        values = forward(model, [np.ascontiguousarray(x, dtype=np.float32)])
    finally:
        _core.set_grad_enabled(previous)
    node = first_node(model, layer)
    return np.array(values[id(node.outputs[0])])
