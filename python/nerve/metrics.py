"""Metrics. Accuracy variants are counted in C++ inside each training step."""

from __future__ import annotations

from . import _core

_KINDS = {
    "binary_accuracy": _core.MetricKind.binary_accuracy,
    "categorical_accuracy": _core.MetricKind.categorical_accuracy,
    "sparse_categorical_accuracy": _core.MetricKind.sparse_categorical_accuracy,
}
NAMES = ("accuracy", "acc", *_KINDS)


def resolve(identifier, loss_name: str, output_shape) -> tuple[str, object]:
    """(display name, C++ metric kind). 'accuracy' picks its variant from the loss, as Keras does:
    binary for binary_crossentropy, sparse for sparse_categorical_crossentropy, categorical for
    categorical_crossentropy; otherwise binary when the model has one output unit, else categorical.
    """
    if not isinstance(identifier, str) or identifier not in NAMES:
        raise ValueError(f"Unknown metric {identifier!r}. Valid names: {', '.join(NAMES)}")
    if identifier in _KINDS:
        return identifier, _KINDS[identifier]
    if loss_name == "binary_crossentropy":
        kind = "binary_accuracy"
    elif loss_name == "sparse_categorical_crossentropy":
        kind = "sparse_categorical_accuracy"
    elif loss_name == "categorical_crossentropy":
        kind = "categorical_accuracy"
    else:
        units = output_shape[-1] if output_shape else 1
        kind = "binary_accuracy" if units == 1 else "categorical_accuracy"
    return "accuracy", _KINDS[kind]
