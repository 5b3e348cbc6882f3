"""Padding masks (Embedding(mask_zero=True)) as Keras 3 carries them: through the layers Keras
marks supports_masking (Dense, Activation, Dropout, ...), through Add / Subtract / Average /
Concatenate, into the losses and mean metrics of a sequence model's masked outputs; and refused
where Keras would use the mask in a way nerve does not implement (Softmax, BatchNormalization
while training, Multiply, Concatenate on a time axis). Each case is checked against Keras itself
with the same weights.
"""

import numpy as np
import pytest

import nerve
from nerve.utils.keras_args import UnsupportedArgumentError

from _keras_diff import assert_close, keras, keras_predict, twin_models

pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning",
    "ignore::UserWarning",  # Keras's "does not support masking" warnings
)

VOCAB, STEPS = 12, 6


def padded_ids(rows, seed=0):
    """Token ids with padding (0) at the end of most rows, one row unpadded."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(1, VOCAB, size=(rows, STEPS)).astype(np.float32)
    for r in range(rows - 1):
        ids[r, STEPS - 1 - r % (STEPS - 1) :] = 0
    return ids


def seq(*layers_of):
    def build(lib):
        return lib.Sequential(
            [lib.Input((STEPS,)), lib.layers.Embedding(VOCAB, 5, mask_zero=True)]
            + [f(lib.layers) for f in layers_of]
        )

    return build


PASSING = [
    ("Dense", lambda L: L.Dense(4)),
    ("Dense-relu", lambda L: L.Dense(4, activation="relu")),
    ("Activation", lambda L: L.Activation("tanh")),
    ("Dropout", lambda L: L.Dropout(0.3)),
    ("ReLU", lambda L: L.ReLU()),
    ("LeakyReLU", lambda L: L.LeakyReLU(0.2)),
    ("ELU", lambda L: L.ELU()),
    ("PReLU", lambda L: L.PReLU()),
    ("GaussianNoise", lambda L: L.GaussianNoise(0.1)),
    ("GaussianDropout", lambda L: L.GaussianDropout(0.1)),
    ("Rescaling", lambda L: L.Rescaling(2.0, 0.5)),
    ("ActivityRegularization", lambda L: L.ActivityRegularization(l2=0.01)),
    ("BatchNormalization-inference", lambda L: L.BatchNormalization()),
    ("LayerNormalization", lambda L: L.LayerNormalization()),
    ("UnitNormalization", lambda L: L.UnitNormalization()),
    ("GroupNormalization", lambda L: L.GroupNormalization(groups=5)),
    ("SpatialDropout1D", lambda L: L.SpatialDropout1D(0.3)),
    ("AlphaDropout", lambda L: L.AlphaDropout(0.3)),
]


@pytest.mark.parametrize("name,layer", PASSING, ids=[p[0] for p in PASSING])
@pytest.mark.parametrize("rnn", ["LSTM", "GRU", "SimpleRNN"])
def test_the_mask_rides_through_to_a_recurrent_layer(name, layer, rnn):
    """Embedding(mask_zero) -> the layer -> an RNN: Keras's RNN skips the padded steps, so
    a layer that dropped the mask would change the prediction."""
    build = seq(layer, lambda L: getattr(L, rnn)(3))
    k, n = twin_models(build)
    x = padded_ids(5)
    assert_close(name, n.predict(x, verbose=0), keras_predict(k, x))
    unmasked = x.copy()
    unmasked[unmasked == 0] = 1  # the test must be able to fail: padding changes the output
    assert np.abs(keras_predict(k, unmasked) - keras_predict(k, x)).max() > 1e-3


@pytest.mark.parametrize("merge", ["Add", "Subtract", "Average", "Concatenate"])
def test_merges_combine_masks_as_keras(merge):
    def build(lib):
        a, b = lib.Input((STEPS,)), lib.Input((STEPS,))
        ea = lib.layers.Embedding(VOCAB, 4, mask_zero=True)(a)
        eb = lib.layers.Embedding(VOCAB, 4, mask_zero=True)(b)
        merged = getattr(lib.layers, merge)()([ea, eb])
        return lib.Model([a, b], lib.layers.LSTM(3)(merged))

    k, n = twin_models(build)
    x = [padded_ids(5, seed=1), padded_ids(5, seed=2)[::-1].copy()]
    assert_close(merge, n.predict(x, verbose=0), keras_predict(k, x))


def test_concatenate_with_an_unmasked_input_masks_nothing_as_keras():
    def build(lib):
        a, b = lib.Input((STEPS,)), lib.Input((STEPS, 2))
        ea = lib.layers.Embedding(VOCAB, 4, mask_zero=True)(a)
        merged = lib.layers.Concatenate()([ea, b])
        return lib.Model([a, b], lib.layers.GRU(3)(merged))

    k, n = twin_models(build)
    x = [padded_ids(4), np.random.default_rng(3).normal(size=(4, STEPS, 2)).astype(np.float32)]
    assert_close("Concatenate", n.predict(x, verbose=0), keras_predict(k, x))


def tagger(lib):
    """A sequence tagger (a per-token softmax), as in Keras's NER / POS examples."""
    return lib.Sequential(
        [
            lib.Input((STEPS,)),
            lib.layers.Embedding(VOCAB, 6, mask_zero=True),
            lib.layers.LSTM(5, return_sequences=True),
            lib.layers.Dense(4, activation="softmax"),
        ]
    )


