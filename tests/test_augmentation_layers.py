"""RandomFlip, RandomRotation, RandomTranslation, RandomZoom and RandomContrast against Keras 3
(KERAS_BACKEND=jax): with the random range pinned the training outputs equal Keras's for every
fill mode and interpolation (odd and even image sizes) and the input gradients equal jax's; the
flips are exact; the per-sample draws are read back from the outputs (an image holding its own
coordinates, which bilinear resampling reproduces exactly) to check their range and that samples
differ; identity in inference; seeded runs repeat; summary, save/load (.nerve and .keras both
ways); a Sequential with augmentation in front of a small CNN fits."""

import itertools
import os

import numpy as np
import pytest

import nerve
from nerve import layers as L
from nerve.utils.keras_args import UnsupportedArgumentError

os.environ.setdefault("KERAS_BACKEND", "jax")
keras = pytest.importorskip("keras")

FILL_MODES = ["reflect", "wrap", "constant", "nearest"]
INTERPOLATIONS = ["bilinear", "nearest"]
SIZES = [(5, 7), (6, 4)]  # odd and even heights and widths


def _images(hw, n=3, channels=2, seed=0):
    return np.random.default_rng(seed).normal(size=(n, *hw, channels)).astype(np.float32)


# ---- outputs against Keras with the range pinned ---------------------------------------------
PINNED = {
    "rotation_quarter": lambda lib, **kw: lib.RandomRotation((0.25, 0.25), **kw),
    "rotation_small": lambda lib, **kw: lib.RandomRotation((0.07, 0.07), **kw),
    "rotation_negative": lambda lib, **kw: lib.RandomRotation((-0.4, -0.4), **kw),
    "translation": lambda lib, **kw: lib.RandomTranslation((0.3, 0.3), (-0.45, -0.45), **kw),
    "translation_far": lambda lib, **kw: lib.RandomTranslation((-1.0, -1.0), (0.9, 0.9), **kw),
    "zoom_out": lambda lib, **kw: lib.RandomZoom((0.6, 0.6), **kw),
    "zoom_in_anisotropic": lambda lib, **kw: lib.RandomZoom((-0.3, -0.3), (0.35, 0.35), **kw),
}


@pytest.mark.parametrize(
    "kind,fill_mode,interpolation,hw",
    list(itertools.product(sorted(PINNED), FILL_MODES, INTERPOLATIONS, SIZES)),
)
def test_pinned_transform_matches_keras(kind, fill_mode, interpolation, hw):
    x = _images(hw, seed=len(kind))
    kw = dict(fill_mode=fill_mode, interpolation=interpolation, fill_value=0.75)
    ours = np.asarray(PINNED[kind](L, **kw)(x, training=True))
    theirs = np.asarray(PINNED[kind](keras.layers, **kw)(x, training=True))
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kind,fill_mode", list(itertools.product(sorted(PINNED), FILL_MODES)))
def test_input_gradient_matches_jax(kind, fill_mode):
    import jax

    x = _images((5, 6), seed=3)
    g = np.random.default_rng(4).normal(size=x.shape).astype(np.float32)
    kw = dict(fill_mode=fill_mode, interpolation="bilinear", fill_value=0.5)
    theirs_layer = PINNED[kind](keras.layers, **kw)
    _, vjp = jax.vjp(lambda v: theirs_layer(v, training=True), x)
    (want,) = vjp(g)
    xt = nerve.Tensor(x)
    with nerve.GradientTape() as tape:
        tape.watch(xt)
        y = PINNED[kind](L, **kw)(xt, training=True)
        loss = nerve.ops.sum(nerve.ops.mul(y, nerve.Tensor(g)))
    (got,) = tape.gradient(loss, [xt])
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "factor,value_range", [((-0.4, 0.4), (0, 255)), ((-0.9, 0.9), (0, 1)), ((0.0, 0.0), (0, 1))]
)
def test_pinned_contrast_matches_keras(factor, value_range):
    x = np.random.default_rng(5).uniform(*value_range, size=(3, 5, 4, 3)).astype(np.float32)
    ours = np.asarray(L.RandomContrast(factor, value_range=value_range)(x, training=True))
    theirs = np.asarray(
        keras.layers.RandomContrast(factor, value_range=value_range)(x, training=True)
    )
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5 * value_range[1])
    assert ours.min() >= value_range[0] and ours.max() <= value_range[1]


