"""Configs kept whole: initializer, regularizer, schedule, loss and metric objects keep their
arguments through get_config and model.save -> load_model. Every public layer class, built with
non-default arguments, goes through get_config -> from_config and save/load in the per-layer
harness (test_layer_harness.py, cases in layer_cases.py)."""

import numpy as np
import pytest

import nerve
from nerve import initializers as I
from nerve import layers as L
from nerve import regularizers as R
from nerve.saving import ModelFileError


@pytest.fixture(autouse=True)
def _seed():
    nerve.utils.set_random_seed(11)


# ---- the objects themselves --------------------------------------------------------------

INITIALIZERS = [
    (I.RandomNormal(stddev=0.5), {"mean": 0.0, "stddev": 0.5}),
    (I.RandomNormal(mean=0.3, stddev=0.2), {"mean": 0.3, "stddev": 0.2}),
    (
        I.VarianceScaling(scale=2, mode="fan_out", distribution="uniform"),
        {"scale": 2.0, "mode": "fan_out", "distribution": "uniform"},
    ),
    (I.Constant(0.3), {"value": 0.3}),
    (I.RandomUniform(minval=-0.4, maxval=0.1), {"minval": -0.4, "maxval": 0.1}),
    (I.TruncatedNormal(stddev=0.7), {"stddev": 0.7}),
    (I.Orthogonal(gain=0.5), {"gain": 0.5}),
]


def _moments(w):
    return float(np.mean(w)), float(np.std(w)), float(np.min(w)), float(np.max(w))


def _expected_moments(init, shape):
    """Mean, std, min, max a large draw of `init` must show (by its formula, not by nerve)."""
    fan_in, fan_out = shape
    if isinstance(init, I.Constant):
        return init.value, 0.0, init.value, init.value
    if isinstance(init, I.VarianceScaling):
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[init.mode]
        limit = np.sqrt(3 * init.scale / fan)
        return 0.0, limit / np.sqrt(3), -limit, limit
    if isinstance(init, I.RandomUniform):
        lo, hi = init.minval, init.maxval
        return (lo + hi) / 2, (hi - lo) / np.sqrt(12), lo, hi
    if isinstance(init, I.TruncatedNormal):  # N(mean, stddev) cut at 2 stddev: std * 0.8796
        return (
            init.mean,
            init.stddev * 0.87962566,
            init.mean - 2 * init.stddev,
            init.mean + 2 * init.stddev,
        )
    if isinstance(init, I.RandomNormal):
        return init.mean, init.stddev, -np.inf, np.inf
    return None


@pytest.mark.parametrize(
    "init,args",
    INITIALIZERS,
    ids=lambda v: type(v).__name__ if isinstance(v, I.Initializer) else "",
)
def test_initializer_survives_save_and_load(init, args, tmp_path):
    shape = (400, 300)
    model = nerve.Sequential(
        [nerve.Input((shape[0],)), L.Dense(shape[1], kernel_initializer=init, name="d")]
    )
    path = tmp_path / "m.nerve"
    model.save(path)
    loaded = nerve.models.load_model(path).get_layer("d").kernel_initializer
    assert type(loaded) is type(init)
    for k, v in args.items():
        assert loaded.get_config()[k] == pytest.approx(v), k
    assert loaded.get_config() == init.get_config()
    # a layer rebuilt from the loaded config draws fresh weights with the saved statistics
    config = nerve.models.load_model(path).get_layer("d").get_config()
    fresh = L.Dense.from_config({**config, "name": "fresh"})
    nerve.Sequential([nerve.Input((shape[0],)), fresh])
    w = fresh.get_weights()[0]
    if isinstance(init, I.Orthogonal):
        np.testing.assert_allclose(w.T @ w, init.gain**2 * np.eye(shape[1]), atol=1e-4)
        return
    mean, std, lo, hi = _expected_moments(init, shape)
    got = _moments(w)
    assert got[0] == pytest.approx(mean, abs=0.01 + 0.01 * std)
    assert got[1] == pytest.approx(std, rel=0.02, abs=1e-7)
    assert got[2] >= lo - 1e-6 and got[3] <= hi + 1e-6


