"""DepthwiseConv2D and SeparableConv2D against Keras 3 (JAX backend) with the same weights:
outputs and the gradients of the input and every weight (jax.grad) on a grid of kernel sizes,
strides, paddings, depth multipliers and odd/even image sizes; the op's gradients against float64
finite differences; weight layout, config, summary, save/load, refused arguments; and a small
Xception-style block trained beside Keras from the same weights."""

import itertools
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np
import pytest

import nerve
from nerve import _core
from nerve import layers as L
from nerve.utils.keras_args import UnsupportedArgumentError

from helpers import numeric_grad

keras = pytest.importorskip("keras")
jax = pytest.importorskip("jax")
jnp = jax.numpy

if keras.backend.backend() != "jax":
    pytest.skip("the Keras reference runs on the JAX backend", allow_module_level=True)

GRID = list(
    itertools.product(
        [(7, 8), (6, 5)],  # odd and even image sizes
        [(1, 1), (3, 3), (2, 3), (5, 5)],
        [(1, 1), (2, 2), (2, 1)],
        ["valid", "same"],
        [1, 2],
    )
)


def _fits(size, kernel, padding):
    return padding == "same" or all(s >= k for s, k in zip(size, kernel))


def _compare(nerve_layer, keras_layer, x, rng, atol=1e-5):
    """Same weights in both; the output and the gradients of sum(y * g) for the input and each
    weight must agree."""
    keras_layer(x)
    weights = [rng.standard_normal(w.shape).astype(np.float32) for w in keras_layer.get_weights()]
    keras_layer.set_weights(weights)
    nerve_layer.build((None, *x.shape[1:]))
    assert [w.shape for w in nerve_layer.get_weights()] == [w.shape for w in weights]
    nerve_layer.set_weights(weights)
    expected = np.asarray(keras_layer(x))
    g = rng.standard_normal(expected.shape).astype(np.float32)
    xt = nerve.Tensor(x)
    with nerve.GradientTape() as tape:
        tape.watch([xt])
        y = nerve_layer(xt)
        loss = nerve.ops.sum(nerve.ops.mul(y, nerve.Tensor(g)))
    grads = tape.gradient(loss, [xt, *nerve_layer.trainable_weights])
    np.testing.assert_allclose(np.asarray(y), expected, rtol=1e-5, atol=atol)

    def f(xx, ws):
        return jnp.sum(keras_layer.stateless_call(ws, [], xx)[0] * g)

    gx, gws = jax.grad(f, argnums=(0, 1))(x, [jnp.asarray(w) for w in weights])
    np.testing.assert_allclose(np.asarray(grads[0]), np.asarray(gx), rtol=1e-4, atol=1e-4)
    for mine, theirs in zip(grads[1:], gws):
        np.testing.assert_allclose(np.asarray(mine), np.asarray(theirs), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("size,kernel,strides,padding,multiplier", GRID)
def test_depthwise_matches_keras(size, kernel, strides, padding, multiplier):
    if not _fits(size, kernel, padding):
        pytest.skip("the kernel is larger than a 'valid' input")
    rng = np.random.default_rng(hash((size, kernel, strides, padding, multiplier)) % 2**32)
    x = rng.standard_normal((2, *size, 3)).astype(np.float32)
    args = dict(kernel_size=kernel, strides=strides, padding=padding, depth_multiplier=multiplier)
    _compare(L.DepthwiseConv2D(**args), keras.layers.DepthwiseConv2D(**args), x, rng)


@pytest.mark.parametrize("size,kernel,strides,padding,multiplier", GRID)
def test_separable_matches_keras(size, kernel, strides, padding, multiplier):
    if not _fits(size, kernel, padding):
        pytest.skip("the kernel is larger than a 'valid' input")
    rng = np.random.default_rng(hash((size, kernel, strides, padding, multiplier, 1)) % 2**32)
    x = rng.standard_normal((2, *size, 3)).astype(np.float32)
    args = dict(
        filters=5,
        kernel_size=kernel,
        strides=strides,
        padding=padding,
        depth_multiplier=multiplier,
        activation="relu",
    )
    _compare(L.SeparableConv2D(**args), keras.layers.SeparableConv2D(**args), x, rng, atol=2e-5)


@pytest.mark.parametrize("cls", ["DepthwiseConv2D", "SeparableConv2D"])
@pytest.mark.parametrize("dilation", [(2, 2), (2, 3)])
@pytest.mark.parametrize("use_bias", [True, False])
def test_dilation_and_no_bias_match_keras(cls, dilation, use_bias):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 9, 10, 4)).astype(np.float32)
    args = dict(kernel_size=3, padding="same", dilation_rate=dilation, use_bias=use_bias)
    if cls == "SeparableConv2D":
        args["filters"] = 3
    _compare(getattr(L, cls)(**args), getattr(keras.layers, cls)(**args), x, rng, atol=2e-5)


