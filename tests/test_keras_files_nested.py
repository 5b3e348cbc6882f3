"""Models used as layers inside models, in Keras 3 .keras files, checked against Keras 3 itself
(JAX backend): a Sequential or a functional model inside a functional model (called on several
inputs, called twice: one set of weights), a Sequential inside a Sequential. Each file one library
writes loads in the other with the same predictions (1e-5), laid out as Keras lays it out, and
training continues from it where the optimizer state is saved."""

import io
import json
import os
import zipfile

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")
keras = pytest.importorskip("keras")
h5py = pytest.importorskip("h5py")

import nerve  # noqa: E402

TOL = 1e-5


def _augmented_cnn(lib):
    """Keras's "Image classification from scratch" model, small: a Sequential of augmentation
    layers called first inside the functional model, residual blocks after it."""
    L = lib.layers
    augment = lib.Sequential([L.RandomFlip("horizontal"), L.RandomRotation(0.1)], name="augment")
    inputs = L.Input((8, 8, 3))
    x = augment(inputs)
    x = L.Rescaling(1.0 / 255)(x)
    x = L.Conv2D(4, 3, strides=2, padding="same")(x)
    x = L.BatchNormalization()(x)
    x = L.Activation("relu")(x)
    previous = x
    x = L.SeparableConv2D(6, 3, padding="same")(x)
    x = L.BatchNormalization()(x)
    x = L.MaxPooling2D(3, strides=2, padding="same")(x)
    residual = L.Conv2D(6, 1, strides=2, padding="same")(previous)
    x = L.Add()([x, residual])
    x = L.GlobalAveragePooling2D()(x)
    x = L.Dropout(0.25)(x)
    return lib.Model(inputs, L.Dense(3, activation="softmax")(x))


def _sequential_head(lib):
    """A Sequential with weights (built on its first call) after a functional model's layers."""
    L = lib.layers
    head = lib.Sequential([L.Dense(5, activation="relu"), L.Dense(2)], name="head")
    x = L.Input((4,))
    return lib.Model(x, head(L.Dense(3)(x)))


def _shared_functional(lib):
    """A functional model of two inputs and two outputs, called twice (shared weights), one call
    reading the other's output through a Sequential."""
    L = lib.layers
    a, b = L.Input((3,), name="a"), L.Input((3,), name="b")
    inner = lib.Model([a, b], [L.Dense(2)(a), L.Add()([a, b])], name="pair")
    block = lib.Sequential([L.Input((3,)), L.Dense(3, activation="tanh")], name="block")
    x, y = L.Input((3,), name="x"), L.Input((3,), name="y")
    first, summed = inner([x, y])
    second, again = inner([y, block(summed)])
    return lib.Model([x, y], [L.Concatenate()([first, second, again]), summed])


def _sequential_in_sequential(lib):
    L = lib.layers
    block = lib.Sequential([L.Dense(4, activation="relu"), L.Dense(4)], name="block")
    return lib.Sequential([L.Input((3,)), block, L.Dense(2)])


def _functional_in_sequential(lib):
    L = lib.layers
    x = L.Input((3,))
    inner = lib.Model(x, L.Dense(4, activation="relu")(x), name="features")
    return lib.Sequential([L.Input((3,)), inner, L.Dense(2)])


def _two_levels(lib):
    """A Sequential inside a functional model inside a functional model."""
    L = lib.layers
    block = lib.Sequential([L.Dense(3), L.LayerNormalization()], name="block")
    x = L.Input((5,))
    inner = lib.Model(x, L.Dense(2)(block(x)), name="inner")
    z = L.Input((5,))
    return lib.Model(z, L.Add()([inner(z), L.Dense(2)(z)]))


def _frozen_base(lib):
    """Transfer learning: a frozen base_model called with training=False (the call's training
    mode and the frozen flags are saved; the optimizer holds slots for the head only)."""
    L = lib.layers
    base = lib.Sequential([L.Input((4,)), L.Dense(3), L.BatchNormalization()], name="base")
    base.trainable = False
    x = L.Input((4,))
    return lib.Model(x, L.Dense(2)(base(x, training=False)))


