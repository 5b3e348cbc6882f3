"""fit() options and the History it returns: initial_epoch, validation_split,
validation_freq, history.epoch and history.params."""

import numpy as np
import keras
from keras import layers

model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(1)])
rng = np.random.default_rng(50)
model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()])
model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05), loss="mse", metrics=["mae"])
x = rng.normal(size=(25, 3)).astype("float32")
y = rng.normal(size=(25, 1)).astype("float32")
history = model.fit(
    x,
    y,
    batch_size=5,
    epochs=5,
    initial_epoch=1,
    validation_split=0.2,
    validation_freq=2,
    shuffle=False,
    verbose=0,
)
results = {
    "epoch": history.epoch,
    "keys": sorted(history.history),
    "params": {k: history.params[k] for k in ("epochs", "steps")},
    "loss": history.history["loss"],
    "val_loss": history.history["val_loss"],
}
