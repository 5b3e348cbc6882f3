"""Making new layers via subclassing (Keras 3 guide): a Linear layer that creates its weights
with add_weight in build() and computes ops.matmul(inputs, w) + b in call(), used in a
Sequential model and trained with fit."""

import numpy as np
import keras
from keras import layers

ops = keras.ops  # nerve.ops when the script runs on nerve


class Linear(keras.layers.Layer):
    def __init__(self, units=32, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(
            shape=(input_shape[-1], self.units), initializer="random_normal", trainable=True
        )
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return ops.matmul(inputs, self.w) + self.b


model = keras.Sequential([keras.Input(shape=(4,)), Linear(3), layers.Dense(1)])
rng = np.random.default_rng(36)
model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()])
x = rng.normal(size=(8, 4)).astype("float32")
w, b, w2, b2 = model.get_weights()
np.testing.assert_allclose(model.predict(x, verbose=0), (x @ w + b) @ w2 + b2, rtol=1e-5)
model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
history = model.fit(x, rng.normal(size=(8, 1)), batch_size=4, epochs=2, shuffle=False, verbose=0)
results = {"loss": history.history["loss"]}
