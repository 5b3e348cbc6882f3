"""Recurrent layers guide: initial_state for an LSTM (h and c) and a GRU (h) given as model
inputs, checked against the same recurrence in numpy (LSTM gates i, f, c, o)."""

import numpy as np
import keras
from keras import layers

sequence = keras.Input(shape=(4, 3))
h0 = keras.Input(shape=(5,))
c0 = keras.Input(shape=(5,))
lstm_out = layers.LSTM(5, name="lstm")(sequence, initial_state=[h0, c0])
gru_out = layers.GRU(5, name="gru")(sequence, initial_state=[h0])
model = keras.Model([sequence, h0, c0], [lstm_out, gru_out])
rng = np.random.default_rng(44)
model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()])
x = rng.normal(size=(2, 4, 3)).astype("float32")
h = rng.normal(size=(2, 5)).astype("float32")
c = rng.normal(size=(2, 5)).astype("float32")
lstm_y, gru_y = model.predict([x, h, c], verbose=0)

kernel, recurrent, bias = model.get_layer("lstm").get_weights()
sigmoid = lambda z: 1 / (1 + np.exp(-z))
hh, cc = h.astype(np.float64), c.astype(np.float64)
for t in range(4):
    i, f, g, o = np.split(x[:, t] @ kernel + hh @ recurrent + bias, 4, axis=1)
    cc = sigmoid(f) * cc + sigmoid(i) * np.tanh(g)
    hh = sigmoid(o) * np.tanh(cc)
np.testing.assert_allclose(lstm_y, hh, rtol=1e-5, atol=1e-6)
results = {"lstm": lstm_y, "gru": gru_y}
