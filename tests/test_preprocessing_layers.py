"""Rescaling and Normalization against Keras 3 (KERAS_BACKEND=jax) on the same data: outputs,
adapt() statistics (numpy arrays, lists of batches, generators), invert, given statistics, input
gradients by float64 finite differences; weights, summary, save/load (nerve and .keras files both
ways); the "basic regression" tutorial's model trained side by side with Keras from the same
initial weights; and the errors for what the layers cannot take. The shared harness
(layer_cases.py) adds config round trips and its own gradient check."""

import os

import numpy as np
import pytest

import nerve
from nerve import layers as L
from nerve.utils.keras_args import UnsupportedArgumentError

from helpers import numeric_grad


def _keras():
    os.environ.setdefault("KERAS_BACKEND", "jax")
    return pytest.importorskip("keras")


def _forward_and_input_grad(layer, x, g):
    xt = nerve.Tensor(x)
    with nerve.GradientTape() as tape:
        tape.watch(xt)
        y = layer(xt)
        loss = nerve.ops.sum(nerve.ops.mul(y, nerve.Tensor(g)))
    (dx,) = tape.gradient(loss, [xt])
    return np.asarray(y), np.asarray(dx)


def _data(seed, shape, loc=3.0, scale=5.0):
    return np.random.default_rng(seed).normal(loc, scale, size=shape).astype(np.float32)


# ---- Rescaling ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "scale,offset,shape",
    [(1.0 / 255, 0.0, (4, 5, 5, 3)), (1.0 / 127.5, -1.0, (4, 6)), (-2.5, 0.75, (3, 2, 4))],
)
def test_rescaling_matches_keras_forward_and_gradient(scale, offset, shape):
    keras = _keras()
    x = np.random.default_rng(1).uniform(0, 255, size=shape).astype(np.float32)
    g = _data(2, shape)
    expected = np.asarray(keras.layers.Rescaling(scale, offset=offset)(x))
    y, dx = _forward_and_input_grad(L.Rescaling(scale, offset=offset), x, g)
    np.testing.assert_allclose(y, expected, rtol=1e-6, atol=1e-6)
    numeric = numeric_grad(lambda v: float(np.sum(g[:1] * (v * scale + offset))), x[:1].copy())
    np.testing.assert_allclose(dx[:1], numeric, rtol=1e-5, atol=1e-6)


def test_rescaling_in_training_and_inference():
    layer = L.Rescaling(0.5, offset=1.0)
    x = _data(3, (2, 3))
    for training in (True, False):
        np.testing.assert_allclose(
            np.asarray(layer(x, training=training)), x * 0.5 + 1.0, rtol=1e-6
        )


def test_rescaling_per_channel_scale_is_refused():
    with pytest.raises(UnsupportedArgumentError, match="Rescaling.*scale of shape \\(3,\\)"):
        L.Rescaling([1.0, 2.0, 3.0])
    with pytest.raises(UnsupportedArgumentError, match="Rescaling.*offset of shape \\(2,\\)"):
        L.Rescaling(1.0, offset=np.zeros(2))
    assert L.Rescaling(np.float32(0.5), offset=np.array(1.0)).get_config()["scale"] == 0.5


# ---- Normalization: statistics and outputs -----------------------------------------------------
AXES = [(-1, (64, 3)), (None, (64, 3)), (1, (32, 4, 3)), ((1, 2), (32, 4, 3)), (-2, (32, 4, 3))]


@pytest.mark.parametrize("axis,shape", AXES, ids=[str(a) for a, _ in AXES])
@pytest.mark.parametrize("invert", [False, True])
def test_normalization_adapt_matches_keras_and_numpy(axis, shape, invert):
    keras = _keras()
    adapt = _data(5, shape).astype(np.float64)
    x = _data(6, (5, *shape[1:]))
    k = keras.layers.Normalization(axis=axis, invert=invert)
    k.adapt(adapt)
    n = L.Normalization(axis=axis, invert=invert)
    n.adapt(adapt)
    assert [w.shape for w in n.get_weights()] == [w.shape for w in k.get_weights()]
    for nw, kw in zip(n.get_weights(), k.get_weights()):
        np.testing.assert_allclose(nw, kw, rtol=1e-6)
    keep = [a % len(shape) for a in ((axis,) if isinstance(axis, int) else (axis or ()))]
    reduce = tuple(a for a in range(len(shape)) if a not in keep)
    np.testing.assert_allclose(n.get_weights()[0], adapt.mean(axis=reduce), rtol=1e-6)
    np.testing.assert_allclose(n.get_weights()[1], adapt.var(axis=reduce), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(n(x)), np.asarray(k(x)), rtol=1e-6, atol=1e-6)


