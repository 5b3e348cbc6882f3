"""A Keras 3 config.json -> a nerve model (Sequential or functional, with models used as layers
inside) and its layers.

Only JSON is read: every class is looked up among nerve's own layers by its Keras class name;
nothing from the file is imported, evaluated or unpickled. A Keras argument nerve does not take
is dropped only when it cannot change what the layer computes (None: not set; Keras's own
default, _KERAS_DEFAULTS; or one of _NO_EFFECT); anything else is an error naming the layer and
the argument.
"""

from __future__ import annotations

import inspect

from ...errors import ModelFileError
from .. import serialization as ser
from .layout import Entry

# Keras bookkeeping inside serialized objects: where the class lives, sharing between objects
_BOOKKEEPING = ("module", "registered_name", "shared_object_id", "build_config")
# Keras layer arguments that do not change the outputs nerve computes, whatever their value:
# unroll (how the loop is compiled), zero_output_for_mask (only with masks, which nerve's
# recurrent layers do not take), renorm_momentum (used only when renorm=True, which is refused)
_NO_EFFECT = ("unroll", "zero_output_for_mask", "renorm_momentum")
# Keras layer arguments nerve does not take, at Keras's default (nerve computes that default)
_KERAS_DEFAULTS = {"rms_scaling": False, "stateful": False, "renorm": False, "synchronized": False}
# The keywords every nerve Layer takes (nerve.layers.Layer.__init__)
_LAYER_KEYWORDS = ("name", "trainable", "dtype", "activity_regularizer", "autocast")


def _strip(value):
    """Keras's {"module", "class_name", "config", "registered_name", ...} -> nerve's
    {"class_name", "config"}, all the way down; a DTypePolicy becomes its name."""
    if isinstance(value, list):
        return [_strip(v) for v in value]
    if not isinstance(value, dict):
        return value
    if value.get("class_name") in ("DTypePolicy", "FloatDTypePolicy"):
        config = value.get("config")
        return config.get("name") if isinstance(config, dict) else value
    return {k: _strip(v) for k, v in value.items() if k not in _BOOKKEEPING}


_MODELS = ("Sequential", "Functional", "Model")


def _is_model_entry(entry: dict) -> bool:
    return entry.get("class_name") in _MODELS


def _layer_or_model(entry: dict) -> Entry:
    """A layer of a model's layer list: a plain layer, or a model used as a layer."""
    if _is_model_entry(entry):
        model, children = build_model(entry)
        return Entry(model, entry["class_name"], entry["config"], children)
    return Entry(make_layer(entry), entry["class_name"], entry["config"])


def _layer_class(entry: dict):
    class_name = entry.get("class_name")
    name = (entry.get("config") or {}).get("name")
    classes = {c.__name__: c for c in ser._layer_classes()}
    cls = classes.get(class_name) if isinstance(class_name, str) else None
    if class_name in _MODELS:
        raise ModelFileError(
            f"the .keras file has a model inside a wrapper layer ({class_name} {name!r}), which "
            f"nerve does not read"
        )
    module = entry.get("module")
    custom = entry.get("registered_name") not in (None, class_name) or (
        isinstance(module, str) and not module.startswith("keras.")
    )
    if cls is None or custom:
        raise ModelFileError(
            f"the .keras file uses layer class {class_name!r} (layer {name!r}), which nerve "
            f"does not have" + (f" (a custom class from module {module!r})" if custom else "")
        )
    return cls


def _accepted(cls) -> set:
    params = inspect.signature(cls.__init__).parameters
    names = {p for p in params if p != "self"}
    if any(p.kind == p.VAR_KEYWORD for p in params.values()):
        names |= set(_LAYER_KEYWORDS)
    return names


def _resolved_defaults(class_name: str, config: dict) -> dict:
    """Keras writes some defaults as the value it resolved at build: MultiHeadAttention's
    attention_axes=None becomes [1] for (batch, sequence, features) inputs, the only rank
    nerve's MultiHeadAttention takes."""
    if class_name == "MultiHeadAttention" and config.get("attention_axes") in ([1], [-2]):
        return {**config, "attention_axes": None}
    return config


