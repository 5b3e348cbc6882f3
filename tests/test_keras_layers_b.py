"""Keras 3 layers nerve writes in Python with nerve.ops (traced into C++ like a custom layer):
EinsumDense, AlphaDropout, CategoryEncoding, Discretization and CenterCrop, each checked against
Keras 3 itself (JAX backend):

- the same weights give the same outputs (predict and a direct call), on several shapes and
  arguments;
- a few steps of SGD through the layer (fed by a Dense where the layer takes floats, so the
  layer's input gradient counts, and EinsumDense's own weights) give Keras's losses and weights;
- a model holding the layer trains (its loss falls) with fit;
- saving round trips: nerve's own format, a .keras file nerve writes that Keras loads, and a
  .keras file Keras writes that nerve loads, all predicting the same;
- get_config / from_config round trips, and the config is one Keras's class reads back to the
  same config;
- AlphaDropout: Keras's affine transform of the dropped values while training, the identity in
  inference, fresh masks each step, repeatable from the seed; Discretization.adapt gives Keras's
  bin boundaries; the arguments nerve cannot honour raise.
"""

from __future__ import annotations

import inspect
import json

import numpy as np
import pytest

import nerve

from _keras_diff import (
    assert_close,
    assert_history_close,
    assert_weights_close,
    keras,
    keras_predict,
    twin_models,
)

pytest.importorskip("h5py")

# Keras 3.15's own Variable.__array__ lacks numpy 2's copy keyword
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)

RNG = np.random.default_rng(2025)
N = 12  # samples
L = nerve.layers


def floats(*shape):
    return lambda: RNG.normal(size=(N, *shape)).astype(np.float32)


def ids(num_tokens, *shape):
    """Integer ids (as float32, which nerve and Keras both take), a few out of range."""
    return lambda: RNG.integers(-1, num_tokens + 1, size=(N, *shape)).astype(np.float32)


def seq(input_shape, *layers_of):
    """Input -> the layers -> Flatten -> Dense(3)."""

    def build(lib):
        layers = lib.layers
        return lib.Sequential(
            [lib.Input(input_shape)]
            + [f(layers) for f in layers_of]
            + [layers.Flatten(), layers.Dense(3, name="head")]
        )

    return build