def test_normalization_adapt_on_batches_gives_numpy_statistics_of_all_rows():
    keras = _keras()
    rng = np.random.default_rng(7)
    # uneven batches far from zero: a naive running formula loses digits here
    batches = [rng.normal(1000.0, 0.5, size=(n, 4)).astype(np.float32) for n in (7, 30, 1, 12)]
    every = np.concatenate(batches).astype(np.float64)
    from_list, from_generator, from_pairs = (L.Normalization() for _ in range(3))
    from_list.adapt(batches)
    from_generator.adapt(b for b in batches)
    from_pairs.adapt([(b, np.zeros(len(b))) for b in batches])  # (x, y) batches, as Keras
    for layer in (from_list, from_generator, from_pairs):
        mean, variance, count = layer.get_weights()
        np.testing.assert_allclose(mean, every.mean(axis=0), rtol=1e-7)
        np.testing.assert_allclose(variance, every.var(axis=0), rtol=1e-5)
        assert count == 0  # as Keras: adapt() leaves it
    # (Keras's own batched adapt needs TensorFlow installed; on the whole array it is numpy's)
    k = keras.layers.Normalization()
    k.adapt(every)
    x = batches[1][:5]
    np.testing.assert_allclose(np.asarray(from_list(x)), np.asarray(k(x)), rtol=1e-4, atol=1e-4)


def test_normalization_with_given_statistics_matches_keras():
    keras = _keras()
    x = _data(8, (4, 3))
    for kwargs in (dict(mean=3.0, variance=2.0), dict(mean=-1.0, variance=0.0, invert=True)):
        k = keras.layers.Normalization(**kwargs)
        n = L.Normalization(**kwargs)
        np.testing.assert_allclose(np.asarray(n(x)), np.asarray(k(x)), rtol=1e-6, atol=1e-6)
        assert n.weights == [] and k.weights == []
        assert n.get_config()["mean"] == k.get_config()["mean"]
    with pytest.raises(ValueError, match="adapt\\(\\) cannot change statistics given"):
        L.Normalization(mean=1.0, variance=1.0).adapt(x)


def test_normalization_before_adapt_is_the_identity_as_keras():
    keras = _keras()
    x = _data(9, (3, 4))
    k, n = keras.layers.Normalization(), L.Normalization()
    np.testing.assert_array_equal(np.asarray(n(x)), np.asarray(k(x)))
    np.testing.assert_array_equal(np.asarray(n(x)), x)
    for nw, kw in zip(n.get_weights(), k.get_weights()):
        np.testing.assert_array_equal(nw, kw)


def test_normalization_zero_variance_uses_keras_epsilon():
    keras = _keras()
    adapt = np.array([[1.0, 2.0], [1.0, 4.0]], np.float32)  # feature 0 is constant
    x = np.array([[1.5, 3.0]], np.float32)
    k, n = keras.layers.Normalization(), L.Normalization()
    k.adapt(adapt)
    n.adapt(adapt)
    np.testing.assert_allclose(np.asarray(n(x)), np.asarray(k(x)), rtol=1e-6)
    assert np.asarray(n(x))[0, 0] == pytest.approx(0.5 / 1e-7, rel=1e-6)


@pytest.mark.parametrize("invert", [False, True])
def test_normalization_input_gradient_by_finite_differences(invert):
    layer = L.Normalization(axis=1, invert=invert)
    layer.adapt(_data(10, (20, 3, 2)))
    mean, variance, _ = (w.astype(np.float64) for w in layer.get_weights())
    std = np.maximum(np.sqrt(variance), 1e-7)[None, :, None]
    mean = mean[None, :, None]
    x, g = _data(11, (2, 3, 2)), _data(12, (2, 3, 2))
    _, dx = _forward_and_input_grad(layer, x, g)

    def f(v):
        return float(np.sum(g * (v * std + mean if invert else (v - mean) / std)))

    np.testing.assert_allclose(dx, numeric_grad(f, x), rtol=1e-5, atol=1e-6)


