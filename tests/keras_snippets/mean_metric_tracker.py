"""Metrics docs: keras.metrics.Mean keeps a running (weighted) mean, as the loss tracker of
custom training loops uses it: update_state per batch, result() per epoch, reset_state()."""

import numpy as np
import keras
from keras import layers

m = keras.metrics.Mean()
m.update_state([1, 3, 5, 7])
plain = float(m.result())
m.reset_state()
m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
weighted = float(m.result())
m.reset_state()
m.update_state(np.array([[1.0, 2.0], [3.0, 5.0]]), sample_weight=np.array([1.0, 0.0]))
per_sample = float(m.result())
assert plain == 4.0 and weighted == 2.0

loss_tracker = keras.metrics.Mean(name="loss")
model = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(1)])
model.set_weights([np.array([[0.5], [-1.0]], "float32"), np.zeros(1, "float32")])
loss_fn = keras.losses.MeanSquaredError()
x = np.arange(12, dtype="float32").reshape(6, 2) / 6
y = np.ones((6, 1), "float32")
epoch_means = []
for _epoch in range(2):
    loss_tracker.reset_state()
    for i in range(0, 6, 2):
        loss_tracker.update_state(loss_fn(y[i : i + 2], model.predict(x[i : i + 2], verbose=0)))
    epoch_means.append(float(loss_tracker.result()))
results = {
    "plain": plain,
    "weighted": weighted,
    "per_sample": per_sample,
    "epoch_means": epoch_means,
    "name": loss_tracker.name,
}
