"""Layer docs: every layer takes dtype= (here float32, the default policy)."""

import numpy as np
import keras
from keras import layers

inputs = keras.Input(shape=(3,), dtype="float32")
outputs = layers.Dense(2, dtype="float32")(inputs)
model = keras.Model(inputs, outputs)
model.set_weights([np.ones((3, 2), "float32"), np.zeros(2, "float32")])
results = {
    "dtype": model.layers[-1].dtype,
    "out": model.predict(np.ones((1, 3), "float32"), verbose=0),
}
