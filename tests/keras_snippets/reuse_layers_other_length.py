"""Sequential guide pattern: a new Sequential made of another model's layers (they keep their
weights). Here the recurrent layers are reused for sequences of another length, which Keras
allows (their weights do not depend on the number of timesteps)."""

import numpy as np
import keras
from keras import layers

model = keras.Sequential(
    [
        keras.Input(shape=(6,)),
        layers.Embedding(input_dim=20, output_dim=4),
        layers.LSTM(5),
        layers.Dense(1),
    ]
)
rng = np.random.default_rng(14)
model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()])
weights_before = model.get_weights()
short = keras.Sequential([keras.Input(shape=(3,))] + model.layers)
for before, after in zip(weights_before, short.get_weights()):
    np.testing.assert_array_equal(before, after)
results = {"short": short.predict(np.array([[4, 2, 9]]), verbose=0)}
