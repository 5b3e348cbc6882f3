"""Sequential guide: build incrementally with add(), remove the last layer with pop()."""

import numpy as np
import keras
from keras import layers

model = keras.Sequential()
model.add(keras.Input(shape=(4,)))
model.add(layers.Dense(2, activation="relu"))
model.add(layers.Dense(3, activation="relu"))
model.add(layers.Dense(4))
n_before = len(model.layers)
shape_before = model.output_shape
model.pop()
n_after = len(model.layers)
rng = np.random.default_rng(20)
model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()])
y = model.predict(np.ones((2, 4), "float32"), verbose=0)
results = {
    "n_before": n_before,
    "n_after": n_after,
    "shape_before": list(shape_before),
    "shape_after": list(model.output_shape),
    "n_weights": len(model.weights),
    "y": y,
}
