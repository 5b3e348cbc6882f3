"""Callbacks docs: LambdaCallback built from plain functions."""

import numpy as np
import keras
from keras import layers

events = []
batch_losses = []
print_callback = keras.callbacks.LambdaCallback(
    on_epoch_begin=lambda epoch, logs: events.append(f"begin {epoch}"),
    on_epoch_end=lambda epoch, logs: events.append(f"end {epoch} loss={logs['loss']:.4f}"),
    on_train_batch_end=lambda batch, logs: batch_losses.append(logs["loss"]),
    on_train_end=lambda logs: events.append("done"),
)
model = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(1)])
model.set_weights([np.array([[0.5], [-0.5]], "float32"), np.array([0.1], "float32")])
model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
x = np.array([[1, 2], [3, 4], [5, 6], [7, 8], [0, 1], [1, 0]], "float32") / 8.0
y = np.array([[1], [2], [3], [4], [0.5], [0.5]], "float32")
model.fit(x, y, batch_size=2, epochs=2, shuffle=False, callbacks=[print_callback], verbose=0)
assert len(batch_losses) == 6
results = {"events": events, "batch_losses": batch_losses}
