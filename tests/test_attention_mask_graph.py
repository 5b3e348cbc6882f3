"""MultiHeadAttention's attention_mask in symbolic calls (the keras.io miniature-GPT and
translation examples: a mask computed with ops inside a custom layer's call(), or given as a
model input), and compile(loss=[fn, None]) for an output no loss trains: the same code on
Keras 3 and nerve, the same weights, the same predictions and training losses."""

import numpy as np
import pytest

import nerve

from _keras_diff import keras

pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)

VOCAB, MAXLEN, DIM = 30, 8, 16


def gpt(lib, second_output=True):
    layers, ops = lib.layers, lib.ops

    class TransformerBlock(layers.Layer):
        def __init__(self, embed_dim, num_heads, ff_dim, **kwargs):
            super().__init__(**kwargs)
            self.att = layers.MultiHeadAttention(num_heads, embed_dim)
            self.ffn = lib.Sequential(
                [layers.Dense(ff_dim, activation="relu"), layers.Dense(embed_dim)]
            )
            self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
            self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)

        def call(self, inputs):
            seq_len = ops.shape(inputs)[1]
            i = ops.arange(seq_len)[:, None]
            j = ops.arange(seq_len)
            causal_mask = ops.expand_dims(ops.cast(i >= j, "int32"), 0)  # (1, T, T)
            attention_output = self.att(inputs, inputs, attention_mask=causal_mask)
            out1 = self.layernorm1(inputs + attention_output)
            return self.layernorm2(out1 + self.ffn(out1))

    class TokenAndPositionEmbedding(layers.Layer):
        def __init__(self, maxlen, vocab_size, embed_dim, **kwargs):
            super().__init__(**kwargs)
            self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
            self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

        def call(self, x):
            positions = ops.arange(0, ops.shape(x)[-1], 1)
            return self.token_emb(x) + self.pos_emb(positions)

    inputs = layers.Input(shape=(MAXLEN,), dtype="int32")
    x = TokenAndPositionEmbedding(MAXLEN, VOCAB, DIM)(inputs)
    x = TransformerBlock(DIM, 2, 32)(x)
    outputs = layers.Dense(VOCAB)(x)
    model = lib.Model(inputs=inputs, outputs=[outputs, x] if second_output else outputs)
    # Deterministic weights in the (shared) order; the two LayerNormalization gammas near 1.
    model.set_weights(
        [
            np.linspace(-0.3, 0.3, w.size).reshape(w.shape) + (1.0 if i in (14, 16) else 0.0)
            for i, w in enumerate(model.get_weights())
        ]
    )
    return model


def tokens():
    return (np.arange(8 * MAXLEN).reshape(8, MAXLEN) * 7) % VOCAB


def test_causal_mask_from_ops_in_a_custom_layer_matches_keras():
    """The miniature-GPT example: loss=[fn, None] (the second output untrained), y one array."""
    x = tokens()
    runs = {}
    for lib in (keras, nerve):
        m = gpt(lib)
        m.compile(
            lib.optimizers.Adam(1e-3),
            loss=[lib.losses.SparseCategoricalCrossentropy(from_logits=True), None],
        )
        pred = m.predict(x, verbose=0)
        hist = m.fit(x, np.roll(x, -1, 1), epochs=2, batch_size=4, verbose=0, shuffle=False)
        runs[lib] = (pred, hist.history)
    (kp, kh), (np_, nh) = runs[keras], runs[nerve]
    np.testing.assert_allclose(np_[0], kp[0], atol=1e-5)
    np.testing.assert_allclose(np_[1], kp[1], atol=1e-5)
    assert sorted(nh) == sorted(kh) == ["loss"]
    np.testing.assert_allclose(nh["loss"], kh["loss"], rtol=1e-5)


def test_the_mask_changes_the_result_and_causality_holds():
    """The mask is applied, not dropped: with a causal mask, a change to the last token leaves
    every earlier position's output unchanged."""
    m = gpt(nerve, second_output=False)
    rng = np.random.default_rng(3)  # weights whose embedding rows differ by more than a shift
    m.set_weights([rng.normal(0, 0.3, w.shape) for w in m.get_weights()])
    x = tokens()
    y = x.copy()
    y[:, -1] = (y[:, -1] + 5) % VOCAB
    a, b = m.predict(x, verbose=0), m.predict(y, verbose=0)
    np.testing.assert_allclose(a[:, :-1], b[:, :-1], atol=1e-6)
    assert np.abs(a[:, -1] - b[:, -1]).max() > 1e-3


def padding_model(lib):
    layers = lib.layers
    q = layers.Input((5, 4))
    mask = layers.Input((1, 5))  # (batch, 1, Tv): broadcast over the query steps
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=3)
    out = mha(q, q, attention_mask=mask)
    model = lib.Model([q, mask], layers.Dense(1)(layers.GlobalAveragePooling1D()(out)))
    model.set_weights(
        [np.linspace(-0.5, 0.5, w.size).reshape(w.shape) for w in model.get_weights()]
    )
    return model


