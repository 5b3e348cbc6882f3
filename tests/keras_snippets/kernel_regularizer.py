"""Regularizers docs: kernel_regularizer=L2(l2) adds l2 * sum(kernel ** 2) to the loss in fit
and evaluate; L1L2 on another layer."""

import numpy as np
import keras
from keras import layers

model = keras.Sequential(
    [
        keras.Input(shape=(3,)),
        layers.Dense(4, activation="relu", kernel_regularizer=keras.regularizers.L2(0.01)),
        layers.Dense(
            1, kernel_regularizer=keras.regularizers.L1L2(l1=0.001, l2=0.002), bias_regularizer="l2"
        ),
    ]
)
rng = np.random.default_rng(38)
model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()])
model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05), loss="mse")
x = rng.normal(size=(8, 3)).astype("float32")
y = rng.normal(size=(8, 1)).astype("float32")
w1, b1, w2, b2 = model.get_weights()
penalty = (
    0.01 * np.sum(w1**2) + 0.001 * np.sum(np.abs(w2)) + 0.002 * np.sum(w2**2) + 0.01 * np.sum(b2**2)
)
mse = np.mean((model.predict(x, verbose=0) - y) ** 2)
evaluation = model.evaluate(x, y, verbose=0)
np.testing.assert_allclose(evaluation, mse + penalty, rtol=1e-5)
history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
results = {
    "evaluation": evaluation,
    "loss": history.history["loss"],
    "kernel": model.get_weights()[0],
}
