"""A model's structure as the JSON Keras's TensorBoard callback writes under the tag "keras"
(plugin "graph_keras_model"), from which TensorBoard's graph dashboard draws the layer graph.

TensorBoard's reader (tensorboard/plugins/graph/keras_util.py) reads Keras 3's `to_json` layout:
each layer of a functional model lists its inputs as `inbound_nodes` of `{"args": [...]}` whose
tensors carry `keras_history` = [layer name, node index, tensor index]. nerve's own config keeps
the same facts in a `nodes` list; this module rewrites them into that layout.
"""

from __future__ import annotations

import json


def _tensor(history) -> dict:
    return {"class_name": "__keras_tensor__", "config": {"keras_history": list(history)}}


def _layer(entry: dict, nodes_of: dict | None) -> dict:
    out = {"class_name": entry["class_name"], "config": dict(entry.get("config", {}))}
    config = out["config"]
    if isinstance(config.get("layers"), list):  # a nested model
        config.update(_model_config(config))
    name = config.get("name")
    out["name"] = name
    if nodes_of is not None:  # a Sequential's layers have none: their order links them
        inbound = []
        for inputs in nodes_of.get(name, []):
            tensors = [_tensor(h) for h in inputs]
            inbound.append({"args": [tensors if len(tensors) > 1 else tensors[0]], "kwargs": {}})
        out["inbound_nodes"] = inbound
    return out


def _model_config(config: dict) -> dict:
    """Rewrites a nerve model config's layers (and nodes, for a functional model)."""
    out = {k: v for k, v in config.items() if k not in ("nodes", "input_shape")}
    layers = list(config["layers"])
    if "nodes" in config:
        nodes_of: dict[str, list] | None = {}
        for node in config["nodes"]:
            nodes_of.setdefault(node["layer"], []).append(node["inputs"])
    else:
        nodes_of = None
        if config.get("input_shape") is not None:  # Keras lists a Sequential's input layer
            shape = [None, *config["input_shape"]]
            layers.insert(
                0,
                {
                    "class_name": "InputLayer",
                    "config": {"batch_shape": shape, "dtype": "float32", "name": "input_layer"},
                },
            )
    out["layers"] = [_layer(entry, nodes_of) for entry in layers]
    return out


def keras_model_json(model) -> str | None:
    """The "keras" graph summary's JSON for a Sequential or functional model; None for other
    models, for which Keras writes no graph either."""
    cls = type(model).__name__
    if cls not in ("Sequential", "Functional"):
        return None
    return json.dumps({"class_name": cls, "config": _model_config(model.get_config())})