def test_contrast_gradient_matches_jax():
    import jax

    x = np.random.default_rng(6).uniform(0, 1, size=(2, 4, 5, 2)).astype(np.float32)
    g = np.random.default_rng(7).normal(size=x.shape).astype(np.float32)
    # value_range (0.2, 0.8) clips some outputs: their gradient is 0, as jnp.clip's
    theirs = keras.layers.RandomContrast((-0.5, 0.5), value_range=(0.2, 0.8))
    _, vjp = jax.vjp(lambda v: theirs(v, training=True), x)
    (want,) = vjp(g)
    xt = nerve.Tensor(x)
    with nerve.GradientTape() as tape:
        tape.watch(xt)
        y = L.RandomContrast((-0.5, 0.5), value_range=(0.2, 0.8))(xt, training=True)
        loss = nerve.ops.sum(nerve.ops.mul(y, nerve.Tensor(g)))
    (got,) = tape.gradient(loss, [xt])
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-5, atol=1e-5)


# ---- flips -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "mode,axes", [("horizontal", (2,)), ("vertical", (1,)), ("horizontal_and_vertical", (1, 2))]
)
def test_flip_gives_each_sample_the_image_or_its_flip(mode, axes):
    x = _images((5, 6), n=200, seed=8)
    y = np.asarray(L.RandomFlip(mode, seed=11)(x, training=True))
    flipped = np.flip(x, axis=axes)
    kept = [np.array_equal(y[i], x[i]) for i in range(len(x))]
    turned = [np.array_equal(y[i], flipped[i]) for i in range(len(x))]
    assert all(k != t for k, t in zip(kept, turned))  # exactly one of the two, bit for bit
    assert 0.35 < np.mean(turned) < 0.65  # probability 1/2 per sample


def test_flip_gradient_is_the_same_flip():
    x = _images((4, 5), n=16, seed=9)
    g = np.random.default_rng(10).normal(size=x.shape).astype(np.float32)
    xt = nerve.Tensor(x)
    with nerve.GradientTape() as tape:
        tape.watch(xt)
        y = L.RandomFlip("horizontal", seed=2)(xt, training=True)
        loss = nerve.ops.sum(nerve.ops.mul(y, nerve.Tensor(g)))
    (dx,) = tape.gradient(loss, [xt])
    y, dx = np.asarray(y), np.asarray(dx)
    for i in range(len(x)):
        turned = np.array_equal(y[i], x[i, :, ::-1])
        np.testing.assert_array_equal(dx[i], g[i, :, ::-1] if turned else g[i])


# ---- the random draws --------------------------------------------------------------------------
def _coordinate_images(n, size=33):
    """Images whose channels hold their own column and row: bilinear resampling of a linear
    function is exact, so an output pixel holds the point it sampled."""
    rows, cols = np.meshgrid(np.arange(size), np.arange(size), indexing="ij")
    image = np.stack([cols, rows], axis=-1).astype(np.float32)
    return np.repeat(image[None], n, axis=0)


def _sampled(layer, n=300, size=33):
    """Per sample, the sample point of the centre pixel and its steps along a row and a column."""
    y = np.asarray(layer(_coordinate_images(n, size), training=True), np.float64)
    c = size // 2
    centre = y[:, c, c]
    return centre, y[:, c, c + 1] - centre, y[:, c + 1, c] - centre


def _spread(values, low, high):
    """The draws cover [low, high] and stay inside it, and the samples differ."""
    span = high - low
    assert values.min() >= low - 1e-4 and values.max() <= high + 1e-4
    assert values.min() < low + 0.1 * span and values.max() > high - 0.1 * span
    assert len(np.unique(np.round(values, 5))) > 0.95 * len(values)


