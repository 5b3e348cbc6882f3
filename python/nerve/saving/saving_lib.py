"""save_model / load_model / save_weights / load_weights.

A model file holds config.json (the architecture: every layer's class and get_config, the graph
wiring, the compile arguments), weights.json (which array is which weight) with one .npy entry
per weight, and the optimizer's state (iterations, and every slot tensor such as Adam's m and v,
per trainable weight). Loading it gives a model that predicts identically and whose next
training step matches the uninterrupted run bit for bit.
"""

from __future__ import annotations

import os

import numpy as np

from ..errors import ModelFileError
from ..utils.object_registration import custom_object_scope
from . import file_format as ff
from . import keras_format, self_check
from . import serialization as ser


def _data_ptr(t) -> int:
    return np.asarray(t).__array_interface__["data"][0]


def _weight_entries(model, manifest: list):
    """(name, producer) for every weight of every layer, and its manifest entry."""
    k = 0
    for layer in model.layers:
        for i, w in enumerate(layer.weights):
            name = f"weights/{k:05d}.npy"
            manifest.append(
                {"layer": layer.name, "index": i, "shape": list(w.shape), "entry": name}
            )
            yield name, (lambda w=w: ff.array_bytes(w))
            k += 1


def _optimizer_entries(model, state: dict):
    opt = model.optimizer._core
    index = {_data_ptr(w): k for k, w in enumerate(model.weights)}
    state["iterations"] = int(opt.iterations)
    state["slots"] = []
    for w in model.trainable_weights:
        k = index[_data_ptr(w)]
        names = []
        for s, slot in enumerate(opt.slots(w)):
            name = f"optimizer/{k:05d}_{s}.npy"
            names.append(name)
            yield name, (lambda slot=slot: ff.array_bytes(slot))
        state["slots"].append({"weight": k, "entries": names})


def _model_config(model) -> dict:
    config = {"class_name": ser.get_registered_name(type(model)), "config": model.get_config()}
    if type(model)._is_subclassed():
        config["build_config"] = {
            "input_shapes": [list(s) for s in model._input_shapes],
            "single_input": model._single_input,
        }
    if model._compile_config is not None:
        c = model._compile_config
        config["compile_config"] = {
            "optimizer": ser.serialize_optimizer(model.optimizer),
            "loss": ser.serialize_loss(c["loss"]),
            "metrics": ser.serialize_metrics(c["metrics"]),
            "loss_weights": c["loss_weights"],
            "weighted_metrics": ser.serialize_metrics(c.get("weighted_metrics")),
        }
    return config


MODEL_EXTENSION = ".nerve"
WEIGHTS_EXTENSION = ".weights.nerve"
_KERAS_EXTENSIONS = (".keras", ".h5", ".hdf5")


def check_filepath(filepath, weights_only: bool, where: str) -> str:
    """The path as a string, if its extension names nerve's format (or, for a whole model,
    Keras 3's .keras). Keras 3 also insists on its extensions (.keras, .weights.h5); a name of
    a Keras format nerve does not write is refused rather than given a file Keras could not
    read."""
    path = os.fspath(filepath)
    want = WEIGHTS_EXTENSION if weights_only else MODEL_EXTENSION
    if path.endswith(want) or (not weights_only and keras_format.is_keras_path(path)):
        return path  # a whole model may also go to a Keras 3 .keras archive
    if weights_only and keras_format.is_weights_h5_path(path):
        return path  # Keras 3's weights file
    if path.lower().endswith(_KERAS_EXTENSIONS):
        what = (
            "Keras' .keras / legacy .h5 weight files"
            if weights_only
            else "Keras' legacy .h5 format"
        )
        raise ValueError(
            f"{where}: nerve cannot write or read {what} (got "
            f"filepath={path!r}); use nerve's own format, a file name ending in {want!r} "
            f"(e.g. {os.path.splitext(os.path.splitext(path)[0])[0] + want!r})"
            + (
                " or Keras 3's weights file, a name ending in '.weights.h5'"
                if weights_only
                else " or a Keras 3 archive, a name ending in '.keras'"
            )
        )
    raise ValueError(
        f"{where}: the file name must end in {want!r} (nerve's "
        f"{'weights' if weights_only else 'model'} format), got filepath={path!r}"
    )


def save_model(model, filepath, overwrite: bool = True) -> None:
    """Architecture, weights and optimizer state in one file (name ending in .nerve), written
    atomically. A name ending in .keras writes a Keras 3 archive instead (keras_format)."""
    if keras_format.is_keras_path(filepath):
        return keras_format.save(model, filepath, overwrite)
    filepath = check_filepath(filepath, False, "save")
    if not model.built:
        raise ValueError(
            f"save: {type(model).__name__} '{model.name}' is not built yet; build it "
            f"(or fit/predict once) before saving"
        )
    config = _model_config(model)
    check = self_check.make(model)  # before writing: a model that fails here leaves no file
    manifest, optimizer_state = [], {}

    def entries():
        yield "metadata.json", lambda: ff.json_bytes(ff.metadata("nerve.model"))
        yield "config.json", lambda: ff.json_bytes(config)
        yield from _weight_entries(model, manifest)
        if model.optimizer is not None and model._trainer is not None:
            yield from _optimizer_entries(model, optimizer_state)
        yield (
            "weights.json",
            lambda: ff.json_bytes({"weights": manifest, "optimizer": optimizer_state or None}),
        )
        if check is not None:
            yield from self_check.entries(check, ff.array_bytes, ff.json_bytes)

    ff.write_atomic(filepath, entries(), overwrite)