def regressor(lib):
    return lib.Sequential(
        [
            lib.Input((STEPS,)),
            lib.layers.Embedding(VOCAB, 6, mask_zero=True),
            lib.layers.GRU(5, return_sequences=True),
            lib.layers.Dense(1),
        ]
    )


def compiled_twins(build, lr=0.5):
    k, n = twin_models(build)
    for m, lib in ((k, keras), (n, nerve)):
        m.compile(
            optimizer=lib.optimizers.SGD(lr),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
    return k, n


def test_a_tagger_loss_and_accuracy_skip_padding_as_keras():
    k, n = compiled_twins(tagger)
    x = padded_ids(8)
    y = np.random.default_rng(4).integers(0, 4, size=(8, STEPS)).astype(np.float32)
    want = k.evaluate(x, y, batch_size=4, verbose=0, return_dict=True)
    got = n.evaluate(x, y, batch_size=4, verbose=0, return_dict=True)
    for key in want:
        assert_close(f"evaluate {key}", got[key], want[key])
    # Training: the masked loss gives Keras's losses and weights. (Keras's JAX backend loses the
    # mask of the predictions its jitted train step returns, so its *training* accuracy counts the
    # padding while its evaluate does not; its torch backend masks both, as nerve does: below,
    # with a learning rate of 0, fit's accuracy is evaluate's.)
    kh = k.fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0)
    nh = n.fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0)
    assert_close("fit loss", nh.history["loss"], kh.history["loss"], rtol=1e-4)
    for a, b in zip(n.get_weights(), k.get_weights()):
        assert_close("weights after fit", a, b, rtol=1e-4)
    k, n = compiled_twins(tagger, lr=0.0)
    still = n.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    want = k.evaluate(x, y, batch_size=4, verbose=0, return_dict=True)
    assert_close("fit at lr 0", still.history["accuracy"][0], want["accuracy"])
    assert_close("fit at lr 0", still.history["loss"][0], want["loss"])


