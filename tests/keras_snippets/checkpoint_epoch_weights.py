"""Callbacks docs: ModelCheckpoint(save_weights_only=True) with the epoch in the file name, one
file per epoch; load_weights restores any of them."""

import os

import numpy as np
import keras
from keras import layers

model = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(1)])
model.set_weights([np.array([[0.2], [0.4]], "float32"), np.zeros(1, "float32")])
model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
x = np.array([[1, 0], [0, 1], [1, 1], [0, 0]], "float32")
y = np.array([[1], [2], [3], [0]], "float32")
snapshots = []
checkpoint = keras.callbacks.ModelCheckpoint(
    "ckpt-{epoch:02d}.weights.nerve", save_weights_only=True
)
record = keras.callbacks.LambdaCallback(
    on_epoch_end=lambda epoch, logs: snapshots.append(model.get_weights()[0].copy())
)
model.fit(x, y, batch_size=2, epochs=3, shuffle=False, callbacks=[checkpoint, record], verbose=0)
files = sorted(f for f in os.listdir(".") if f.startswith("ckpt-"))
model.load_weights("ckpt-02.weights.nerve")
np.testing.assert_array_equal(model.get_weights()[0], snapshots[1])
# the stem only: the extension is each library's own (.weights.nerve, .weights.h5)
results = {"files": [f.split(".")[0] for f in files], "restored": model.get_weights()[0]}
