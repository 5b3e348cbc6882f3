"""A nerve model -> the config.json Keras 3 reads (Sequential and functional models, and models
used as layers inside them).

nerve's layer configs follow Keras's, so a layer's entry is its get_config with Keras's
bookkeeping added. A layer class Keras 3 does not have (PositionEmbedding and TransformerEncoder
are KerasHub's, a custom layer is user code) cannot be written: the error names it.
"""

from __future__ import annotations

from .. import serialization as ser
from . import nested_calls
from .layout import Entry

_NOT_IN_KERAS = ("PositionEmbedding", "TransformerEncoder")
_KERAS_MODULES = {
    "initializer": "keras.initializers",
    "regularizer": "keras.regularizers",
}


def _keras_class(layer) -> str:
    cls = type(layer)
    name = cls.__name__
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


def _is_model(layer) -> bool:
    return isinstance(layer, ser.builtin_module("model").Model)


def _nested_entry(model):
    """(the entry of a model used as a layer, as Keras writes it, its layout.Entry)."""
    keras, children = model_config(model)
    keras["compile_config"] = {}  # Keras writes {} for a model inside another
    entry = Entry(model, keras["class_name"], keras["config"], children)
    return keras, entry


def layer_entry(layer) -> dict:
    if _is_model(layer):
        raise ValueError(
            f"save: {type(layer).__name__} '{layer.name}' is a model inside a wrapper layer, "
            f"which nerve does not write to .keras files; save in nerve's format (a name ending "
            f"in .nerve)"
        )
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
    """(config.json's dict, [layout.Entry] of the model's layer list, whose weights
    model.weights.h5 holds in that order)."""
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
    entries, layers = [], []
    for layer in model.layers:
        if _is_model(layer):
            entry, planned = _nested_entry(layer)
        else:
            entry = layer_entry(layer)
            planned = Entry(layer, entry["class_name"], entry["config"])
        entries.append(entry)
        layers.append(planned)
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


# Python layers whose call takes Keras's mask=[query_mask, value_mask], which nerve's trace takes
# as the tensor call arguments query_mask / value_mask (after the inputs)
_MASK_LISTS = ("Attention", "AdditiveAttention")


def _call(node, ref) -> dict:
    """One layer call as Keras's inbound node: its positional and keyword arguments."""
    refs = [ref(kt) for kt in node.inputs]
    kwargs = dict(node.call_kwargs or {})
    if type(node.layer).__name__ in _MASK_LISTS and "_tensor_args" in kwargs:
        names = kwargs.pop("_tensor_args")
        kwargs.pop("_list_input", None)
        by_name = dict(zip(names, refs[len(refs) - len(names) :]))
        refs = refs[: len(refs) - len(names)]
        kwargs["mask"] = [by_name.get("query_mask"), by_name.get("value_mask")]
        args = [refs]
    elif "_tensor_args" in kwargs:
        # call(x, count_weights=w) and the like: the tensor arguments as Keras's keywords
        names = kwargs.pop("_tensor_args")
        list_input = kwargs.pop("_list_input", False)
        kwargs.update(zip(names, refs[len(refs) - len(names) :]))
        refs = refs[: len(refs) - len(names)]
        args = [refs] if list_input else refs
    elif len(refs) == 1 or type(node.layer).__name__ == "MultiHeadAttention":
        args = refs  # MultiHeadAttention(query, value[, key])
    else:
        args = [refs]  # several inputs go in as one list (merge layers)
    # layer(x, training=True): Keras records it too, and uses it only in a call of the model
    # that gives no mode (nerve refuses the runs where the forced mode would matter)
    if node.training is not None:
        kwargs["training"] = bool(node.training)
    return {"args": args, "kwargs": kwargs}


def _output_refs(model, refs):
    """The output refs as Keras writes them: for a dict of outputs, a dict in the order the
    model was given it (refs come in the graph's order, the sorted keys)."""
    if model._output_keys is None:
        return refs
    by_key = dict(zip(model._output_keys, refs))
    return {k: by_key[k] for k in model._output_order}