def test_default_initializer_statistics_differ_from_the_saved_ones(tmp_path):
    """The bug this guards against: a RandomNormal(stddev=0.5) loaded back as the default 0.05."""
    model = nerve.Sequential(
        [nerve.Input((200,)), L.Dense(200, kernel_initializer=I.RandomNormal(stddev=0.5), name="d")]
    )
    model.save(tmp_path / "m.nerve")
    config = nerve.models.load_model(tmp_path / "m.nerve").get_layer("d").get_config()
    fresh = L.Dense.from_config({**config, "name": "fresh"})
    nerve.Sequential([nerve.Input((200,)), fresh])
    assert np.std(fresh.get_weights()[0]) == pytest.approx(0.5, rel=0.03)


@pytest.mark.parametrize(
    "reg", [R.L1L2(l1=0.1, l2=0.2), R.L1(0.3), R.L2(0.25)], ids=lambda r: type(r).__name__
)
def test_regularizer_survives_save_and_load(reg, tmp_path):
    model = nerve.Sequential(
        [nerve.Input((4,)), L.Dense(3, kernel_regularizer=reg, activity_regularizer=reg, name="d")]
    )
    model.compile(optimizer="sgd", loss="mse")
    path = tmp_path / "m.nerve"
    model.save(path)
    loaded = nerve.models.load_model(path)
    d = loaded.get_layer("d")
    for got in (d.kernel_regularizer, d.activity_regularizer):
        assert type(got) is type(reg) and got.get_config() == reg.get_config()
        assert (got.l1, got.l2) == (reg.l1, reg.l2)
    x = np.random.default_rng(1).standard_normal((8, 4)).astype(np.float32)
    y = np.zeros((8, 3), np.float32)
    assert loaded.evaluate(x, y, verbose=0) == pytest.approx(
        model.evaluate(x, y, verbose=0), rel=1e-6
    )


