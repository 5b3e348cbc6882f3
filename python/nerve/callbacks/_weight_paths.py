"""Keras 3's variable paths (`weight.path`, e.g. "sequential/dense/kernel") for nerve's weights,
which carry no names: the TensorBoard callback names its histograms and images after them.

Keras builds a Sequential's (or a subclassed model's) layers inside the model's name scope, so
their paths start with the model's name; a functional model builds its layers where they are
called, outside any scope. The weight names per layer class follow Keras's `add_weight` calls,
in Keras's order, which nerve's C++ layers keep (tests/test_tensorboard.py compares both).
"""

from __future__ import annotations

_KERNEL_BIAS = ("kernel", "bias")
_RNN_CELLS = {"SimpleRNN": "simple_rnn_cell", "LSTM": "lstm_cell", "GRU": "gru_cell"}
_LAYER_WEIGHTS = {
    "Dense": _KERNEL_BIAS,
    "Conv1D": _KERNEL_BIAS,
    "Conv2D": _KERNEL_BIAS,
    "Embedding": ("embeddings",),
    "PositionEmbedding": ("embeddings",),
    "BatchNormalization": ("gamma", "beta", "moving_mean", "moving_variance"),
    "LayerNormalization": ("gamma", "beta"),
    "MultiHeadAttention": tuple(
        f"{part}/{w}"
        for part in ("query", "key", "value", "attention_output")
        for w in _KERNEL_BIAS
    ),
    **{
        cls: (f"{cell}/kernel", f"{cell}/recurrent_kernel", f"{cell}/bias")
        for cls, cell in _RNN_CELLS.items()
    },
}


def _present(layer, names):
    """Drop the weights a layer's options leave out (use_bias=False, center/scale=False)."""
    gone = set()
    if getattr(layer, "use_bias", True) is False:
        gone.add("bias")
    if getattr(layer, "center", True) is False:
        gone.add("beta")
    if getattr(layer, "scale", True) is False:
        gone.add("gamma")
    return [n for n in names if n.rsplit("/", 1)[-1] not in gone]


def _layer_suffixes(layer) -> list[str]:
    """The names of `layer`'s weights below the layer's own name, in weight order."""
    cls = type(layer).__name__
    count = len(layer.weights)
    if cls == "Bidirectional":
        return [
            f"{sub.name}/{s}"
            for sub in (layer.forward_layer, layer.backward_layer)
            for s in _layer_suffixes(sub)
        ]
    if cls == "TimeDistributed":
        inner = layer.layer
        names = [f"{inner.name}/{s}" for s in _layer_suffixes(inner)]
    elif cls in _LAYER_WEIGHTS:
        names = _present(layer, _LAYER_WEIGHTS[cls])
    else:
        names = []
    if len(names) != count:  # a layer this table does not know: numbered names
        names = [f"weight_{i}" for i in range(count)]
    return names


def weight_paths(model) -> list[tuple[str, object]]:
    """(Keras path, weight) for every weight of `model`, layer by layer, as Keras's TensorBoard
    callback walks `model.layers` and `layer.weights`."""
    scoped = type(model).__name__ != "Functional"
    prefix = f"{model.name}/" if scoped else ""
    out = []
    for layer in model.layers:
        # a nested model names its own weights; models are told by the class attribute every
        # nerve Model has (callbacks cannot import nerve.models: models import callbacks)
        if hasattr(type(layer), "_traces_call"):
            out.extend(weight_paths(layer))
            continue
        weights = layer.weights
        for suffix, w in zip(_layer_suffixes(layer), weights):
            out.append((f"{prefix}{layer.name}/{suffix}", w))
    return out