# (id, build(lib) -> model, () -> x)
CASES = [
    (
        "EinsumDense-dense",
        seq((6,), lambda L: L.Dense(5), lambda L: L.EinsumDense("ab,bc->ac", 4, bias_axes="c")),
        floats(6),
    ),
    (
        "EinsumDense-sequence-relu",
        seq(
            (3, 6),
            lambda L: L.Dense(5),
            lambda L: L.EinsumDense("abc,cd->abd", (3, 4), activation="relu", bias_axes="d"),
        ),
        floats(3, 6),
    ),
    (
        "EinsumDense-ellipsis-gelu",
        seq(
            (3, 2, 5),
            lambda L: L.Dense(4),
            lambda L: L.EinsumDense("...x,xy->...y", 3, activation="gelu", bias_axes="y"),
        ),
        floats(3, 2, 5),
    ),
    (
        "EinsumDense-3d-kernel-bias-be",
        seq(
            (3, 6),
            lambda L: L.Dense(4),
            lambda L: L.EinsumDense("abc,cde->abde", (3, 2, 4), activation="tanh", bias_axes="be"),
        ),
        floats(3, 6),
    ),
    (
        "EinsumDense-right-ellipsis-no-bias",
        seq((4, 2), lambda L: L.Dense(3), lambda L: L.EinsumDense("ab...,bc->ac...", 5)),
        floats(4, 2),
    ),
    (
        "EinsumDense-regularized",
        seq(
            (6,),
            lambda L: L.Dense(5),
            lambda L: L.EinsumDense(
                "ab,bc->ac",
                (4,),
                bias_axes="c",
                kernel_regularizer="l2",
                bias_regularizer="l1",
                activity_regularizer="l2",
            ),
        ),
        floats(6),
    ),
    (
        "AlphaDropout",
        seq((4, 3), lambda L: L.Dense(3), lambda L: L.AlphaDropout(0.0)),
        floats(4, 3),
    ),
    (
        "CategoryEncoding-multi_hot",
        seq((4,), lambda L: L.CategoryEncoding(num_tokens=6)),
        ids(6, 4),
    ),
    (
        "CategoryEncoding-count",
        seq((5,), lambda L: L.CategoryEncoding(5, output_mode="count")),
        ids(5, 5),
    ),
    (
        "CategoryEncoding-one_hot",
        seq((3,), lambda L: L.CategoryEncoding(4, output_mode="one_hot")),
        ids(4, 3),
    ),
    (
        "CategoryEncoding-one_hot-last-axis-1",
        seq((1,), lambda L: L.CategoryEncoding(7, output_mode="one_hot")),
        ids(7, 1),
    ),
    (
        "Discretization-int",
        seq((5,), lambda L: L.Discretization(bin_boundaries=[-0.5, 0.0, 0.7])),
        floats(5),
    ),
    (
        "Discretization-one_hot",
        seq((2, 3), lambda L: L.Discretization([-1.0, 0.25], output_mode="one_hot")),
        floats(2, 3),
    ),
    (
        "Discretization-count",
        seq((6,), lambda L: L.Discretization([0.0, 0.5, 1.0, 1.5], output_mode="count")),
        floats(6),
    ),
    (
        "Discretization-multi_hot",
        seq((6,), lambda L: L.Discretization([0.0], output_mode="multi_hot")),
        floats(6),
    ),
    (
        "CenterCrop",
        seq((6, 7, 2), lambda L: L.Dense(3), lambda L: L.CenterCrop(3, 4)),
        floats(6, 7, 2),
    ),
    (
        "CenterCrop-odd-even",
        seq((5, 6, 2), lambda L: L.Dense(3), lambda L: L.CenterCrop(2, 3)),
        floats(5, 6, 2),
    ),
    (
        "CenterCrop-smaller-resized",
        seq((5, 4, 2), lambda L: L.Dense(3), lambda L: L.CenterCrop(7, 3)),
        floats(5, 4, 2),
    ),
    (
        "CenterCrop-smaller-both-channels_first",
        seq(
            (2, 3, 4),
            lambda L: L.Dense(3),
            lambda L: L.CenterCrop(5, 6, data_format="channels_first"),
        ),
        floats(2, 3, 4),
    ),
    (
        "CenterCrop-channels_first",
        seq(
            (4, 7, 5),
            lambda L: L.Dense(3),
            lambda L: L.CenterCrop(4, 2, data_format="channels_first"),
        ),
        floats(4, 7, 5),
    ),
]
IDS = [c[0] for c in CASES]
PARAMS = [c[1:] for c in CASES]


@pytest.mark.parametrize("build,make_x", PARAMS, ids=IDS)
def test_same_weights_same_outputs_as_keras(request, build, make_x):
    label = request.node.callspec.id
    x = make_x()
    k, n = twin_models(build)
    assert [w.path for w in n.weights] == [w.path for w in k.weights] or len(n.weights) == len(
        k.weights
    )
    assert_close(f"{label} predict", n.predict(x, verbose=0), keras_predict(k, x))
    assert_close(f"{label} call", np.asarray(n(x)), np.asarray(k(x, training=False)))


@pytest.mark.parametrize("build,make_x", PARAMS, ids=IDS)
def test_sgd_steps_match_keras(request, build, make_x):
    """Three SGD steps (batch 4): the losses (regularization penalties included) and every
    weight afterwards."""
    label = request.node.callspec.id
    x = make_x()
    y = RNG.normal(size=(N, 3)).astype(np.float32)
    k, n = twin_models(build)
    k.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    n.compile(optimizer=nerve.optimizers.SGD(0.1), loss="mse")
    kw = dict(batch_size=4, epochs=1, shuffle=False, verbose=0)
    before = n.get_weights()
    assert_history_close(label, n.fit(x, y, **kw).history, k.fit(x, y, **kw).history)
    assert_weights_close(label, n, k, rtol=2e-5)
    moved = [not np.array_equal(a, b) for a, b in zip(before, n.get_weights())]
    assert all(moved), f"{label}: weights that did not train: {moved}"


