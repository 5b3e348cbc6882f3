"""Keras 3 layers nerve writes in Python with nerve.ops (traced into C++ like a custom layer):
Permute, Dot / dot, Maximum / maximum, Minimum / minimum, ZeroPadding1D, Cropping1D,
UpSampling1D, SpatialDropout1D, SpatialDropout2D, UnitNormalization, RMSNormalization and
GroupNormalization, each checked against Keras 3 itself (JAX backend):

- the same weights give the same outputs (predict and a direct call), on several shapes and
  arguments;
- a few steps of SGD through the layer (fed by a Dense, so the layer's input gradient counts,
  and its own weights for RMSNormalization / GroupNormalization) give Keras's losses and weights;
- a model holding the layer trains (its loss falls) with fit;
- saving round trips: nerve's own format, a .keras file nerve writes that Keras loads, and a
  .keras file Keras writes that nerve loads, all predicting the same;
- get_config / from_config round trips, and the config is one Keras's class reads back to the
  same config;
- the dropout layers: whole channels dropped while training, scaled by 1 / (1 - rate), the
  identity in inference, fresh masks each step, repeatable from the seed, gradients through the
  mask.
"""

from __future__ import annotations

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

RNG = np.random.default_rng(2024)
N = 12  # samples


def floats(*shape):
    return lambda: RNG.normal(size=(N, *shape)).astype(np.float32)


def pair(a, b):
    return lambda: [floats(*a)(), floats(*b)()]


def seq(input_shape, *layers_of):
    """Input -> Dense(width) -> the layers -> Flatten -> Dense(3): a model whose loss
    differentiates through the layer into the first Dense."""

    def build(lib):
        L = lib.layers
        return lib.Sequential(
            [lib.Input(input_shape)]
            + [f(L) for f in layers_of]
            + [L.Flatten(), L.Dense(3, name="head")]
        )

    return build


def merged(make_layer, shapes=((6,),), widths=(4, 4, 4), inner=None):
    """Inputs -> one Dense per branch -> the merge layer -> Flatten -> Dense(3)."""

    def build(lib):
        L = lib.layers
        inputs = [lib.Input(s) for s in shapes]
        branches = [
            L.Dense(w)(inputs[i % len(inputs)] if inner is None else inner(L, inputs, i))
            for i, w in enumerate(widths)
        ]
        out = make_layer(lib, branches)
        if len(out.shape) > 2:
            out = L.Flatten()(out)
        return lib.Model(inputs if len(inputs) > 1 else inputs[0], L.Dense(3)(out))

    return build