@pytest.mark.parametrize("multiplier", [1, 3])
@pytest.mark.parametrize("strides,padding", [((1, 1), "same"), ((2, 2), "valid")])
def test_op_gradients_match_finite_differences(multiplier, strides, padding):
    rng = np.random.default_rng(multiplier)
    x = rng.standard_normal((2, 5, 6, 2))
    k = rng.standard_normal((3, 3, 2, multiplier))
    b = rng.standard_normal(2 * multiplier)
    xt, kt, bt = (nerve.Tensor(a.astype(np.float32), requires_grad=True) for a in (x, k, b))
    y = _core.ops.depthwise_conv2d(xt, kt, bt, strides, padding)
    g = rng.standard_normal(np.shape(np.asarray(y)))
    y.backward(nerve.Tensor(g.astype(np.float32)))

    def reference(xv, kv, bv):
        out = keras.ops.depthwise_conv(
            jnp.asarray(xv, jnp.float32), jnp.asarray(kv, jnp.float32), strides, padding
        )
        return np.asarray(out, np.float64) + bv

    np.testing.assert_allclose(np.asarray(y), reference(x, k, b), rtol=1e-5, atol=1e-5)

    # float64 central differences of a direct numpy depthwise convolution.
    def direct(xv, kv, bv):
        pad = [(0, 0)] * 2
        if padding == "same":
            pad = [
                ((t := max((-(-n // s) - 1) * s + 3 - n, 0)) // 2, t - t // 2)
                for n, s in zip(xv.shape[1:3], strides)
            ]
        xp = np.pad(xv, [(0, 0), *pad, (0, 0)])
        oh = (xp.shape[1] - 3) // strides[0] + 1
        ow = (xp.shape[2] - 3) // strides[1] + 1
        out = np.zeros((xv.shape[0], oh, ow, 2, multiplier))
        for i, j in itertools.product(range(3), range(3)):
            win = xp[:, i : i + oh * strides[0] : strides[0], j : j + ow * strides[1] : strides[1]]
            out += win[..., None] * kv[i, j]
        return out.reshape(*out.shape[:3], -1) + bv

    np.testing.assert_allclose(direct(x, k, b), reference(x, k, b), rtol=1e-5, atol=1e-5)
    for arr, grad, which in ((x, xt.grad, 0), (k, kt.grad, 1), (b, bt.grad, 2)):

        def f(v, which=which):
            args = [x, k, b]
            args[which] = v
            return float(np.sum(direct(*args) * g))

        np.testing.assert_allclose(np.asarray(grad), numeric_grad(f, arr), rtol=1e-3, atol=1e-3)


def test_weights_config_and_summary_follow_keras():
    layer = L.SeparableConv2D(8, 3, padding="same", depth_multiplier=2, name="sep")
    model = nerve.Sequential([L.Input((10, 10, 4)), layer])
    assert layer.depthwise_kernel.shape == (3, 3, 4, 2)
    assert layer.pointwise_kernel.shape == (1, 1, 8, 8)
    assert layer.bias.shape == (8,)
    assert model.count_params() == 3 * 3 * 4 * 2 + 8 * 8 + 8
    config = layer.get_config()
    assert config["depth_multiplier"] == 2 and config["filters"] == 8
    assert L.SeparableConv2D.from_config(config).get_config() == config
    dw = L.DepthwiseConv2D(3, depth_multiplier=3)
    dw.build((None, 6, 6, 2))
    assert dw.kernel.shape == (3, 3, 2, 3) and dw.bias.shape == (6,)
    assert dw.compute_output_shape((None, 6, 6, 2)) == (None, 4, 4, 6)
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "SeparableConv2D" in text and "(None, 10, 10, 8)" in text and "144" in text


def test_save_and_load_round_trip(tmp_path):
    rng = np.random.default_rng(1)
    model = nerve.Sequential(
        [
            L.Input((9, 9, 3)),
            L.DepthwiseConv2D(3, strides=2, depth_multiplier=2, activation="relu"),
            L.SeparableConv2D(4, 3, padding="same", use_bias=False),
        ]
    )
    x = rng.standard_normal((2, 9, 9, 3)).astype(np.float32)
    path = str(tmp_path / "sep.keras")
    model.save(path)
    loaded = nerve.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)
    # The same file loads in Keras and computes the same.
    keras_model = keras.models.load_model(path)
    np.testing.assert_allclose(np.asarray(keras_model(x)), model.predict(x, verbose=0), atol=1e-5)


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: L.DepthwiseConv2D(3, data_format="channels_first"), "channels_last"),
        (lambda: L.SeparableConv2D(4, 3, data_format="channels_first"), "channels_last"),
        (lambda: L.DepthwiseConv2D(3, depthwise_constraint="non_neg"), "depthwise_constraint"),
        (lambda: L.SeparableConv2D(4, 3, pointwise_constraint="non_neg"), "pointwise_constraint"),
    ],
)
def test_unsupported_arguments_are_refused(make, match):
    with pytest.raises(UnsupportedArgumentError, match=match):
        make()


def test_bad_arguments_and_inputs_name_the_layer():
    with pytest.raises(ValueError, match="depth_multiplier"):
        L.DepthwiseConv2D(3, depth_multiplier=0)
    with pytest.raises(ValueError, match="filters"):
        L.SeparableConv2D(0, 3)
    layer = L.DepthwiseConv2D(5, name="dw")
    with pytest.raises(ValueError, match="dw"):
        layer.build((None, 3, 3, 2))
    with pytest.raises(ValueError, match="rank 4"):
        L.SeparableConv2D(2, 3).build((None, 8, 2))


def test_regularizers_add_their_penalties():
    layer = L.SeparableConv2D(
        2, 3, depthwise_regularizer="l2", pointwise_regularizer="l1", name="reg"
    )
    layer.build((None, 5, 5, 2))
    dw, pw, _ = layer.get_weights()
    expected = 0.01 * np.sum(dw.astype(np.float64) ** 2) + 0.01 * np.sum(np.abs(pw))
    np.testing.assert_allclose(float(np.sum(layer.losses)), expected, rtol=1e-5)


def test_mixed_bfloat16_rounds_only_the_pointwise_product():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 8, 8, 4)).astype(np.float32)
    cases = (
        (L.DepthwiseConv2D, dict(kernel_size=3)),
        (L.SeparableConv2D, dict(filters=5, kernel_size=3)),
    )
    for cls, args in cases:
        exact, mixed = cls(**args), cls(**args, dtype="mixed_bfloat16")
        exact.build((None, 8, 8, 4))
        mixed.build((None, 8, 8, 4))
        mixed.set_weights(exact.get_weights())
        expected, got = np.asarray(exact(x)), np.asarray(mixed(x))
        if cls is L.DepthwiseConv2D:
            np.testing.assert_array_equal(got, expected)
        else:
            assert 0 < np.abs(got - expected).max() < 0.05 * np.abs(expected).max()


