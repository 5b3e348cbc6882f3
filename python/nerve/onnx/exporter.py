"""nerve.onnx.export: a built nerve model (Sequential, functional or subclassed) as an ONNX file.

The model's graph of layer calls (nested models run as their layers' calls) is walked from its
inputs to its outputs, each call converted by its layer class's converter. The batch axis is
dynamic (named "batch"), and so is every size the model leaves open (a sequence length)."""

from __future__ import annotations

import numpy as np

from .. import _core
from ..layers import Embedding, InputLayer, TimeDistributed
from ..models import Model
from . import attention, layers, python_layers, recurrent
from ._deps import require_onnx
from .call import LayerCall
from .graph import GraphBuilder

MIN_OPSET = 17  # LayerNormalization is an ONNX op from opset 17

CONVERTERS = {
    **layers.CONVERTERS,
    **python_layers.CONVERTERS,
    **recurrent.CONVERTERS,
    **attention.CONVERTERS,
}

# Layers that read the padding mask Embedding(mask_zero=True) makes; the export has no masks.
_MASK_READERS = (
    recurrent.SimpleRNN,
    recurrent.LSTM,
    recurrent.GRU,
    recurrent.Bidirectional,
    attention.MultiHeadAttention,
    attention.TransformerEncoder,
    layers.GlobalAveragePooling1D,
)


def _converter(layer):
    for cls in type(layer).__mro__:  # a subclass of a built-in layer converts as that layer
        if cls in CONVERTERS:
            return CONVERTERS[cls]
    raise NotImplementedError(
        f"{type(layer).__name__} '{layer.name}' cannot be exported to ONNX: nerve.onnx has no "
        f"converter for {type(layer).__name__} yet. Exportable layers: "
        f"{', '.join(sorted(c.__name__ for c in CONVERTERS))}"
    )


def time_distributed(b, call):
    """The wrapped layer on (batch * time, ...), then the time axis restored."""
    inner = call.layer.layer
    x_shape, out_shape = call.input_shapes[0], call.output_shapes[0]
    if any(d is None for d in (*x_shape[2:], *out_shape[2:])):
        raise NotImplementedError(
            f"{call.who}: a per-step size left open ({x_shape} -> {out_shape}) cannot be exported"
        )
    base = call.base
    steps = b.ints([-1, *x_shape[2:]], f"{base}/merge_time")
    merged = b.op("Reshape", [call.inputs[0], steps], f"{base}/merge_time")
    inner_call = LayerCall(inner, [merged], [(None, *x_shape[2:])], [(None, *out_shape[2:])])
    (y,) = _converter(inner)(b, inner_call)
    batch_time = b.dims(call.inputs[0], 0, 2, f"{base}/batch_time")
    shape = b.op("Concat", [batch_time, b.ints(out_shape[2:], f"{base}/step_shape")], base, axis=0)
    return [b.op("Reshape", [y, shape], f"{base}/split_time")]


CONVERTERS[TimeDistributed] = time_distributed


def _calls(model) -> list:
    """The model's layer calls (graph nodes), each after the calls it reads."""
    input_ids = {id(kt) for kt in model.inputs}
    order, done = [], set()

    def visit(kt):
        node = kt._node
        if id(kt) in input_ids or id(node) in done:
            return
        stack = [(node, 0)]
        while stack:
            n, i = stack.pop()
            if id(n) in done:
                continue
            if i < len(n.inputs):
                stack.append((n, i + 1))
                src = n.inputs[i]
                if id(src) not in input_ids and id(src._node) not in done:
                    stack.append((src._node, 0))
            else:
                done.add(id(n))
                order.append(n)

    for kt in model.outputs:
        visit(kt)
    return order


def _check_masks(calls) -> None:
    """A mask from Embedding(mask_zero=True) changes what a mask reader computes, and the ONNX
    graph carries no mask: refuse such a model rather than export different numbers."""
    masked = set()
    for node in calls:
        layer = node.layer
        reads_masked = any(id(t) in masked for t in node.inputs)
        if reads_masked and isinstance(layer, _MASK_READERS):
            raise NotImplementedError(
                f"{type(layer).__name__} '{layer.name}' reads the padding mask of "
                f"Embedding(mask_zero=True), which cannot be exported to ONNX yet (the graph has "
                f"no mask input); export a model whose Embedding has mask_zero=False"
            )
        if reads_masked or (isinstance(layer, Embedding) and layer.get_config()["mask_zero"]):
            masked.update(id(t) for t in node.outputs)