def _unused_output(lib):
    """A nested model called twice, one of its outputs (and the layer making it) read by
    neither call: Keras keeps the whole calls."""
    L = lib.layers
    a, b = L.Input((3,)), L.Input((2,))
    inner = lib.Model([a, b], [L.Dense(2)(L.Concatenate()([a, b])), L.Dense(4)(b)], name="pair")
    x, y = L.Input((3,)), L.Input((2,))
    first, _ = inner([x, y])
    second, _ = inner([L.Dense(3)(x), y])
    return lib.Model([x, y], L.Add()([first, second]))


MODELS = {
    "augmented_cnn": (_augmented_cnn, [(8, 8, 3)]),
    "sequential_head": (_sequential_head, [(4,)]),
    "shared_functional": (_shared_functional, [(3,), (3,)]),
    "sequential_in_sequential": (_sequential_in_sequential, [(3,)]),
    "functional_in_sequential": (_functional_in_sequential, [(3,)]),
    "two_levels": (_two_levels, [(5,)]),
    "frozen_base": (_frozen_base, [(4,)]),
    "unused_output": (_unused_output, [(3,), (2,)]),
}


def _build(lib, kind):
    return MODELS[kind][0](lib)


def _inputs(kind, seed):
    rng = np.random.default_rng(seed)
    xs = [rng.uniform(0, 255, (4, *s)).astype(np.float32) for s in MODELS[kind][1]]
    return xs[0] if len(xs) == 1 else xs


def _randomize(model, seed):
    """Weights far from their initial values (variances, 1-D, stay positive)."""
    rng = np.random.default_rng(seed)

    def value(w):
        low, high = (0.5, 1.5) if w.ndim == 1 else (-0.5, 0.5)
        return rng.uniform(low, high, w.shape).astype(np.float32)

    model.set_weights([value(np.asarray(w)) for w in model.get_weights()])


def _as_list(y):
    return [np.asarray(t) for t in y] if isinstance(y, (list, tuple)) else [np.asarray(y)]


def _assert_same(got, want):
    got, want = _as_list(got), _as_list(want)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=TOL, atol=TOL)


def _predict(model, x):
    return _as_list(model.predict(x, verbose=0))


def _frozen(model):
    """Which weights train, layer by layer (Keras's from_config leaves a nested Sequential's own
    flag at True and its layers' at False, so the flags of the models themselves are not
    compared)."""
    layers = model.layers
    return [[tuple(w.shape) for w in l.trainable_weights] for l in layers], [
        len(l.non_trainable_weights) for l in layers
    ]


@pytest.mark.parametrize("kind", MODELS)
def test_keras_file_loads_in_nerve(kind, tmp_path):
    k = _build(keras, kind)
    _randomize(k, seed=0)
    path = str(tmp_path / "m.keras")
    k.save(path)
    model = nerve.models.load_model(path)
    assert [type(l).__name__ for l in model.layers] == [type(l).__name__ for l in k.layers]
    assert _frozen(model) == _frozen(k)
    _assert_same(model.get_weights(), k.get_weights())
    x = _inputs(kind, 1)
    _assert_same(_predict(model, x), _predict(k, x))


@pytest.mark.parametrize("kind", MODELS)
def test_nerve_file_loads_in_keras(kind, tmp_path):
    model = _build(nerve, kind)
    _randomize(model, seed=2)
    path = str(tmp_path / "m.keras")
    model.save(path)
    k = keras.saving.load_model(path)
    assert [type(l).__name__ for l in k.layers] == [type(l).__name__ for l in model.layers]
    assert _frozen(k) == _frozen(model)
    _assert_same(k.get_weights(), model.get_weights())  # every weight reached its place
    x = _inputs(kind, 3)
    _assert_same(_predict(k, x), _predict(model, x))
    # and back into nerve: the same file is one nerve reads as well
    _assert_same(_predict(nerve.models.load_model(path), x), _predict(model, x))


