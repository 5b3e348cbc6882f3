"""Where a layer's weights sit in a Keras 3 model.weights.h5 file.

Keras writes each layer's own variables under "<path>/vars/0", "<path>/vars/1", ... and those of
the layers it holds under "<path>/<attribute>/..." (an LSTM's variables belong to its `cell`; a
Bidirectional holds `forward_layer` and `backward_layer`). A model's layers sit under
"layers/<snake_case class name>" with "_1", "_2", ... for repeats of a class, in the order of the
model's layer list; a model used as a layer (a Sequential inside a functional model) has its
own "<path>/vars" (empty) and its layers under "<path>/layers/...". A layer met a second time
(one that two nested models share) is written only where Keras first meets it. nerve's weight
list for a layer matches Keras's `layer.weights`, so a layer's weights are the concatenation of
its groups, in the order given here.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_RECURRENT = ("SimpleRNN", "LSTM", "GRU")
# MultiHeadAttention's projections (EinsumDense layers, saved under the public properties that
# return them), in the order of its weight list
_ATTENTION_PARTS = ("query_dense", "key_dense", "value_dense", "output_dense")


class Entry(NamedTuple):
    """One entry of a model's layer list as a .keras file holds it: the nerve layer (None for a
    functional model's InputLayer, which has no weights), its Keras class name and config, and,
    for a model used as a layer, the entries of its own layer list (None for a plain layer)."""

    layer: object
    class_name: str
    config: dict
    children: list | None = None


def snake_case(class_name: str) -> str:
    """keras.src.utils.naming.to_snake_case: the group name of a layer of this class."""
    name = re.sub(r"\W+", "", class_name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def layer_paths(class_names: list, prefix: str = "") -> list:
    """The group of each layer of a model's layer list (Keras's _save_container_state names);
    `prefix` is the group of the model that holds them ("" for the saved model itself)."""
    used, paths = {}, []
    for class_name in class_names:
        name = snake_case(class_name)
        if name in used:
            used[name] += 1
            name = f"{name}_{used[name]}"
        else:
            used[name] = 0
        paths.append(f"{prefix}layers/{name}")
    return paths


def groups(path: str, class_name: str, config: dict, n_weights: int) -> list:
    """[(group, number of weights)] of one layer, in the order of its weight list; every group
    that Keras creates for the layer is listed, those without weights with 0."""
    if class_name in _RECURRENT:
        return [(path, 0), (f"{path}/cell", n_weights)]
    if class_name == "Bidirectional":
        inner, inner_config = _inner(config)
        half = n_weights // 2
        return [
            (path, 0),
            *groups(f"{path}/forward_layer", inner, inner_config, half),
            *groups(f"{path}/backward_layer", inner, inner_config, half),
        ]
    if class_name == "TimeDistributed":
        inner, inner_config = _inner(config)
        return [(path, 0), *groups(f"{path}/layer", inner, inner_config, n_weights)]
    if class_name == "MultiHeadAttention":
        per = n_weights // len(_ATTENTION_PARTS)
        return [(path, 0)] + [(f"{path}/{part}", per) for part in _ATTENTION_PARTS]
    return [(path, n_weights)]


def _inner(config: dict):
    """(class name, config) of the layer a wrapper holds."""
    inner = config.get("layer")
    if not isinstance(inner, dict) or not isinstance(inner.get("class_name"), str):
        raise ValueError("the wrapper's config has no 'layer' entry")
    return inner["class_name"], inner.get("config") or {}