@pytest.mark.parametrize("build,make_x", PARAMS, ids=IDS)
def test_model_with_the_layer_trains(request, build, make_x):
    x = make_x()
    flat = x.reshape(N, -1)
    y = np.tanh(np.sum(flat[:, :3], axis=1, keepdims=True) / 3) * np.ones((1, 3), np.float32)
    nerve.utils.set_random_seed(1)
    model = build(nerve)
    model.compile(optimizer=nerve.optimizers.Adam(0.02), loss="mse")
    loss = model.fit(x, y, epochs=15, batch_size=6, verbose=0).history["loss"]
    assert loss[-1] < 0.7 * loss[0], f"{request.node.callspec.id}: loss {loss[0]} -> {loss[-1]}"


def _randomize(model, seed=0):
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(0, 0.5, w.shape).astype(np.float32) for w in model.get_weights()])


ACTIVE_DROPOUT = [
    (
        "AlphaDropout-active-noise_shape",
        seq(
            (4, 3),
            lambda L: L.Dense(3),
            lambda L: L.AlphaDropout(0.3, noise_shape=(None, 1, 3), seed=2),
        ),
        floats(4, 3),
    ),
]


@pytest.mark.parametrize(
    "build,make_x",
    PARAMS + [c[1:] for c in ACTIVE_DROPOUT],
    ids=IDS + [c[0] for c in ACTIVE_DROPOUT],
)
def test_save_load_round_trips(request, build, make_x, tmp_path):
    label = request.node.callspec.id
    x = make_x()
    model = build(nerve)
    _randomize(model)
    want = model.predict(x, verbose=0)

    model.save(tmp_path / "m.nerve")  # nerve's own format
    again = nerve.models.load_model(tmp_path / "m.nerve")
    np.testing.assert_array_equal(again.predict(x, verbose=0), want)

    model.save(tmp_path / "n.keras")  # nerve writes, Keras reads
    k = keras.saving.load_model(tmp_path / "n.keras")
    names = lambda m: [type(a).__name__ for a in m.layers if type(a).__name__ != "InputLayer"]  # noqa: E731
    assert names(k) == names(model)
    assert_close(f"{label} keras loads nerve's file", keras_predict(k, x), want)

    twin = build(keras)  # Keras writes, nerve reads
    _randomize(twin, seed=1)
    twin.save(tmp_path / "k.keras")
    loaded = nerve.models.load_model(tmp_path / "k.keras")
    assert_close(
        f"{label} nerve loads Keras's file", loaded.predict(x, verbose=0), keras_predict(twin, x)
    )


# ---- configs ---------------------------------------------------------------------------------
def _lib(layers_module):
    return nerve if layers_module is nerve.layers else keras


CONFIG_CASES = [
    (lambda m: m.EinsumDense("ab,bc->ac", 4), (5,)),
    (
        lambda m: m.EinsumDense(
            "abc,cde->abde",
            [3, 2, 4],
            activation="relu",
            bias_axes="e",
            kernel_initializer=_lib(m).initializers.HeNormal(seed=3),
            bias_initializer="ones",
            kernel_regularizer=_lib(m).regularizers.L2(0.1),
            bias_regularizer=_lib(m).regularizers.L1(0.25),
            activity_regularizer=_lib(m).regularizers.L2(0.5),
            name="ed",
        ),
        (3, 5),
    ),
    (lambda m: m.AlphaDropout(0.3, noise_shape=[None, 1, 4], seed=5), (3, 4)),
    (lambda m: m.AlphaDropout(0.0), (3, 4)),
    (lambda m: m.CategoryEncoding(num_tokens=5), (3,)),
    (lambda m: m.CategoryEncoding(7, output_mode="one_hot"), (3,)),
    (lambda m: m.CategoryEncoding(7, output_mode="binary"), (3,)),
    (lambda m: m.Discretization(bin_boundaries=[0.0, 1.5], output_mode="count"), (4,)),
    (lambda m: m.Discretization(num_bins=3, epsilon=0.1), None),
    (lambda m: m.CenterCrop(2, 3), (4, 5, 2)),
    (lambda m: m.CenterCrop(2, 3, data_format="channels_first"), (2, 4, 5)),
]