def save_weights(model, filepath, overwrite: bool = True) -> None:
    """Only the weights (in layer order), in a file whose name ends in .weights.nerve, written
    atomically; a name ending in .weights.h5 writes Keras 3's weights file (Sequential and
    functional models, needs h5py), which Keras's load_weights reads."""
    if not model.built:
        raise ValueError(f"save_weights: {type(model).__name__} '{model.name}' is not built yet")
    if keras_format.is_weights_h5_path(filepath):  # Keras 3's weights file
        return keras_format.save_weights_h5(model, filepath, overwrite)
    filepath = check_filepath(filepath, True, "save_weights")
    manifest = []

    def entries():
        yield "metadata.json", lambda: ff.json_bytes(ff.metadata("nerve.weights"))
        yield from _weight_entries(model, manifest)
        yield "weights.json", lambda: ff.json_bytes({"weights": manifest, "optimizer": None})

    ff.write_atomic(filepath, entries(), overwrite)


def _read_weights(reader: ff.Reader, model) -> None:
    """Checks every array against the model before changing any weight."""
    manifest = reader.json("weights.json")
    if not isinstance(manifest, dict) or not isinstance(manifest.get("weights"), list):
        raise ModelFileError(f"{reader.path} is corrupt: weights.json has no weight list")
    targets = [(layer, i, w) for layer in model.layers for i, w in enumerate(layer.weights)]
    entries = manifest["weights"]
    if len(entries) != len(targets):
        raise ModelFileError(
            f"{reader.path} holds {len(entries)} weight arrays, the model "
            f"'{model.name}' has {len(targets)}: it was saved from a different "
            f"architecture"
        )
    arrays = []
    for e, (layer, i, w) in zip(entries, targets):
        if not isinstance(e, dict) or "entry" not in e:
            raise ModelFileError(f"{reader.path} is corrupt: bad weights.json entry {e!r}")
        a = reader.array(e["entry"], e.get("shape"))
        if tuple(a.shape) != tuple(w.shape):
            raise ModelFileError(
                f"{reader.path}: weight {i} of {type(layer).__name__} "
                f"'{layer.name}' has shape {tuple(w.shape)} in the model but "
                f"{a.shape} in the file (saved from layer '{e.get('layer')}')"
            )
        arrays.append(a)
    for a, (_, _, w) in zip(arrays, targets):
        np.asarray(w)[...] = a
    return manifest


def _restore_optimizer(reader: ff.Reader, model, state) -> None:
    opt = model.optimizer._core
    weights = model.weights
    pending = []
    for item in state.get("slots", []):
        k = item["weight"]
        if not isinstance(k, int) or not 0 <= k < len(weights):
            raise ModelFileError(f"{reader.path} is corrupt: optimizer slot for weight {k!r}")
        slots = opt.slots(weights[k])
        if len(slots) != len(item["entries"]):
            raise ModelFileError(
                f"{reader.path}: the optimizer has {len(slots)} state tensors "
                f"per weight, the file {len(item['entries'])}"
            )
        for slot, name in zip(slots, item["entries"]):
            pending.append((slot, reader.array(name, tuple(slot.shape))))
    for slot, a in pending:
        np.asarray(slot)[...] = a
    iterations = state.get("iterations", 0)
    if not isinstance(iterations, int) or iterations < 0:
        raise ModelFileError(f"{reader.path} is corrupt: optimizer iterations {iterations!r}")
    opt.iterations = iterations


def _refuse_keras_file(filepath, where: str) -> None:
    path = os.fspath(filepath)
    if path.lower().endswith(_KERAS_EXTENSIONS):
        raise ValueError(
            f"{where}: nerve cannot read Keras' .keras / .h5 files (got "
            f"filepath={path!r}); it loads files saved by nerve, whose names end in "
            f"{MODEL_EXTENSION!r} (models) or {WEIGHTS_EXTENSION!r} (weights)"
        )


def load_model(
    filepath, custom_objects: dict | None = None, compile: bool = True, verify: bool = True
):
    """Rebuilds a model saved by model.save: same architecture, weights and (with compile=True)
    optimizer state. Custom layers or models: pass custom_objects={"Name": cls} or register
    them with @nerve.saving.register_keras_serializable(). With verify=True (the default) the
    input batch stored at save is run again and must give the stored outputs (ModelFileError
    otherwise; see saving/self_check.py); verify=False skips that. A Keras 3 .keras file is read
    too (architecture, weights and compile arguments: keras_format)."""
    if keras_format.is_keras_path(filepath):
        with custom_object_scope(custom_objects or {}):  # a custom loss or metric function
            return keras_format.load(filepath, compile=compile)
    _refuse_keras_file(filepath, "load_model")
    with ff.Reader(filepath, "nerve.model") as reader, custom_object_scope(custom_objects or {}):
        try:
            model = _load(reader, custom_objects, compile)
            if verify:
                self_check.verify(reader, model)
            return model
        except (KeyError, TypeError, IndexError, AttributeError) as e:
            raise ModelFileError(
                f"{reader.path} is corrupt or does not match this nerve: {type(e).__name__}: {e}"
            ) from e