def test_sample_weights_scale_the_unmasked_steps():
    """Keras's rule (losses.loss.apply_mask): a step weighs sample_weight * mask * total / valid
    and the loss is the mean over all steps; a mean metric weighs sample_weight * mask. Computed
    here from Keras's own predictions (Keras 3.15 on JAX fails to broadcast a (batch,) weight
    against the mask in evaluate)."""
    k, n = compiled_twins(tagger)
    x = padded_ids(8)
    y = np.random.default_rng(4).integers(0, 4, size=(8, STEPS))
    sw = np.linspace(0.5, 2.0, 8).astype(np.float32)
    p = keras_predict(k, x).astype(np.float64)
    mask = (x != 0).astype(np.float64)
    step_loss = -np.log(np.take_along_axis(p, y[..., None], axis=-1)[..., 0])
    weights = sw[:, None] * mask
    loss = (weights * step_loss).sum() * (mask.size / mask.sum()) / mask.size
    hits = (p.argmax(-1) == y).astype(np.float64)
    n.compile(
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        weighted_metrics=["accuracy"],
    )
    got = n.evaluate(x, y, sample_weight=sw, batch_size=8, verbose=0, return_dict=True)
    assert_close("loss", got["loss"], loss)
    # `metrics` ignore sample weights (Keras), `weighted_metrics` take them
    assert_close("accuracy", got["accuracy"], (mask * hits).sum() / mask.sum())
    assert_close(
        "weighted_accuracy", got["weighted_accuracy"], (weights * hits).sum() / weights.sum()
    )


def test_a_masked_regression_loss_and_mean_metrics_as_keras():
    k, n = twin_models(regressor)
    x = padded_ids(6)
    y = np.random.default_rng(5).normal(size=(6, STEPS, 1)).astype(np.float32)
    for m in (k, n):
        m.compile(loss="mse", metrics=["mae", "mse"])
    want = k.evaluate(x, y, verbose=0, return_dict=True)
    got = n.evaluate(x, y, verbose=0, return_dict=True)
    for key in want:
        assert_close(f"evaluate {key}", got[key], want[key])
    # the mask is what makes these equal: the padded steps hold large errors
    y_padded = y.copy()
    y_padded[x == 0] = 100.0
    assert_close("padding ignored", n.evaluate(x, y_padded, verbose=0)[0], got["loss"])


def test_layers_that_would_use_the_mask_refuse_it():
    x = padded_ids(4)
    softmax = seq(lambda L: L.Softmax())(nerve)
    with pytest.raises(UnsupportedArgumentError, match="Softmax.*padding mask"):
        softmax.predict(x, verbose=0)
    bn = seq(lambda L: L.BatchNormalization(), lambda L: L.LSTM(2))(nerve)
    bn.predict(x, verbose=0)  # inference: the moving statistics, as Keras
    bn.compile(loss="mse")
    with pytest.raises(UnsupportedArgumentError, match="BatchNormalization.*unmasked steps"):
        bn.fit(x, np.zeros((4, 2), np.float32), verbose=0)

    a, b = nerve.Input((STEPS,)), nerve.Input((STEPS,))
    ea = nerve.layers.Embedding(VOCAB, 4, mask_zero=True)(a)
    eb = nerve.layers.Embedding(VOCAB, 4, mask_zero=True)(b)
    product = nerve.Model([a, b], nerve.layers.Multiply()([ea, eb]))
    with pytest.raises(UnsupportedArgumentError, match="Multiply.*padding mask"):
        product.predict([x, x], verbose=0)
    for merge in (nerve.layers.Maximum(), nerve.layers.Minimum()):
        with pytest.raises(UnsupportedArgumentError, match=f"{type(merge).__name__}.*padding mask"):
            nerve.Model([a, b], merge([ea, eb])).predict([x, x], verbose=0)
    time_concat = nerve.Model([a, b], nerve.layers.Concatenate(axis=1)([ea, eb]))
    with pytest.raises(UnsupportedArgumentError, match="Concatenate.*last axis"):
        time_concat.predict([x, x], verbose=0)


def test_unmasked_models_are_unchanged():
    """Without Embedding(mask_zero=True) no mask exists: the same loss as without this feature."""
    k, n = twin_models(
        lambda lib: lib.Sequential(
            [lib.Input((STEPS, 3)), lib.layers.LSTM(4, return_sequences=True), lib.layers.Dense(2)]
        )
    )
    x = np.random.default_rng(6).normal(size=(4, STEPS, 3)).astype(np.float32)
    y = np.random.default_rng(7).normal(size=(4, STEPS, 2)).astype(np.float32)
    for m in (k, n):
        m.compile(loss="mse", metrics=["mae"])
    want = k.evaluate(x, y, verbose=0, return_dict=True)
    got = n.evaluate(x, y, verbose=0, return_dict=True)
    for key in want:
        assert_close(key, got[key], want[key])