# ---- weights, summary, saving ------------------------------------------------------------------
def _adapted_model(features=3):
    norm = L.Normalization()
    norm.adapt(_data(13, (50, features)))
    return nerve.Sequential(
        [nerve.Input((features,)), norm, L.Rescaling(0.5, offset=0.25), L.Dense(2)]
    )


def test_weights_are_non_trainable_and_summary_counts_them_as_keras():
    keras = _keras()
    model = _adapted_model()
    norm = model.layers[0]
    assert norm.trainable_weights == [] and len(norm.non_trainable_weights) == 3
    k_model = keras.Sequential(
        [keras.Input((3,)), keras.layers.Normalization(), keras.layers.Rescaling(0.5)]
    )
    assert norm.count_params() == k_model.layers[0].count_params() == 7
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert any("Normalization" in line and "(None, 3)" in line and "7" in line for line in lines), (
        text
    )
    assert any("Rescaling" in line and "(None, 3)" in line for line in lines), text
    assert "Non-trainable params: 7" in text, text


def test_save_and_load_keep_the_statistics(tmp_path):
    model = _adapted_model()
    x = _data(14, (6, 3))
    path = tmp_path / "model.nerve"
    model.save(path)
    loaded = nerve.models.load_model(path)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    for a, b in zip(loaded.layers[0].get_weights(), model.layers[0].get_weights()):
        np.testing.assert_array_equal(a, b)
    assert [lyr.get_config() for lyr in loaded.layers] == [lyr.get_config() for lyr in model.layers]


def test_keras_files_load_both_ways(tmp_path):
    keras = _keras()
    adapt, x = _data(15, (40, 3)), _data(16, (5, 3))
    k_norm = keras.layers.Normalization(axis=-1, invert=False)
    k_norm.adapt(adapt)
    k_model = keras.Sequential(
        [
            keras.Input((3,)),
            k_norm,
            keras.layers.Rescaling(2.0, offset=-1.0),
            keras.layers.Normalization(mean=0.5, variance=4.0, invert=True),
            keras.layers.Dense(2),
        ]
    )
    path = tmp_path / "keras_made.keras"
    k_model.save(path)
    n_model = nerve.models.load_model(path)
    np.testing.assert_allclose(
        n_model.predict(x, verbose=0), k_model.predict(x, verbose=0), rtol=1e-6, atol=1e-6
    )
    back = tmp_path / "nerve_made.keras"
    n_model.save(back)
    k_again = keras.saving.load_model(back)
    np.testing.assert_allclose(
        k_again.predict(x, verbose=0), k_model.predict(x, verbose=0), rtol=1e-6, atol=1e-6
    )


# ---- the "basic regression" tutorial ----------------------------------------------------------
def test_basic_regression_pattern_trains_as_keras():
    """Normalization adapted on the features, Dense 64 relu, Dense 64 relu, Dense 1, mean
    absolute error, Adam(0.001) (the tutorial's model); same initial weights as Keras's."""
    keras = _keras()
    rng = np.random.default_rng(17)
    features = rng.normal([10.0, 200.0, -3.0, 0.5, 70.0], [2.0, 50.0, 1.0, 0.1, 8.0], size=(96, 5))
    features = features.astype(np.float32)
    target = (features @ np.array([1.0, 0.05, -2.0, 8.0, 0.1]) + rng.normal(0, 0.5, 96)).astype(
        np.float32
    )

    def build(lib):
        norm = lib.layers.Normalization(axis=-1)
        norm.adapt(features)
        model = lib.Sequential(
            [
                lib.Input((5,)),
                norm,
                lib.layers.Dense(64, activation="relu"),
                lib.layers.Dense(64, activation="relu"),
                lib.layers.Dense(1),
            ]
        )
        model.compile(optimizer=lib.optimizers.Adam(0.001), loss="mean_absolute_error")
        return model

    k_model, n_model = build(keras), build(nerve)
    n_model.set_weights(k_model.get_weights())
    for nw, kw in zip(n_model.layers[0].get_weights(), k_model.layers[0].get_weights()):
        np.testing.assert_allclose(nw, kw, rtol=1e-6)
    k_hist = k_model.fit(features, target, epochs=3, batch_size=32, shuffle=False, verbose=0)
    n_hist = n_model.fit(features, target, epochs=3, batch_size=32, shuffle=False, verbose=0)
    np.testing.assert_allclose(n_hist.history["loss"], k_hist.history["loss"], rtol=1e-5)
    np.testing.assert_allclose(
        n_model.predict(features[:8], verbose=0),
        k_model.predict(features[:8], verbose=0),
        rtol=1e-4,
        atol=1e-4,
    )
    # the statistics are not trained
    for nw, kw in zip(n_model.layers[0].get_weights(), k_model.layers[0].get_weights()):
        np.testing.assert_allclose(nw, kw, rtol=1e-6)