def test_rotation_angles_are_drawn_per_sample_within_the_factor():
    _, along_row, _ = _sampled(L.RandomRotation((-0.05, 0.1), fill_mode="nearest", seed=1))
    # along a row the sample point moves by (cos a, sin a) (column, row)
    angles = np.degrees(np.arctan2(along_row[:, 1], along_row[:, 0]))
    _spread(angles, -0.05 * 360, 0.1 * 360)


def test_translations_are_drawn_per_sample_within_the_factors():
    size = 33
    centre, _, _ = _sampled(L.RandomTranslation(0.2, (-0.1, 0.3), fill_mode="wrap", seed=2))
    shift_cols = (size // 2 - centre[:, 0]) / size  # the column read is j - dx
    shift_rows = (size // 2 - centre[:, 1]) / size
    _spread(shift_rows, -0.2, 0.2)
    _spread(shift_cols, -0.1, 0.3)
    assert abs(np.corrcoef(shift_rows, shift_cols)[0, 1]) < 0.2  # independent draws


def test_zooms_are_drawn_per_sample_and_follow_the_height_without_width_factor():
    _, along_row, along_col = _sampled(L.RandomZoom((-0.3, 0.2), seed=3))
    _spread(along_col[:, 1] - 1.0, -0.3, 0.2)
    np.testing.assert_allclose(along_row[:, 0], along_col[:, 1], atol=1e-5)  # width = height
    _, along_row, along_col = _sampled(L.RandomZoom(0.2, (0.1, 0.4), seed=3))
    _spread(along_row[:, 0] - 1.0, 0.1, 0.4)
    _spread(along_col[:, 1] - 1.0, -0.2, 0.2)


def test_contrast_factors_are_drawn_per_sample_in_keras_range():
    x = _images((6, 5), n=300, seed=12)
    # Keras 3.15 reads factor 0.3 as (0, 0.3): the contrast factor lies in [1, 1.3]
    y = np.asarray(L.RandomContrast(0.3, value_range=(-100, 100), seed=4)(x, training=True))
    mean = x.mean(axis=(1, 2), keepdims=True)
    factors = ((y - mean) / (x - mean)).reshape(len(x), -1)
    np.testing.assert_allclose(factors, factors[:, :1].repeat(factors.shape[1], 1), rtol=1e-3)
    _spread(factors[:, 0], 1.0, 1.3)


# ---- inference, seeds --------------------------------------------------------------------------
ALL = {
    "RandomFlip": lambda: L.RandomFlip(),
    "RandomRotation": lambda: L.RandomRotation(0.2),
    "RandomTranslation": lambda: L.RandomTranslation(0.2, 0.2),
    "RandomZoom": lambda: L.RandomZoom(0.2),
    "RandomContrast": lambda: L.RandomContrast(0.5),
}


@pytest.mark.parametrize("name", sorted(ALL))
def test_identity_in_inference(name):
    x = _images((6, 5), n=4, seed=13) * 50 + 100
    layer = ALL[name]()
    np.testing.assert_array_equal(np.asarray(layer(x)), x)
    np.testing.assert_array_equal(np.asarray(layer(x, training=False)), x)
    model = nerve.Sequential([nerve.Input((6, 5, 2)), ALL[name]()])
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)
    model.compile(loss="mse")
    assert model.evaluate(x, x, verbose=0) == 0.0
    assert not np.array_equal(np.asarray(layer(x, training=True)), x)


@pytest.mark.parametrize("name", sorted(ALL))
def test_seeded_runs_repeat_and_calls_draw_afresh(name):
    x = _images((6, 5), n=8, seed=14) * 50 + 100

    def run():
        nerve.utils.set_random_seed(123)
        model = nerve.Sequential([nerve.Input((6, 5, 2)), ALL[name]()])
        layer = model.layers[-1]
        return [np.asarray(layer(x, training=True)) for _ in range(2)]

    first, second = run(), run()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], first[1])  # each training call draws afresh


