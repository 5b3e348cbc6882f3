"""Merging layers (Add, Subtract, Multiply, Average, Concatenate on an axis) and reshaping layers
(Reshape, Flatten) in one functional model, against numpy."""

import numpy as np
import keras
from keras import layers

a = keras.Input(shape=(6,), name="a")
b = keras.Input(shape=(6,), name="b")
outputs = [
    layers.Add()([a, b]),
    layers.Subtract()([a, b]),
    layers.Multiply()([a, b]),
    layers.Average()([a, b]),
    layers.Concatenate(axis=1)([layers.Reshape((2, 3))(a), layers.Reshape((2, 3))(b)]),
    layers.Flatten()(layers.Concatenate()([layers.Reshape((3, 2))(a), layers.Reshape((3, 2))(b)])),
]
model = keras.Model([a, b], outputs)
rng = np.random.default_rng(47)
xa = rng.normal(size=(2, 6)).astype("float32")
xb = rng.normal(size=(2, 6)).astype("float32")
got = model.predict({"a": xa, "b": xb}, verbose=0)
np.testing.assert_allclose(got[4], np.concatenate([xa.reshape(2, 2, 3), xb.reshape(2, 2, 3)], 1))
results = {f"out_{i}": g for i, g in enumerate(got)}
results["shapes"] = [list(s) for s in model.output_shape]
