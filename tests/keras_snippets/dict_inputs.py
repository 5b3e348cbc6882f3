"""Functional API: inputs given as a dict name -> Input (as in the Keras functional-API guide's
ticket model); fit, evaluate and predict take x as a dict keyed by the same names."""

import numpy as np
import keras
from keras import layers

inputs = {
    "title": keras.Input(shape=(6,), name="title"),
    "body": keras.Input(shape=(4,), name="body"),
}
features = layers.concatenate([inputs["title"], inputs["body"]], name="features")
hidden = layers.Dense(5, activation="relu", name="hidden")(features)
model = keras.Model(inputs, layers.Dense(1, name="priority")(hidden))
rng = np.random.default_rng(55)
model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()])
x = {
    "body": rng.normal(size=(8, 4)).astype("float32"),
    "title": rng.normal(size=(8, 6)).astype("float32"),
}
y = rng.normal(size=(8, 1)).astype("float32")
model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
history = model.fit(x, y, epochs=3, batch_size=4, shuffle=False, verbose=0)
results = {
    "input_keys": list(model.input),
    "input_names": [t.name for t in model.inputs],
    "losses": history.history["loss"],
    "predictions": model.predict(x, verbose=0),
    "evaluation": model.evaluate(x, y, verbose=0),
}