# ---- errors ------------------------------------------------------------------------------------
def test_wrong_feature_count_is_refused_naming_the_layer():
    model = _adapted_model(features=3)
    with pytest.raises(ValueError, match="shape"):
        model.predict(_data(18, (4, 5)), verbose=0)
    norm = L.Normalization()
    norm.adapt(_data(19, (10, 3)))
    with pytest.raises(ValueError, match="Normalization 'normalization.*\\(None, 3\\).*\\(2, 5\\)"):
        norm(_data(20, (2, 5)))


def test_adapt_on_data_of_the_wrong_shape_is_refused():
    norm = L.Normalization()
    norm.adapt(_data(21, (10, 3)))
    with pytest.raises(ValueError, match="Normalization.*built for inputs of shape \\(None, 3\\)"):
        norm.adapt(_data(22, (10, 4)))
    with pytest.raises(ValueError, match="Normalization.*adapt\\(\\) got data of shape \\(2, 5\\)"):
        norm.adapt([_data(23, (4, 3)), _data(24, (2, 5))])  # a later batch
    with pytest.raises(ValueError, match="Normalization.*no data"):
        L.Normalization().adapt([])
    with pytest.raises(TypeError, match="Normalization.*arrays"):
        L.Normalization().adapt([[1.0, 2.0], [3.0, 4.0]])  # Keras: a list is a list of batches


def test_arguments_nerve_does_not_implement_are_refused_with_the_reason():
    with pytest.raises(UnsupportedArgumentError, match="Normalization.*mean of shape \\(3,\\)"):
        L.Normalization(mean=[1.0, 2.0, 3.0], variance=[1.0, 1.0, 1.0])
    with pytest.raises(UnsupportedArgumentError, match="axis=0 \\(the batch axis\\)"):
        L.Normalization(axis=0).build((None, 3))
    with pytest.raises(ValueError, match="both `mean` and `variance`"):
        L.Normalization(mean=1.0)
    with pytest.raises(ValueError, match="same shape"):
        L.Normalization(mean=1.0, variance=[1.0, 2.0])
    with pytest.raises(ValueError, match="axis.*range"):
        L.Normalization(axis=3).build((None, 3))


def test_mean_and_variance_attributes_are_kerass():
    """layer.mean / layer.variance (what Keras's regression tutorial prints after adapt): the
    statistics shaped to broadcast against the input, None before the layer is built; the
    constructor's numbers are input_mean / input_variance, as in Keras."""
    keras = _keras()
    data = np.random.default_rng(3).normal(size=(20, 3, 4)).astype(np.float32)
    for axis in (-1, None, (1, 2), 1):
        ours, theirs = L.Normalization(axis=axis), keras.layers.Normalization(axis=axis)
        assert ours.mean is None and theirs.mean is None
        ours.adapt(data)
        theirs.adapt(data)
        for name in ("mean", "variance"):
            np.testing.assert_allclose(
                np.asarray(getattr(ours, name)), np.asarray(getattr(theirs, name)), atol=1e-5
            )
    given = L.Normalization(mean=2.0, variance=4.0)
    nerve.Sequential([nerve.Input((3,)), given])
    k_given = keras.layers.Normalization(mean=2.0, variance=4.0)
    k_given.build((None, 3))
    np.testing.assert_array_equal(np.asarray(given.mean), np.asarray(k_given.mean))
    assert given.input_mean == k_given.input_mean == 2.0
    assert given.get_config()["mean"] == 2.0
