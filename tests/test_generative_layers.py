"""The layers generative models use besides Conv2DTranspose (test_conv2d_transpose.py):
UpSampling2D against PyTorch's F.interpolate (nearest, and bilinear with align_corners=False) and
Keras 3 on a grid of shapes and factors, forward and gradient; Cropping2D and RepeatVector against
Keras 3; GaussianNoise and GaussianDropout in training (moments, fresh and seeded noise, gradient)
and inference (identity); ActivityRegularization's penalty against Keras 3; summary, save/load and
errors. The shared harness (layer_cases.py) adds float64 finite differences and config round trips."""

import itertools
import os

import numpy as np
import pytest

import nerve
from layer_cases import upsample_bilinear
from nerve import layers as L

from helpers import numeric_grad


def _keras():
    os.environ.setdefault("KERAS_BACKEND", "jax")
    return pytest.importorskip("keras")


def _forward_and_input_grad(layer, x, g, training=False):
    xt = nerve.Tensor(x)
    with nerve.GradientTape() as tape:
        tape.watch(xt)
        y = layer(xt, training=training)
        loss = nerve.ops.sum(nerve.ops.mul(y, nerve.Tensor(g)))
    (dx,) = tape.gradient(loss, [xt])
    return np.asarray(y), np.asarray(dx)


UPSAMPLING_GRID = list(
    itertools.product(
        [(1, 1), (2, 3), (5, 4)], [(1, 1), (2, 2), (3, 1), (2, 4)], ["nearest", "bilinear"]
    )
)


@pytest.mark.parametrize("hw,size,interpolation", UPSAMPLING_GRID)
def test_up_sampling2d_matches_torch_forward_and_gradient(hw, size, interpolation):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(hw[0] * 100 + size[0] * 10 + size[1])
    x = rng.standard_normal((2, *hw, 3)).astype(np.float32)
    X = torch.tensor(x).permute(0, 3, 1, 2).requires_grad_()
    kwargs = {"align_corners": False} if interpolation == "bilinear" else {}
    Y = F.interpolate(X, scale_factor=size, mode=interpolation, **kwargs)
    G = rng.standard_normal(tuple(Y.permute(0, 2, 3, 1).shape)).astype(np.float32)
    Y.backward(torch.tensor(G).permute(0, 3, 1, 2))
    y, dx = _forward_and_input_grad(L.UpSampling2D(size, interpolation=interpolation), x, G)
    np.testing.assert_allclose(y, Y.detach().permute(0, 2, 3, 1).numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(dx, X.grad.permute(0, 2, 3, 1).numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
@pytest.mark.parametrize("size", [(2, 2), (3, 1), (1, 4)])
def test_up_sampling2d_matches_keras(size, interpolation):
    keras = _keras()
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 4)).astype(np.float32)
    k = np.asarray(keras.layers.UpSampling2D(size, interpolation=interpolation)(x))
    model = nerve.Sequential(
        [nerve.Input((3, 5, 4)), L.UpSampling2D(size, interpolation=interpolation)]
    )
    np.testing.assert_allclose(model.predict(x, verbose=0), k, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
def test_up_sampling2d_gradient_matches_float64_finite_differences(interpolation):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 3, 2, 2))
    G = rng.standard_normal((2, 6, 6, 2))

    def ref(v):
        if interpolation == "nearest":
            return np.repeat(np.repeat(v, 2, axis=1), 3, axis=2)
        return upsample_bilinear(v, 2, 3)

    y, dx = _forward_and_input_grad(
        L.UpSampling2D((2, 3), interpolation=interpolation),
        x.astype(np.float32),
        G.astype(np.float32),
    )
    np.testing.assert_allclose(y, ref(x), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        dx, numeric_grad(lambda v: float((ref(v) * G).sum()), x), rtol=1e-4, atol=1e-5
    )


def test_cropping2d_and_repeat_vector_match_keras_and_their_gradients_are_the_adjoints():
    keras = _keras()
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 6, 5, 3)).astype(np.float32)
    for cropping in (1, (2, 1), ((1, 0), (2, 1))):
        k = np.asarray(keras.layers.Cropping2D(cropping)(x))
        layer = L.Cropping2D(cropping)
        g = rng.standard_normal(k.shape).astype(np.float32)
        y, dx = _forward_and_input_grad(layer, x, g)
        np.testing.assert_array_equal(y, k)
        (t, b), (lft, r) = layer.get_config()["cropping"]
        expected = np.zeros_like(x)
        expected[:, t : 6 - b, lft : 5 - r, :] = g
        np.testing.assert_array_equal(dx, expected)
    v = rng.standard_normal((3, 5)).astype(np.float32)
    k = np.asarray(keras.layers.RepeatVector(4)(v))
    g = rng.standard_normal(k.shape).astype(np.float32)
    y, dv = _forward_and_input_grad(L.RepeatVector(4), v, g)
    np.testing.assert_array_equal(y, k)
    np.testing.assert_allclose(dv, g.sum(axis=1), rtol=1e-6)


