"""Callbacks docs: TerminateOnNaN stops training when the loss becomes NaN."""

import numpy as np
import keras
from keras import layers

model = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(1)])
model.set_weights([np.ones((2, 1), "float32"), np.zeros(1, "float32")])
model.compile(optimizer=keras.optimizers.SGD(learning_rate=1.0), loss="mse")
x = np.array([[1e30, 1e30]] * 4, "float32")
y = np.zeros((4, 1), "float32")
history = model.fit(
    x,
    y,
    batch_size=2,
    epochs=5,
    shuffle=False,
    callbacks=[keras.callbacks.TerminateOnNaN()],
    verbose=0,
)
results = {"epochs_run": len(history.history["loss"]), "stop_training": bool(model.stop_training)}
