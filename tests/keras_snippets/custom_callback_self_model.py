"""Writing your own callbacks guide: a Callback subclass reads self.model (its weights, its
optimizer's learning rate, the logs) and stops training through self.model.stop_training."""

import numpy as np
import keras
from keras import layers


class WeightWatcher(keras.callbacks.Callback):
    def __init__(self, stop_below):
        super().__init__()
        self.stop_below = stop_below
        self.kernel_norms = []
        self.seen = []

    def on_train_begin(self, logs=None):
        self.seen.append("train_begin")

    def on_epoch_end(self, epoch, logs=None):
        kernel = self.model.get_weights()[0]
        self.kernel_norms.append(float(np.linalg.norm(kernel)))
        self.seen.append(f"epoch_end {epoch} {sorted(logs)}")
        if logs["loss"] < self.stop_below:
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        self.seen.append("train_end")


model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(1)])
model.set_weights([np.array([[0.1], [-0.2], [0.3]], "float32"), np.zeros(1, "float32")])
model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse", metrics=["mae"])
rng = np.random.default_rng(7)
x = rng.normal(size=(16, 3)).astype("float32")
y = x @ np.array([[1.0], [2.0], [-1.0]], "float32")
watcher = WeightWatcher(stop_below=0.5)
history = model.fit(x, y, batch_size=4, epochs=20, shuffle=False, callbacks=[watcher], verbose=0)
assert len(history.history["loss"]) < 20 and history.history["loss"][-1] < 0.5
results = {
    "norms": watcher.kernel_norms,
    "seen": watcher.seen,
    "loss": history.history["loss"],
    "epochs_run": len(history.history["loss"]),
}