def _is_default(key: str, value) -> bool:
    return key in _KERAS_DEFAULTS and value is _KERAS_DEFAULTS[key]


def layer_config(entry: dict) -> dict:
    """nerve's {"class_name", "config"} for one Keras layer entry (wrapped layers too)."""
    if not isinstance(entry, dict) or not isinstance(entry.get("config"), dict):
        raise ModelFileError(f"the .keras file has a layer entry without a config: {entry!r}")
    cls = _layer_class(entry)
    raw = _resolved_defaults(cls.__name__, entry["config"])
    accepted = _accepted(cls)
    config = {}
    for key, value in raw.items():
        if key in ("layer", "backward_layer") and isinstance(value, dict):
            config[key] = layer_config(value)  # a wrapper's layer
        elif key in accepted:
            config[key] = _strip(value)
        elif not (value is None or key in _NO_EFFECT or _is_default(key, value)):
            raise ModelFileError(
                f"the .keras file's {cls.__name__} layer {raw.get('name')!r} sets "
                f"{key}={value!r}, which nerve's {cls.__name__} does not support"
            )
    return {"class_name": cls.__name__, "config": config}


def make_layer(entry: dict):
    config = layer_config(entry)
    try:
        return ser.deserialize_layer(config)
    except ModelFileError:
        raise
    except (ValueError, TypeError) as e:  # nerve refuses an argument value it does not support
        raise ModelFileError(
            f"the .keras file's {config['class_name']} layer "
            f"{config['config'].get('name')!r} cannot be made in nerve: {e}"
        ) from e


def _input_shape(entry: dict) -> tuple:
    config = entry.get("config") or {}
    shape = config.get("batch_shape")
    if isinstance(shape, list) and shape:
        return tuple(shape[1:])
    if isinstance(config.get("shape"), list):
        return tuple(config["shape"])
    raise ModelFileError(f"the .keras file's InputLayer {config.get('name')!r} has no shape")


def _make_input(entry: dict):
    Input = ser.builtin_module("layer").Input

    config = entry.get("config") or {}
    dtype = _strip(config.get("dtype"))
    return Input(shape=_input_shape(entry), name=config.get("name"), dtype=dtype)


def build_model(entry: dict):
    """(nerve model, [layout.Entry] of its layer list, whose weights model.weights.h5 holds in
    that order)."""
    if not isinstance(entry, dict) or not isinstance(entry.get("config"), dict):
        raise ModelFileError("the .keras file's config.json does not describe a model")
    class_name = entry.get("class_name")
    module, registered = entry.get("module"), entry.get("registered_name")
    if registered not in (None, class_name) or (
        isinstance(module, str) and not module.startswith("keras")
    ):  # a subclass of Sequential or Functional: its own Python code
        raise ModelFileError(
            f"the .keras file holds model {entry['config'].get('name')!r} of custom class "
            f"{registered or class_name!r} (module {module!r}); nerve reads Keras's own "
            f"Sequential and functional models"
        )
    if class_name == "Sequential":
        return _sequential(entry["config"])
    if class_name in ("Functional", "Model") and "layers" in entry["config"]:
        return _functional(entry["config"])
    raise ModelFileError(
        f"the .keras file holds a model of class {class_name!r}; nerve reads Sequential and "
        f"functional models (a subclassed Keras model's call() is Python code, not in the file)"
    )


def _layer_entries(config: dict) -> list:
    entries = config.get("layers")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ModelFileError("the .keras file's model config has no list of layers")
    return entries


def _sequential(config: dict):
    Sequential = ser.builtin_module("model").Sequential

    layers, first = [], []
    for i, entry in enumerate(_layer_entries(config)):
        if entry.get("class_name") == "InputLayer":
            if i != 0:
                raise ModelFileError("the .keras file's Sequential has an InputLayer after layer 0")
            first = [_make_input(entry)]
        else:
            layers.append(_layer_or_model(entry))
    model = Sequential(first + [e.layer for e in layers], name=config.get("name"))
    shape = config.get("build_input_shape")
    if not first and isinstance(shape, list) and shape:
        model.build(tuple(shape))
    return model, layers


