"""Attention weights of a MultiHeadAttention layer: for each head, how much each query position
attends to each key position (rows sum to 1)."""

from __future__ import annotations

import numpy as np

from .. import _core
from ..layers.attention import MultiHeadAttention
from ..models.model import Model
from ._figures import finish, grid_shape, new_figure
from ._model_graph import find_layer, first_node, forward, graph_layers


def _attention_layer(model, layer):

    if layer is None:
        found = [l for l in graph_layers(model) if isinstance(l, MultiHeadAttention)]
        if not found:
            raise ValueError(
                f"attention: {type(model).__name__} '{model.name}' has no MultiHeadAttention "
                f"layer (a TransformerEncoder keeps its attention inside; its scores are not "
                f"exposed)"
            )
        return found[0]
    found = find_layer(model, layer)
    if not isinstance(found, MultiHeadAttention):
        raise ValueError(
            f"attention: {type(found).__name__} '{found.name}' is not a MultiHeadAttention layer"
        )
    return found


def attention_scores(model_or_layer, x, layer=None, value=None) -> np.ndarray:
    """The attention weights (batch, heads, query positions, key positions).
    A MultiHeadAttention layer: x is the query (and `value` the value, default x).
    A model: x is the model's input (a list for several inputs); the scores are those of
    `layer` (name, index or layer; default the first MultiHeadAttention) on what reaches it,
    with that call's causal mask and the padding masks that come with its inputs."""

    if isinstance(model_or_layer, MultiHeadAttention):
        _, scores = model_or_layer(x, value, return_attention_scores=True)
        return np.asarray(scores)
    if not isinstance(model_or_layer, Model):
        raise TypeError(
            f"attention: expected a model or a MultiHeadAttention layer, got "
            f"{type(model_or_layer).__name__}"
        )
    model = model_or_layer
    found = _attention_layer(model, layer)
    xs = x if isinstance(x, (list, tuple)) else [x]
    previous = _core.set_grad_enabled(False)
    try:
        values = forward(model, [np.ascontiguousarray(a, dtype=np.float32) for a in xs])
    finally:
        _core.set_grad_enabled(previous)
    node = first_node(model, found)
    inputs = [values[id(t)] for t in node.inputs]
    masks = [None if t.mask is None else np.array(t.mask) for t in inputs]
    query, other = inputs[0], inputs[1:]
    _, scores = found(
        np.array(query),
        np.array(other[0]) if other else None,
        np.array(other[1]) if len(other) > 1 else None,
        use_causal_mask=node.call_kwargs.get("use_causal_mask"),
        query_mask=masks[0],
        value_mask=masks[1] if len(masks) > 1 else None,
        return_attention_scores=True,
    )
    return np.asarray(scores)


def plot_attention(
    model_or_layer, x, layer=None, value=None, sample=0, tokens=None, key_tokens=None, path=None
):
    """One heat map per head of the attention weights of sample `sample` (see
    attention_scores): rows are query positions, columns key positions. `tokens` (and
    `key_tokens`, default the same) label the positions."""
    scores = attention_scores(model_or_layer, x, layer, value)
    if not 0 <= sample < scores.shape[0]:
        raise ValueError(f"plot_attention: sample={sample} but the batch has {scores.shape[0]}")
    heads = scores[sample]
    rows, columns = grid_shape(heads.shape[0], max_columns=4)
    query_labels = None if tokens is None else [str(t) for t in tokens]
    key_labels = query_labels if key_tokens is None else [str(t) for t in key_tokens]
    cell = max(2.2, 0.22 * heads.shape[2] + 1)
    fig = new_figure(cell * columns + 0.6, cell * rows + 0.5)
    for h in range(heads.shape[0]):
        ax = fig.add_subplot(rows, columns, h + 1)
        ax.imshow(heads[h], cmap="viridis", vmin=0, vmax=max(float(heads.max()), 1e-12))
        ax.set_title(f"head {h}", fontsize=9)
        ax.set_xlabel("key", fontsize=7)
        ax.set_ylabel("query", fontsize=7)
        for labels, set_ticks, count in (
            (key_labels, ax.set_xticks, heads.shape[2]),
            (query_labels, ax.set_yticks, heads.shape[1]),
        ):
            if labels is not None:
                if len(labels) != count:
                    raise ValueError(
                        f"plot_attention: {len(labels)} token labels for {count} positions"
                    )
                set_ticks(range(count), labels, fontsize=6)
        if key_labels is not None:
            ax.tick_params(axis="x", labelrotation=90)
    name = getattr(model_or_layer, "name", "")
    fig.suptitle(f"attention weights ({name}, sample {sample})", fontsize=10)
    fig.tight_layout()
    return finish(fig, path)