def padded_floats(rows, features=3, mask_value=0.0, seed=8):
    x = np.random.default_rng(seed).normal(size=(rows, STEPS, features)).astype(np.float32)
    for r in range(rows - 1):
        x[r, STEPS - 1 - r % (STEPS - 1) :] = mask_value
    return x


@pytest.mark.parametrize("mask_value", [0.0, -1.0])
def test_masking_layer_as_keras(mask_value):
    def build(lib):
        return lib.Sequential(
            [
                lib.Input((STEPS, 3)),
                lib.layers.Masking(mask_value=mask_value),
                lib.layers.LSTM(4, return_sequences=True),
                lib.layers.Dense(2),
            ]
        )

    k, n = twin_models(build)
    x = padded_floats(6, mask_value=mask_value)
    y = np.random.default_rng(9).normal(size=(6, STEPS, 2)).astype(np.float32)
    assert_close("predict", n.predict(x, verbose=0), keras_predict(k, x))
    for m, lib in ((k, keras), (n, nerve)):
        m.compile(optimizer=lib.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    want = k.evaluate(x, y, verbose=0, return_dict=True)
    got = n.evaluate(x, y, verbose=0, return_dict=True)
    for key in want:
        assert_close(f"evaluate {key}", got[key], want[key])
    kh = k.fit(x, y, batch_size=3, epochs=2, shuffle=False, verbose=0)
    nh = n.fit(x, y, batch_size=3, epochs=2, shuffle=False, verbose=0)
    assert_close("fit loss", nh.history["loss"], kh.history["loss"], rtol=1e-4)
    for a, b in zip(n.get_weights(), k.get_weights()):
        assert_close("weights after fit", a, b, rtol=1e-4)
    # the masked steps are zeroed, as Keras's output
    masking = nerve.Sequential([nerve.Input((STEPS, 3)), nerve.layers.Masking(mask_value)])
    out = masking.predict(x, verbose=0)
    assert np.all(out[np.all(x == mask_value, axis=-1)] == 0)
    assert masking.layers[0].get_config()["mask_value"] == mask_value
    # compute_mask, which the masking guide calls on the layer directly
    want_mask = np.asarray(keras.layers.Masking(mask_value).compute_mask(x))
    np.testing.assert_array_equal(nerve.layers.Masking(mask_value).compute_mask(x), want_mask)
    ids = padded_ids(4)
    want_ids = keras.layers.Embedding(VOCAB, 2, mask_zero=True).compute_mask(ids, mask=None)
    got_ids = nerve.layers.Embedding(VOCAB, 2, mask_zero=True).compute_mask(ids, mask=None)
    np.testing.assert_array_equal(got_ids, np.asarray(want_ids))


class Scaled(nerve.layers.Layer):
    """A custom layer of nerve.ops; `supports_masking` as Keras reads it."""

    def __init__(self, supports_masking=False, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = supports_masking

    def call(self, x):
        return x * 2.0


class ReadsMask(nerve.layers.Layer):
    def call(self, x, mask=None):
        return x


def test_custom_layers_pass_drop_or_refuse_the_mask_as_keras():
    x = padded_ids(5)

    def build(lib, layer):
        return lib.Sequential(
            [
                lib.Input((STEPS,)),
                lib.layers.Embedding(VOCAB, 4, mask_zero=True),
                layer,
                lib.layers.LSTM(3),
            ]
        )

    class KerasScaled(keras.layers.Layer):
        def __init__(self, supports_masking=False, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = supports_masking

        def call(self, x):
            return x * 2.0

    for masking in (False, True):
        k = build(keras, KerasScaled(masking))
        n = build(nerve, Scaled(masking))
        n.set_weights(k.get_weights())
        assert_close(f"supports_masking={masking}", n.predict(x, verbose=0), keras_predict(k, x))
    lam_k = build(keras, keras.layers.Lambda(lambda t: t * 2.0))
    lam_n = build(nerve, nerve.layers.Lambda(lambda t: t * 2.0))
    lam_n.set_weights(lam_k.get_weights())
    assert_close("Lambda", lam_n.predict(x, verbose=0), keras_predict(lam_k, x))
    reads = build(nerve, nerve.layers.Lambda(lambda t, mask=None: t))
    with pytest.raises(UnsupportedArgumentError, match="Lambda.*padding mask"):
        reads.predict(x, verbose=0)
    with pytest.raises(UnsupportedArgumentError, match="ReadsMask.*padding mask"):
        build(nerve, ReadsMask()).predict(x, verbose=0)
    unmasked = nerve.Sequential([nerve.Input((STEPS, 4)), ReadsMask(), nerve.layers.LSTM(3)])
    unmasked.predict(np.ones((2, STEPS, 4), np.float32), verbose=0)  # no mask, nothing to refuse


def squared(y_true, y_pred):
    return nerve.ops.mean(nerve.ops.square(y_true - y_pred), axis=-1)


def keras_squared(y_true, y_pred):
    return keras.ops.mean(keras.ops.square(y_true - y_pred), axis=-1)


def test_losses_and_metrics_written_in_python_skip_padding_as_keras():
    """Keras applies the mask in Loss.__call__ and MeanMetricWrapper, to Python code too (and to
    its metrics that are Python code in nerve: msle, mape, kl_divergence, ...)."""
    k, n = twin_models(regressor)
    x = padded_ids(6)
    y = np.abs(np.random.default_rng(5).normal(size=(6, STEPS, 1))).astype(np.float32)
    names = ["msle", "mape", "cosine_similarity", "squared_hinge"]
    k.compile(
        optimizer=keras.optimizers.SGD(0.1),
        loss=keras_squared,
        metrics=names
        + [keras.metrics.KLDivergence(), keras.metrics.MeanMetricWrapper(keras_squared, name="sq")],
    )
    n.compile(
        optimizer=nerve.optimizers.SGD(0.1),
        loss=squared,
        metrics=names
        + [nerve.metrics.KLDivergence(), nerve.metrics.MeanMetricWrapper(squared, name="sq")],
    )
    want = k.evaluate(x, y, batch_size=2, verbose=0, return_dict=True)
    got = n.evaluate(x, y, batch_size=2, verbose=0, return_dict=True)
    for key in want:
        assert_close(f"evaluate {key}", got[key], want[key])
    kh = k.fit(x, y, batch_size=3, epochs=2, shuffle=False, verbose=0)
    nh = n.fit(x, y, batch_size=3, epochs=2, shuffle=False, verbose=0)
    assert_close("fit loss", nh.history["loss"], kh.history["loss"], rtol=1e-4)
    for a, b in zip(n.get_weights(), k.get_weights()):
        assert_close("weights after fit", a, b, rtol=1e-4)
    # unmasked, the same Python loss and metrics are unchanged
    plain = nerve.Sequential([nerve.Input((STEPS, 2)), nerve.layers.GRU(3, return_sequences=True)])
    plain.compile(loss=squared, metrics=[nerve.metrics.MeanMetricWrapper(squared, name="sq")])
    xs = np.random.default_rng(1).normal(size=(4, STEPS, 2)).astype(np.float32)
    logs = plain.evaluate(xs, np.zeros((4, STEPS, 3), np.float32), verbose=0, return_dict=True)
    want_plain = float(np.mean(np.square(plain.predict(xs, verbose=0))))
    assert_close("unmasked loss", logs["loss"], want_plain)
    assert_close("unmasked metric", logs["sq"], want_plain)