def _check_inference(node) -> None:
    """A call forced into training mode (layer(x, training=True)) computes something else in
    training; the ONNX graph runs inference only, so such a call is refused where it matters."""
    layer = node.layer
    if node.training is not True:
        return
    config = layer.get_config()
    if isinstance(layer, (layers.Dropout, layers.BatchNormalization)) or any(
        config.get(k) for k in ("dropout", "recurrent_dropout")
    ):
        raise NotImplementedError(
            f"{type(layer).__name__} '{layer.name}' is called with training=True, which the ONNX "
            f"graph (inference only) cannot honour; call it without training=True to export"
        )


def _value_info(onnx, name: str, shape, dtype, prefix: str):
    dims = ["batch"] + [
        f"{prefix}_dim{i + 1}" if d is None else int(d) for i, d in enumerate(shape[1:])
    ]
    return onnx.helper.make_tensor_value_info(name, dtype, dims)


def _onnx_dtype(onnx, dtype: str):
    return onnx.helper.np_dtype_to_tensor_dtype(np.dtype(dtype))


def export(model, path, opset: int = MIN_OPSET):
    """Writes a built nerve model to `path` as ONNX and returns the ModelProto.

    The graph's inputs are named as the model's inputs (channels-last shapes, as nerve takes
    them; a leading dynamic "batch" axis) and its outputs as model.output_names. Layers run in
    inference mode (Dropout is the identity, BatchNormalization uses its moving statistics).
    A layer with no ONNX converter raises NotImplementedError naming it; an unbuilt model raises
    ValueError. Needs the onnx extra: pip install "nerve[onnx]"."""
    onnx = require_onnx()
    if not isinstance(model, Model):
        raise TypeError(f"nerve.onnx.export: expected a nerve model, got {type(model).__name__}")
    if not model.built:
        raise ValueError(
            f"nerve.onnx.export: {type(model).__name__} '{model.name}' is not built yet, so its "
            f"input shapes and weights are unknown; start it with nerve.Input(shape), or call "
            f"build(), fit() or predict() before exporting"
        )
    newest = onnx.defs.onnx_opset_version()
    if not isinstance(opset, int) or not MIN_OPSET <= opset <= newest:
        raise ValueError(
            f"nerve.onnx.export: opset must be an int in [{MIN_OPSET}, {newest}] (the installed "
            f"onnx package supports up to {newest}), got {opset!r}"
        )
    b = GraphBuilder(onnx, opset)
    names = {}  # id(KerasTensor) -> ONNX tensor name
    graph_inputs = []
    for kt in model.inputs:
        name = b.fresh(kt.name)
        dtype = getattr(kt, "dtype", "float32") or "float32"
        graph_inputs.append(_value_info(onnx, name, kt.shape, _onnx_dtype(onnx, dtype), name))
        # nerve carries every input as float32 (integer ids too)
        names[id(kt)] = name if dtype == "float32" else b.op("Cast", [name], name, to=1)
    calls = _calls(model)
    _check_masks(calls)
    for node in calls:
        if isinstance(node.layer, InputLayer):
            continue
        _check_inference(node)
        call = LayerCall(
            node.layer,
            [names[id(t)] for t in node.inputs],
            [t.shape for t in node.inputs],
            [t.shape for t in node.outputs],
            dict(node.call_kwargs),
        )
        outs = _converter(node.layer)(b, call)
        if len(outs) != len(node.outputs):
            raise AssertionError(f"{call.who}: {len(outs)} ONNX outputs for {len(node.outputs)}")
        for kt, out in zip(node.outputs, outs):
            names[id(kt)] = out
    graph_outputs = []
    for kt, out_name in zip(model.outputs, model.output_names):
        name = b.fresh(out_name)
        b.nodes.append(
            onnx.helper.make_node(
                "Identity", [names[id(kt)]], [name], name=b.fresh(f"{name}/output")
            )
        )
        graph_outputs.append(_value_info(onnx, name, kt.shape, onnx.TensorProto.FLOAT, name))
    graph = onnx.helper.make_graph(b.nodes, model.name, graph_inputs, graph_outputs, b.initializers)
    opsets = [onnx.helper.make_opsetid("", opset)]
    proto = onnx.helper.make_model(
        graph, opset_imports=opsets, producer_name="nerve", producer_version=str(_core.__version__)
    )
    # The oldest IR version that carries this opset: the widest range of runtimes loads it.
    proto.ir_version = onnx.helper.find_min_ir_version_for(opsets)
    onnx.checker.check_model(proto, full_check=True)
    onnx.save(proto, str(path))
    return proto