def _h5_layout(path) -> list:
    """[(HDF5 path, dataset shape or None)] of the archive's model.weights.h5."""
    with zipfile.ZipFile(path) as z:
        data = z.read("model.weights.h5")
    out = []
    with h5py.File(io.BytesIO(data), "r") as h5:
        h5.visititems(lambda name, obj: out.append((name, getattr(obj, "shape", None))))
    return out


def _unset(value) -> bool:
    return value is None or (isinstance(value, list) and all(_unset(v) for v in value))


def _ignored(key, value) -> bool:
    """Call arguments no reader uses: those left at None (Keras writes mask=None for the layers
    that take a mask) and a plain layer's training mode (Keras writes Dropout's default False;
    a model's forced mode is checked by test_a_recorded_training_mode_is_keras_3s)."""
    return _unset(value) or key == "training"


def _config_outline(path):
    """config.json with every name replaced by the position of its layer in its model's layer
    list (names are made up afresh by each library) and the call arguments no reader uses
    dropped, Keras's bookkeeping of the nested entries kept: what must be the same in both
    libraries' files."""
    with zipfile.ZipFile(path) as z:
        config = json.loads(z.read("config.json"))

    def outline(entry):
        c = entry["config"]
        layers = c.get("layers")
        if layers is None:
            return entry["class_name"]
        where = {e.get("name") or e["config"]["name"]: i for i, e in enumerate(layers)}

        def history(value):
            if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
                name, node, index = value["config"]["keras_history"]
                return [where[name], node, index]
            if isinstance(value, list):
                if len(value) == 3 and isinstance(value[0], str):  # input / output layers
                    return [where[value[0]], *value[1:]]
                return [history(v) for v in value]
            if isinstance(value, dict):
                return {k: history(v) for k, v in value.items() if not _ignored(k, v)}
            return value

        return {
            "module": entry.get("module"),
            "class_name": entry["class_name"],
            "registered_name": entry.get("registered_name"),
            "build_config": entry.get("build_config"),
            "layers": [outline(e) for e in layers],
            "inbound_nodes": [history(e.get("inbound_nodes")) for e in layers],
            "input_layers": history(c.get("input_layers")),
            "output_layers": history(c.get("output_layers")),
        }

    return outline(config)


@pytest.mark.parametrize("kind", MODELS)
def test_file_is_laid_out_as_keras_lays_it_out(kind, tmp_path):
    """The same architecture saved by Keras and by nerve: the same HDF5 groups and datasets,
    and the same config.json but for the names."""
    keras_path, nerve_path = str(tmp_path / "k.keras"), str(tmp_path / "n.keras")
    _build(keras, kind).save(keras_path)
    _build(nerve, kind).save(nerve_path)
    assert _h5_layout(nerve_path) == _h5_layout(keras_path)
    assert _config_outline(nerve_path) == _config_outline(keras_path)


def test_a_recorded_training_mode_is_keras_3s(tmp_path):
    """base(x, training=False) is written as Keras writes it; read back, the mode is Keras 3's:
    the run's own whenever the model runs with one (fit, evaluate, predict), so a Keras model
    whose Dropout recorded its default training=False trains in nerve."""
    model = _build(nerve, "frozen_base")
    path = str(tmp_path / "m.keras")
    model.save(path)
    base = keras.saving.load_model(path).get_layer("base")
    assert base._inbound_nodes[0].arguments.kwargs.get("training") is False
    k = _build(keras, "frozen_base")
    k.get_layer("base").trainable = True  # (a frozen BatchNormalization ignores the mode)
    _randomize(k, seed=9)
    k.save(path)
    loaded = nerve.models.load_model(path)
    assert all(n.training is None for n in loaded._graph.nodes)
    x = _inputs("frozen_base", 10)  # batch statistics in training mode, in both
    _assert_same(loaded(x, training=True), k(x, training=True))
    L = keras.layers
    inputs = keras.Input((4,))
    k = keras.Model(inputs, L.Dense(1)(L.Dropout(0.5)(L.Dense(3)(inputs))))
    k.compile("sgd", "mse")
    k.save(path)
    loaded = nerve.models.load_model(path)
    loaded.fit(x, np.ones((4, 1), np.float32), epochs=1, verbose=0)


