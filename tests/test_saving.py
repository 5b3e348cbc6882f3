"""model.save / nerve.models.load_model / save_weights / load_weights: round trips, exact
resumption of training, custom objects, damaged files, atomic writes, get_config/from_config."""

import io
import json
import os
import zipfile

import numpy as np
import pytest

import nerve
from nerve import layers as L
from nerve.saving import ModelFileError
from nerve.saving.file_format import FORMAT_VERSION


@pytest.fixture(autouse=True)
def _seed():
    nerve.utils.set_random_seed(5)


def _data(n=64, d=6, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d)).astype(np.float32)
    return x, np.argmax(x[:, :classes], axis=1)


def _residual_model():
    inp = nerve.Input((6,), name="features")
    h = L.Dense(8, activation="relu")(inp)
    h = L.Add()([h, L.Dense(8)(h)])
    return nerve.Model(inp, L.Dense(3, activation="softmax")(h))


def _compiled(model, opt=None):
    model.compile(
        optimizer=opt or nerve.optimizers.Adam(0.01),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


# ---- round trips --------------------------------------------------------------------------


def test_sequential_round_trip(tmp_path):
    x, y = _data()
    model = _compiled(
        nerve.Sequential(
            [nerve.Input((6,)), L.Dense(5, activation="tanh"), L.Dense(3, activation="softmax")]
        )
    )
    model.fit(x, y, epochs=2, verbose=0)
    path = tmp_path / "seq.nerve"
    model.save(path)
    loaded = nerve.models.load_model(path)
    assert isinstance(loaded, nerve.Sequential)
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    assert [l.get_config() for l in loaded.layers] == [l.get_config() for l in model.layers]
    assert loaded.evaluate(x, y, verbose=0) == model.evaluate(x, y, verbose=0)


def test_functional_multi_io_shared_round_trip(tmp_path):
    a, b = nerve.Input((4,), name="a"), nerve.Input((4,), name="b")
    shared = L.Dense(3, name="shared")
    cat = L.Concatenate(name="cat")([shared(a), shared(b)])
    model = nerve.Model(
        [a, b],
        [
            L.Dense(2, name="out1")(cat),
            L.Dense(1, name="out2")(L.Subtract()([shared(a), shared(b)])),
        ],
    )
    model.compile(
        optimizer="sgd",
        loss={"out1": "mse", "out2": "mae"},
        loss_weights={"out1": 2.0, "out2": 1.0},
    )
    rng = np.random.default_rng(1)
    xs = [rng.standard_normal((10, 4)).astype(np.float32) for _ in range(2)]
    ys = [
        rng.standard_normal((10, 2)).astype(np.float32),
        rng.standard_normal((10, 1)).astype(np.float32),
    ]
    model.fit(xs, ys, epochs=2, verbose=0)
    model.save(tmp_path / "f.nerve")
    loaded = nerve.models.load_model(tmp_path / "f.nerve")
    for p, q in zip(loaded.predict(xs), model.predict(xs)):
        np.testing.assert_array_equal(p, q)
    assert loaded.output_names == ["out1", "out2"]
    assert len(loaded.trainable_weights) == len(model.trainable_weights)
    assert loaded.evaluate(xs, ys, verbose=0) == model.evaluate(xs, ys, verbose=0)


@pytest.mark.parametrize("opt", ["adam", "sgd_momentum"])
def test_resume_training_is_bit_exact(tmp_path, opt):
    x, y = _data(96)

    def optimizer():
        return (
            nerve.optimizers.Adam(0.01)
            if opt == "adam"
            else nerve.optimizers.SGD(0.05, momentum=0.9, nesterov=True)
        )

    nerve.utils.set_random_seed(21)
    straight = _compiled(_residual_model(), optimizer())
    straight.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0)

    nerve.utils.set_random_seed(21)
    first = _compiled(_residual_model(), optimizer())
    first.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    first.save(tmp_path / "ckpt.nerve")
    resumed = nerve.models.load_model(tmp_path / "ckpt.nerve")
    assert resumed.optimizer.iterations == first.optimizer.iterations == 12
    resumed.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_load_without_compile(tmp_path):
    model = _compiled(_residual_model())
    model.save(tmp_path / "m.nerve")
    loaded = nerve.models.load_model(tmp_path / "m.nerve", compile=False)
    assert loaded.optimizer is None
    x, _ = _data(4)
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))


