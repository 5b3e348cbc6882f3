"""clone_model: a new model of the same architecture with new weights, as Keras 3's
keras.models.clone_model (a DQN's target network, an ensemble of identical models)."""

from __future__ import annotations

from ..utils.keras_args import reject_unsupported
from .model import Model


def clone_model(
    model, input_tensors=None, clone_function=None, call_function=None, recursive=False, **kwargs
):
    """A new, uncompiled model with `model`'s architecture and layer names and new layers: their
    weights are drawn afresh by their initializers, not copied (as Keras; copy them with
    `clone.set_weights(model.get_weights())`). Sequential, functional and subclassed models
    (through get_config / from_config, as Keras clones them)."""
    if kwargs:
        raise ValueError(f"clone_model: arguments not recognized: {kwargs}")
    reject_unsupported(
        "clone_model",
        clone_model,
        input_tensors=input_tensors,
        clone_function=clone_function,
        call_function=call_function,
        recursive=recursive,
    )
    if not isinstance(model, Model):
        raise TypeError(
            f"clone_model: expected a nerve model (Sequential, functional or subclassed), got "
            f"{type(model).__name__}"
        )
    clone = type(model).from_config(model.get_config())
    if model.built and not clone.built:  # a subclassed model builds on its input shapes
        shapes = [(None, *s) for s in model._input_shapes]
        clone.build(shapes[0] if len(shapes) == 1 else shapes)
    return clone