def _plain(config: dict) -> dict:
    """A config without the dtype entry and Keras's module bookkeeping of nested objects."""
    out = {}
    for key, value in config.items():
        if key == "dtype":
            continue
        if isinstance(value, dict):
            value = {k: v for k, v in value.items() if k not in ("module", "registered_name")}
        out[key] = list(value) if isinstance(value, tuple) else value
    return out


@pytest.mark.parametrize("i", range(len(CONFIG_CASES)))
def test_config_round_trip_and_keras_reads_it(i):
    make, shape = CONFIG_CASES[i]
    layer = make(L)
    if shape is not None:
        layer(np.zeros((2, *shape), np.float32))
    config = layer.get_config()
    clone = type(layer).from_config(json.loads(json.dumps(config)))
    assert type(clone) is type(layer)
    assert _plain(clone.get_config()) == _plain(config)
    keras_layer = getattr(keras.layers, type(layer).__name__).from_config(
        json.loads(json.dumps(config))
    )
    keras_made = make(keras.layers)
    if shape is not None:
        keras_made(np.zeros((2, *shape), np.float32))
    want = _plain(keras_made.get_config())
    want["name"] = config["name"]
    assert _plain(config) == want
    assert _plain(json.loads(json.dumps(keras_layer.get_config()))) == _plain(
        json.loads(json.dumps(config))
    )


def test_adapted_discretization_config_round_trips_as_keras():
    layer = L.Discretization(num_bins=3)
    layer.adapt(RNG.normal(size=(50, 2)))
    config = json.loads(json.dumps(layer.get_config()))
    assert config["num_bins"] == 3 and len(config["bin_boundaries"]) == 2
    clone = L.Discretization.from_config(config)
    assert clone.bin_boundaries == layer.bin_boundaries
    keras_layer = keras.layers.Discretization.from_config(config)
    assert keras_layer.bin_boundaries == layer.bin_boundaries
    x = RNG.normal(size=(4, 2)).astype(np.float32)
    np.testing.assert_array_equal(np.asarray(clone(x)), np.asarray(keras_layer(x)))


def test_signatures_and_defaults_are_keras():
    for name in ("EinsumDense", "AlphaDropout", "CategoryEncoding", "Discretization", "CenterCrop"):
        ours = inspect.signature(getattr(L, name).__init__)
        theirs = inspect.signature(getattr(keras.layers, name).__init__)
        assert [(p.name, p.default, p.kind) for p in ours.parameters.values()] == [
            (p.name, p.default, p.kind) for p in theirs.parameters.values()
        ], name


def test_einsum_dense_weights_are_keras():
    """Names and order of the weights, and the kernel's initial spread with Keras's fans (the
    kernel's input and output axes, not the convolution rule)."""
    for lib in (nerve, keras):
        layer = lib.layers.EinsumDense("abc,cde->abde", (None, 40, 50), bias_axes="de")
        layer.build((None, 3, 60))
        assert [w.path.split("/")[-1] for w in layer.weights] == ["kernel", "bias"]
        assert [tuple(w.shape) for w in layer.weights] == [(60, 40, 50), (40, 50)]
    nerve.utils.set_random_seed(0)
    layer = L.EinsumDense("abc,cde->abde", (None, 40, 50), kernel_initializer="he_normal")
    layer.build((None, 3, 60))
    kernel = layer.get_weights()[0]
    # he_normal: truncated normal of variance 2 / fan_in, fan_in = 60 (the summed axis c)
    np.testing.assert_allclose(kernel.std(), np.sqrt(2 / 60), rtol=0.05)
    nerve.utils.set_random_seed(0)
    glorot = L.EinsumDense("abc,cde->abde", (None, 40, 50))
    glorot.build((None, 3, 60))
    limit = np.sqrt(6 / (60 + 40 * 50))  # glorot_uniform with fan_out = 40 * 50
    kernel = glorot.get_weights()[0]
    assert np.abs(kernel).max() <= limit
    np.testing.assert_allclose(np.abs(kernel).max(), limit, rtol=0.01)