def _xception_block(lib):
    inputs = lib.layers.Input((12, 12, 3))
    x = lib.layers.Conv2D(8, 3, strides=2, padding="same")(inputs)
    residual = x
    x = lib.layers.Activation("relu")(x)
    x = lib.layers.SeparableConv2D(16, 3, padding="same")(x)
    x = lib.layers.BatchNormalization()(x)
    x = lib.layers.Activation("relu")(x)
    x = lib.layers.SeparableConv2D(16, 3, padding="same")(x)
    x = lib.layers.BatchNormalization()(x)
    x = lib.layers.MaxPooling2D(3, strides=2, padding="same")(x)
    residual = lib.layers.Conv2D(16, 1, strides=2, padding="same")(residual)
    x = lib.layers.add([x, residual])
    x = lib.layers.GlobalAveragePooling2D()(x)
    outputs = lib.layers.Dense(3, activation="softmax")(x)
    return lib.Model(inputs, outputs)


def test_xception_block_trains_as_keras():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 12, 12, 3)).astype(np.float32)
    y = rng.integers(0, 3, 64)
    keras.utils.set_random_seed(0)
    reference = _xception_block(keras)
    mine = _xception_block(nerve)
    mine.set_weights(reference.get_weights())
    for model in (reference, mine):
        model.compile(
            optimizer=type(model).__module__.startswith("keras")
            and keras.optimizers.SGD(0.05)
            or nerve.optimizers.SGD(0.05),
            loss="sparse_categorical_crossentropy",
        )
    h_ref = reference.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0).history["loss"]
    h_mine = mine.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(h_mine, h_ref, rtol=1e-4)
    for a, b in zip(mine.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(
        mine.predict(x, verbose=0), np.asarray(reference(x)), rtol=1e-4, atol=1e-5
    )