def _load(reader: ff.Reader, custom_objects, compile: bool):
    config = reader.json("config.json")
    if not isinstance(config, dict) or "class_name" not in config:
        raise ModelFileError(f"{reader.path} is corrupt: config.json has no model class")
    model = ser.deserialize_model(config, custom_objects)
    build = config.get("build_config")
    if not model.built and build:
        # per-sample shapes (null: a length left open) behind the batch axis build() expects
        shapes = [(None,) + tuple(s) for s in build["input_shapes"]]
        model.build(shapes[0] if build.get("single_input", True) else shapes)
    state = _read_weights(reader, model).get("optimizer")
    compile_config = config.get("compile_config")
    if compile and compile_config:
        model.compile(
            optimizer=ser.deserialize_optimizer(compile_config["optimizer"], custom_objects),
            loss=ser.deserialize_loss(compile_config["loss"], custom_objects),
            metrics=ser.deserialize_metrics(compile_config.get("metrics"), custom_objects),
            loss_weights=compile_config.get("loss_weights"),
            weighted_metrics=ser.deserialize_metrics(
                compile_config.get("weighted_metrics"), custom_objects
            ),
        )
        if state:
            _restore_optimizer(reader, model, state)
    return model


def load_weights(model, filepath) -> None:
    """Loads weights saved by save_weights (or a whole-model file) into a built model with the
    same architecture; nothing changes if any array does not fit."""
    if not model.built:
        raise ValueError(
            f"load_weights: {type(model).__name__} '{model.name}' is not built yet; "
            f"build it first so its weights exist"
        )
    if keras_format.is_keras_path(filepath):  # the weights of a Keras 3 archive
        return keras_format.load_weights(model, filepath)
    if keras_format.is_weights_h5_path(filepath):  # Keras 3's weights file
        return keras_format.load_weights_h5(model, filepath)
    _refuse_keras_file(filepath, "load_weights")
    with ff.Reader(filepath, "nerve.weights") as reader:
        _read_weights(reader, model)


def save_training_state(model, filepath, training_metadata: dict) -> None:
    """The state BackupAndRestore backs up, in one file written atomically (a temporary file
    renamed over the old one): the weights as save_weights writes them, the optimizer's state
    (iterations and slots, as save writes it; a float learning rate) and `training_metadata`
    (epoch, batch). Such a file also loads with model.load_weights (the weights only)."""
    manifest, optimizer_state = [], {}
    optimizer = model.optimizer
    if optimizer is not None and getattr(optimizer, "_schedule", None) is None:
        # a float learning rate, which a callback (ReduceLROnPlateau) may have changed; Keras
        # saves it with the optimizer's variables
        training_metadata = {**training_metadata, "learning_rate": optimizer.learning_rate}

    def entries():
        yield "metadata.json", lambda: ff.json_bytes(ff.metadata("nerve.weights"))
        yield from _weight_entries(model, manifest)
        if model.optimizer is not None:
            yield from _optimizer_entries(model, optimizer_state)
        yield (
            "weights.json",
            lambda: ff.json_bytes({"weights": manifest, "optimizer": optimizer_state or None}),
        )
        yield "training_metadata.json", lambda: ff.json_bytes(training_metadata)

    ff.write_atomic(filepath, entries(), True)


def load_training_state(model, filepath) -> dict:
    """Restores what save_training_state wrote into `model` (weights, and the optimizer's state
    when the model is compiled) and returns the training metadata. Nothing changes when the
    file is damaged (ModelFileError) or does not fit the model."""
    with ff.Reader(filepath, "nerve.weights") as reader:
        metadata = reader.json("training_metadata.json")
        if not isinstance(metadata, dict) or not isinstance(metadata.get("epoch"), int):
            raise ModelFileError(f"{reader.path} is corrupt: bad training metadata {metadata!r}")
        manifest = reader.json("weights.json")
        state = manifest.get("optimizer") if isinstance(manifest, dict) else None
        before = [np.array(w) for w in model.weights]  # put back if the optimizer part fails
        _read_weights(reader, model)
        if state and model.optimizer is not None:
            try:
                _restore_optimizer(reader, model, state)
            except BaseException:
                for w, a in zip(model.weights, before):
                    np.asarray(w)[...] = a
                raise
        lr = metadata.get("learning_rate")
        optimizer = model.optimizer
        if isinstance(lr, float) and optimizer is not None and optimizer._schedule is None:
            optimizer.learning_rate = lr
    return metadata
