"""Callbacks docs: LearningRateScheduler with the docs' schedule (constant for 3 epochs, then
multiplied by exp(-0.1) each epoch)."""

import math

import numpy as np
import keras
from keras import layers


def scheduler(epoch, lr):
    if epoch < 3:
        return lr
    else:
        return lr * math.exp(-0.1)


model = keras.Sequential([keras.Input(shape=(6,)), layers.Dense(4)])
rng = np.random.default_rng(11)
model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()])
model.compile(keras.optimizers.SGD(learning_rate=0.01), loss="mse")
assert round(float(model.optimizer.learning_rate), 5) == 0.01
callback = keras.callbacks.LearningRateScheduler(scheduler)
history = model.fit(
    np.arange(60).reshape(10, 6) / 60.0,
    np.zeros((10, 4)),
    epochs=8,
    callbacks=[callback],
    shuffle=False,
    verbose=0,
)
final_lr = float(model.optimizer.learning_rate)
np.testing.assert_allclose(final_lr, 0.01 * math.exp(-0.1 * 5), rtol=1e-6)
results = {
    "final_lr": final_lr,
    "loss": history.history["loss"],
    "learning_rate": history.history.get("learning_rate", []),
}
