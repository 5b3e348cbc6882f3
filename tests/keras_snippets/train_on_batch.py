"""Model docs: train_on_batch / test_on_batch / predict_on_batch for hand-written loops over
batches."""

import numpy as np
import keras
from keras import layers

model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3, activation="softmax")])
rng = np.random.default_rng(29)
model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()])
model.compile(
    optimizer=keras.optimizers.SGD(learning_rate=0.3),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
x = rng.normal(size=(12, 4)).astype("float32")
y = rng.integers(0, 3, size=12)
train_logs = []
for i in range(0, 12, 4):
    train_logs.append(model.train_on_batch(x[i : i + 4], y[i : i + 4]))
as_dict = model.train_on_batch(x[:4], y[:4], return_dict=True)
test = model.test_on_batch(x[4:8], y[4:8])
pred = model.predict_on_batch(x[8:])
results = {"train_logs": train_logs, "as_dict": as_dict, "test": test, "pred": pred}
