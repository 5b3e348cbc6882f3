"""The optimizer's state in model.weights.h5 ("optimizer/vars"), in and out.

Keras 3 keeps its optimizer's variables in this order: the step count, the learning rate (when
it is a number, not a schedule), then, for every trainable weight of the model in order, that
weight's slots (Adam: momentum then velocity; SGD with momentum: momentum; RMSprop: velocity).
nerve's optimizers keep the same slots per trainable weight (opt.slots(w)), in the same order,
so training continues in one library where it stopped in the other.
"""

from __future__ import annotations

import numpy as np

from ...errors import ModelFileError
from .. import serialization as ser
from .weights import _array, _group

_PATH = "optimizer/vars"


def _keras_trainable_weights(layer, seen: set) -> list:
    """Keras's trainable_variables order: each layer of the model's layer list in turn, the
    layers of a model inside where it stands, each layer once (model.trainable_weights follows
    the C++ graph's order, and leaves out a layer whose output the model never reads, whose
    slots Keras keeps: zero, as its gradient is)."""
    if id(layer) in seen or not layer.trainable:
        return []
    seen.add(id(layer))
    if isinstance(layer, ser.builtin_module("model").Model):
        return [w for inner in layer.layers for w in _keras_trainable_weights(inner, seen)]
    return list(layer.trainable_weights)


def _slots(model) -> list:
    opt = model.optimizer._core
    seen: set = set()
    weights = [w for layer in model.layers for w in _keras_trainable_weights(layer, seen)]
    return [slot for w in weights for slot in opt.slots(w)]


def _has_rate_variable(model) -> bool:
    # Keras keeps the rate as a variable only when it is a number (a schedule is evaluated)
    return getattr(model.optimizer, "_schedule", None) is None


def read(h5_file, model, where: str) -> None:
    """Restores the step count and every slot, when the file holds them; a Keras optimizer that
    never took a step stores only its step count and rate, and leaves nerve's fresh."""
    group = _group(h5_file, _PATH, where)
    if group is None or model.optimizer is None:
        return
    slots = _slots(model)
    head = 2 if _has_rate_variable(model) else 1  # the step count [and the learning rate]
    stored = len(group)
    if stored not in (head, head + len(slots)):
        raise ModelFileError(
            f"{where}: the saved {type(model.optimizer).__name__} state holds {stored} arrays; "
            f"nerve's keeps {head} + {len(slots)} (one per slot of every trainable weight): "
            f"load with compile=False and compile the model yourself"
        )
    arrays = [_array(group, str(i), f"{_PATH}/{i}", where) for i in range(stored)]
    for slot, a in zip(slots, arrays[head:]):
        if tuple(a.shape) != tuple(slot.shape):
            raise ModelFileError(
                f"{where}: an optimizer slot has shape {tuple(slot.shape)} in nerve but "
                f"{a.shape} in the file"
            )
    for slot, a in zip(slots, arrays[head:]):
        np.asarray(slot)[...] = a
    iterations = float(arrays[0])
    if iterations < 0 or iterations != int(iterations):
        raise ModelFileError(f"{where}: the optimizer's step count {iterations} is not a count")
    model.optimizer._core.iterations = int(iterations)


def write(h5_file, model) -> None:
    """The compiled model's optimizer state, as Keras 3 lays it out."""
    if model.optimizer is None or getattr(model, "_compile_config", None) is None:
        return
    opt = model.optimizer._core
    group = h5_file.require_group(_PATH)
    group.attrs["name"] = model.optimizer.get_config().get("name", "")
    arrays = [np.asarray(int(opt.iterations), dtype=np.int64)]
    if _has_rate_variable(model):
        arrays.append(np.asarray(opt.current_learning_rate(), dtype=np.float32))
    arrays += [np.asarray(slot, dtype=np.float32) for slot in _slots(model)]
    for i, a in enumerate(arrays):
        group.create_dataset(str(i), data=a)
