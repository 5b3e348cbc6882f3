"""The keras.io "Text classification with Transformer" example as its users write it: a custom
TransformerBlock layer holding MultiHeadAttention, a feed-forward Sequential, LayerNormalization
and Dropout, and a TokenAndPositionEmbedding layer; the same code on Keras 3 and nerve, the
same weights (in the same order), the same predictions and training losses."""

import numpy as np
import pytest

import nerve

from _keras_diff import keras

pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)

MAXLEN, VOCAB, DIM = 10, 50, 16


def build(lib, rate=0.1):
    layers, ops = lib.layers, lib.ops

    class TransformerBlock(layers.Layer):
        def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1, **kwargs):
            super().__init__(**kwargs)
            self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
            self.ffn = lib.Sequential(
                [layers.Dense(ff_dim, activation="relu"), layers.Dense(embed_dim)]
            )
            self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
            self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
            self.dropout1 = layers.Dropout(rate)
            self.dropout2 = layers.Dropout(rate)

        def call(self, inputs):
            attn_output = self.dropout1(self.att(inputs, inputs))
            out1 = self.layernorm1(inputs + attn_output)
            ffn_output = self.dropout2(self.ffn(out1))
            return self.layernorm2(out1 + ffn_output)

    class TokenAndPositionEmbedding(layers.Layer):
        def __init__(self, maxlen, vocab_size, embed_dim, **kwargs):
            super().__init__(**kwargs)
            self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
            self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

        def call(self, x):
            maxlen = ops.shape(x)[-1]
            positions = self.pos_emb(ops.arange(start=0, stop=maxlen, step=1))
            return self.token_emb(x) + positions

    inputs = layers.Input(shape=(MAXLEN,))
    x = TokenAndPositionEmbedding(MAXLEN, VOCAB, DIM)(inputs)
    x = TransformerBlock(DIM, 2, DIM, rate)(x)
    x = layers.GlobalAveragePooling1D()(x)
    x = layers.Dropout(rate)(x)
    x = layers.Dense(8, activation="relu")(x)
    outputs = layers.Dense(2, activation="softmax")(x)
    return lib.Model(inputs=inputs, outputs=outputs)


def _twins(rate):
    k_model, n_model = build(keras, rate), build(nerve, rate)
    assert [w.shape for w in k_model.get_weights()] == [
        tuple(w.shape) for w in n_model.get_weights()
    ]  # the same weights in the same order (the feed-forward Sequential's where Keras has it)
    rng = np.random.default_rng(0)
    weights = [rng.normal(0, 0.3, w.shape).astype(np.float32) for w in k_model.get_weights()]
    k_model.set_weights(weights)
    n_model.set_weights(weights)
    return k_model, n_model


def test_same_predictions_as_keras():
    k_model, n_model = _twins(0.1)
    x = np.random.default_rng(1).integers(0, VOCAB, (8, MAXLEN)).astype(np.float32)
    np.testing.assert_allclose(
        n_model.predict(x, verbose=0), np.asarray(k_model.predict(x, verbose=0)), atol=1e-5
    )


def test_same_training_as_keras_without_dropout():
    k_model, n_model = _twins(0.0)
    rng = np.random.default_rng(2)
    x = rng.integers(0, VOCAB, (32, MAXLEN)).astype(np.float32)
    y = rng.integers(0, 2, 32)
    histories = []
    for model in (k_model, n_model):
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        histories.append(
            model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history["loss"]
        )
    np.testing.assert_allclose(histories[1], histories[0], rtol=1e-4)
