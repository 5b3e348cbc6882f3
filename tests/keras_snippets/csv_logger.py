"""Callbacks docs: CSVLogger writes one row per epoch (epoch, then the logs in name order)."""

import csv

import numpy as np
import keras
from keras import layers

model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(2, activation="softmax")])
rng = np.random.default_rng(12)
model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()])
model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
x = rng.normal(size=(20, 3)).astype("float32")
y = keras.utils.to_categorical(rng.integers(0, 2, size=20), 2)
csv_logger = keras.callbacks.CSVLogger("training.log")
model.fit(
    x,
    y,
    epochs=3,
    batch_size=5,
    validation_split=0.2,
    shuffle=False,
    callbacks=[csv_logger],
    verbose=0,
)
with open("training.log") as f:
    rows = list(csv.reader(f))
header = rows[0]
values = np.array(rows[1:], dtype=float)
assert len(values) == 3 and list(values[:, 0]) == [0, 1, 2]
results = {"header": header}
for i, name in enumerate(header):
    results[name] = values[:, i]