# (unused_output: the C++ graph orders the trainable weights otherwise than Keras, and leaves
# out those of the layer no output needs, whose optimizer slots Keras keeps)
TRAINED = ["shared_functional", "sequential_in_sequential", "two_levels", "frozen_base"]
TRAINED.append("unused_output")


def _compiled(lib, kind):
    model = _build(lib, kind)
    _randomize(model, seed=4)
    loss = ["mse", "mae"] if kind == "shared_functional" else "mse"
    model.compile(optimizer=lib.optimizers.Adam(0.01), loss=loss)
    return model


def _data(kind):
    rng = np.random.default_rng(5)
    x = [rng.normal(size=(8, *s)).astype(np.float32) for s in MODELS[kind][1]]
    outputs = _predict(_build(nerve, kind), x)
    y = [rng.normal(size=o.shape).astype(np.float32) for o in outputs]
    return (x[0] if len(x) == 1 else x), (y[0] if len(y) == 1 else y)


def _one_step(model, x, y):
    model.train_on_batch(x, y)
    return [np.asarray(w) for w in model.get_weights()]


@pytest.mark.parametrize("kind", TRAINED)
@pytest.mark.parametrize("writer", ["keras", "nerve"])
def test_training_continues_in_the_other_library(writer, kind, tmp_path):
    """One library trains a step and saves; the other loads the file (Adam's state included)
    and its next step is the first one's next step."""
    libs = {"keras": keras, "nerve": nerve}
    reader = "nerve" if writer == "keras" else "keras"
    first = _compiled(libs[writer], kind)
    x, y = _data(kind)
    first.train_on_batch(x, y)
    path = str(tmp_path / "m.keras")
    first.save(path)
    load = nerve.models.load_model if reader == "nerve" else keras.saving.load_model
    second = load(path)
    assert int(np.asarray(second.optimizer.iterations)) == 1
    _assert_same(_one_step(second, x, y), _one_step(first, x, y))


def test_weights_files_and_json_go_both_ways(tmp_path):
    """save_weights / load_weights of "w.weights.h5" and to_json / model_from_json of a model
    with a model called twice inside."""
    x = _inputs("shared_functional", 11)
    k, model = _build(keras, "shared_functional"), _build(nerve, "shared_functional")
    _randomize(k, seed=12)
    k.save_weights(tmp_path / "k.weights.h5")
    model.load_weights(tmp_path / "k.weights.h5")
    _assert_same(_predict(model, x), _predict(k, x))
    _randomize(model, seed=13)
    model.save_weights(tmp_path / "n.weights.h5")
    k.load_weights(tmp_path / "n.weights.h5")
    _assert_same(_predict(k, x), _predict(model, x))
    from_nerve = keras.models.model_from_json(model.to_json())
    from_keras = nerve.models.model_from_json(k.to_json())
    for rebuilt in (from_nerve, from_keras):
        assert [type(l).__name__ for l in rebuilt.layers] == [type(l).__name__ for l in k.layers]
    from_keras.set_weights(k.get_weights())
    _assert_same(_predict(from_keras, x), _predict(k, x))