TRACED_ACTIVATIONS = sorted(
    set(nerve.activations.NAMES) - {"sparsemax", "threshold"}  # refused: see below
)


@pytest.mark.parametrize("activation", TRACED_ACTIVATIONS)
def test_einsum_dense_activations_as_keras(activation):
    x = 2 * RNG.normal(size=(6, 3, 5)).astype(np.float32)
    ours = L.EinsumDense("abc,cd->abd", (3, 4), activation=activation, bias_axes="d")
    theirs = keras.layers.EinsumDense("abc,cd->abd", (3, 4), activation=activation, bias_axes="d")
    ours(x), theirs(x)
    weights = [RNG.normal(size=w.shape).astype(np.float32) for w in theirs.get_weights()]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    assert_close(activation, np.asarray(ours(x)), np.asarray(theirs(x)), rtol=2e-5)


def test_einsum_dense_activations_nerve_ops_lacks_raise():
    from nerve.utils.keras_args import UnsupportedArgumentError

    for activation in ("sparsemax", "threshold"):
        with pytest.raises(UnsupportedArgumentError, match=f"EinsumDense.*{activation}"):
            L.EinsumDense("ab,bc->ac", 3, activation=activation)


# ---- AlphaDropout ----------------------------------------------------------------------------
ALPHA_P = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946


@pytest.mark.parametrize("noise_shape", [None, (None, 1, 40)])
def test_alpha_dropout_while_training(noise_shape):
    rate = 0.3
    layer = L.AlphaDropout(rate, noise_shape=noise_shape, seed=11)
    x = RNG.normal(size=(32, 6, 40)).astype(np.float32)
    np.testing.assert_array_equal(np.asarray(layer(x)), x)  # a plain call: inference
    np.testing.assert_array_equal(np.asarray(layer(x, training=False)), x)
    y = np.asarray(layer(x, training=True))
    a = ((1 - rate) * (1 + rate * ALPHA_P**2)) ** -0.5
    b = -a * ALPHA_P * rate
    dropped = np.isclose(y, a * ALPHA_P + b, atol=1e-5) & ~np.isclose(a * x + b, a * ALPHA_P + b)
    kept = np.isclose(y, a * x + b, atol=1e-5)
    assert np.all(kept | dropped)
    assert 0.25 < dropped.mean() < 0.35, dropped.mean()
    if noise_shape is not None:  # one draw per sample and feature, shared along the steps
        np.testing.assert_array_equal(dropped, np.broadcast_to(dropped[:, :1], dropped.shape))
    y2 = np.asarray(layer(x, training=True))
    assert not np.array_equal(y2, y), "the mask must change from call to call"
    again = L.AlphaDropout(rate, noise_shape=noise_shape, seed=11)
    np.testing.assert_array_equal(np.asarray(again(x, training=True)), y)


def test_alpha_dropout_keeps_a_unit_normal_input_unit_normal():
    z = RNG.normal(size=(200000, 1)).astype(np.float32)
    y = np.asarray(L.AlphaDropout(0.2, seed=1)(z, training=True))
    assert abs(y.mean()) < 0.01 and abs(y.std() - 1) < 0.01


