"""Histograms of each layer's weights, and of the gradients of the loss with respect to them
(computed by nerve's C++ autograd on a batch you give)."""

from __future__ import annotations

import numpy as np

from .. import _core, losses
from ..gradient_tape import GradientTape
from ._figures import finish, grid_shape, new_figure
from ._model_graph import forward, graph_layers
from .saliency import single_output

COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"]


def _label(k: int, array) -> str:
    return f"weights[{k}] {tuple(np.shape(array))}"


def _histogram_grid(panels: list, title: str, bins: int, path):
    """panels: (layer name, [(label, values), ...]); one subplot per layer."""
    if not panels:
        raise ValueError(f"{title}: the model has no layer with weights")
    rows, columns = grid_shape(len(panels), max_columns=4)
    fig = new_figure(3.4 * columns, 2.5 * rows + 0.4)
    for k, (name, series) in enumerate(panels):
        ax = fig.add_subplot(rows, columns, k + 1)
        arrays = [np.asarray(values, dtype=np.float64).ravel() for _, values in series]
        # One set of bins per panel: a bias next to a wide kernel still shows as bars
        edges = np.histogram_bin_edges(np.concatenate(arrays), bins=bins) if arrays else bins
        for j, ((label, _), values) in enumerate(zip(series, arrays)):
            ax.hist(values, bins=edges, alpha=0.6, color=COLORS[j % len(COLORS)], label=label)
        ax.set_title(name, fontsize=9)
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=6)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return finish(fig, path)


def plot_weight_histograms(model, bins: int = 40, path=None):
    """One panel per layer with weights (the layers inside nested models too), one histogram
    per weight array (kernel, bias, ... in the layer's weight order)."""
    panels = [
        (layer.name, [(_label(k, w), np.asarray(w)) for k, w in enumerate(layer.get_weights())])
        for layer in graph_layers(model)
        if layer.weights
    ]
    return _histogram_grid(panels, f"{model.name}: weights", bins, path)


def layer_gradients(model, x, y, loss=None) -> list:
    """[(layer, [gradient array per trainable weight])] of the loss on the batch (x, y), in
    inference mode (dropout off, batch statistics untouched: drawing must not change the
    model). `loss`: a loss name or object; default the compiled loss."""

    loss_fn = model.loss if loss is None else losses.get(loss)
    if loss_fn is None:
        raise ValueError("gradient histograms: compile the model or pass loss=")
    if isinstance(loss_fn, (list, dict)):
        raise ValueError("gradient histograms: the model has several losses; pass one loss=")
    layers = [l for l in graph_layers(model) if l.trainable_weights]
    weights = [w for l in layers for w in l.trainable_weights]
    if not weights:
        raise ValueError(f"gradient histograms: {model.name} has no trainable weights")
    xt = _core.Tensor(np.ascontiguousarray(x, dtype=np.float32))
    with GradientTape() as tape:
        out = single_output(model, forward(model, [xt]), "gradient histograms")
        value = loss_fn(np.ascontiguousarray(y, dtype=np.float32), out)
    grads = tape.gradient(value, weights)
    result, k = [], 0
    for layer in layers:
        n = len(layer.trainable_weights)
        result.append((layer, [None if g is None else np.array(g) for g in grads[k : k + n]]))
        k += n
    return result


def plot_gradient_histograms(model, x, y, loss=None, bins: int = 40, path=None):
    """One panel per layer with trainable weights: histograms of d loss / d weight on the
    batch (x, y) (see layer_gradients)."""
    panels = [
        (layer.name, [(_label(k, g), g) for k, g in enumerate(grads) if g is not None])
        for layer, grads in layer_gradients(model, x, y, loss)
    ]
    return _histogram_grid(panels, f"{model.name}: gradients of the loss", bins, path)