def test_given_seed_repeats_without_the_global_seed():
    x = _images((6, 5), n=8, seed=15)
    a = np.asarray(L.RandomRotation(0.3, seed=9)(x, training=True))
    b = np.asarray(L.RandomRotation(0.3, seed=9)(x, training=True))
    c = np.asarray(L.RandomRotation(0.3, seed=10)(x, training=True))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


# ---- arguments ---------------------------------------------------------------------------------
def test_channels_first_is_refused():
    for make in (
        lambda: L.RandomFlip(data_format="channels_first"),
        lambda: L.RandomRotation(0.1, data_format="channels_first"),
        lambda: L.RandomTranslation(0.1, 0.1, data_format="channels_first"),
        lambda: L.RandomZoom(0.1, data_format="channels_first"),
    ):
        with pytest.raises(UnsupportedArgumentError, match="channels_first"):
            make()


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda: L.RandomRotation((0.1, 0.2, 0.3)), "RandomRotation.*factor"),
        (lambda: L.RandomRotation("a lot"), "RandomRotation.*factor"),
        (lambda: L.RandomTranslation(0.1, -1.5), "RandomTranslation.*width_factor"),
        (lambda: L.RandomZoom((-1.0, 0.2)), "RandomZoom.*height_factor"),
        (lambda: L.RandomContrast(-0.2), "RandomContrast.*factor"),
        (lambda: L.RandomFlip("sideways"), "RandomFlip.*mode"),
        (lambda: L.RandomZoom(0.1, fill_mode="mirror"), "RandomZoom.*fill_mode"),
    ],
)
def test_bad_arguments_name_the_layer_and_argument(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_image_rank_is_checked():
    with pytest.raises(ValueError, match=r"RandomRotation.*rank 4"):
        nerve.Sequential([nerve.Input((6, 5)), L.RandomRotation(0.1)])


@pytest.mark.parametrize(
    "name,args,kwargs",
    [
        ("RandomFlip", ("vertical",), dict(seed=3)),
        ("RandomRotation", (0.2,), dict(fill_mode="wrap", interpolation="nearest", fill_value=1.0)),
        ("RandomRotation", ((-0.1, 0.3),), {}),
        ("RandomTranslation", (0.1, (-0.2, 0.3)), dict(fill_mode="constant", seed=4)),
        ("RandomZoom", (0.2,), {}),
        ("RandomZoom", ((0.1, 0.2), 0.3), dict(fill_mode="nearest")),
        ("RandomContrast", (0.2,), dict(value_range=(0, 1), seed=1)),
        ("RandomContrast", ((0.1, 0.3),), {}),
    ],
)
def test_config_values_equal_keras(name, args, kwargs):
    ours = getattr(L, name)(*args, **kwargs).get_config()
    theirs = getattr(keras.layers, name)(*args, **kwargs).get_config()
    for key, value in ours.items():
        if key in ("name", "dtype", "trainable", "data_format"):
            continue
        want = theirs[key]
        assert value == (tuple(want) if isinstance(want, list) else want), key


# ---- models: summary, saving, training -----------------------------------------------------------
def _augmentation():
    return [
        L.RandomFlip("horizontal", seed=1),
        L.RandomRotation(0.1, seed=2),
        L.RandomZoom(0.1, seed=3),
        L.RandomTranslation(0.1, 0.1, seed=4),
        L.RandomContrast(0.2, value_range=(0, 1), seed=5),
    ]


def _cnn(lib, augmentation):
    return lib.Sequential(
        [
            lib.Input((8, 8, 1)),
            *augmentation,
            lib.layers.Conv2D(4, 3, activation="relu"),
            lib.layers.GlobalAveragePooling2D(),
            lib.layers.Dense(2, activation="softmax"),
        ]
    )


def test_summary_lists_the_layers_without_parameters():
    model = _cnn(nerve, _augmentation())
    lines = []
    model.summary(print_fn=lines.append)
    rows = "\n".join(lines).splitlines()
    for name in (
        "RandomFlip",
        "RandomRotation",
        "RandomZoom",
        "RandomTranslation",
        "RandomContrast",
    ):
        (row,) = [r for r in rows if f"({name})" in r]
        cells = [c.strip() for c in row.strip("│ ").split("│")]
        assert cells[1:] == ["(None, 8, 8, 1)", "0"], row
    assert any("Total params: 50" in r for r in rows)


def test_save_and_load_keep_the_layers(tmp_path):
    model = _cnn(nerve, _augmentation())
    x = np.random.default_rng(16).uniform(size=(4, 8, 8, 1)).astype(np.float32)
    model.save(tmp_path / "m.nerve")
    loaded = nerve.models.load_model(tmp_path / "m.nerve")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    for a, b in zip(model.layers, loaded.layers):
        assert a.get_config() == b.get_config()


def test_keras_file_both_ways(tmp_path):
    ours = _cnn(nerve, _augmentation())
    x = np.random.default_rng(17).uniform(size=(4, 8, 8, 1)).astype(np.float32)
    ours.save(tmp_path / "ours.keras")
    theirs = keras.models.load_model(tmp_path / "ours.keras")
    np.testing.assert_allclose(theirs.predict(x, verbose=0), ours.predict(x, verbose=0), atol=1e-6)
    assert [type(layer).__name__ for layer in theirs.layers[:5]] == [
        "RandomFlip",
        "RandomRotation",
        "RandomZoom",
        "RandomTranslation",
        "RandomContrast",
    ]
    assert theirs.layers[1].factor == (-0.1, 0.1)
    theirs.save(tmp_path / "theirs.keras")
    back = nerve.models.load_model(tmp_path / "theirs.keras")
    np.testing.assert_allclose(back.predict(x, verbose=0), ours.predict(x, verbose=0), atol=1e-6)
    assert back.layers[3].get_config()["height_factor"] == 0.1


def test_augmented_cnn_fits():
    """The tutorials' pattern: a Sequential whose first layers augment, trained with fit. The
    task (is the bright blob in the top or the bottom half?) survives horizontal flips, small
    rotations, zooms, shifts and contrast changes."""
    nerve.utils.set_random_seed(0)
    rng = np.random.default_rng(18)
    n = 256
    labels = rng.integers(0, 2, size=n)
    x = rng.uniform(0, 0.2, size=(n, 8, 8, 1)).astype(np.float32)
    for i, label in enumerate(labels):
        r, c = (1 if label == 0 else 5), rng.integers(1, 6)
        x[i, r : r + 2, c : c + 2, 0] = 1.0
    model = _cnn(nerve, _augmentation())
    model.compile(optimizer=nerve.optimizers.Adam(0.02), loss="sparse_categorical_crossentropy")
    history = model.fit(x, labels, epochs=15, batch_size=32, verbose=0)
    losses = history.history["loss"]
    assert np.all(np.isfinite(losses)) and losses[-1] < 0.6 * losses[0]
    accuracy = np.mean(model.predict(x, verbose=0).argmax(axis=1) == labels)
    assert accuracy > 0.9


@pytest.mark.parametrize("name", sorted(ALL))
def test_fit_augments_each_step_and_evaluate_does_not(name):
    """With a learning rate of 0 the weights stay put: fit's loss then changes from epoch to
    epoch only through fresh draws, and evaluate (no augmentation) equals the plain model's."""
    rng = np.random.default_rng(19)
    x = rng.uniform(0, 1, size=(32, 6, 5, 2)).astype(np.float32)
    y = rng.normal(size=(32, 1)).astype(np.float32)
    nerve.utils.set_random_seed(1)
    model = nerve.Sequential([nerve.Input((6, 5, 2)), ALL[name](), L.Flatten(), L.Dense(1)])
    model.compile(optimizer=nerve.optimizers.SGD(0.0), loss="mse")
    losses = model.fit(x, y, epochs=3, batch_size=32, shuffle=False, verbose=0).history["loss"]
    assert len(set(losses)) == 3
    plain = np.mean((np.asarray(model.layers[-1](model.layers[-2](x))) - y) ** 2)
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), plain, rtol=1e-5)