def test_alpha_dropout_in_fit_and_predict():
    nerve.utils.set_random_seed(3)
    inp = nerve.Input((5,))
    dense, head = L.Dense(4, activation="selu"), L.Dense(1)
    model = nerve.Model(inp, head(L.AlphaDropout(0.5, seed=1)(dense(inp))))
    without = nerve.Model(inp, head(dense(inp)))
    x = RNG.normal(size=(16, 5)).astype(np.float32)
    np.testing.assert_array_equal(model.predict(x, verbose=0), without.predict(x, verbose=0))
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(x, RNG.normal(size=(16, 1)), epochs=3, batch_size=4, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    np.testing.assert_array_equal(model.predict(x, verbose=0), without.predict(x, verbose=0))


# ---- CategoryEncoding and Discretization -------------------------------------------------------
def test_category_encoding_count_weights_as_keras():
    x = RNG.integers(0, 5, size=(6, 4)).astype(np.float32)
    w = RNG.random((6, 4)).astype(np.float32)
    got = L.CategoryEncoding(5, output_mode="count")(x, count_weights=w)
    want = keras.layers.CategoryEncoding(5, output_mode="count")(
        x.astype(np.int32), count_weights=w
    )
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-6)
    with pytest.raises(ValueError, match="count_weights"):
        L.CategoryEncoding(5)(x, count_weights=w)


def test_count_weights_in_a_functional_model_as_keras(tmp_path):
    """layer(ids, count_weights=w) on symbolic tensors: Keras's outputs, after fit too, and
    .keras files both ways (the tensor keyword written as Keras writes it)."""

    def build(lib):
        ids, weights = lib.Input((4,)), lib.Input((4,))
        counts = lib.layers.CategoryEncoding(5, output_mode="count")(ids, count_weights=weights)
        return lib.Model([ids, weights], lib.layers.Dense(2)(counts))

    x = [
        RNG.integers(0, 5, (8, 4)).astype(np.float32),
        RNG.random((8, 4)).astype(np.float32),
    ]
    k, n = twin_models(build)
    assert_close("predict", n.predict(x, verbose=0), keras_predict(k, x))
    y = RNG.normal(size=(8, 2)).astype(np.float32)
    k.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    n.compile(optimizer=nerve.optimizers.SGD(0.1), loss="mse")
    kw = dict(batch_size=4, epochs=2, shuffle=False, verbose=0)
    assert_history_close("fit", n.fit(x, y, **kw).history, k.fit(x, y, **kw).history)
    n.save(tmp_path / "n.keras")
    assert_close(
        "keras loads nerve's file",
        keras_predict(keras.saving.load_model(tmp_path / "n.keras"), x),
        n.predict(x, verbose=0),
    )
    k.save(tmp_path / "k.keras")
    assert_close(
        "nerve loads Keras's file",
        nerve.models.load_model(tmp_path / "k.keras").predict(x, verbose=0),
        keras_predict(k, x),
    )
    n.save(tmp_path / "n.nerve")
    np.testing.assert_array_equal(
        nerve.models.load_model(tmp_path / "n.nerve").predict(x, verbose=0),
        n.predict(x, verbose=0),
    )


def _keras_adapt(layer, batches):
    # Keras's adapt() imports TensorFlow to test for a tf.data.Dataset; its steps without it
    layer.reset_state()
    for batch in batches:
        layer.update_state(batch)
    layer.finalize_state()


@pytest.mark.parametrize(
    "num_bins,epsilon,batched",
    [(4, 0.01, False), (5, 0.05, True), (3, 0.2, True), (10, 0.01, False)],
)
def test_discretization_adapt_gives_keras_boundaries(num_bins, epsilon, batched):
    data = RNG.normal(size=(600, 3)).astype(np.float32)
    batches = [data[i : i + 64] for i in range(0, 600, 64)] if batched else [data]
    ours = L.Discretization(num_bins=num_bins, epsilon=epsilon)
    ours.adapt(batches if batched else data)
    theirs = keras.layers.Discretization(num_bins=num_bins, epsilon=epsilon)
    _keras_adapt(theirs, batches)
    assert ours.bin_boundaries == theirs.bin_boundaries
    x = RNG.normal(size=(8, 3)).astype(np.float32)
    np.testing.assert_array_equal(np.asarray(ours(x)), np.asarray(theirs(x)))


