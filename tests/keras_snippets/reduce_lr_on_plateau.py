"""Callbacks docs: ReduceLROnPlateau lowers the learning rate when val_loss stops improving."""

import numpy as np
import keras
from keras import layers

rng = np.random.default_rng(10)
x = rng.normal(size=(32, 4)).astype("float32")
y = rng.normal(size=(32, 1)).astype("float32")
model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(1)])
model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()])
model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.2), loss="mse")


class LearningRateLog(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.rates = []

    def on_epoch_end(self, epoch, logs=None):
        self.rates.append(float(self.model.optimizer.learning_rate))


reduce_lr = keras.callbacks.ReduceLROnPlateau(
    monitor="val_loss", factor=0.5, patience=1, min_lr=0.01
)
log = LearningRateLog()
history = model.fit(
    x,
    y,
    batch_size=8,
    epochs=12,
    validation_data=(x[:8], y[:8] + 1.0),
    shuffle=False,
    callbacks=[reduce_lr, log],
    verbose=0,
)
assert log.rates[-1] < 0.2
results = {
    "rates": log.rates,
    "val_loss": history.history["val_loss"],
    "final_lr": float(model.optimizer.learning_rate),
}
