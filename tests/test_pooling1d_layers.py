"""The 1-D poolings against Keras 3 on JAX: AveragePooling1D, MaxPooling1D, GlobalMaxPooling1D and
GlobalAveragePooling1D (with their Keras aliases) on a grid of lengths, pool sizes, strides and
paddings: outputs to 1e-6, input gradients to jax.grad's to 1e-5, ties for the maximum included
(JAX shares a global max's gradient equally among the tied steps and gives a window's to its first
maximum). Then masked inputs, save / load, summary, the text-classification tutorial's Conv1D ->
GlobalMaxPooling1D model trained beside Keras from the same weights, and the errors."""

import os

import numpy as np
import pytest

import nerve
from nerve import layers as L
from nerve.utils.keras_args import UnsupportedArgumentError

os.environ.setdefault("KERAS_BACKEND", "jax")
keras = pytest.importorskip("keras")
jax = pytest.importorskip("jax")

from _keras_diff import assert_history_close, assert_weights_close, twin_models  # noqa: E402

# Keras 3.15's own Variable.__array__ lacks numpy 2's copy keyword
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)


def _nerve_forward_and_grad(layer, x, g):
    """The layer's output on x and d sum(output * g) / d x."""
    t = nerve.Tensor(x)
    with nerve.GradientTape() as tape:
        tape.watch(t)
        y = layer(t)
    dx = tape.gradient(y, t, output_gradients=nerve.Tensor(g))
    return np.asarray(y), np.asarray(dx)


def _keras_forward_and_grad(layer, x, g):
    y = np.asarray(layer(x))
    dx = jax.grad(lambda a: (layer(a) * g).sum())(jax.numpy.asarray(x))
    return y, np.asarray(dx)


