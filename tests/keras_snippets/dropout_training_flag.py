"""Dropout docs: the layer is the identity unless called with training=True; then it zeroes
about `rate` of the inputs and scales the rest by 1 / (1 - rate)."""

import numpy as np
import keras
from keras import layers

layer = layers.Dropout(0.5)
data = np.arange(1, 1001, dtype="float32").reshape(1000, 1)
inference = np.asarray(layer(data, training=False))
training = np.asarray(layer(data, training=True))
np.testing.assert_array_equal(inference, data)
kept = training != 0
assert 0.4 < kept.mean() < 0.6
np.testing.assert_allclose(training[kept], data[kept] * 2.0, rtol=1e-6)
model = keras.Sequential([keras.Input(shape=(1,)), layer])
results = {
    "inference": inference,
    "predict": model.predict(data, verbose=0),
    "call_default": np.asarray(model(data)),
}