def test_model_checkpoint_of_the_augmented_cnn(tmp_path):
    """The tutorial's ModelCheckpoint("save_at_{epoch}.keras") while fitting a model with an
    augmentation Sequential inside: each epoch's file loads (in nerve and in Keras) with the
    model's predictions, weights and optimizer state, and training resumes from it."""
    model = _build(nerve, "augmented_cnn")
    model.compile(optimizer=nerve.optimizers.Adam(1e-3), loss="categorical_crossentropy")
    rng = np.random.default_rng(6)
    x = rng.uniform(0, 255, (16, 8, 8, 3)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 16)]
    checkpoint = nerve.callbacks.ModelCheckpoint(str(tmp_path / "save_at_{epoch}.keras"))
    model.fit(x, y, epochs=2, batch_size=8, callbacks=[checkpoint], verbose=0)
    assert sorted(os.listdir(tmp_path)) == ["save_at_1.keras", "save_at_2.keras"]
    path = str(tmp_path / "save_at_2.keras")
    loaded = nerve.models.load_model(path)
    _assert_same(_predict(loaded, x), _predict(model, x))
    assert int(loaded.optimizer._core.iterations) == int(model.optimizer._core.iterations) == 4
    slots = [
        [np.asarray(s) for w in m.trainable_weights for s in m.optimizer._core.slots(w)]
        for m in (loaded, model)
    ]
    _assert_same(*slots)
    loaded.fit(x, y, epochs=1, batch_size=8, verbose=0)
    assert int(loaded.optimizer._core.iterations) == 6
    assert np.isfinite(loaded.evaluate(x, y, verbose=0))
    k = keras.saving.load_model(path)
    _assert_same(_predict(k, x), _predict(model, x))
    assert int(np.asarray(k.optimizer.iterations)) == 4
    k.fit(x, y, epochs=1, batch_size=8, verbose=0)


def test_a_subclassed_model_inside_is_named(tmp_path):
    class Twice(nerve.Model):
        def __init__(self):
            super().__init__(name="twice")
            self.dense = nerve.layers.Dense(3)

        def call(self, x):
            return self.dense(self.dense(x))

    x = nerve.layers.Input((3,))
    model = nerve.Model(x, nerve.layers.Dense(1)(Twice()(x)))
    with pytest.raises(ValueError, match="'twice' is a subclassed model"):
        model.save(str(tmp_path / "m.keras"))
    assert not os.path.exists(tmp_path / "m.keras")


def test_a_layer_called_inside_and_outside_a_nested_model_is_named(tmp_path):
    L = nerve.layers
    shared = L.Dense(3, name="shared")
    a = L.Input((3,))
    inner = nerve.Model(a, L.Dense(3)(shared(a)), name="inner")
    x = L.Input((3,))
    model = nerve.Model(x, L.Add()([shared(x), inner(x)]))
    with pytest.raises(ValueError, match="'shared' is called both inside a model nested"):
        model.save(str(tmp_path / "m.keras"))


def test_a_frozen_functional_base_stays_frozen(tmp_path):
    """Keras's functional_from_config keeps a functional model's trainable flag (an application
    model used as a frozen base); nerve reads it too."""
    L = keras.layers
    x = keras.Input((3,))
    base = keras.Model(x, L.Dense(2)(x), name="base")
    base.trainable = False
    z = keras.Input((3,))
    k = keras.Model(z, L.Dense(1)(base(z)))
    path = str(tmp_path / "m.keras")
    k.save(path)
    assert keras.saving.load_model(path).get_layer("base").trainable is False
    model = nerve.models.load_model(path)
    assert model.get_layer("base").trainable is False
    assert _frozen(model) == _frozen(k)
    model.save(path)
    assert keras.saving.load_model(path).get_layer("base").trainable is False


def test_a_custom_model_class_inside_is_named(tmp_path):
    """A nested model of a class registered by user code (a Sequential subclass with its own
    call) is refused by name, not read as a plain Sequential."""
    k = _build(keras, "sequential_head")
    path, edited = str(tmp_path / "m.keras"), str(tmp_path / "custom.keras")
    k.save(path)
    with zipfile.ZipFile(path) as z, zipfile.ZipFile(edited, "w") as out:
        for name in z.namelist():
            data = z.read(name)
            if name == "config.json":
                config = json.loads(data)
                head = next(e for e in config["config"]["layers"] if e["name"] == "head")
                head.update(module="my_package", registered_name="my_package>Sequential")
                data = json.dumps(config).encode()
            out.writestr(name, data)
    with pytest.raises(nerve.ModelFileError, match="'head' of custom class 'my_package>Sequ"):
        nerve.models.load_model(edited)
    nerve.models.load_model(path)  # the file as Keras wrote it loads