# ---- noise layers ---------------------------------------------------------------------------
def test_gaussian_noise_moments_in_training_and_identity_in_inference():
    x = np.zeros((200, 1000), np.float32)
    layer = L.GaussianNoise(0.4, seed=3)
    np.testing.assert_array_equal(layer(x), x)  # training=False by default
    np.testing.assert_array_equal(layer(x, training=False), x)
    a, b = np.asarray(layer(x, training=True)), np.asarray(layer(x, training=True))
    # 200k draws: the mean within 5 standard errors, the deviation within 1%
    assert abs(a.mean()) < 5 * 0.4 / np.sqrt(a.size)
    assert a.std() == pytest.approx(0.4, rel=0.01)
    skew, kurt = ((a / a.std()) ** 3).mean(), ((a / a.std()) ** 4).mean()
    assert abs(skew) < 0.05 and kurt == pytest.approx(3.0, abs=0.1)  # normal, not uniform
    assert (a != b).any()  # fresh noise each training step
    assert abs(np.corrcoef(a.ravel(), b.ravel())[0, 1]) < 0.02


def test_gaussian_dropout_moments_in_training_and_identity_in_inference():
    x = np.full((200, 1000), 2.0, np.float32)
    layer = L.GaussianDropout(0.3, seed=3)
    np.testing.assert_array_equal(layer(x), x)
    a = np.asarray(layer(x, training=True))
    sd = 2.0 * np.sqrt(0.3 / 0.7)
    assert abs(a.mean() - 2.0) < 5 * sd / np.sqrt(a.size)
    assert a.std() == pytest.approx(sd, rel=0.01)


def test_noise_gradients_are_one_and_the_noise():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((6, 7)).astype(np.float32) + 3.0
    g = rng.standard_normal((6, 7)).astype(np.float32)
    y, dx = _forward_and_input_grad(L.GaussianNoise(0.5, seed=1), x, g, training=True)
    assert (y != x).all()
    np.testing.assert_array_equal(dx, g)
    y, dx = _forward_and_input_grad(L.GaussianDropout(0.5, seed=1), x, g, training=True)
    np.testing.assert_allclose(dx, g * (y / x), rtol=1e-5)  # d(x * noise)/dx = noise


def test_noise_is_reproducible_from_the_seed():
    def draws(layer_cls, arg):
        nerve.utils.set_random_seed(42)
        layer = layer_cls(arg)
        layer.build((64,))
        return [np.asarray(layer(np.ones((4, 64), np.float32), training=True)) for _ in range(3)]

    for layer_cls, arg in ((L.GaussianNoise, 0.2), (L.GaussianDropout, 0.2)):
        for a, b in zip(draws(layer_cls, arg), draws(layer_cls, arg)):
            np.testing.assert_array_equal(a, b)
    one, two = L.GaussianNoise(0.1, seed=9), L.GaussianNoise(0.1, seed=9)
    x = np.zeros((3, 8), np.float32)
    np.testing.assert_array_equal(one(x, training=True), two(x, training=True))


