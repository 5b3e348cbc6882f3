"""Saving guide: save_weights / load_weights into a freshly built model of the same
architecture, with nerve's ".weights.nerve" file name (".weights.h5" in the Keras run)."""

import numpy as np
import keras
from keras import layers


def make_model():
    return keras.Sequential(
        [keras.Input(shape=(3,)), layers.Dense(4, activation="relu"), layers.Dense(2)]
    )


model = make_model()
rng = np.random.default_rng(45)
model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()])
model.save_weights("my.weights.nerve")
other = make_model()
other.load_weights("my.weights.nerve")
x = rng.normal(size=(4, 3)).astype("float32")
np.testing.assert_allclose(other.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
results = {"out": other.predict(x, verbose=0)}