def test_save_weights_and_load_weights(tmp_path):
    x, _ = _data(8)
    src = _residual_model()
    src.save_weights(tmp_path / "w.weights.nerve")
    dst = _residual_model()
    assert not np.array_equal(dst.predict(x), src.predict(x))
    dst.load_weights(tmp_path / "w.weights.nerve")
    np.testing.assert_array_equal(dst.predict(x), src.predict(x))
    # A different architecture is refused and nothing changes.
    other = nerve.Sequential([nerve.Input((6,)), L.Dense(8), L.Dense(8), L.Dense(4)])
    before = other.get_weights()
    with pytest.raises(ModelFileError, match="shape"):
        other.load_weights(tmp_path / "w.weights.nerve")
    for a, b in zip(before, other.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ModelFileError, match="only weights"):
        nerve.models.load_model(tmp_path / "w.weights.nerve")


# ---- custom objects -----------------------------------------------------------------------


class ScaledDense(L.Dense):
    """A custom layer: a Dense whose output is scaled by a constant."""

    def __init__(self, units, factor=2.0, **kwargs):
        super().__init__(units, **kwargs)
        self.factor = factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


class TinyNet(nerve.Model):
    def __init__(self, width=4, **kwargs):
        super().__init__(**kwargs)
        self.a, self.b = L.Dense(width, activation="relu"), L.Dense(2)

    def call(self, x):
        return self.b(self.a(x))


def test_custom_layer_needs_custom_objects(tmp_path):
    inp = nerve.Input((3,))
    model = nerve.Model(inp, ScaledDense(2, factor=3.0)(inp))
    model.save(tmp_path / "c.nerve")
    with pytest.raises(ModelFileError, match=r"Unknown layer class 'ScaledDense'.*custom_objects"):
        nerve.models.load_model(tmp_path / "c.nerve")
    loaded = nerve.models.load_model(
        tmp_path / "c.nerve", custom_objects={"ScaledDense": ScaledDense}
    )
    layer = loaded.layers[-1]
    assert isinstance(layer, ScaledDense) and layer.factor == 3.0
    x = np.ones((2, 3), np.float32)
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))


def test_registered_custom_layer_loads_without_custom_objects(tmp_path):
    @nerve.saving.register_keras_serializable(package="tests")
    class Registered(L.Dense):
        pass

    inp = nerve.Input((3,))
    nerve.Model(inp, Registered(2)(inp)).save(tmp_path / "r.nerve")
    config = json.loads(zipfile.ZipFile(tmp_path / "r.nerve").read("config.json"))
    assert config["config"]["layers"][1]["class_name"] == "tests>Registered"
    assert isinstance(nerve.models.load_model(tmp_path / "r.nerve").layers[-1], Registered)


def test_subclassed_model_round_trip_and_resume(tmp_path):
    x, y = _data(48, d=5, classes=2)
    model = TinyNet(width=6)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    model.save(tmp_path / "s.nerve")
    with pytest.raises(ModelFileError, match="custom_objects"):
        nerve.models.load_model(tmp_path / "s.nerve")
    loaded = nerve.models.load_model(tmp_path / "s.nerve", custom_objects={"TinyNet": TinyNet})
    assert isinstance(loaded, TinyNet) and loaded.a.units == 6
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    model.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    loaded.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)


# ---- damaged files ------------------------------------------------------------------------


@pytest.fixture
def saved(tmp_path):
    model = _compiled(_residual_model())
    model.fit(*_data(32), epochs=1, verbose=0)
    path = tmp_path / "good.nerve"
    model.save(path)
    return path


