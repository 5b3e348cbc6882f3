"""Optimizers docs: a learning-rate schedule (ExponentialDecay) passed as the learning rate."""

import numpy as np
import keras
from keras import layers

lr_schedule = keras.optimizers.schedules.ExponentialDecay(
    initial_learning_rate=0.1, decay_steps=2, decay_rate=0.5
)
optimizer = keras.optimizers.SGD(learning_rate=lr_schedule)
staircase = keras.optimizers.schedules.ExponentialDecay(
    0.1, decay_steps=3, decay_rate=0.5, staircase=True
)
piecewise = keras.optimizers.schedules.PiecewiseConstantDecay(
    boundaries=[2, 5], values=[1.0, 0.5, 0.1]
)
cosine = keras.optimizers.schedules.CosineDecay(0.1, decay_steps=10, alpha=0.1)
steps = [0, 1, 2, 3, 5, 6, 10, 12]
values = {
    "exponential": [float(lr_schedule(s)) for s in steps],
    "staircase": [float(staircase(s)) for s in steps],
    "piecewise": [float(piecewise(s)) for s in steps],
    "cosine": [float(cosine(s)) for s in steps],
}
np.testing.assert_allclose(values["exponential"], [0.1 * 0.5 ** (s / 2) for s in steps], rtol=1e-6)

model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(2)])
rng = np.random.default_rng(17)
model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()])
model.compile(optimizer=optimizer, loss="mse")
x = rng.normal(size=(16, 4)).astype("float32")
y = rng.normal(size=(16, 2)).astype("float32")
history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
results = dict(values)
results["loss"] = history.history["loss"]
results["kernel"] = model.get_weights()[0]
