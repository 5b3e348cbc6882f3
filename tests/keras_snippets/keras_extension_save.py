"""Saving guide, verbatim file name: model.save("my_model.keras") and
keras.models.load_model("my_model.keras")."""
import numpy as np
import keras
from keras import layers

model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(2, activation="softmax")])
rng = np.random.default_rng(46)
model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()])
model.compile(optimizer="adam", loss="categorical_crossentropy")
model.save("my_model.keras")
restored = keras.models.load_model("my_model.keras")
x = rng.normal(size=(4, 3)).astype("float32")
np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
results = {"out": restored.predict(x, verbose=0)}