def test_noise_layers_in_fit_predict_and_evaluate():
    nerve.utils.set_random_seed(1)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((128, 4)).astype(np.float32)
    y = x @ np.array([[1.0], [-2.0], [0.5], [3.0]], np.float32)
    model = nerve.Sequential(
        [
            nerve.Input((4,)),
            L.GaussianNoise(0.1),
            L.Dense(32, activation="relu"),
            L.GaussianDropout(0.2),
            L.Dense(1),
        ]
    )
    model.compile(optimizer=nerve.optimizers.Adam(0.01), loss="mse")
    history = model.fit(x, y, epochs=30, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    p1, p2 = model.predict(x, verbose=0), model.predict(x, verbose=0)
    np.testing.assert_array_equal(p1, p2)  # no noise in predict
    assert model.evaluate(x, y, verbose=0) == pytest.approx(float(((p1 - y) ** 2).mean()), rel=1e-4)


def test_activity_regularization_penalty_matches_keras():
    keras = _keras()
    rng = np.random.default_rng(4)
    x = rng.standard_normal((16, 5)).astype(np.float32)
    y = rng.standard_normal((16, 3)).astype(np.float32)
    k_model = keras.Sequential(
        [
            keras.Input((5,)),
            keras.layers.Dense(3),
            keras.layers.ActivityRegularization(l1=0.05, l2=0.1),
        ]
    )
    k_model.compile(optimizer="sgd", loss="mse")
    n_model = nerve.Sequential(
        [nerve.Input((5,)), L.Dense(3), L.ActivityRegularization(l1=0.05, l2=0.1)]
    )
    n_model.compile(optimizer="sgd", loss="mse")
    n_model.set_weights(k_model.get_weights())
    out = x @ k_model.get_weights()[0] + k_model.get_weights()[1]
    penalty = (0.05 * np.abs(out).sum() + 0.1 * (out**2).sum()) / len(x)
    mse = float(((out - y) ** 2).mean())
    k_loss = float(k_model.evaluate(x, y, batch_size=16, verbose=0))
    n_loss = float(n_model.evaluate(x, y, batch_size=16, verbose=0))
    assert k_loss == pytest.approx(mse + penalty, rel=1e-4)
    assert n_loss == pytest.approx(k_loss, rel=1e-4)
    n_layer = n_model.layers[-1]
    n_layer(nerve.Tensor(out))  # the layer's losses are its last call's penalty
    assert n_layer.losses == [pytest.approx(penalty, rel=1e-4)]
    assert n_layer.get_config()["l1"] == 0.05 and "activity_regularizer" not in n_layer.get_config()
    assert (
        L.ActivityRegularization.from_config(n_layer.get_config()).get_config()
        == n_layer.get_config()
    )


# ---- model-level -------------------------------------------------------------------------------
def _decoder():
    """A small decoder using every layer of this file."""
    return nerve.Sequential(
        [
            nerve.Input((6,)),
            L.GaussianNoise(0.1, seed=1),
            L.Dense(2 * 2 * 4, activation="relu"),
            L.ActivityRegularization(l2=1e-3),
            L.Reshape((2, 2, 4)),
            L.UpSampling2D(2, interpolation="bilinear"),
            L.Conv2DTranspose(3, 3, strides=2, padding="same", activation="relu"),
            L.GaussianDropout(0.1, seed=2),
            L.Cropping2D(((1, 1), (0, 2))),
            L.UpSampling2D((1, 2)),
            L.Flatten(),
            L.RepeatVector(2),
        ]
    )


def test_summary_save_and_load(tmp_path):
    model = _decoder()
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    for name, shape in [
        ("UpSampling2D", "(None, 4, 4, 4)"),
        ("Conv2DTranspose", "(None, 8, 8, 3)"),
        ("Cropping2D", "(None, 6, 6, 3)"),
        ("RepeatVector", "(None, 2, 216)"),
        ("GaussianNoise", "(None, 6)"),
        ("GaussianDropout", "(None, 8, 8, 3)"),
        ("ActivityRegularization", "(None, 16)"),
    ]:
        assert any(name in line and shape in line for line in lines), (name, shape, text)
    x = np.random.default_rng(3).standard_normal((4, 6)).astype(np.float32)
    path = tmp_path / "decoder.nerve"
    model.save(path)
    loaded = nerve.models.load_model(path)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert [lyr.get_config() for lyr in loaded.layers] == [lyr.get_config() for lyr in model.layers]


def test_decoder_trains():
    nerve.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 6)).astype(np.float32)
    model = _decoder()
    y = np.abs(rng.standard_normal((64,) + model.output_shape[1:])).astype(np.float32) * 0.1
    model.compile(optimizer=nerve.optimizers.Adam(0.01), loss="mse")
    history = model.fit(x, y, epochs=15, batch_size=16, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert history.history["loss"][-1] < history.history["loss"][0]


@pytest.mark.parametrize(
    "make,shape,words",
    [
        (lambda: L.UpSampling2D(2), (4, 3), "UpSampling2D"),
        (lambda: L.Cropping2D(((2, 2), (0, 0))), (4, 3, 1), "Cropping2D.*cropping"),
        (lambda: L.RepeatVector(2), (4, 3), "RepeatVector.*features"),
    ],
)
def test_inputs_a_layer_cannot_take_are_refused_naming_it(make, shape, words):
    with pytest.raises(ValueError, match=words):
        nerve.Sequential([nerve.Input(shape), make()])


def test_keras_values_nerve_does_not_implement_are_refused_clearly():
    with pytest.raises(
        ValueError, match="UpSampling2D.*interpolation.*only 'nearest' and 'bilinear'"
    ):
        L.UpSampling2D(interpolation="bicubic")
    for make in (
        lambda: L.UpSampling2D(data_format="channels_first"),
        lambda: L.Cropping2D(1, "channels_first"),
    ):
        with pytest.raises(ValueError, match="data_format"):
            make()
