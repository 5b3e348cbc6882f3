"""model.summary(): the Keras table of layers, output shapes and parameter counts, with a
"Connected to" column for graph models other than a plain chain (which layer call feeds
which)."""

from __future__ import annotations

import numpy as np

from ..layers.base import sample_output_shape
from .structure import ModelStructure


def _fmt_bytes(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.2f} {unit}"
        n /= 1024
    return ""


def _sequential_rows(model) -> list:
    rows = []
    shape = model._input_shape
    for layer in model.layers:
        if shape is not None:
            shape = sample_output_shape(layer, shape)
            shape_s = str((None,) + tuple(shape))
        else:
            shape_s = "?"
        params = f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"
        rows.append([[f"{layer.name} ({type(layer).__name__})"], [shape_s], [params]])
    return rows


def _ref(model, g, t) -> str:
    """ "layer[call][output]" of the tensor t; a nested model's output reads "model[0][0]"."""
    node = t._node
    if node.owner is not None and node.owner is not model:
        return f"{node.owner.name}[0][0]"
    return f"{node.layer.name}[{g.node_index(node)}][{t._index}]"


def _nested_model_row(model, g, nested) -> list:
    """A model used as a layer: one row, its output shape, its parameters, and the tensors from
    outside it that feed its call."""
    owned = [n for n in g.nodes if n.owner is nested]
    inside = {id(kt) for n in owned for kt in n.outputs}

    connected = []
    for n in owned:
        for t in n.inputs:
            if id(t) not in inside and _ref(model, g, t) not in connected:
                connected.append(_ref(model, g, t))
    connected = [c + ("," if i + 1 < len(connected) else "") for i, c in enumerate(connected)]
    shape = nested.output_shape
    shape_s = str(shape) if not isinstance(shape, list) else ", ".join(str(x) for x in shape)
    return [
        [f"{nested.name} ({type(nested).__name__})"],
        [shape_s],
        [f"{nested.count_params():,}"],
        connected or ["-"],
    ]


def _graph_rows(model) -> list:
    g = model._graph
    rows = []
    for layer in model.layers:
        if isinstance(layer, ModelStructure):
            rows.append(_nested_model_row(model, g, layer))
            continue
        nodes = [n for n in g.nodes if n.layer is layer] or [
            kt._node for kt in g.inputs if kt._node.layer is layer
        ]
        shapes = {tuple(kt.shape for kt in n.outputs) for n in nodes}
        if len(shapes) == 1:
            outs = next(iter(shapes))
            shape_s = str(outs[0]) if len(outs) == 1 else ", ".join(str(s) for s in outs)
        else:
            shape_s = "multiple"
        connected = [_ref(model, g, t) for n in nodes for t in n.inputs]
        connected = [c + ("," if i + 1 < len(connected) else "") for i, c in enumerate(connected)]
        rows.append(
            [
                [f"{layer.name} ({type(layer).__name__})"],
                [shape_s],
                [f"{layer.count_params():,}"],
                connected or ["-"],
            ]
        )
    return rows


def _is_chain(model) -> bool:
    """Whether the graph is one input through a plain chain of layer calls (each reading the
    previous one's output, no shared layer): Keras then leaves out "Connected to", as for
    Sequential. (A subclassed model shows its traced graph.)"""
    if model._is_subclassed():
        return False
    g = model._graph
    if len(g.inputs) != 1:
        return False
    previous = g.inputs[0]
    for node in g.nodes:
        if len(node.inputs) != 1 or node.inputs[0] is not previous or len(node.outputs) != 1:
            return False
        previous = node.outputs[0]
    return len({id(n.layer) for n in g.nodes}) == len(g.nodes)


def format_summary(model, line_length: int = 72) -> str:
    graph = getattr(model, "_graph", None) is not None
    connected = graph and not _is_chain(model)
    headers = ["Layer (type)", "Output Shape", "Param #"] + (["Connected to"] if connected else [])
    rows = _graph_rows(model) if graph else _sequential_rows(model)
    if not connected:
        rows = [row[:3] for row in rows]
    widths = [
        max([len(h)] + [len(line) for r in rows for line in r[c]]) + 2
        for c, h in enumerate(headers)
    ]
    right = {2}  # Param # is right-aligned

    def bar(l, m, r, c):
        return l + m.join(c * w for w in widths) + r

    def cell(text, c, width):
        return f"{text:>{width - 1}} " if c in right else f" {text:<{width - 1}}"

    out = [
        f'Model: "{model.name}"',
        bar("┏", "┳", "┓", "━"),
        "┃" + "┃".join(cell(h, c, w) for c, (h, w) in enumerate(zip(headers, widths))) + "┃",
        bar("┡", "╇", "┩", "━"),
    ]
    for i, row in enumerate(rows):
        for k in range(max(len(col) for col in row)):
            out.append(
                "│"
                + "│".join(
                    cell(col[k] if k < len(col) else "", c, w)
                    for c, (col, w) in enumerate(zip(row, widths))
                )
                + "│"
            )
        if i + 1 < len(rows):
            out.append(bar("├", "┼", "┤", "─"))
    out.append(bar("└", "┴", "┘", "─"))
    total = sum(l.count_params() for l in model.layers)
    trainable = sum(int(np.prod(w.shape)) for l in model.layers for w in l.trainable_weights)
    out += [
        f" Total params: {total:,} ({_fmt_bytes(4 * total)})",
        f" Trainable params: {trainable:,} ({_fmt_bytes(4 * trainable)})",
        f" Non-trainable params: {total - trainable:,} ({_fmt_bytes(4 * (total - trainable))})",
    ]
    return "\n".join(out)