def _rewrite(src, dst, change):
    """Copies the zip at src to dst, passing each (name, bytes) through change()."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            item = change(info.filename, zin.read(info.filename))
            if item is not None:
                zout.writestr(item[0], item[1])


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9, 0.999])
def test_truncated_file_is_a_clear_error(saved, tmp_path, keep):
    data = saved.read_bytes()
    bad = tmp_path / "truncated.nerve"
    bad.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(ModelFileError, match="truncated|corrupt|not a nerve file"):
        nerve.models.load_model(bad)


def test_corrupted_bytes_are_a_clear_error(saved, tmp_path):
    data = bytearray(saved.read_bytes())
    with zipfile.ZipFile(saved) as z:
        info = z.getinfo("weights/00000.npy")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 200
    data[start : start + 8] = b"\xff" * 8  # flip bytes inside a weight array
    bad = tmp_path / "corrupt.nerve"
    bad.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="corrupt"):
        nerve.models.load_model(bad)


def test_wrong_version_is_a_clear_error(saved, tmp_path):
    def bump(name, raw):
        if name == "metadata.json":
            meta = json.loads(raw)
            meta["format_version"] = 99
            meta["nerve_version"] = "9.9.9"
            raw = json.dumps(meta).encode()
        return name, raw

    bad = tmp_path / "future.nerve"
    _rewrite(saved, bad, bump)
    with pytest.raises(ModelFileError) as info:
        nerve.models.load_model(bad)
    message = str(info.value)
    assert "has format version 99, written by nerve 9.9.9" in message, message
    assert f"reads versions 1 to {FORMAT_VERSION}" in message, message
    assert "needs a nerve that reads format version 99 (nerve 9.9.9 or newer)" in message, message


@pytest.mark.parametrize("version", [0, -3, "2", 1.0, True, None])
def test_an_invalid_version_field_is_corrupt(saved, tmp_path, version):
    def replace(name, raw):
        if name == "metadata.json":
            meta = json.loads(raw)
            meta["format_version"] = version
            raw = json.dumps(meta).encode()
        return name, raw

    bad = tmp_path / "invalid.nerve"
    _rewrite(saved, bad, replace)
    with pytest.raises(ModelFileError, match="corrupt: metadata.json's format_version must be"):
        nerve.models.load_model(bad)


def test_not_a_nerve_file(tmp_path):
    junk = tmp_path / "junk.nerve"
    junk.write_bytes(b"definitely not a model" * 10)
    with pytest.raises(ModelFileError, match="not a nerve file"):
        nerve.models.load_model(junk)
    other_zip = tmp_path / "other.nerve"
    with zipfile.ZipFile(other_zip, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(ModelFileError, match="metadata.json"):
        nerve.models.load_model(other_zip)
    with pytest.raises(FileNotFoundError):
        nerve.models.load_model(tmp_path / "missing.nerve")


def test_loader_never_unpickles_or_imports(saved, tmp_path):
    def pickled(name, raw):
        if name == "weights/00000.npy":
            buf = io.BytesIO()
            np.save(buf, np.array([{"evil": 1}], dtype=object), allow_pickle=True)
            raw = buf.getvalue()
        return name, raw

    bad = tmp_path / "pickle.nerve"
    _rewrite(saved, bad, pickled)
    with pytest.raises(ModelFileError, match="cannot be read"):
        nerve.models.load_model(bad)

    def foreign_class(name, raw):
        if name == "config.json":
            config = json.loads(raw)
            config["config"]["layers"][1]["class_name"] = "os.system"
            raw = json.dumps(config).encode()
        return name, raw

    bad = tmp_path / "class.nerve"
    _rewrite(saved, bad, foreign_class)
    with pytest.raises(ModelFileError, match="Unknown layer class 'os.system'"):
        nerve.models.load_model(bad)


def test_missing_entry_and_bad_json(saved, tmp_path):
    bad = tmp_path / "missing.nerve"
    _rewrite(saved, bad, lambda n, r: None if n == "weights/00001.npy" else (n, r))
    with pytest.raises(ModelFileError, match="incomplete.*weights/00001.npy"):
        nerve.models.load_model(bad)
    bad = tmp_path / "json.nerve"
    _rewrite(saved, bad, lambda n, r: (n, r[:-5]) if n == "config.json" else (n, r))
    with pytest.raises(ModelFileError, match="not valid JSON"):
        nerve.models.load_model(bad)


# ---- atomic writes ------------------------------------------------------------------------


def test_failed_save_leaves_the_old_file_intact(saved, monkeypatch):
    from nerve.saving import file_format

    x, _ = _data(4)
    original = nerve.models.load_model(saved).predict(x)
    model = _compiled(_residual_model())  # different weights
    calls = {"n": 0}
    real = file_format.array_bytes

    def failing(a):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full (simulated)")
        return real(a)

    monkeypatch.setattr(file_format, "array_bytes", failing)
    with pytest.raises(OSError, match="disk full"):
        model.save(saved)
    monkeypatch.undo()
    assert calls["n"] == 3  # the failure happened in the middle of writing
    np.testing.assert_array_equal(nerve.models.load_model(saved).predict(x), original)
    assert os.listdir(saved.parent) == [saved.name]  # no temporary file left behind


def test_overwrite_false(saved):
    with pytest.raises(FileExistsError):
        _residual_model().save(saved, overwrite=False)


# ---- get_config / from_config on every layer -------------------------------------------------


def _instances():
    return [
        L.Dense(3, activation="relu", use_bias=False, name="d"),
        L.Activation("tanh"),
        L.Add(),
        L.Subtract(),
        L.Multiply(),
        L.Average(),
        L.Concatenate(axis=1),
        L.InputLayer(shape=(4, 2), name="inp"),
    ]


@pytest.mark.parametrize("layer", _instances(), ids=lambda l: type(l).__name__)
def test_get_config_from_config_round_trip(layer):
    config = layer.get_config()
    json.dumps(config)  # JSON-serialisable
    clone = type(layer).from_config(config)
    assert type(clone) is type(layer) and clone.get_config() == config


# Every public layer class with non-default arguments (initializers and regularizers with their
# factors included), through get_config/from_config and save/load: test_layer_harness.py.
