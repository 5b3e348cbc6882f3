"""Embedding docs: an Embedding layer maps integer indices to rows of its (input_dim,
output_dim) matrix; in a model with Flatten and Dense."""

import numpy as np
import keras
from keras import layers

model = keras.Sequential(
    [keras.Input(shape=(3,)), layers.Embedding(10, 4), layers.Flatten(), layers.Dense(1)]
)
rng = np.random.default_rng(52)
model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()])
indices = np.array([[1, 2, 3], [9, 0, 9]])
table = model.layers[0].get_weights()[0]
embedded = np.asarray(model.layers[0](indices))
np.testing.assert_array_equal(embedded, table[indices])
model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5), loss="mse")
model.fit(indices, np.array([[1.0], [-1.0]]), epochs=3, shuffle=False, verbose=0)
new_table = model.layers[0].get_weights()[0]
unused = [4, 5, 6, 7, 8]
np.testing.assert_array_equal(new_table[unused], table[unused])  # only looked-up rows move
results = {"embedded": embedded, "table": new_table}
