"""Callbacks docs: ModelCheckpoint with save_best_only; the best model reloads with load_model."""

import os

import numpy as np
import keras
from keras import layers

rng = np.random.default_rng(9)
x = rng.normal(size=(32, 3)).astype("float32")
y = (x[:, :1] * 2 - x[:, 1:2]).astype("float32")
x_val = rng.normal(size=(16, 3)).astype("float32")
y_val = rng.normal(size=(16, 1)).astype("float32")
model = keras.Sequential(
    [keras.Input(shape=(3,)), layers.Dense(8, activation="tanh"), layers.Dense(1)]
)
model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()])
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.05), loss="mse", metrics=["mae"])
checkpoint_filepath = "checkpoint.model.nerve"
model_checkpoint_callback = keras.callbacks.ModelCheckpoint(
    filepath=checkpoint_filepath, monitor="val_mae", mode="min", save_best_only=True
)
history = model.fit(
    x,
    y,
    batch_size=8,
    epochs=8,
    validation_data=(x_val, y_val),
    shuffle=False,
    callbacks=[model_checkpoint_callback],
    verbose=0,
)
assert os.path.exists(checkpoint_filepath)
best = keras.models.load_model(checkpoint_filepath)
best_val = best.evaluate(x_val, y_val, verbose=0, return_dict=True)
np.testing.assert_allclose(best_val["mae"], min(history.history["val_mae"]), rtol=1e-5)
results = {
    "val_mae": history.history["val_mae"],
    "best_mae": best_val["mae"],
    "best_loss": best_val["loss"],
}
