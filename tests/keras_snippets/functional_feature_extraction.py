"""Functional API guide: a model that returns every layer's output (feature extraction)."""

import numpy as np
import keras
from keras import layers

inputs = keras.Input(shape=(6,), name="features")
x = layers.Dense(8, activation="relu", name="dense_a")(inputs)
x = layers.Dense(5, activation="tanh", name="dense_b")(x)
outputs = layers.Dense(3, activation="softmax", name="head")(x)
model = keras.Model(inputs=inputs, outputs=outputs, name="classifier")

rng = np.random.default_rng(0)
model.set_weights([rng.uniform(-0.6, 0.6, w.shape).astype("float32") for w in model.get_weights()])

extractor = keras.Model(inputs=model.inputs, outputs=[layer.output for layer in model.layers])
data = rng.normal(size=(4, 6)).astype("float32")
features = extractor.predict(data, verbose=0)

w1, b1, w2, b2, w3, b3 = model.get_weights()
h1 = np.maximum(data @ w1 + b1, 0)
np.testing.assert_allclose(features[1], h1, rtol=1e-5, atol=1e-6)
np.testing.assert_allclose(features[2], np.tanh(h1 @ w2 + b2), rtol=1e-5, atol=1e-6)
np.testing.assert_allclose(features[3], model.predict(data, verbose=0), rtol=1e-6)

results = {"n_features": len(features), "shapes": [list(f.shape) for f in features]}
for i, f in enumerate(features):
    results[f"feature_{i}"] = f
