"""A nerve model -> the config.json Keras 3 reads (Sequential and functional models).

nerve's layer configs follow Keras's, so a layer's entry is its get_config with Keras's
bookkeeping added. A layer class Keras 3 does not have (PositionEmbedding and TransformerEncoder
are KerasHub's, a custom layer is user code) cannot be written: the error names it.
"""

from __future__ import annotations

from .. import serialization as ser

_NOT_IN_KERAS = ("PositionEmbedding", "TransformerEncoder")
_KERAS_MODULES = {
    "initializer": "keras.initializers",
    "regularizer": "keras.regularizers",
}


def _keras_class(layer) -> str:
    Model = ser.builtin_module("model").Model

    cls = type(layer)
    name = cls.__name__
    if isinstance(layer, Model):
        raise ValueError(
            f"save: {name} '{layer.name}' is a model inside a model, which nerve does not write "
            f"to .keras files yet; save in nerve's format (a name ending in .nerve)"
        )
    builtin = any(cls is c for c in ser._layer_classes())
    if not builtin or name in _NOT_IN_KERAS:
        why = (
            "a KerasHub layer, not in Keras 3" if builtin else "not one of nerve's built-in layers"
        )
        raise ValueError(
            f"save: layer {layer.name!r} of class {name} cannot be written to a .keras file "
            f"({why}); save the model in nerve's format instead (a name ending in .nerve)"
        )
    return name


def _with_modules(config: dict) -> dict:
    """Keras's {"module", "class_name", "config", "registered_name"} for the initializers and
    regularizers nested in a layer config."""
    out = {}
    for key, value in config.items():
        kind = next((k for k in _KERAS_MODULES if key.endswith(k)), None)
        if kind and isinstance(value, dict) and "class_name" in value:
            value = {"module": _KERAS_MODULES[kind], **value, "registered_name": None}
        out[key] = value
    return out


# nerve layer arguments that are call arguments in Keras (a functional model's nodes carry them)
_CALL_ARGUMENTS = {"MultiHeadAttention": ("use_causal_mask",)}


def layer_entry(layer) -> dict:
    config = _with_modules(layer.get_config())
    for key in _CALL_ARGUMENTS.get(type(layer).__name__, ()):
        config.pop(key, None)
    for key in ("layer", "backward_layer"):  # wrappers: the wrapped layer's own entry
        inner = getattr(layer, "_wrapped", None) if key == "layer" else None
        if key in config:
            target = inner if inner is not None else getattr(layer, key, None)
            config[key] = layer_entry(target)
    return {
        "module": "keras.layers",
        "class_name": _keras_class(layer),
        "config": config,
        "registered_name": None,
    }


def _input_entry(name: str, shape, dtype) -> dict:
    return {
        "module": "keras.layers",
        "class_name": "InputLayer",
        "config": {"batch_shape": [None, *shape], "dtype": dtype or "float32", "name": name},
        "registered_name": None,
    }


def model_config(model):
    """(config.json's dict, [(nerve layer or None, Keras class name, Keras config)] in the
    order model.weights.h5 holds them)."""
    Functional = ser.builtin_module("model").Functional
    Sequential = ser.builtin_module("model").Sequential

    if type(model) is Sequential:
        return _sequential(model)
    if type(model) is Functional:
        return _functional(model)
    raise ValueError(
        f"save: a .keras file holds Sequential and functional models; {type(model).__name__} "
        f"'{model.name}' is a subclassed model (its call() is Python code): save it in nerve's "
        f"format (a name ending in .nerve)"
    )


def _sequential(model):
    config = model.get_config()
    shape = config.get("input_shape")
    if shape is None:
        raise ValueError(f"save: Sequential '{model.name}' has no input shape; build it first")
    for layer in model.layers:
        if type(layer).__name__ == "MultiHeadAttention":  # Keras's takes query and value
            raise ValueError(
                f"save: MultiHeadAttention '{layer.name}' in a Sequential (self-attention on one "
                f"input) has no Keras 3 equivalent; build a functional model, "
                f"attention(x, x), to write a .keras file"
            )
    entries = [layer_entry(layer) for layer in model.layers]
    layers = [(layer, e["class_name"], e["config"]) for layer, e in zip(model.layers, entries)]
    keras = {
        "module": "keras",
        "class_name": "Sequential",
        "config": {
            "name": model.name,
            "trainable": model.trainable,
            "dtype": "float32",
            "layers": [_input_entry(f"{model.name}_input", shape, None), *entries],
            "build_input_shape": [None, *shape],
        },
        "registered_name": None,
        "build_config": {"input_shape": [None, *shape]},
        "compile_config": None,
    }
    return keras, layers


def _tensor(kt, graph) -> dict:
    history = [kt._node.layer.name, graph.node_index(kt._node), kt._index]
    return {
        "class_name": "__keras_tensor__",
        "config": {"shape": list(kt.shape), "dtype": "float32", "keras_history": history},
    }


def _call(node, graph, model) -> dict:
    """One layer call as Keras's inbound node: its positional and keyword arguments."""
    if node.training is not None:
        raise ValueError(
            f"save: layer {node.layer.name!r} of '{model.name}' is called with a fixed "
            f"training={node.training}, which a .keras file cannot express"
        )
    refs = [_tensor(kt, graph) for kt in node.inputs]
    if len(refs) == 1 or type(node.layer).__name__ == "MultiHeadAttention":
        args = refs  # MultiHeadAttention(query, value[, key])
    else:
        args = [refs]  # several inputs go in as one list (merge layers)
    return {"args": args, "kwargs": dict(node.call_kwargs or {})}


def _functional(model):
    InputLayer = ser.builtin_module("layer").InputLayer

    config = model.get_config()
    graph = model._graph
    calls = {}  # layer name -> its inbound nodes, in call order
    for node in graph.nodes:
        calls.setdefault(node.layer.name, []).append(_call(node, graph, model))
    entries, layers = [], []
    for layer in model.layers:
        if isinstance(layer, InputLayer):
            entry = _input_entry(layer.name, layer.shape, layer.dtype)
            layers.append((None, "InputLayer", entry["config"]))
        else:
            entry = layer_entry(layer)
            layers.append((layer, entry["class_name"], entry["config"]))
        entry["name"] = layer.name
        entry["inbound_nodes"] = calls.get(layer.name, [])
        entries.append(entry)

    def refs(spec, single):
        return list(spec[0]) if single and len(spec) == 1 else [list(r) for r in spec]

    keras = {
        "module": "keras.src.models.functional",
        "class_name": "Functional",
        "config": {
            "name": model.name,
            "trainable": model.trainable,
            "layers": entries,
            "input_layers": refs(config["input_layers"], config.get("single_input")),
            "output_layers": refs(config["output_layers"], config.get("single_output")),
        },
        "registered_name": "Functional",
        "build_config": {"input_shape": None},
        "compile_config": None,
    }
    return keras, layers