def test_discretization_adapted_in_a_model_saves_and_loads(tmp_path):
    layer = L.Discretization(num_bins=4, output_mode="one_hot")
    layer.adapt(RNG.normal(size=(200, 3)))
    model = nerve.Sequential([nerve.Input((3,)), layer, L.Flatten(), L.Dense(2)])
    x = RNG.normal(size=(5, 3)).astype(np.float32)
    want = model.predict(x, verbose=0)
    model.save(tmp_path / "d.keras")
    k = keras.saving.load_model(tmp_path / "d.keras")
    assert_close("keras loads the adapted layer", keras_predict(k, x), want)
    again = nerve.models.load_model(tmp_path / "d.keras")
    np.testing.assert_array_equal(again.predict(x, verbose=0), want)


@pytest.mark.parametrize(
    "shape,target,data_format",
    [
        ((5, 6, 3), (7, 8), None),
        ((5, 6, 3), (3, 9), None),
        ((5, 6, 3), (8, 2), None),
        ((4, 4, 1), (9, 9), None),
        ((10, 3, 2), (4, 4), None),
        ((3, 5, 6), (4, 7), "channels_first"),
        ((2, 9, 4), (12, 3), "channels_first"),
    ],
)
def test_center_crop_resizes_small_images_as_keras(shape, target, data_format):
    """An image smaller than the target: Keras's smart_resize (its crop box, then a bilinear
    resize with jax.image.resize's weights), forward and through fit's gradients."""
    x = RNG.normal(size=(3, *shape)).astype(np.float32)
    ours = L.CenterCrop(*target, data_format=data_format)
    theirs = keras.layers.CenterCrop(*target, data_format=data_format)
    assert_close(f"{shape}->{target}", np.asarray(ours(x)), np.asarray(theirs(x)), rtol=1e-5)


# ---- padding masks ----------------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore::UserWarning")  # Keras's "does not support masking"
@pytest.mark.parametrize(
    "make,passes",
    [
        (lambda L: L.AlphaDropout(0.3), True),  # supports_masking, as Keras's
        (lambda L: L.EinsumDense("abc,cd->abd", (6, 3), bias_axes="d"), False),  # drops it
    ],
    ids=["AlphaDropout", "EinsumDense"],
)
def test_padding_masks_as_keras(make, passes):
    """Embedding(mask_zero) -> the layer -> LSTM: Keras's LSTM skips the padded steps only when
    the layer hands the mask on."""

    def build(lib):
        return lib.Sequential(
            [
                lib.Input((6,)),
                lib.layers.Embedding(9, 4, mask_zero=True),
                make(lib.layers),
                lib.layers.LSTM(3),
            ]
        )

    k, n = twin_models(build)
    x = RNG.integers(1, 9, size=(5, 6)).astype(np.float32)
    x[:4, 3:] = 0
    assert_close("masked", n.predict(x, verbose=0), keras_predict(k, x))
    assert getattr(n.layers[1], "supports_masking", False) is passes


