"""Callbacks with verbose=1 print what they do (EarlyStopping, ReduceLROnPlateau,
ModelCheckpoint); the messages are compared line by line."""

import contextlib
import io
import re

import numpy as np
import keras
from keras import layers

rng = np.random.default_rng(43)
x = rng.normal(size=(16, 2)).astype("float32")
y = rng.normal(size=(16, 1)).astype("float32")
model = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(1)])
model.set_weights([np.array([[0.3], [-0.2]], "float32"), np.zeros(1, "float32")])
model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
callbacks = [
    keras.callbacks.ModelCheckpoint(
        "best.nerve", monitor="val_loss", save_best_only=True, verbose=1
    ),
    keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1, verbose=1),
    keras.callbacks.EarlyStopping(monitor="val_loss", patience=2, verbose=1),
]
out = io.StringIO()
with contextlib.redirect_stdout(out):
    model.fit(
        x,
        y,
        batch_size=8,
        epochs=30,
        validation_data=(x[:4], y[:4] + 3.0),
        shuffle=False,
        callbacks=callbacks,
        verbose=0,
    )
# the checkpoint's extension is each library's own (.nerve, .keras)
lines = [
    re.sub(r"best\.\w+", "best.FILE", line.strip())
    for line in out.getvalue().splitlines()
    if line.strip()
]
results = {"lines": lines}
