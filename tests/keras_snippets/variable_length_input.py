"""Functional API guide: Input(shape=(None,)) for variable-length sequences of word indices;
the same model takes batches of different lengths."""

import numpy as np
import keras
from keras import layers

inputs = keras.Input(shape=(None,), dtype="int32")
x = layers.Embedding(input_dim=30, output_dim=4)(inputs)
x = layers.LSTM(3)(x)
outputs = layers.Dense(1)(x)
model = keras.Model(inputs, outputs)
rng = np.random.default_rng(33)
model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()])
short = model.predict(np.array([[3, 7, 1]]), verbose=0)
long = model.predict(np.array([[3, 7, 1, 9, 12, 4, 2]]), verbose=0)
results = {"short": short, "long": long}
