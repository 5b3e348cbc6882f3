"""Sequence dimensions left open with None (Keras `Input(shape=(None, 8))`): symbolic shapes, every
sequence layer against Keras 3 with the same weights at several lengths, a model trained at one
length and run at others, batches of different lengths in one fit, clear errors where the output
size would depend on the unknown length, and save/load."""

import json
import os

import numpy as np
import pytest

import nerve
from nerve import layers

from helpers import torch_transformer_encoder

LENGTHS = (7, 10, 23)


def _keras():
    os.environ.setdefault("KERAS_BACKEND", "jax")
    return pytest.importorskip("keras")


def _ids(rng, n, t, vocab=20, pad=False):
    ids = rng.integers(1, vocab, size=(n, t)).astype(np.float32)
    if pad:  # trailing padding of different lengths (id 0)
        for i in range(n):
            ids[i, rng.integers(t // 2, t + 1) :] = 0
    return ids


def _floats(rng, n, t, f):
    return rng.standard_normal((n, t, f)).astype(np.float32)


# ------------------------------------------------------------------ symbolic shapes
def test_input_and_layer_shapes_show_none():
    x = nerve.Input(shape=(None, 8))
    assert x.shape == (None, None, 8)
    ids = nerve.Input(shape=(None,))
    assert ids.shape == (None, None)
    e = layers.Embedding(20, 6)(ids)
    assert e.shape == (None, None, 6)
    assert layers.LSTM(5, return_sequences=True)(e).shape == (None, None, 5)
    assert layers.GRU(5)(e).shape == (None, 5)
    assert layers.Conv1D(4, 3, strides=2)(x).shape == (None, None, 4)
    assert layers.MaxPooling1D(2)(x).shape == (None, None, 8)
    assert layers.GlobalAveragePooling1D()(x).shape == (None, 8)
    assert layers.Dense(3)(x).shape == (None, None, 3)
    assert layers.TimeDistributed(layers.Dense(2))(x).shape == (None, None, 2)
    assert layers.Bidirectional(layers.LSTM(3, return_sequences=True))(x).shape == (None, None, 6)
    assert layers.MultiHeadAttention(2, 4)(x, x).shape == (None, None, 8)
    assert layers.TransformerEncoder(2, 4, 16)(x).shape == (None, None, 8)
    assert layers.Concatenate()([x, layers.Dense(2)(x)]).shape == (None, None, 10)
    assert layers.Concatenate(axis=1)([x, x]).shape == (None, None, 8)
    assert layers.Add()([x, layers.LayerNormalization()(x)]).shape == (None, None, 8)
    assert layers.Reshape((-1, 4))(x).shape == (None, None, 4)
    assert layers.Input(shape=(12, 8)).shape == (None, 12, 8)


def test_summary_and_model_shapes_show_none():
    model = nerve.Sequential(
        [nerve.Input((None,)), layers.Embedding(20, 6), layers.LSTM(5, return_sequences=True)]
    )
    assert model.input_shape == (None, None)
    assert model.output_shape == (None, None, 5)
    lines = []
    model.summary(print_fn=lines.append)
    assert "(None, None, 6)" in lines[0] and "(None, None, 5)" in lines[0]
    ids = nerve.Input((None,))
    fn = nerve.Model(ids, layers.GRU(3)(layers.Embedding(20, 4)(ids)))
    lines = []
    fn.summary(print_fn=lines.append)
    assert "(None, None)" in lines[0] and "(None, None, 4)" in lines[0]


# ------------------------------------------------------------------ each layer vs Keras 3
def _pair(keras, name):
    """(nerve layers, keras layers, input kind) for one case; kinds: 'ids' or feature count."""
    kl = keras.layers
    cases = {
        "embedding": ([layers.Embedding(20, 6)], [kl.Embedding(20, 6)], "ids"),
        "embedding_mask_lstm": (
            [layers.Embedding(20, 6, mask_zero=True), layers.LSTM(5)],
            [kl.Embedding(20, 6, mask_zero=True), kl.LSTM(5)],
            "ids_padded",
        ),
        "simple_rnn_sequences": (
            [layers.SimpleRNN(5, return_sequences=True)],
            [kl.SimpleRNN(5, return_sequences=True)],
            4,
        ),
        "lstm_last": ([layers.LSTM(5)], [kl.LSTM(5)], 4),
        "gru_sequences_backwards": (
            [layers.GRU(5, return_sequences=True, go_backwards=True)],
            [kl.GRU(5, return_sequences=True, go_backwards=True)],
            4,
        ),
        "bidirectional_sequences": (
            [layers.Bidirectional(layers.LSTM(4, return_sequences=True))],
            [kl.Bidirectional(kl.LSTM(4, return_sequences=True))],
            3,
        ),
        "bidirectional_last_sum": (
            [layers.Bidirectional(layers.GRU(4), merge_mode="sum")],
            [kl.Bidirectional(kl.GRU(4), merge_mode="sum")],
            3,
        ),
        "conv1d": (
            [
                layers.Conv1D(4, 3, padding="same", activation="relu"),
                layers.Conv1D(3, 2, strides=2),
            ],
            [kl.Conv1D(4, 3, padding="same", activation="relu"), kl.Conv1D(3, 2, strides=2)],
            5,
        ),
        "conv1d_causal_pooling": (
            [
                layers.Conv1D(4, 3, padding="causal", dilation_rate=2),
                layers.MaxPooling1D(2),
                layers.GlobalAveragePooling1D(),
            ],
            [
                kl.Conv1D(4, 3, padding="causal", dilation_rate=2),
                kl.MaxPooling1D(2),
                kl.GlobalAveragePooling1D(),
            ],
            5,
        ),
        "max_pooling_same": (
            [layers.MaxPooling1D(3, strides=2, padding="same")],
            [kl.MaxPooling1D(3, strides=2, padding="same")],
            3,
        ),
        "layer_norm_dense_3d": (
            [layers.LayerNormalization(), layers.Dense(3, activation="tanh")],
            [kl.LayerNormalization(), kl.Dense(3, activation="tanh")],
            6,
        ),
        "time_distributed": (
            [layers.TimeDistributed(layers.Dense(3, activation="relu"))],
            [kl.TimeDistributed(kl.Dense(3, activation="relu"))],
            4,
        ),
        "dropout": ([layers.Dropout(0.5), layers.Dense(2)], [kl.Dropout(0.5), kl.Dense(2)], 4),
    }
    return cases[name]


CASES = [
    "embedding",
    "embedding_mask_lstm",
    "simple_rnn_sequences",
    "lstm_last",
    "gru_sequences_backwards",
    "bidirectional_sequences",
    "bidirectional_last_sum",
    "conv1d",
    "conv1d_causal_pooling",
    "max_pooling_same",
    "layer_norm_dense_3d",
    "time_distributed",
    "dropout",
]


def _random_weights(model, rng):
    model.set_weights(
        [rng.standard_normal(w.shape).astype(np.float32) * 0.4 for w in model.get_weights()]
    )


@pytest.mark.parametrize("case", CASES)
def test_sequential_layer_matches_keras_at_every_length(case):
    keras = _keras()
    rng = np.random.default_rng(1)
    ours, theirs, kind = _pair(keras, case)
    shape = (None,) if str(kind).startswith("ids") else (None, kind)
    model = nerve.Sequential([nerve.Input(shape)] + ours)
    kmodel = keras.Sequential([keras.Input(shape)] + theirs)
    if not case.startswith("embedding"):  # (embeddings start random already)
        _random_weights(model, rng)
    kmodel.set_weights(model.get_weights())
    for t in LENGTHS:
        x = (
            _ids(rng, 3, t, pad=kind == "ids_padded")
            if str(kind).startswith("ids")
            else _floats(rng, 3, t, kind)
        )
        got = model.predict(x, verbose=0)
        want = np.asarray(kmodel.predict(x, verbose=0))
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-5, err_msg=f"{case}, length {t}")
        np.testing.assert_allclose(model(x), got, rtol=1e-6, atol=1e-6)


def test_attention_query_and_value_of_different_lengths_match_keras():
    keras = _keras()
    rng = np.random.default_rng(2)
    q_in, v_in = nerve.Input((None, 6)), nerve.Input((None, 5))
    mha = layers.MultiHeadAttention(2, 3)
    model = nerve.Model([q_in, v_in], mha(q_in, v_in))
    assert model.output_shape == (None, None, 6)
    kq, kv = keras.Input((None, 6)), keras.Input((None, 5))
    kmodel = keras.Model([kq, kv], keras.layers.MultiHeadAttention(2, 3)(kq, kv))
    _random_weights(model, rng)
    kmodel.set_weights(model.get_weights())
    for tq, tv in [(7, 11), (10, 10), (23, 4)]:
        q, v = _floats(rng, 2, tq, 6), _floats(rng, 2, tv, 5)
        got = model.predict([q, v], verbose=0)
        want = np.asarray(kmodel.predict([q, v], verbose=0))
        np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-5)


