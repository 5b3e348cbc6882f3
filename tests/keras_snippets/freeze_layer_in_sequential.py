"""Transfer learning guide: layer.trainable = False moves a layer's weights from
trainable_weights to non_trainable_weights; fit leaves them unchanged (recompile after
changing trainable)."""

import numpy as np
import keras
from keras import layers

model = keras.Sequential(
    [keras.Input(shape=(3,)), layers.Dense(4, activation="relu"), layers.Dense(1)]
)
rng = np.random.default_rng(34)
model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()])
model.layers[0].trainable = False
counts = [len(model.weights), len(model.trainable_weights), len(model.non_trainable_weights)]
frozen = [w.copy() for w in model.layers[0].get_weights()]
model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
x = rng.normal(size=(12, 3)).astype("float32")
y = rng.normal(size=(12, 1)).astype("float32")
history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
for a, b in zip(frozen, model.layers[0].get_weights()):
    np.testing.assert_array_equal(a, b)
model.layers[0].trainable = True
model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
history_2 = model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
assert not np.allclose(frozen[0], model.layers[0].get_weights()[0])
results = {
    "counts": counts,
    "loss": history.history["loss"],
    "loss_2": history_2.history["loss"],
    "kernel": model.layers[0].get_weights()[0],
}