def test_schedule_inside_adam_survives_save_and_load(tmp_path):
    schedule = nerve.optimizers.schedules.ExponentialDecay(
        initial_learning_rate=0.05, decay_steps=7, decay_rate=0.5, staircase=True
    )
    model = nerve.Sequential([nerve.Input((4,)), L.Dense(2)])
    model.compile(
        optimizer=nerve.optimizers.Adam(
            learning_rate=schedule, beta_1=0.8, beta_2=0.95, epsilon=1e-5, amsgrad=True
        ),
        loss="mse",
    )
    x = np.random.default_rng(2).standard_normal((32, 4)).astype(np.float32)
    y = np.random.default_rng(3).standard_normal((32, 2)).astype(np.float32)
    model.fit(x, y, batch_size=8, epochs=2, verbose=0)  # 8 steps: past one staircase step
    path = tmp_path / "m.nerve"
    model.save(path)
    loaded = nerve.models.load_model(path)
    opt = loaded.optimizer
    assert type(opt) is nerve.optimizers.Adam
    assert opt.get_config() == model.optimizer.get_config()
    lr = opt.get_config()["learning_rate"]
    assert lr["class_name"] == "ExponentialDecay"
    assert lr["config"] == schedule.get_config()
    assert lr["config"]["decay_steps"] == 7 and lr["config"]["staircase"] is True
    # training continues identically: the schedule and the step count came back
    model.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
    loaded.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_loss_and_metric_objects_keep_their_arguments(tmp_path):
    model = nerve.Sequential([nerve.Input((4,)), L.Dense(3)])
    model.compile(
        optimizer="sgd",
        loss=nerve.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.2),
        metrics=[nerve.metrics.TopKCategoricalAccuracy(k=2, name="top2")],
    )
    model.save(tmp_path / "m.nerve")
    loaded = nerve.models.load_model(tmp_path / "m.nerve")
    assert loaded.loss.get_config() == model.loss.get_config()
    assert loaded.loss.get_config()["label_smoothing"] == pytest.approx(0.2)
    assert loaded.loss.get_config()["from_logits"] is True
    x = np.random.default_rng(4).standard_normal((16, 4)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[np.arange(16) % 3]
    np.testing.assert_allclose(
        loaded.evaluate(x, y, verbose=0), model.evaluate(x, y, verbose=0), rtol=1e-6
    )


# ---- names, dicts, errors -----------------------------------------------------------------


def test_initializer_names_and_dicts_are_both_accepted():
    assert type(I.get("glorot_uniform")) is I.GlorotUniform
    assert type(I.get("GlorotUniform")) is I.GlorotUniform
    d = L.Dense(2, kernel_initializer="he_normal")
    assert d.get_config()["kernel_initializer"] == {
        "class_name": "HeNormal",
        "config": {"seed": None, "input_axes": None, "output_axes": None},
    }
    got = I.get(
        {
            "class_name": "RandomNormal",
            "config": {"mean": 0.0, "stddev": 0.5, "seed": None},
            "module": "keras.initializers",
            "registered_name": None,
        }
    )  # Keras 3's form
    assert type(got) is I.RandomNormal and got.stddev == 0.5
    assert I.serialize(I.Constant(0.3)) == {"class_name": "Constant", "config": {"value": 0.3}}
    assert I.deserialize(I.serialize(I.Constant(0.3))).value == 0.3


def test_unknown_initializer_class_is_an_error_naming_it(tmp_path):
    with pytest.raises(ValueError, match="NotAnInitializer"):
        I.get({"class_name": "NotAnInitializer", "config": {}})
    with pytest.raises(ValueError, match="RandomNormal.*bogus"):
        I.get({"class_name": "RandomNormal", "config": {"bogus": 1}})
    config = L.Dense(2, kernel_initializer=I.RandomNormal(stddev=0.5)).get_config()
    config["kernel_initializer"]["class_name"] = "os.system"
    with pytest.raises(ValueError, match="os.system"):
        L.Dense.from_config(config)
    # in a file: load_model names the class too, and runs nothing
    model = nerve.Sequential([nerve.Input((3,)), L.Dense(2, kernel_initializer=I.Constant(0.3))])
    path = tmp_path / "m.nerve"
    model.save(path)
    import zipfile

    with zipfile.ZipFile(path) as z:
        entries = {n: z.read(n) for n in z.namelist()}
    name = next(n for n in entries if n.endswith("config.json"))
    entries[name] = entries[name].replace(b'"Constant"', b'"EvilInit"')
    bad = tmp_path / "bad.nerve"
    with zipfile.ZipFile(bad, "w") as z:
        for n, data in entries.items():
            z.writestr(n, data)
    with pytest.raises(ModelFileError, match="EvilInit"):
        nerve.models.load_model(bad)


def test_unknown_regularizer_class_is_an_error_naming_it():
    with pytest.raises(ValueError, match="NotARegularizer"):
        R.get({"class_name": "NotARegularizer", "config": {}})
    with pytest.raises(ValueError, match="L1L2.*bogus"):
        R.get({"class_name": "L1L2", "config": {"bogus": 1}})
    assert R.serialize(R.L1L2(l1=0.1, l2=0.2)) == {
        "class_name": "L1L2",
        "config": {"l1": 0.1, "l2": 0.2},
    }
    assert R.deserialize(R.serialize(R.L2(0.3))).l2 == 0.3
    with pytest.raises(ValueError, match="custom_objects"):
        R.deserialize({"class_name": "L2", "config": {}}, custom_objects={"L2": R.L2})
    with pytest.raises(ValueError, match="custom_objects"):
        I.deserialize("zeros", custom_objects={"Zeros": I.Zeros})


def test_configs_match_keras_and_keras_configs_load():
    """The reference: Keras 3's own get_config for the same arguments, and Keras's serialized
    dicts ({"class_name", "config", "module", "registered_name"}) are read by nerve."""
    import os

    os.environ.setdefault("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    KI, KR = keras.initializers, keras.regularizers
    pairs = [
        (I.RandomNormal(stddev=0.5), KI.RandomNormal(stddev=0.5)),
        (
            I.VarianceScaling(scale=2.0, mode="fan_out", distribution="uniform"),
            KI.VarianceScaling(scale=2.0, mode="fan_out", distribution="uniform"),
        ),
        (I.Constant(0.3), KI.Constant(0.3)),
        (I.GlorotUniform(), KI.GlorotUniform()),
        (I.HeNormal(), KI.HeNormal()),
        (I.Orthogonal(gain=0.5), KI.Orthogonal(gain=0.5)),
        (I.RandomUniform(-0.4, 0.1), KI.RandomUniform(-0.4, 0.1)),
        (I.TruncatedNormal(mean=0.1, stddev=0.7), KI.TruncatedNormal(mean=0.1, stddev=0.7)),
        (I.Zeros(), KI.Zeros()),
        (I.Ones(), KI.Ones()),
        (R.L1L2(l1=0.1, l2=0.2), KR.L1L2(l1=0.1, l2=0.2)),
    ]
    for ours, theirs in pairs:
        assert ours.get_config() == theirs.get_config(), type(ours).__name__
        serialized = keras.saving.serialize_keras_object(theirs)
        back = (I if isinstance(ours, I.Initializer) else R).get(serialized)
        assert type(back) is type(ours) and back.get_config() == ours.get_config()