def test_self_attention_in_sequential_matches_keras():
    keras = _keras()
    rng = np.random.default_rng(3)
    model = nerve.Sequential([nerve.Input((None, 6)), layers.MultiHeadAttention(2, 3)])
    _random_weights(model, rng)
    x_in = keras.Input((None, 6))
    kmodel = keras.Model(x_in, keras.layers.MultiHeadAttention(2, 3)(x_in, x_in))
    kmodel.set_weights(model.get_weights())
    for t in LENGTHS:
        x = _floats(rng, 2, t, 6)
        np.testing.assert_allclose(
            model.predict(x, verbose=0),
            np.asarray(kmodel.predict(x, verbose=0)),
            rtol=2e-4,
            atol=2e-5,
        )


def test_transformer_encoder_at_every_length_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    E, H, FF = 8, 2, 16
    model = nerve.Sequential([nerve.Input((None, E)), layers.TransformerEncoder(H, E // H, FF)])
    _random_weights(model, rng)
    t = torch_transformer_encoder(torch, model.get_weights(), E, H, FF)
    for T in LENGTHS:
        x = _floats(rng, 2, T, E)
        with torch.no_grad():
            want = t(torch.tensor(x)).numpy()
        np.testing.assert_allclose(model.predict(x, verbose=0), want, rtol=2e-4, atol=2e-4)


def test_merge_layers_on_sequences_match_keras():
    keras = _keras()
    rng = np.random.default_rng(5)

    def build(lib, L):
        x = lib.Input((None, 6))
        a = L.Dense(4)(x)
        b = L.Conv1D(4, 3, padding="same")(x)
        s = L.Add()([a, b])
        c = L.Concatenate()([s, L.LSTM(3, return_sequences=True)(x)])
        return lib.Model(x, L.Dense(2)(L.GlobalAveragePooling1D()(c)))

    model, kmodel = build(nerve, layers), build(keras, keras.layers)
    assert model.output_shape == (None, 2)
    _random_weights(model, rng)
    kmodel.set_weights(model.get_weights())
    for t in LENGTHS:
        x = _floats(rng, 3, t, 6)
        np.testing.assert_allclose(
            model.predict(x, verbose=0),
            np.asarray(kmodel.predict(x, verbose=0)),
            rtol=2e-4,
            atol=2e-5,
        )


def test_reshape_with_an_open_axis_matches_numpy():
    model = nerve.Sequential([nerve.Input((None, 8)), layers.Reshape((-1, 4))])
    assert model.output_shape == (None, None, 4)
    x = np.arange(2 * 5 * 8, dtype=np.float32).reshape(2, 5, 8)
    np.testing.assert_array_equal(model.predict(x, verbose=0), x.reshape(2, 10, 4))
    with pytest.raises(ValueError, match="Reshape"):
        model.predict(np.zeros((2, 5, 7), np.float32), verbose=0)


# ------------------------------------------------------------------ a trained model, other lengths
def _tagger(lib, L):
    ids = lib.Input((None,))
    h = L.Embedding(30, 8)(ids)
    h = L.Bidirectional(L.GRU(6, return_sequences=True))(h)
    h = L.LayerNormalization()(h)
    return lib.Model(ids, L.TimeDistributed(L.Dense(3, activation="softmax"))(h))


def test_model_trained_at_one_length_predicts_at_others_like_keras():
    keras = _keras()
    nerve.utils.set_random_seed(0)
    rng = np.random.default_rng(6)
    x = _ids(rng, 64, 10, vocab=30)
    y = (x % 3).astype(np.float32)  # per-token class
    model = _tagger(nerve, layers)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    loss, acc = model.evaluate(x, y, verbose=0)
    kmodel = _tagger(keras, keras.layers)
    kmodel.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    kmodel.set_weights(model.get_weights())
    kloss, kacc = kmodel.evaluate(x, y, verbose=0)
    np.testing.assert_allclose(loss, kloss, rtol=1e-4)
    np.testing.assert_allclose(acc, kacc, rtol=1e-6)
    for t in LENGTHS:
        xt = _ids(rng, 5, t, vocab=30)
        got = model.predict(xt, verbose=0)
        assert got.shape == (5, t, 3)
        np.testing.assert_allclose(
            got, np.asarray(kmodel.predict(xt, verbose=0)), rtol=2e-4, atol=2e-5
        )
        np.testing.assert_allclose(model(xt), got, rtol=1e-6, atol=1e-6)
    # evaluate at another length: the targets follow the data
    x7 = _ids(rng, 8, 7, vocab=30)
    np.testing.assert_allclose(
        model.evaluate(x7, x7 % 3, verbose=0)[0],
        kmodel.evaluate(x7, x7 % 3, verbose=0)[0],
        rtol=1e-4,
    )


def test_sequential_built_from_data_runs_at_other_lengths():
    # As Keras' Sequential: built on length 10 by fit, it runs wherever its weights fit.
    rng = np.random.default_rng(7)
    model = nerve.Sequential([layers.Embedding(20, 4), layers.LSTM(3), layers.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(_ids(rng, 16, 10), rng.standard_normal((16, 1)).astype(np.float32), verbose=0)
    for t in (7, 23):
        x = _ids(rng, 2, t)
        np.testing.assert_allclose(model.predict(x, verbose=0), model(x), rtol=1e-6)
        assert model.predict(x, verbose=0).shape == (2, 1)
    # building again with the length left open keeps the trained weights
    weights = model.get_weights()
    model.build((None, None))
    assert model.input_shape == (None, None)
    for a, b in zip(model.get_weights(), weights):
        np.testing.assert_array_equal(a, b)


def test_subclassed_model_with_open_length():
    class Classifier(nerve.Model):
        def __init__(self, units=4, **kwargs):
            super().__init__(**kwargs)
            self.embed = layers.Embedding(20, 6)
            self.rnn = layers.LSTM(units)
            self.out = layers.Dense(2, activation="softmax")

        def call(self, inputs, training=None):
            return self.out(self.rnn(self.embed(inputs)))

    rng = np.random.default_rng(8)
    model = Classifier()
    model.build((None, None))
    assert model.input_shape == (None, None)
    model.compile("adam", "sparse_categorical_crossentropy")
    x = _ids(rng, 32, 10)
    model.fit(x, (x[:, 0] > 10).astype(np.float32), epochs=1, verbose=0)
    ref = nerve.Sequential(
        [
            nerve.Input((None,)),
            layers.Embedding(20, 6),
            layers.LSTM(4),
            layers.Dense(2, activation="softmax"),
        ]
    )
    ref.set_weights(model.get_weights())
    for t in LENGTHS:
        xt = _ids(rng, 3, t)
        np.testing.assert_allclose(
            model.predict(xt, verbose=0), ref.predict(xt, verbose=0), rtol=1e-6
        )
    # Built by fit at length 10 (no build call): as Keras, it runs wherever its layers' weights fit
    implicit = Classifier()
    implicit.compile("adam", "sparse_categorical_crossentropy")
    implicit.fit(x, (x[:, 0] > 10).astype(np.float32), epochs=1, verbose=0)
    assert implicit.input_shape == (None, 10)
    ref.set_weights(implicit.get_weights())
    for t in (7, 23):
        xt = _ids(rng, 3, t)
        np.testing.assert_allclose(
            implicit.predict(xt, verbose=0), ref.predict(xt, verbose=0), rtol=1e-6
        )
        np.testing.assert_allclose(implicit(xt), ref.predict(xt, verbose=0), rtol=1e-6)
    assert np.isfinite(implicit.evaluate(_ids(rng, 4, 7), np.zeros(4, np.float32), verbose=0))

    class Flat(nerve.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.flat, self.out = layers.Flatten(), layers.Dense(1)

        def call(self, inputs, training=None):
            return self.out(self.flat(inputs))

    flat = Flat()
    flat.predict(np.zeros((2, 10, 3), np.float32), verbose=0)
    with pytest.raises(ValueError, match=r"Flatten 'flatten.*'.*\(None, 10, 3\).*\(2, 7, 3\)"):
        flat.predict(np.zeros((2, 7, 3), np.float32), verbose=0)
    with pytest.raises(ValueError, match=r"expects input of shape \(None, None, None\)"):
        flat.predict(np.zeros((2, 7), np.float32), verbose=0)


def test_batches_of_different_lengths_in_one_fit():
    rng = np.random.default_rng(9)
    lengths = [5, 9, 12, 7]
    batches = [
        (_floats(rng, 4, t, 3), rng.standard_normal((4, 2)).astype(np.float32)) for t in lengths
    ]

    def make():
        nerve.utils.set_random_seed(3)
        m = nerve.Sequential([nerve.Input((None, 3)), layers.GRU(4), layers.Dense(2)])
        m.compile(nerve.optimizers.SGD(0.1), "mse")
        return m

    model, manual = make(), make()
    before = model.get_weights()
    model.fit(iter(batches), epochs=1, verbose=0)
    for xb, yb in batches:  # the same steps one batch at a time
        manual.train_on_batch(xb, yb)
    for a, b in zip(model.get_weights(), manual.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert any(not np.allclose(a, w0) for a, w0 in zip(model.get_weights(), before))
    # evaluate and predict over the same batches: per-batch results, combined
    losses = [model.test_on_batch(xb, yb) for xb, yb in batches]
    np.testing.assert_allclose(model.evaluate(iter(batches), verbose=0), np.mean(losses), rtol=1e-5)
    np.testing.assert_allclose(
        model.predict(iter([(xb,) for xb, _ in batches]), verbose=0),
        np.concatenate([model.predict(xb, verbose=0) for xb, _ in batches]),
        rtol=1e-6,
    )
    # sequence targets of each batch's length
    seq = nerve.Sequential([nerve.Input((None, 3)), layers.LSTM(2, return_sequences=True)])
    seq.compile("adam", "mse")
    hist = seq.fit(
        iter([(x, rng.standard_normal((4, x.shape[1], 2)).astype(np.float32)) for x, _ in batches]),
        epochs=1,
        verbose=0,
    )
    assert np.isfinite(hist.history["loss"][0])


# ------------------------------------------------------------------ errors
def test_flatten_on_open_length_is_a_clear_error():
    x = nerve.Input((None, 8))
    with pytest.raises(
        ValueError,
        match=r"Flatten 'flatten.*'.*\(None, None, 8\).*length must be "
        r"fixed",
    ):
        layers.Flatten()(x)
    with pytest.raises(ValueError, match=r"Flatten 'flatten.*'.*length must be fixed"):
        nerve.Sequential(
            [nerve.Input((None,)), layers.Embedding(10, 4), layers.Flatten(), layers.Dense(1)]
        )


def test_reshape_and_dense_needing_the_length_are_clear_errors():
    x = nerve.Input((None, 8))
    with pytest.raises(ValueError, match=r"Reshape 'reshape.*'.*length must be fixed"):
        layers.Reshape((16, 4))(x)
    ids = nerve.Input((None,))
    with pytest.raises(ValueError, match=r"Dense 'dense.*'.*last axis \(features\).*must be known"):
        layers.Dense(3)(ids)
    with pytest.raises(ValueError, match=r"LSTM 'lstm.*'.*last axis \(features\).*must be known"):
        layers.LSTM(3)(nerve.Input((5, None)))
    with pytest.raises(ValueError, match=r"Conv2D 'conv2d.*'.*unknown \(None\)"):
        layers.Conv2D(2, 3)(nerve.Input((None, None, 3)))


def test_too_short_sequences_name_the_layer():
    model = nerve.Sequential([nerve.Input((None, 2)), layers.Conv1D(3, 5)])
    assert model.predict(np.ones((1, 5, 2), np.float32), verbose=0).shape == (1, 1, 3)
    with pytest.raises(
        ValueError,
        match=r"Conv1D 'conv1d.*'.*3 timesteps is shorter than the "
        r"window \(5 steps\)",
    ):
        model.predict(np.ones((1, 3, 2), np.float32), verbose=0)
    pool = nerve.Sequential([nerve.Input((None, 2)), layers.MaxPooling1D(4)])
    with pytest.raises(ValueError, match=r"MaxPooling1D 'max_pooling1d.*'.*shorter"):
        pool.predict(np.ones((1, 3, 2), np.float32), verbose=0)
    with pytest.raises(
        ValueError,
        match=r"Dense 'dense.*' expects input of shape "
        r"\(None, None, 2\), got x of shape \(1, 3, 5\)",
    ):
        nerve.Sequential([nerve.Input((None, 2)), layers.Dense(3)]).predict(
            np.ones((1, 3, 5), np.float32), verbose=0
        )


def test_fixed_length_model_rejects_other_lengths_with_a_hint():
    x = nerve.Input((10, 3))
    model = nerve.Model(x, layers.LSTM(2)(x))
    with pytest.raises(
        ValueError,
        match=r"expects input of shape \(None, 10, 3\).*\(2, 7, 3\).*"
        r"nerve.Input\(shape=\(None, 3\)\)",
    ):
        model.predict(np.zeros((2, 7, 3), np.float32))
    # a Sequential with a Flatten fixed at 10 steps: the Flatten names itself
    seq = nerve.Sequential([nerve.Input((10, 3)), layers.Flatten(), layers.Dense(1)])
    with pytest.raises(ValueError, match=r"Flatten 'flatten.*'.*\(None, 10, 3\).*\(2, 7, 3\)"):
        seq.predict(np.zeros((2, 7, 3), np.float32))


def test_input_shape_validation():
    with pytest.raises(ValueError, match="positive ints or None"):
        nerve.Input((0, 3))
    with pytest.raises(ValueError, match="positive ints or None"):
        nerve.Input(("a", 3))


# ------------------------------------------------------------------ saving
def test_save_and_load_keep_open_lengths(tmp_path):
    rng = np.random.default_rng(10)
    model = _tagger(nerve, layers)
    model.compile("adam", "sparse_categorical_crossentropy")
    config = json.dumps(model.get_config())
    assert "null" in config
    path = tmp_path / "tagger.nerve"
    model.save(path)
    loaded = nerve.models.load_model(path)
    assert loaded.input_shape == (None, None)
    assert loaded.output_shape == (None, None, 3)
    for t in LENGTHS:
        x = _ids(rng, 2, t, vocab=30)
        np.testing.assert_allclose(
            loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6
        )

    seq = nerve.Sequential([nerve.Input((None, 4)), layers.Conv1D(3, 2), layers.LSTM(2)])
    seq.save(tmp_path / "seq.nerve")
    seq2 = nerve.models.load_model(tmp_path / "seq.nerve")
    assert seq2.input_shape == (None, None, 4)
    x = _floats(rng, 2, 9, 4)
    np.testing.assert_allclose(seq2.predict(x, verbose=0), seq.predict(x, verbose=0), rtol=1e-6)


def test_subclassed_model_with_open_length_round_trips(tmp_path):
    @nerve.saving.register_keras_serializable(package="test_variable_length")
    class Pooled(nerve.Model):
        def __init__(self, units=3, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.conv = layers.Conv1D(units, 3, padding="same")
            self.pool = layers.GlobalAveragePooling1D()

        def call(self, inputs, training=None):
            return self.pool(self.conv(inputs))

    rng = np.random.default_rng(11)
    model = Pooled()
    model.build((None, None, 5))
    model.save(tmp_path / "pooled.nerve")
    loaded = nerve.models.load_model(tmp_path / "pooled.nerve")
    assert loaded.input_shape == (None, None, 5)
    for t in (4, 13):
        x = _floats(rng, 2, t, 5)
        np.testing.assert_allclose(
            loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6
        )