def _input_refs(model, refs):
    """The input refs as Keras writes them: for a dict of inputs, a dict in the order the model
    was given it (refs come in the graph's order, the sorted keys)."""
    if model._input_keys is None:
        return refs
    by_key = dict(zip(model._input_keys, refs))
    return {k: by_key[k] for k in model._input_order}


def _functional(model):
    InputLayer = ser.builtin_module("layer").InputLayer

    config = model.get_config()
    graph = model._graph
    nested = {}  # id(model used as a layer) -> its nodes in this graph (its layers' calls)
    calls = {}  # id(layer) -> its own nodes in this graph, in call order
    for node in graph.nodes:
        owner = node.owner if node.owner is not None and node.owner is not model else None
        if owner is not None:
            nested.setdefault(id(owner), []).append(node)
        else:
            calls.setdefault(id(node.layer), []).append(node)
    listed = {id(layer) for layer in model.layers}
    for nodes in calls.values():
        if id(nodes[0].layer) not in listed:  # model.layers lists it as the model it is in
            raise ValueError(
                f"save: layer {nodes[0].layer.name!r} is called both inside a model nested in "
                f"'{model.name}' and in '{model.name}' itself, which nerve does not write to "
                f".keras files; save in nerve's format (a name ending in .nerve)"
            )
    tensor_refs = {}  # id(KerasTensor) -> [layer or model name, node index, output index]
    for nodes in calls.values():
        for k, node in enumerate(nodes):
            for i, kt in enumerate(node.outputs):
                tensor_refs[id(kt)] = [node.layer.name, k, i]
    for kt in graph.inputs:
        tensor_refs[id(kt)] = [kt._node.layer.name, 0, 0]
    model_calls = {}  # id(model used as a layer) -> [(its inputs, forced training)] per call
    for layer in model.layers:
        if _is_model(layer):
            owned = nested.get(id(layer), [])
            model_calls[id(layer)] = nested_calls.calls(layer, owned, tensor_refs)

    def ref(kt) -> dict:
        history = tensor_refs.get(id(kt))
        if history is None:
            raise ValueError(
                f"save: '{model.name}' reads a tensor of {kt._node.layer.name!r} that no call "
                f"in it makes, which a .keras file cannot express"
            )
        return {
            "class_name": "__keras_tensor__",
            "config": {"shape": list(kt.shape), "dtype": "float32", "keras_history": history},
        }

    entries, layers = [], []
    for layer in model.layers:
        if isinstance(layer, InputLayer):
            entry = _input_entry(layer.name, layer.shape, layer.dtype)
            layers.append(Entry(None, "InputLayer", entry["config"]))
            inbound = []
        elif _is_model(layer):
            entry, planned = _nested_entry(layer)
            layers.append(planned)
            inbound = [
                nested_calls.node(layer, inputs, training, ref)
                for inputs, training in model_calls[id(layer)]
            ]
        else:
            entry = layer_entry(layer)
            layers.append(Entry(layer, entry["class_name"], entry["config"]))
            inbound = [_call(node, ref) for node in calls.get(id(layer), [])]
        entry["name"] = layer.name
        entry["inbound_nodes"] = inbound
        entries.append(entry)

    Functional = ser.builtin_module("model").Functional
    functional = {l.name for l in model.layers if isinstance(l, Functional)}

    def refs(tensors, single):
        history = [list(ref(kt)["config"]["keras_history"]) for kt in tensors]
        for h in history:  # Keras counts a built-in first node of a functional model here
            h[1] += h[0] in functional
        return history[0] if single and len(history) == 1 else history

    keras = {
        "module": "keras.src.models.functional",
        "class_name": "Functional",
        "config": {
            "name": model.name,
            "trainable": model.trainable,
            "layers": entries,
            "input_layers": _input_refs(model, refs(graph.inputs, config.get("single_input"))),
            "output_layers": _output_refs(model, refs(graph.outputs, config.get("single_output"))),
        },
        "registered_name": "Functional",
        "build_config": {"input_shape": None},
        "compile_config": None,
    }
    return keras, layers
