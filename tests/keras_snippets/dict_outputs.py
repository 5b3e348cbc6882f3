"""Functional API: outputs given as a dict name -> tensor; predict returns a dict, and losses
are keyed by the same names."""

import numpy as np
import keras
from keras import layers

inputs = keras.Input(shape=(3,), name="x")
model = keras.Model(
    inputs,
    {
        "score": layers.Dense(1, name="score")(inputs),
        "probs": layers.Dense(2, activation="softmax", name="probs")(inputs),
    },
)
rng = np.random.default_rng(54)
model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()])
x = rng.normal(size=(4, 3)).astype("float32")
out = model.predict(x, verbose=0)
model.compile(optimizer="sgd", loss={"score": "mse", "probs": "sparse_categorical_crossentropy"})
evaluation = model.evaluate(
    x, {"score": np.zeros((4, 1)), "probs": np.array([0, 1, 1, 0])}, verbose=0, return_dict=True
)
results = {
    "keys": sorted(out),
    "score": out["score"],
    "probs": out["probs"],
    "evaluation": evaluation,
}