# (id, build(lib) -> model, () -> x)
CASES = [
    ("Permute-2d", seq((4, 3), lambda L: L.Dense(5), lambda L: L.Permute((2, 1))), floats(4, 3)),
    (
        "Permute-3d",
        seq((2, 3, 4), lambda L: L.Dense(2), lambda L: L.Permute((3, 1, 2))),
        floats(2, 3, 4),
    ),
    ("Maximum", merged(lambda lib, xs: lib.layers.Maximum()(xs)), floats(6)),
    ("maximum-function", merged(lambda lib, xs: lib.layers.maximum(xs[:2])), floats(6)),
    (
        "Minimum-broadcast",
        merged(
            lambda lib, xs: lib.layers.Minimum()(
                [lib.layers.Reshape((4, 1))(xs[0]), lib.layers.Reshape((1, 4))(xs[1])]
            ),
            widths=(4, 4),
        ),
        floats(6),
    ),
    ("minimum-function", merged(lambda lib, xs: lib.layers.minimum(xs)), floats(6)),
    ("Dot-axes1", merged(lambda lib, xs: lib.layers.Dot(axes=1)(xs[:2])), floats(6)),
    (
        "Dot-axes-pair-normalize",
        merged(
            lambda lib, xs: lib.layers.Dot(axes=(1, 2), normalize=True)(xs),
            shapes=((6,), (3, 5)),
            widths=(4, 4),
        ),
        pair((6,), (3, 5)),
    ),
    (
        "dot-function-3d",
        merged(
            lambda lib, xs: lib.layers.dot(xs, axes=-1),
            shapes=((3, 2), (5, 2)),
            widths=(4, 4),
        ),
        pair((3, 2), (5, 2)),
    ),
    (
        "ZeroPadding1D",
        seq((5, 2), lambda L: L.Dense(3), lambda L: L.ZeroPadding1D((1, 2))),
        floats(5, 2),
    ),
    (
        "ZeroPadding1D-channels_first",
        seq((5, 2), lambda L: L.Dense(3), lambda L: L.ZeroPadding1D(2, "channels_first")),
        floats(5, 2),
    ),
    (
        "Cropping1D",
        seq((6, 2), lambda L: L.Dense(3), lambda L: L.Cropping1D((2, 1))),
        floats(6, 2),
    ),
    (
        "Cropping1D-int",
        seq((6, 2), lambda L: L.Dense(3), lambda L: L.Cropping1D(1)),
        floats(6, 2),
    ),
    (
        "UpSampling1D",
        seq((4, 2), lambda L: L.Dense(3), lambda L: L.UpSampling1D(3)),
        floats(4, 2),
    ),
    (
        "SpatialDropout1D",
        seq((4, 2), lambda L: L.Dense(3), lambda L: L.SpatialDropout1D(0.0)),
        floats(4, 2),
    ),
    (
        "SpatialDropout2D",
        seq((3, 2, 2), lambda L: L.Dense(3), lambda L: L.SpatialDropout2D(0.0, seed=3)),
        floats(3, 2, 2),
    ),
    (
        "UnitNormalization",
        seq((4, 3), lambda L: L.Dense(3), lambda L: L.UnitNormalization()),
        floats(4, 3),
    ),
    (
        "UnitNormalization-axes",
        seq((4, 3), lambda L: L.Dense(3), lambda L: L.UnitNormalization(axis=[1, 2])),
        floats(4, 3),
    ),
    (
        "RMSNormalization",
        seq((4, 3), lambda L: L.Dense(6), lambda L: L.RMSNormalization()),
        floats(4, 3),
    ),
    (
        "RMSNormalization-axes",
        seq((4, 3), lambda L: L.Dense(5), lambda L: L.RMSNormalization([1, 2], epsilon=0.1)),
        floats(4, 3),
    ),
    (
        "GroupNormalization",
        seq((4, 3), lambda L: L.Dense(6), lambda L: L.GroupNormalization(groups=3)),
        floats(4, 3),
    ),
    (
        "GroupNormalization-instance-axis1",
        seq(
            (4, 3),
            lambda L: L.Dense(6),
            lambda L: L.GroupNormalization(groups=-1, axis=1, epsilon=0.01),
        ),
        floats(4, 3),
    ),
    (
        "GroupNormalization-no-center-4d",
        seq(
            (2, 3, 2),
            lambda L: L.Dense(4),
            lambda L: L.GroupNormalization(groups=2, center=False),
        ),
        floats(2, 3, 2),
    ),
    (
        "GroupNormalization-no-scale",
        seq((4, 3), lambda L: L.Dense(4), lambda L: L.GroupNormalization(2, scale=False)),
        floats(4, 3),
    ),
]
IDS = [c[0] for c in CASES]
PARAMS = [c[1:] for c in CASES]


def _as_list(y):
    return [np.asarray(t) for t in y] if isinstance(y, (list, tuple)) else [np.asarray(y)]


@pytest.mark.parametrize("build,make_x", PARAMS, ids=IDS)
def test_same_weights_same_outputs_as_keras(request, build, make_x):
    label = request.node.callspec.id
    x = make_x()
    k, n = twin_models(build)
    assert_close(f"{label} predict", n.predict(x, verbose=0), keras_predict(k, x))
    # a direct call in inference mode too (numpy in, numpy out)
    assert_close(f"{label} call", np.asarray(n(x)), np.asarray(k(x, training=False)))