def test_a_padding_mask_given_as_a_model_input_matches_keras():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(6, 5, 4)).astype("float32")
    mask = np.ones((6, 1, 5), "float32")
    mask[1, 0, 3:] = 0
    mask[4, 0, 1:] = 0
    y = rng.normal(size=(6, 1)).astype("float32")
    runs = {}
    for lib in (keras, nerve):
        m = padding_model(lib)
        m.compile(lib.optimizers.SGD(0.05), "mse")
        pred = m.predict([x, mask], verbose=0)
        hist = m.fit([x, mask], y, epochs=3, batch_size=3, verbose=0, shuffle=False)
        runs[lib] = (pred, hist.history["loss"], m.get_weights())
    np.testing.assert_allclose(runs[nerve][0], runs[keras][0], atol=1e-5)
    np.testing.assert_allclose(runs[nerve][1], runs[keras][1], rtol=1e-5)
    for a, b in zip(runs[nerve][2], runs[keras][2]):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_a_padding_mask_model_saves_and_loads(tmp_path):
    m = padding_model(nerve)
    x = np.random.default_rng(1).normal(size=(2, 5, 4)).astype("float32")
    mask = np.ones((2, 1, 5), "float32")
    mask[0, 0, 2:] = 0
    path = str(tmp_path / "m.nerve")
    m.save(path)
    back = nerve.models.load_model(path)
    np.testing.assert_allclose(back.predict([x, mask], verbose=0), m.predict([x, mask], verbose=0))


def test_a_mask_of_the_wrong_shape_is_refused_with_the_shapes():
    layers = nerve.layers
    q, mask = layers.Input((5, 4)), layers.Input((None, None))
    m = nerve.Model([q, mask], layers.MultiHeadAttention(2, 3)(q, q, attention_mask=mask))
    x = np.zeros((2, 5, 4), "float32")
    m.predict([x, np.ones((2, 5, 5), "float32")], verbose=0)
    with pytest.raises(ValueError, match=r"attention_mask must have shape \(2, 5, 5\)"):
        m.predict([x, np.ones((2, 1, 4), "float32")], verbose=0)


def test_one_layer_called_with_and_without_a_mask_in_a_model_is_refused():
    layers = nerve.layers
    q = layers.Input((5, 4))
    mask = layers.Input((5, 5))
    mha = layers.MultiHeadAttention(num_heads=1, key_dim=2)
    mha(q, q)
    with pytest.raises(ValueError, match="separate MultiHeadAttention"):
        mha(q, q, attention_mask=mask)


def two_outputs(lib):
    inp = lib.layers.Input((4,))
    h = lib.layers.Dense(3, name="h")(inp)
    out = lib.layers.Dense(2, name="out")(h)
    m = lib.Model(inp, [out, h])
    m.set_weights([np.linspace(-0.5, 0.5, w.size).reshape(w.shape) for w in m.get_weights()])
    return m


@pytest.mark.parametrize("targets", ["one array", "full list"])
def test_a_none_loss_leaves_an_output_untrained_as_keras(targets):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(16, 4)).astype("float32")
    y = rng.normal(size=(16, 2)).astype("float32")
    runs = {}
    for lib in (keras, nerve):
        m = two_outputs(lib)
        m.compile(lib.optimizers.SGD(0.1), loss=["mse", None], metrics=[["mae"], []])
        given = y if targets == "one array" else [y, np.zeros((16, 3), "float32")]
        hist = m.fit(x, given, epochs=2, batch_size=4, verbose=0, shuffle=False)
        ev = m.evaluate(x, given, verbose=0, return_dict=True)
        runs[lib] = (hist.history, ev, m.get_weights())
    (kh, ke, kw), (nh, ne, nw) = runs[keras], runs[nerve]
    assert sorted(nh) == sorted(kh)
    for k in kh:
        np.testing.assert_allclose(nh[k], kh[k], rtol=1e-5, err_msg=k)
    assert sorted(ne) == sorted(ke)
    for k in ke:
        np.testing.assert_allclose(ne[k], ke[k], rtol=1e-5, err_msg=k)
    for a, b in zip(nw, kw):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_none_losses_refused_where_they_cannot_work():
    m = two_outputs(nerve)
    x, y = np.zeros((4, 4), "float32"), np.zeros((4, 2), "float32")
    with pytest.raises(ValueError, match="every output's loss is None"):
        m.compile("sgd", loss=[None, None])
    with pytest.raises(ValueError, match="'h', which has no loss"):
        m.compile("sgd", loss=["mse", None], metrics=[["mae"], ["mae"]])
    m.compile("sgd", loss=["mse", None])
    with pytest.raises(ValueError, match="'out'"):  # the targets the loss needs, by name
        m.fit(x, {"h": y}, verbose=0)