def _compare(make, x, seed=0):
    """make(lib.layers) in nerve and Keras on x: outputs to 1e-6, input gradients to 1e-5."""
    n, k = make(L), make(keras.layers)
    want_y = np.asarray(k(x))
    g = np.random.default_rng(seed).normal(size=want_y.shape).astype(np.float32)
    got_y, got_dx = _nerve_forward_and_grad(n, x, g)
    want_y, want_dx = _keras_forward_and_grad(k, x, g)
    assert got_y.shape == want_y.shape
    np.testing.assert_allclose(got_y, want_y, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(got_dx, want_dx, rtol=1e-5, atol=1e-5)


# (timesteps, pool_size, strides, padding); strides None: the pool size, as Keras
WINDOWS = [
    (t, p, s, pad)
    for t in (1, 5, 8)
    for p in (1, 2, 3, 5)
    for s in (None, 1, 2, 3)
    for pad in ("valid", "same")
    if pad == "same" or p <= t  # a 'valid' window longer than the input: see test_errors
]
RNG = np.random.default_rng(7)


@pytest.mark.parametrize("t,pool,strides,padding", WINDOWS)
def test_average_pooling1d_matches_keras(t, pool, strides, padding):
    x = RNG.normal(size=(2, t, 3)).astype(np.float32)
    _compare(lambda lib: lib.AveragePooling1D(pool, strides=strides, padding=padding), x)


@pytest.mark.parametrize("t,pool,strides,padding", WINDOWS)
def test_max_pooling1d_matches_keras_with_ties(t, pool, strides, padding):
    # small integers: windows hold several equal maxima; JAX's gradient goes to the first
    x = RNG.integers(-2, 3, size=(2, t, 3)).astype(np.float32)
    _compare(lambda lib: lib.MaxPool1D(pool, strides=strides, padding=padding), x)


@pytest.mark.parametrize("t", [1, 4, 9])
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("name", ["GlobalMaxPooling1D", "GlobalAveragePooling1D"])
def test_global_pooling1d_matches_keras(name, t, keepdims):
    x = RNG.normal(size=(3, t, 4)).astype(np.float32)
    _compare(lambda lib: getattr(lib, name)(keepdims=keepdims), x)


def test_masked_global_average_keeps_dims_as_keras():
    def build(lib):
        return lib.Sequential(
            [
                lib.Input((5,)),
                lib.layers.Embedding(7, 3, mask_zero=True),
                lib.layers.GlobalAvgPool1D(keepdims=True),
            ]
        )

    k, n = twin_models(build)
    ids = np.array([[1, 2, 0, 0, 0], [4, 5, 6, 1, 0]], np.float32)
    want = np.asarray(k(ids))
    assert want.shape == (2, 1, 3)
    np.testing.assert_allclose(n.predict(ids, verbose=0), want, rtol=1e-6)


def test_global_max_pooling1d_shares_a_tied_maximum_as_jax():
    x = np.array([[[1, 0], [3, 0], [3, -1], [2, 0]]], np.float32)  # ties of 2 and of 3 steps
    _compare(lambda lib: lib.GlobalMaxPool1D(), x)
    _, dx = _nerve_forward_and_grad(L.GlobalMaxPooling1D(), x, np.ones((1, 2), np.float32))
    np.testing.assert_allclose(dx[0], [[0, 1 / 3], [0.5, 1 / 3], [0.5, 0], [0, 1 / 3]], rtol=1e-6)


def test_aliases_are_the_keras_classes():
    assert L.MaxPool1D is L.MaxPooling1D and L.AvgPool1D is L.AveragePooling1D
    assert L.GlobalMaxPool1D is L.GlobalMaxPooling1D
    assert L.GlobalAvgPool1D is L.GlobalAveragePooling1D


def test_same_average_counts_only_steps_inside_the_input():
    x = np.arange(6, dtype=np.float32).reshape(1, 6, 1)
    y = np.asarray(L.AveragePooling1D(3, strides=2, padding="same")(x))
    np.testing.assert_allclose(y.ravel(), [1, 3, 4.5])  # the last window holds steps 4 and 5 only


def test_open_length_model_runs_at_several_lengths():
    model = nerve.Sequential(
        [nerve.Input((None, 2)), L.AveragePooling1D(2), L.GlobalMaxPooling1D(keepdims=True)]
    )
    assert model.output_shape == (None, 1, 2)
    for t in (2, 7):
        x = RNG.normal(size=(2, t, 2)).astype(np.float32)
        want = x[:, : t // 2 * 2].reshape(2, t // 2, 2, 2).mean(2).max(1, keepdims=True)
        np.testing.assert_allclose(model.predict(x, verbose=0), want, rtol=1e-6)


def test_masked_input_gives_the_max_over_every_step_as_keras():
    # Keras's GlobalMaxPooling1D does not read the mask (it warns and drops it)
    def build(lib):
        return lib.Sequential(
            [
                lib.Input((5,)),
                lib.layers.Embedding(7, 3, mask_zero=True),
                lib.layers.GlobalMaxPooling1D(),
            ]
        )

    k, n = twin_models(build)
    ids = np.array([[1, 2, 0, 0, 0], [4, 5, 6, 1, 0]], np.float32)
    with pytest.warns(UserWarning, match="does not support masking"):
        want = np.asarray(k(ids))
    np.testing.assert_allclose(n.predict(ids, verbose=0), want, rtol=1e-6)
    table = n.layers[0].get_weights()[0]
    np.testing.assert_allclose(want, table[ids.astype(int)].max(1), rtol=1e-6)


def _tutorial(lib, vocab=50, length=24):
    """Keras's 'text classification from scratch' model, without its Dropout layers (random)."""
    inputs = lib.Input((length,), dtype="int64")
    x = lib.layers.Embedding(vocab, 8)(inputs)
    x = lib.layers.Conv1D(8, 5, padding="valid", activation="relu", strides=2)(x)
    x = lib.layers.Conv1D(8, 3, padding="valid", activation="relu", strides=2)(x)
    x = lib.layers.GlobalMaxPooling1D()(x)
    x = lib.layers.Dense(8, activation="relu")(x)
    predictions = lib.layers.Dense(1, activation="sigmoid", name="predictions")(x)
    return lib.Model(inputs, predictions)


def test_text_classification_tutorial_trains_as_keras():
    rng = np.random.default_rng(3)
    ids = rng.integers(0, 50, size=(32, 24)).astype(np.int64)
    labels = (ids[:, :12].mean(1) > ids[:, 12:].mean(1)).astype(np.float32)[:, None]
    k, n = twin_models(_tutorial, seed=5)
    for m, lib in ((k, keras), (n, nerve)):
        m.compile(
            optimizer=lib.optimizers.Adam(0.01), loss="binary_crossentropy", metrics=["accuracy"]
        )
    kw = dict(batch_size=8, epochs=3, shuffle=False, verbose=0)
    want = k.fit(ids, labels, **kw).history
    got = n.fit(ids, labels, **kw).history
    assert_history_close("tutorial", got, want, rtol=1e-4)
    assert_weights_close("tutorial", n, k, rtol=1e-4)


def test_save_load_and_summary(tmp_path):
    model = nerve.Sequential(
        [
            nerve.Input((9, 3)),
            L.AveragePooling1D(3, strides=2, padding="same", name="avg"),
            L.GlobalMaxPooling1D(keepdims=True, name="gmax"),
        ]
    )
    x = RNG.normal(size=(4, 9, 3)).astype(np.float32)
    for name in ("m.keras", "m.nerve"):
        model.save(tmp_path / name)
        back = nerve.saving.load_model(tmp_path / name)
        assert [type(layer).__name__ for layer in back.layers] == [
            "AveragePooling1D",
            "GlobalMaxPooling1D",
        ]
        assert back.layers[0].get_config() == model.layers[0].get_config()
        np.testing.assert_array_equal(back.predict(x, verbose=0), model.predict(x, verbose=0))
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "avg (AveragePooling1D)" in text and "(None, 5, 3)" in text
    assert "gmax (GlobalMaxPooling1D)" in text and "(None, 1, 3)" in text


@pytest.mark.parametrize(
    "make,error,words",
    [
        (lambda: L.AveragePooling1D(0), ValueError, r"AveragePooling1D.*pool_size"),
        (lambda: L.AveragePooling1D(2, strides=(1, 2)), ValueError, r"AveragePooling1D.*strides"),
        (lambda: L.AveragePooling1D(2, padding="causal"), ValueError, r"padding"),
        (
            lambda: L.AvgPool1D(2, data_format="channels_first"),
            UnsupportedArgumentError,
            r"AveragePooling1D.*data_format='channels_first' is not supported",
        ),
        (
            lambda: L.GlobalMaxPool1D(data_format="channels_first"),
            UnsupportedArgumentError,
            r"GlobalMaxPooling1D.*data_format='channels_first' is not supported",
        ),
        (lambda: L.GlobalMaxPooling1D(keepdims="yes"), (ValueError, TypeError), r"keepdims"),
    ],
)
def test_bad_arguments_name_the_layer_and_argument(make, error, words):
    with pytest.raises(error, match=words):
        make()


def test_average_pooling1d_needs_a_pool_size_as_keras():
    with pytest.raises(TypeError, match="pool_size"):
        L.AveragePooling1D()
    with pytest.raises(TypeError):
        keras.layers.AveragePooling1D()


@pytest.mark.parametrize(
    "layer,shape,words",
    [
        (lambda: L.AveragePooling1D(2), (5,), r"AveragePooling1D '.*'.*3-D input.*\(None, 5\)"),
        (lambda: L.GlobalMaxPooling1D(), (4, 4, 2), r"GlobalMaxPooling1D '.*'.*3-D input"),
        (
            lambda: L.AveragePooling1D(4),
            (3, 2),
            r"AveragePooling1D '.*'.*3 timesteps is shorter than the window \(4 steps\)",
        ),
    ],
)
def test_inputs_that_do_not_fit_name_the_layer_and_shape(layer, shape, words):
    with pytest.raises(ValueError, match=words):
        nerve.Sequential([nerve.Input(shape), layer()])


def test_a_short_sequence_at_call_time_names_the_layer():
    model = nerve.Sequential([nerve.Input((None, 2)), L.AveragePooling1D(4)])
    with pytest.raises(ValueError, match=r"AveragePooling1D '.*'.*shorter"):
        model.predict(np.zeros((1, 3, 2), np.float32), verbose=0)


def test_ops_refuse_inputs_that_are_not_sequences():
    with pytest.raises(ValueError, match=r"average_pool1d: input must be 3-D .*\(2, 3\)"):
        nerve._core.ops.average_pool1d(nerve.Tensor(np.zeros((2, 3), np.float32)), 2, 2)
    with pytest.raises(ValueError, match=r"global_max_pool1d: no timesteps"):
        nerve._core.ops.global_max_pool1d(nerve.Tensor(np.zeros((2, 0, 3), np.float32)))