_TENSOR = "__keras_tensor__"


# A layer call's keyword arguments that nerve does not pass again: Keras records arguments left
# at None (mask=None, a nested model's mask=[None, None]), and a training mode (the call's
# training=, else the default of the layer's call(): Dropout's False, RandomFlip's True) that
# Keras 3 replaces with the run's mode whenever the model runs with one (fit, evaluate,
# predict, model(x, training=...)): nerve's layers run in the run's mode, as they do there.
def _unset(value) -> bool:
    """None, or a list or dict of Nones (the mask of a nested model with several inputs, or
    with a dict of inputs)."""
    if isinstance(value, list):
        return all(_unset(v) for v in value)
    if isinstance(value, dict):
        return all(_unset(v) for v in value.values())
    return value is None


def _functional(config: dict):
    Model = ser.builtin_module("model").Model

    entries = _layer_entries(config)
    made, order = {}, []  # name -> nerve layer (or Input tensor)
    outputs = {}  # (layer name, node index) -> output tensors
    for entry in entries:
        name = entry.get("name") or (entry.get("config") or {}).get("name")
        if entry.get("class_name") == "InputLayer":
            tensor = _make_input(entry)
            outputs[(name, 0)] = [tensor]
            order.append(Entry(None, "InputLayer", entry["config"]))  # no weights
        else:
            order.append(_layer_or_model(entry))
            made[name] = order[-1].layer

    def resolve(value):
        if isinstance(value, dict) and value.get("class_name") == _TENSOR:
            name, node, index = value["config"]["keras_history"]
            return outputs[(name, int(node))][int(index)]
        if isinstance(value, list):
            return [resolve(v) for v in value]
        if isinstance(value, dict):
            return {k: resolve(v) for k, v in value.items()}
        return value

    pending = [
        (entry.get("name") or entry["config"].get("name"), k, node)
        for entry in entries
        if entry.get("class_name") != "InputLayer"
        for k, node in enumerate(entry.get("inbound_nodes") or [])
    ]
    while pending:  # Keras lists layers in call order; retry any whose inputs come later
        left = []
        for name, k, node in pending:
            try:
                args = resolve(node.get("args", []))
                kwargs = {
                    k: v
                    for k, v in resolve(node.get("kwargs", {})).items()
                    if not _unset(v) and k != "training"
                }
            except KeyError:
                left.append((name, k, node))
                continue
            result = made[name](*args, **kwargs)
            if isinstance(result, dict):  # a model with a dict of outputs: Keras's flat order
                result = [result[key] for key in sorted(result)]
            outputs[(name, k)] = list(result) if isinstance(result, (list, tuple)) else [result]
        if len(left) == len(pending):
            raise ModelFileError(
                f"the .keras file's functional model has layers whose inputs never appear: "
                f"{sorted({n for n, _, _ in left})}"
            )
        pending = left

    # The model's inputs and outputs count a functional model's calls from 1 (Keras gives each
    # one a first node of its own), the layers' inbound nodes from 0
    functional = {
        e.get("name") or (e.get("config") or {}).get("name")
        for e in entries
        if e.get("class_name") in _MODELS[1:]
    }

    def refs(spec):
        if isinstance(spec, list) and len(spec) == 3 and isinstance(spec[0], str):
            name, node, index = spec
            node = int(node) - (name in functional)
            return resolve(
                {"class_name": _TENSOR, "config": {"keras_history": [name, node, index]}}
            )
        if isinstance(spec, dict):  # a dict of outputs, keyed by name
            return {k: refs(s) for k, s in spec.items()}
        return [refs(s) for s in spec]

    try:
        inputs, outs = refs(config["input_layers"]), refs(config["output_layers"])
    except (KeyError, TypeError, ValueError) as e:
        raise ModelFileError(f"the .keras file's model inputs or outputs are malformed: {e}") from e
    # Keras's functional_from_config passes the model's trainable flag (a frozen base model
    # stays frozen); Sequential.from_config does not, and neither does _sequential
    trainable = config.get("trainable", True) is not False
    return Model(inputs, outs, name=config.get("name"), trainable=trainable), order