# ---- errors ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make,words",
    [
        (lambda: L.EinsumDense("ab,bc->ac", "x"), "EinsumDense.*output_shape"),
        (lambda: L.EinsumDense("ab,bc->ac", 3, bias_axes=1), "EinsumDense.*bias_axes"),
        (lambda: L.EinsumDense("ab,bc->ac", 3, activation="nope"), "nope"),
        (lambda: L.AlphaDropout(1.5), "AlphaDropout.*rate"),
        (lambda: L.AlphaDropout(0.5, noise_shape=(None, 0)), "AlphaDropout.*noise_shape"),
        (lambda: L.AlphaDropout(0.5, seed="x"), "AlphaDropout.*seed"),
        (lambda: L.CategoryEncoding(), "CategoryEncoding.*num_tokens"),
        (lambda: L.CategoryEncoding(0), "CategoryEncoding.*num_tokens"),
        (lambda: L.CategoryEncoding(3, output_mode="int"), "CategoryEncoding.*output_mode"),
        (lambda: L.Discretization(), "Discretization.*bin_boundaries"),
        (lambda: L.Discretization([0.0], num_bins=2), "Discretization.*num_bins"),
        (lambda: L.Discretization(num_bins=-1), "Discretization.*num_bins"),
        (lambda: L.Discretization([1.0, 0.0]), "Discretization.*bin_boundaries"),
        (lambda: L.Discretization([0.0], output_mode="tf_idf"), "Discretization.*output_mode"),
        (lambda: L.CenterCrop(0, 2), "CenterCrop.*height"),
        (lambda: L.CenterCrop(2, 2, data_format="nchw"), "CenterCrop.*data_format"),
    ],
)
def test_bad_arguments_raise_value_error_naming_layer_and_argument(make, words):
    with pytest.raises(ValueError, match=words):
        make()


def test_unsupported_keras_arguments_raise():
    from nerve.utils.keras_args import UnsupportedArgumentError

    for arg, value in (
        ("kernel_constraint", "non_neg"),
        ("bias_constraint", "non_neg"),
        ("lora_rank", 2),
        ("lora_alpha", 2),
        ("gptq_unpacked_column_size", 4),
        ("quantization_config", {"mode": "int8"}),
    ):
        with pytest.raises(UnsupportedArgumentError, match=f"EinsumDense.*{arg}"):
            L.EinsumDense("ab,bc->ac", 3, **{arg: value})
    with pytest.raises(UnsupportedArgumentError, match="CategoryEncoding.*sparse"):
        L.CategoryEncoding(3, sparse=True)
    with pytest.raises(UnsupportedArgumentError, match="Discretization.*sparse"):
        L.Discretization([0.0], output_mode="count", sparse=True)


@pytest.mark.parametrize(
    "make,shape,words",
    [
        (lambda: L.EinsumDense("abc", 3), (5,), "Invalid einsum equation"),
        (lambda: L.EinsumDense("abc,cd->abd", (None, 4)), (5,), "input axes"),
        (lambda: L.EinsumDense("abc,cd->abd", 4), (2, 5), "fit the equation"),
        (lambda: L.EinsumDense("abc,cd->abd", (3, 4)), (2, 5), "do not match"),
        (lambda: L.EinsumDense("ab,bc->ac", 3, bias_axes="x"), (5,), "Bias dimension"),
        (lambda: L.EinsumDense("ab,dc->ac", 3), (5,), "Weight dimension"),
        (lambda: L.AlphaDropout(0.5, noise_shape=(None, 2)), (3,), "noise_shape"),
        (lambda: L.CategoryEncoding(4), (2, 3), "rank 2"),
        (lambda: L.Discretization([0.0], output_mode="count"), (2, 3), "rank 2"),
        (lambda: L.Discretization(num_bins=3), (3,), "adapt"),
        (lambda: L.CenterCrop(2, 2), (4, 6), "rank 4"),
        (lambda: L.CenterCrop(2, 2), (None, 6, 3), "known"),
    ],
)
def test_inputs_the_layer_cannot_take(make, shape, words):
    layer = make()
    with pytest.raises(ValueError, match=words) as e:
        layer(nerve.Input(shape))
    assert type(layer).__name__ in str(e.value)


def test_discretization_adapt_refusals():
    with pytest.raises(ValueError, match="bin_boundaries"):
        L.Discretization([0.0]).adapt(np.zeros((3, 1)))
    layer = L.Discretization(num_bins=2)
    layer.adapt(np.arange(10.0))
    layer(np.zeros((2, 1), np.float32))
    with pytest.raises(ValueError, match="adapt"):
        layer.adapt(np.arange(10.0))
