"""Callbacks docs: EarlyStopping on val_loss with patience and restore_best_weights."""

import numpy as np
import keras
from keras import layers

rng = np.random.default_rng(8)
x = rng.normal(size=(40, 4)).astype("float32")
y = (x @ rng.normal(size=(4, 1)) + 0.3 * rng.normal(size=(40, 1))).astype("float32")
x_val = rng.normal(size=(20, 4)).astype("float32")
y_val = rng.normal(size=(20, 1)).astype("float32")  # unrelated to x_val: val_loss soon rises

model = keras.Sequential(
    [keras.Input(shape=(4,)), layers.Dense(16, activation="relu"), layers.Dense(1)]
)
model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()])
model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05), loss="mse")
callback = keras.callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
history = model.fit(
    x,
    y,
    batch_size=8,
    epochs=50,
    validation_data=(x_val, y_val),
    shuffle=False,
    callbacks=[callback],
    verbose=0,
)
val = history.history["val_loss"]
best = int(np.argmin(val))
assert len(val) == best + 3  # stopped after `patience` epochs without improvement
np.testing.assert_allclose(model.evaluate(x_val, y_val, verbose=0), val[best], rtol=1e-5)
results = {
    "epochs_run": len(val),
    "stopped_epoch": callback.stopped_epoch,
    "val_loss": val,
    "loss": history.history["loss"],
}
