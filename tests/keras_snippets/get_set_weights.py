"""Layer docs: get_weights() returns numpy arrays (Dense: kernel then bias), set_weights() takes
the same list, and the layer then computes x @ kernel + bias."""

import numpy as np
import keras
from keras import layers

layer_a = layers.Dense(1, kernel_initializer=keras.initializers.Constant(1.0))
a_out = layer_a(np.array([[1.0, 2.0, 3.0]]))
initial = layer_a.get_weights()
layer_b = layers.Dense(1, kernel_initializer=keras.initializers.Constant(2.0))
b_out = layer_b(np.array([[10.0, 20.0, 30.0]]))
layer_b.set_weights(layer_a.get_weights())
after = layer_b.get_weights()

dense = layers.Dense(3, activation="relu")
dense.build((None, 4))
kernel = np.arange(12, dtype="float32").reshape(4, 3) / 10 - 0.5
bias = np.array([0.1, -0.2, 0.3], "float32")
dense.set_weights([kernel, bias])
x = np.linspace(-1, 1, 8, dtype="float32").reshape(2, 4)
y = np.asarray(dense(x))
np.testing.assert_allclose(y, np.maximum(x @ kernel + bias, 0), rtol=1e-6, atol=1e-7)
results = {
    "a_out": np.asarray(a_out),
    "b_out": np.asarray(b_out),
    "initial": initial,
    "after": after,
    "y": y,
    "shapes": [list(w.shape) for w in dense.get_weights()],
    "trainable": len(dense.trainable_weights),
    "count": dense.count_params(),
}