@pytest.mark.parametrize("build,make_x", PARAMS, ids=IDS)
def test_sgd_steps_match_keras(request, build, make_x):
    """Three SGD steps (batch 4): the losses and every weight afterwards (the first Dense's
    kernel moves by the gradient through the layer; the normalization layers' own weights by
    theirs)."""
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
    y = np.tanh(np.sum(_as_list(x)[0].reshape(N, -1)[:, :3], axis=1, keepdims=True)) * np.ones(
        (1, 3), np.float32
    )
    nerve.utils.set_random_seed(1)
    model = build(nerve)
    model.compile(optimizer=nerve.optimizers.Adam(0.02), loss="mse")
    loss = model.fit(x, y, epochs=15, batch_size=6, verbose=0).history["loss"]
    assert loss[-1] < 0.7 * loss[0], f"{request.node.callspec.id}: loss {loss[0]} -> {loss[-1]}"


def _randomize(model, seed=0):
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(0, 0.5, w.shape).astype(np.float32) for w in model.get_weights()])


# the dropout layers active (rate > 0; predict is the identity either way): Keras then holds a
# seed generator, which its .keras file leaves out, as nerve's does
ACTIVE_DROPOUT = [
    (
        "SpatialDropout1D-active",
        seq((4, 2), lambda L: L.Dense(3), lambda L: L.SpatialDropout1D(0.3, seed=2)),
        floats(4, 2),
    ),
    (
        "SpatialDropout2D-active",
        seq((3, 2, 2), lambda L: L.Dense(3), lambda L: L.SpatialDropout2D(0.25)),
        floats(3, 2, 2),
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
L = nerve.layers
CONFIG_CASES = [
    (lambda m: m.Permute((3, 1, 2)), (2, 3, 4)),
    (lambda m: m.Dot(axes=(1, 2), normalize=True), None),
    (lambda m: m.Dot(axes=-1), None),
    (lambda m: m.Maximum(), None),
    (lambda m: m.Minimum(), None),
    (lambda m: m.ZeroPadding1D((1, 3), data_format="channels_first"), (3, 4)),
    (lambda m: m.ZeroPadding1D(), (3, 4)),
    (lambda m: m.Cropping1D(2), (6, 4)),
    (lambda m: m.UpSampling1D(size=4), (3, 4)),
    (lambda m: m.SpatialDropout1D(0.3, seed=5), (3, 4)),
    (lambda m: m.SpatialDropout2D(0.2, data_format="channels_first"), (3, 4, 2)),
    (lambda m: m.UnitNormalization(axis=[1, 2]), (3, 4)),
    (lambda m: m.RMSNormalization(axis=-1, epsilon=0.01), (3, 4)),
    (
        lambda m: m.GroupNormalization(
            groups=2,
            axis=1,
            epsilon=0.01,
            center=False,
            gamma_initializer=m_init(m, "RandomNormal", stddev=0.2),
            beta_regularizer=m_reg(m, "L2", l2=0.1),
        ),
        (4, 3),
    ),
]


def m_init(layers_module, name, **kw):
    lib = nerve if layers_module is nerve.layers else keras
    return getattr(lib.initializers, name)(**kw)


def m_reg(layers_module, name, **kw):
    lib = nerve if layers_module is nerve.layers else keras
    return getattr(lib.regularizers, name)(**kw)


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
    if shape is not None:  # built: RMSNormalization's axis becomes a list, as Keras's
        layer(np.zeros((2, *shape), np.float32))
    config = layer.get_config()
    clone = type(layer).from_config(json.loads(json.dumps(config)))
    assert type(clone) is type(layer)
    assert _plain(clone.get_config()) == _plain(config)
    # Keras's own class takes nerve's config and gives back the same arguments
    keras_layer = getattr(keras.layers, type(layer).__name__).from_config(
        json.loads(json.dumps(config))
    )
    keras_made = make(keras.layers)
    if shape is not None:
        keras_made(np.zeros((2, *shape), np.float32))
    want = _plain(keras_made.get_config())
    want["name"] = config["name"]
    assert _plain(config) == want
    assert sorted(_plain(keras_layer.get_config())) == sorted(_plain(config))


def test_signatures_and_defaults_are_keras():
    import inspect

    for name in (
        "Permute",
        "Dot",
        "Maximum",
        "Minimum",
        "ZeroPadding1D",
        "Cropping1D",
        "UpSampling1D",
        "SpatialDropout1D",
        "SpatialDropout2D",
        "UnitNormalization",
        "RMSNormalization",
        "GroupNormalization",
    ):
        ours = inspect.signature(getattr(L, name).__init__)
        theirs = inspect.signature(getattr(keras.layers, name).__init__)
        assert [(p.name, p.default, p.kind) for p in ours.parameters.values()] == [
            (p.name, p.default, p.kind) for p in theirs.parameters.values()
        ], name
    for name in ("dot", "maximum", "minimum"):
        ours = inspect.signature(getattr(L, name))
        theirs = inspect.signature(getattr(keras.layers, name))
        assert [(p.name, p.default) for p in ours.parameters.values()] == [
            (p.name, p.default) for p in theirs.parameters.values()
        ], name


# ---- errors ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make,words",
    [
        (lambda: L.Permute((1, 1)), "Permute.*dims"),
        (lambda: L.Dot(axes=(1, 2, 3)), "Dot.*axes"),
        (lambda: L.ZeroPadding1D((1, -1)), "ZeroPadding1D.*padding"),
        (lambda: L.ZeroPadding1D(data_format="nhwc"), "ZeroPadding1D.*data_format"),
        (lambda: L.Cropping1D((1, 2, 3)), "Cropping1D.*cropping"),
        (lambda: L.UpSampling1D(0), "UpSampling1D.*size"),
        (lambda: L.SpatialDropout1D(1.5), "SpatialDropout1D.*rate"),
        (lambda: L.SpatialDropout2D(0.5, data_format="x"), "SpatialDropout2D.*data_format"),
        (lambda: L.RMSNormalization(epsilon=-1), "RMSNormalization.*epsilon"),
        (lambda: L.GroupNormalization(groups=0), "GroupNormalization.*groups"),
        (lambda: L.GroupNormalization(groups=-2), "GroupNormalization.*groups"),
    ],
)
def test_bad_arguments_raise_value_error_naming_layer_and_argument(make, words):
    with pytest.raises(ValueError, match=words):
        make()


def test_keras_type_errors_stay_type_errors():
    with pytest.raises(TypeError, match="Dot.*axes"):
        L.Dot(axes="last")
    with pytest.raises(TypeError, match="UpSampling1D.*size"):
        L.UpSampling1D(2.0)
    with pytest.raises(TypeError, match="UnitNormalization.*axis"):
        L.UnitNormalization(axis="last")


def test_unsupported_keras_arguments_raise():
    from nerve.utils.keras_args import UnsupportedArgumentError

    for arg in ("beta_constraint", "gamma_constraint"):
        with pytest.raises(UnsupportedArgumentError, match=f"GroupNormalization.*{arg}"):
            L.GroupNormalization(groups=2, **{arg: "non_neg"})


@pytest.mark.parametrize(
    "make,shapes,words",
    [
        (lambda: L.GroupNormalization(groups=4), [(3, 6)], "groups"),
        (lambda: L.GroupNormalization(groups=2), [(3, 5)], "multiple"),
        (lambda: L.Cropping1D((2, 2)), [(4, 3)], "cropping"),
        (lambda: L.Dot(axes=1), [(3,), (4,)], "Incompatible"),
        (lambda: L.Maximum(), [(3,), (4,)], "incompatible"),
        (lambda: L.Permute((2, 1)), [(3,)], "dims"),
        (lambda: L.UnitNormalization(axis=3), [(3, 2)], "out of bounds"),
        (lambda: L.RMSNormalization(axis=-3), [(3,)], "out of bounds"),
    ],
)
def test_inputs_the_layer_cannot_take(make, shapes, words):
    layer = make()
    inputs = [nerve.Input(s) for s in shapes]
    with pytest.raises(ValueError, match=words) as e:
        layer(inputs if len(inputs) > 1 else inputs[0])
    assert type(layer).__name__ in str(e.value)


# ---- the dropout layers --------------------------------------------------------------------
@pytest.mark.parametrize(
    "make,shape,channel_axis,shared_axes",
    [
        (lambda: L.SpatialDropout1D(0.4, seed=11), (8, 40), 2, (1,)),
        (lambda: L.SpatialDropout2D(0.4, seed=11), (3, 4, 40), 3, (1, 2)),
        (
            lambda: L.SpatialDropout2D(0.4, data_format="channels_first", seed=11),
            (40, 3, 4),
            1,
            (2, 3),
        ),
    ],
)
def test_spatial_dropout_drops_whole_channels_while_training(
    make, shape, channel_axis, shared_axes
):
    layer = make()
    x = 1.0 + np.abs(RNG.normal(size=(6, *shape))).astype(np.float32)
    np.testing.assert_array_equal(layer(x), x)  # a plain call: inference
    np.testing.assert_array_equal(layer(x, training=False), x)
    y = np.asarray(layer(x, training=True))
    kept = y != 0
    # each channel of each sample is kept or dropped as a whole, kept values scaled 1 / (1 - rate)
    whole = np.all(kept, axis=shared_axes, keepdims=True)
    np.testing.assert_array_equal(kept, np.broadcast_to(whole, kept.shape))
    np.testing.assert_allclose(y[kept], x[kept] / 0.6, rtol=1e-6)
    fraction = 1 - kept.mean()
    assert 0.25 < fraction < 0.55, fraction
    y2 = np.asarray(layer(x, training=True))
    assert not np.array_equal(y2 != 0, kept), "the mask must change from call to call"
    # the same seed repeats the same masks
    again = make()
    np.testing.assert_array_equal(np.asarray(again(x, training=True)), y)
    del channel_axis


def test_spatial_dropout_gradient_goes_through_the_mask():
    layer = L.SpatialDropout1D(0.5, seed=3)
    x = 1.0 + np.abs(RNG.normal(size=(4, 5, 6))).astype(np.float32)
    p = RNG.normal(size=x.shape).astype(np.float32)
    t = nerve.Tensor(x)
    with nerve.GradientTape() as tape:
        tape.watch(t)
        y = layer(t, training=True)
        loss = nerve.ops.sum(nerve.ops.multiply(y, nerve.Tensor(p)))
    (grad,) = tape.gradient(loss, [t])
    mask = (np.asarray(y) != 0).astype(np.float32)
    np.testing.assert_allclose(np.asarray(grad), p * mask / 0.5, rtol=1e-6)


def test_spatial_dropout_in_fit_and_predict():
    """In fit the masks are drawn on every step (training), in predict the layer is the
    identity: the model with the layer predicts what the model without it does."""
    nerve.utils.set_random_seed(3)
    inp = nerve.Input((5, 4))
    dense, flatten, head = L.Dense(4), L.Flatten(), L.Dense(1)
    model = nerve.Model(inp, head(flatten(L.SpatialDropout1D(0.5, seed=1)(dense(inp)))))
    without = nerve.Model(inp, head(flatten(dense(inp))))
    x = RNG.normal(size=(16, 5, 4)).astype(np.float32)
    np.testing.assert_array_equal(model.predict(x, verbose=0), without.predict(x, verbose=0))
    model.compile(optimizer="sgd", loss="mse")
    y = RNG.normal(size=(16, 1)).astype(np.float32)
    first = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=3, batch_size=4, verbose=0)
    np.testing.assert_array_equal(model.predict(x, verbose=0), without.predict(x, verbose=0))
    assert np.isfinite(first)


def test_open_length_sequence_layers_match_keras():
    """Input((None, 3)): a cropping longer than the tracer's example lengths keeps the length
    open; every length gives Keras's output."""

    def build(lib):
        L = lib.layers
        return lib.Sequential(
            [
                lib.Input((None, 3)),
                L.Cropping1D((2, 2)),
                L.UpSampling1D(2),
                L.ZeroPadding1D((1, 0)),
                L.Permute((2, 1)),
                L.Permute((2, 1)),
                L.SpatialDropout1D(0.5),
                L.RMSNormalization(),
                L.GroupNormalization(3),
                L.Dense(2),
            ]
        )

    k, n = twin_models(build)
    assert n.output_shape == (None, None, 2)
    for length in (5, 7, 10):
        x = RNG.normal(size=(3, length, 3)).astype(np.float32)
        assert_close(f"length {length}", n.predict(x, verbose=0), keras_predict(k, x))
