"""Sequential model guide: feature extraction from one intermediate layer of a Sequential."""

import numpy as np
import keras
from keras import layers

initial_model = keras.Sequential(
    [
        keras.Input(shape=(10,)),
        layers.Dense(6, activation="relu"),
        layers.Dense(4, activation="relu", name="my_intermediate_layer"),
        layers.Dense(2),
    ]
)
rng = np.random.default_rng(1)
initial_model.set_weights(
    [rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in initial_model.get_weights()]
)
feature_extractor = keras.Model(
    inputs=initial_model.inputs,
    outputs=initial_model.get_layer(name="my_intermediate_layer").output,
)
x = rng.normal(size=(3, 10)).astype("float32")
features = feature_extractor(x)
w1, b1, w2, b2, _, _ = initial_model.get_weights()
expected = np.maximum(np.maximum(x @ w1 + b1, 0) @ w2 + b2, 0)
np.testing.assert_allclose(np.asarray(features), expected, rtol=1e-5, atol=1e-6)
results = {"features": np.asarray(features), "shape": list(np.asarray(features).shape)}
